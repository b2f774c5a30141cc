"""Spans of time in words, in the reader's language ("3 hours ago", "il y a 3 heures",
"saa 3 zilizopita", "3 گھنٹے پہلے"), from the CLDR data Babel carries: Django's own
``timesince`` and ``naturaltime`` know few of Soko's languages and fall back to English.

``time_ago`` says how long ago (or how soon) a moment is, rounded to one unit; ``time_span``
says how long something lasts, in its two largest units ("2 hours, 40 minutes"), for
countdowns and waiting times where the minutes matter.

``local_time_mark`` and ``local_times_fill`` show a moment in each reader's zone when one
copy of a fragment goes to readers in many zones (an auction's watchers): the copy carries
each moment as a marker (its instant and its ``date`` format), and the socket fills the
markers in for its reader's language and zone."""

import re
import zoneinfo
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_timedelta
from babel.lists import format_list
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shop.core.selectors.money import reader_locale

# An HTML comment: escaped text (what people typed) cannot make one.
TIME_MARK = re.compile(r"<!--soko:time:([^|>]+)\|([^>]*?)-->")

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


def local_time_mark(moment: datetime, form: str) -> SafeString:
    """A marker for ``moment`` shown with ``date`` format ``form``, for ``local_times_fill``."""
    return mark_safe(f"<!--soko:time:{moment.isoformat()}|{form}-->")


# A push's copy is one string shared by every socket of the process that reads it, so its
# hash is computed once and a hit is found by identity: the markers of one push are filled
# once per (language, zone) among the sockets, not once per socket.
@lru_cache(maxsize=256)
def local_times_fill(html: str, language: str, zone: str | None) -> str:
    """``html`` with each ``local_time_mark`` shown in ``language`` and ``zone`` (None: the
    site's TIME_ZONE), as the ``date`` filter shows it on a page."""
    if "<!--soko:time:" not in html:
        return html
    return TIME_MARK.sub(lambda mark: _time_shown(mark[1], mark[2], language, zone), html)


# The next push shows the same bids again: each is formatted once per (language, zone).
@lru_cache(maxsize=4096)
def _time_shown(instant: str, form: str, language: str, zone: str | None) -> str:
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone) if zone else None):
        return escape(date_format(timezone.localtime(datetime.fromisoformat(instant)), form))
