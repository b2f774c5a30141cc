"""Opening hours: is a store open at a given moment, in its own time zone?

Pure functions over a store and its ``StoreHours`` rows: with the rows prefetched
(``prefetch_related("hours")``) they query nothing, so a list of stores can show an
"Open now" badge on each. ``stores_open_at`` is the same rule as a database filter.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Store, StoreHours


def _period_covers(hours: StoreHours, moment: time) -> bool:
    """Does this day's period cover ``moment`` on the same calendar day?"""
    if hours.closed:
        return False
    if hours.closes > hours.opens:
        return hours.opens <= moment < hours.closes
    # Past midnight (or around the clock): from opening until the end of the day.
    return moment >= hours.opens


def _period_spills_over(hours: StoreHours, moment: time) -> bool:
    """Does the previous day's period run past midnight and still cover ``moment``?"""
    if hours.closed or hours.closes > hours.opens:
        return False
    return moment < hours.closes


def store_local_time(*, store: Store, at: datetime) -> datetime:
    return at.astimezone(zoneinfo.ZoneInfo(store.time_zone))


def store_is_open(*, store: Store, at: datetime) -> bool:
    """True when ``at`` (an aware datetime) falls in the store's opening hours.

    A store without hours for a weekday is closed that day; callers that want to tell
    "closed" from "hours not given" check ``store.hours`` first.
    """
    local = store_local_time(store=store, at=at)
    by_weekday = {hours.weekday: hours for hours in store.hours.all()}
    today = by_weekday.get(local.weekday())
    yesterday = by_weekday.get((local.weekday() - 1) % 7)
    moment = local.time().replace(tzinfo=None)
    return bool(
        (today is not None and _period_covers(today, moment))
        or (yesterday is not None and _period_spills_over(yesterday, moment))
    )


def store_hours_change_next(*, store: Store, at: datetime) -> datetime:
    """No later than the next moment after ``at`` at which the store's page would say
    something else about its hours: it opens or closes, or its day (the week's "today")
    ends. Every opening and closing time is taken on today and tomorrow, whatever its
    weekday: at worst a moment too early, never one too late."""
    local = store_local_time(store=store, at=at)
    zone = local.tzinfo
    moments = [datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)]
    for hours in store.hours.all():
        for moment in (hours.opens, hours.closes):
            if moment is not None:
                for day in (local.date(), local.date() + timedelta(days=1)):
                    moments.append(datetime.combine(day, moment, tzinfo=zone))
    return min(moment for moment in moments if moment > local)


def stores_open_at(queryset: QuerySet[Store], *, at: datetime) -> QuerySet[Store]:
    """The stores of ``queryset`` open at ``at``: ``store_is_open`` as one SQL filter.

    Each time zone in use gets its own local weekday and time; there are few of them,
    and one query finds which.
    """
    condition = Q(pk__in=[])
    for name in queryset.order_by().values_list("time_zone", flat=True).distinct():
        try:
            local = at.astimezone(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        moment = local.time().replace(tzinfo=None, microsecond=0)
        weekday = local.weekday()
        open_days = StoreHours.objects.filter(store=OuterRef("pk"), closed=False)
        today = open_days.filter(weekday=weekday, opens__lte=moment).filter(
            Q(closes__gt=F("opens")) & Q(closes__gt=moment) | Q(closes__lte=F("opens"))
        )
        spill = open_days.filter(weekday=(weekday - 1) % 7, closes__lte=F("opens"), closes__gt=moment)
        condition |= Q(time_zone=name) & (Exists(today) | Exists(spill))
    return queryset.filter(condition)


@dataclass(frozen=True)
class WeekRow:
    weekday: int
    label: str
    text: str
    is_today: bool


def store_week(*, store: Store, at: datetime) -> list[WeekRow]:
    """Monday to Sunday as the store page lists them, with today marked (store's time)."""
    today = store_local_time(store=store, at=at).weekday()
    by_weekday = {hours.weekday: hours for hours in store.hours.all()}
    rows = []
    for weekday, label in StoreHours.Weekday.choices:
        hours = by_weekday.get(weekday)
        if hours is None or hours.closed:
            text = _("Closed")
        elif hours.around_the_clock and hours.opens == time(0):
            text = _("Open 24 hours")
        else:
            text = f"{hours.opens:%H:%M} – {hours.closes:%H:%M}"
            if hours.past_midnight or hours.around_the_clock:
                text += _(" (next day)")
        rows.append(WeekRow(weekday=weekday, label=label, text=text, is_today=weekday == today))
    return rows
