"""Spans of time in words, in the reader's language ("3 hours ago", "il y a 3 heures",
"saa 3 zilizopita", "3 گھنٹے پہلے"), from the CLDR data Babel carries: Django's own
``timesince`` and ``naturaltime`` know few of Soko's languages and fall back to English.

``time_ago`` says how long ago (or how soon) a moment is, rounded to one unit; ``time_span``
says how long something lasts, in its two largest units ("2 hours, 40 minutes"), for
countdowns and waiting times where the minutes matter."""

from datetime import datetime, timedelta

from babel.dates import format_timedelta
from babel.lists import format_list
from django.utils import timezone

from shop.core.selectors.money import reader_locale

UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60))


def time_ago(moment: datetime, *, now: datetime | None = None) -> str:
    """``moment`` from now, with its direction: "3 hours ago", "in 2 days"."""
    if not moment:
        return ""
    now = now or timezone.now()
    return format_timedelta(moment - now, add_direction=True, locale=reader_locale())


def time_span(length: timedelta) -> str:
    """How long ``length`` lasts, in its two largest units: "1 day, 4 hours", "2 hours, 40
    minutes", "45 seconds"."""
    seconds = max(int(length.total_seconds()), 0)
    locale = reader_locale()
    if seconds < 60:
        return format_timedelta(timedelta(seconds=seconds), threshold=1, locale=locale)
    amounts = []
    for unit, size in UNITS:
        amount, seconds = divmod(seconds, size)
        amounts.append((unit, amount))
    first = next(index for index, (_, amount) in enumerate(amounts) if amount)
    parts = [
        format_timedelta(timedelta(**{unit: amount}), threshold=1, granularity=unit[:-1], locale=locale)
        for unit, amount in amounts[first : first + 2]
        if amount
    ]
    return format_list(parts, "unit", locale=locale)  # "2 hours, 40 minutes", not "… and …"


def time_until(moment: datetime, *, now: datetime | None = None) -> str:
    """How long until ``moment`` (nothing left once it has passed)."""
    return time_span(moment - (now or timezone.now())) if moment else ""


def time_since(moment: datetime, *, now: datetime | None = None) -> str:
    """How long since ``moment``."""
    return time_span((now or timezone.now()) - moment) if moment else ""
