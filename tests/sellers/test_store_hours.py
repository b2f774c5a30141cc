"""Is the store open? Weekly hours in the store's own time zone, across midnight and closed days."""

from datetime import UTC, datetime, time, timedelta

import pytest

from sellers.hours import store_is_open, store_week, stores_open_at
from sellers.models import Store
from tests.factories import StoreFactory
from tests.factories.stores import StoreHoursFactory, store_hours_week

pytestmark = pytest.mark.django_db

# 2026-11-16 is a Monday.
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def at(day_offset: int, hour: int, minute: int = 0, tz=UTC) -> datetime:
    return (MONDAY + timedelta(days=day_offset)).replace(hour=hour, minute=minute, tzinfo=tz)


def test_a_store_is_open_between_opening_and_closing_and_closed_at_closing_time():
    store = StoreFactory(time_zone="UTC")
    store_hours_week(store, opens=time(9), closes=time(17))

    assert not store_is_open(store=store, at=at(0, 8, 59))
    assert store_is_open(store=store, at=at(0, 9, 0))
    assert store_is_open(store=store, at=at(0, 16, 59))
    assert not store_is_open(store=store, at=at(0, 17, 0))


def test_a_store_closed_on_sunday_is_closed_all_sunday():
    store = StoreFactory(time_zone="UTC")
    store_hours_week(store, closed_days=[6])

    assert store_is_open(store=store, at=at(5, 12))  # Saturday noon
    assert not store_is_open(store=store, at=at(6, 12))  # Sunday noon


def test_a_bar_open_until_two_is_still_open_after_midnight_into_the_next_day():
    store = StoreFactory(time_zone="UTC")
    StoreHoursFactory(store=store, weekday=4, opens=time(18), closes=time(2))  # Friday 18:00–02:00
    StoreHoursFactory(store=store, weekday=5, closed=True, opens=None, closes=None)

    assert not store_is_open(store=store, at=at(4, 17, 59))
    assert store_is_open(store=store, at=at(4, 23, 30))  # Friday night
    assert store_is_open(store=store, at=at(5, 1, 59))  # Saturday small hours, though Saturday is closed
    assert not store_is_open(store=store, at=at(5, 2, 0))
    assert not store_is_open(store=store, at=at(3, 1, 0))  # Thursday night was not a late one


def test_a_late_sunday_spills_into_monday_across_the_week_boundary():
    store = StoreFactory(time_zone="UTC")
    StoreHoursFactory(store=store, weekday=6, opens=time(20), closes=time(3))

    assert store_is_open(store=store, at=at(7, 2, 30))  # the next Monday
    assert not store_is_open(store=store, at=at(7, 3, 30))


def test_zero_to_zero_means_open_around_the_clock():
    store = StoreFactory(time_zone="UTC")
    StoreHoursFactory(store=store, weekday=0, opens=time(0), closes=time(0))

    assert store_is_open(store=store, at=at(0, 0, 0))
    assert store_is_open(store=store, at=at(0, 23, 59))
    assert not store_is_open(store=store, at=at(1, 0, 0))  # Tuesday has no hours


def test_opening_hours_are_read_in_the_store_time_zone_not_the_server_one():
    nairobi = StoreFactory(time_zone="Africa/Nairobi")  # UTC+3
    conakry = StoreFactory(time_zone="Africa/Conakry")  # UTC+0
    karachi = StoreFactory(time_zone="Asia/Karachi")  # UTC+5
    for store in (nairobi, conakry, karachi):
        store_hours_week(store, opens=time(8), closes=time(18))

    moment = at(0, 6, 30)  # 06:30 UTC on Monday

    assert store_is_open(store=nairobi, at=moment)  # 09:30 in Nairobi
    assert not store_is_open(store=conakry, at=moment)  # 06:30 in Conakry
    assert store_is_open(store=karachi, at=moment)  # 11:30 in Karachi
    assert not store_is_open(store=karachi, at=at(0, 13, 0))  # 18:00 in Karachi: just closed


def test_a_weekday_is_the_store_local_weekday():
    store = StoreFactory(time_zone="Pacific/Auckland")  # UTC+13 in November
    StoreHoursFactory(store=store, weekday=1, opens=time(9), closes=time(12))  # Tuesday only

    # Monday 21:00 UTC is Tuesday 10:00 in Auckland.
    assert store_is_open(store=store, at=at(0, 21, 0))


def test_a_store_without_hours_is_never_open():
    store = StoreFactory(time_zone="UTC")

    assert not store_is_open(store=store, at=at(0, 12))


def test_prefetched_hours_cost_no_queries(django_assert_num_queries):
    store_hours_week(StoreFactory(time_zone="Africa/Nairobi"))
    store = Store.objects.prefetch_related("hours").get()

    with django_assert_num_queries(0):
        store_is_open(store=store, at=at(2, 10))
        store_week(store=store, at=at(2, 10))


def test_the_week_lists_each_day_marks_today_and_says_when_a_day_runs_past_midnight():
    store = StoreFactory(time_zone="Africa/Nairobi")
    store_hours_week(store, closed_days=[6], friday=(time(18), time(2)), saturday=(time(0), time(0)))

    week = store_week(store=store, at=at(2, 12))  # Wednesday

    assert [row.label for row in week][:2] == ["Monday", "Tuesday"]
    assert week[0].text == "09:00 – 17:00"
    assert week[4].text == "18:00 – 02:00 (next day)"
    assert week[5].text == "Open 24 hours"
    assert week[6].text == "Closed"
    assert [row.is_today for row in week] == [False, False, True, False, False, False, False]


@pytest.mark.parametrize("utc_hour", [0, 1, 2, 5, 6, 8, 11, 14, 16, 17, 19, 21, 22, 23])
@pytest.mark.parametrize("day", range(7))
def test_the_open_now_database_filter_agrees_with_the_badge(day, utc_hour):
    late = StoreFactory(time_zone="Africa/Nairobi")
    store_hours_week(late, opens=time(18), closes=time(2), closed_days=[2])
    office = StoreFactory(time_zone="Asia/Karachi")
    store_hours_week(office, opens=time(9), closes=time(17), closed_days=[5, 6])
    always = StoreFactory(time_zone="America/Lima")
    store_hours_week(always, opens=time(0), closes=time(0), closed_days=[0])
    StoreFactory(time_zone="UTC")  # no hours at all
    moment = at(day, utc_hour, 30)

    in_sql = set(stores_open_at(Store.objects.all(), at=moment))
    in_python = {store for store in Store.objects.prefetch_related("hours") if store_is_open(store=store, at=moment)}

    assert in_sql == in_python
