"""Product page views and "Add to cart" clicks, counted without a database write per request.

A request adds one to a counter in the cache (Redis at scale, the process's memory in the
embedded mode), keyed by the kind of event, the UTC hour and the product's slug: the slug is
all a product page served from the page cache knows. Each hour keeps a small registry of its
counters (a count and numbered slots, each written once, when its counter is created), so
the flush can find them with the cache's ordinary operations.

``product_activity_flush`` (a periodic task, every minute) claims what each counter holds by
*decrementing* it by the amount it read, and adds that amount to ``ProductDayStats`` with
``F()`` increments, on the store's own calendar day for that hour. Clicks that arrive
between the read and the decrement stay in the counter for the next flush. Two flushes that
overlap cannot both claim the same clicks: one whose decrement goes below zero gives the
shortfall back and claims only what was there. A failed database write gives back
everything it claimed.

Counts for a product whose slug changed or that was deleted before the flush are dropped.
"""

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.catalog.models import Product, ProductDayStats
from shop.core.services.cache import counter_next

log = logging.getLogger(__name__)

VIEW = "view"
CART_ADD = "cart"
KINDS = (VIEW, CART_ADD)
# A counter outlives a worker that is down for a while; the flush looks back as far.
KEEP_SECONDS = 2 * 24 * 3600
LOOKBACK_HOURS = 24
# A request that read the clock just before the hour turned still adds to that hour's counter.
HOUR_GRACE = timedelta(minutes=2)
PREFIX = "activity"


def _hour(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H")


def _hour_start(hour: str) -> datetime:
    return datetime.strptime(hour, "%Y%m%d%H").replace(tzinfo=UTC)


def product_activity_count(*, slug: str, kind: str, at: datetime | None = None) -> None:
    """One more ``kind`` (VIEW or CART_ADD) for the product ``slug``: two round trips to
    Redis, four the first time in an hour. A cache that fails loses the click, never the page."""
    hour = _hour(at or timezone.now())
    key = f"{PREFIX}:{kind}:{hour}:{slug}"
    try:
        if cache.add(key, 0, KEEP_SECONDS):
            _register(hour, key)
        counter_next(key, timeout=KEEP_SECONDS)
    except Exception:  # a view count is not worth a failed page
        log.warning("product activity not counted: %s", key, exc_info=True)


def _register(hour: str, key: str) -> None:
    slot = counter_next(f"{PREFIX}:{hour}:n", timeout=KEEP_SECONDS)
    cache.set(f"{PREFIX}:{hour}:{slot}", key, KEEP_SECONDS)


def _claim(key: str, value: int) -> int:
    """Take ``value`` out of the counter; what another flush took first is given back."""
    left = cache.decr(key, value)
    if left >= 0:
        return value
    given_back = min(value, -left)
    cache.incr(key, given_back)
    return value - given_back


def product_activity_flush(*, now: datetime | None = None) -> int:
    """Move the buffered counts into ``ProductDayStats``; returns how many were moved."""
    now = now or timezone.now()
    hours = [_hour(now - timedelta(hours=back)) for back in range(LOOKBACK_HOURS)]
    done = cache.get_many([f"{PREFIX}:{hour}:done" for hour in hours])
    open_hours = [hour for hour in hours if f"{PREFIX}:{hour}:done" not in done]
    counts = cache.get_many([f"{PREFIX}:{hour}:n" for hour in open_hours])
    slots = {
        hour: [f"{PREFIX}:{hour}:{slot}" for slot in range(1, (counts.get(f"{PREFIX}:{hour}:n") or 0) + 1)]
        for hour in open_hours
    }
    counter_keys = cache.get_many([slot for hour_slots in slots.values() for slot in hour_slots])
    values = cache.get_many(list(counter_keys.values()))
    claimed = {}
    for key, value in values.items():
        if value > 0 and (amount := _claim(key, value)):
            claimed[key] = amount
    try:
        _store(claimed)
    except Exception:
        for key, amount in claimed.items():
            cache.incr(key, amount)
        raise
    finished = [
        f"{PREFIX}:{hour}:done"
        for hour in open_hours
        if _hour_start(hour) + timedelta(hours=1) + HOUR_GRACE < now and all(slot in counter_keys for slot in slots[hour])
    ]
    cache.set_many(dict.fromkeys(finished, True), KEEP_SECONDS)
    return sum(claimed.values())


def _store(claimed: dict[str, int]) -> None:
    parsed = [(key.split(":", 3), amount) for key, amount in claimed.items()]
    products = {
        slug: (pk, ZoneInfo(time_zone))
        for slug, pk, time_zone in Product.objects.filter(slug__in={parts[3] for parts, _ in parsed}).values_list(
            "slug", "pk", "store__time_zone"
        )
    }
    totals: dict[tuple[int, object], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for (_prefix, kind, hour, slug), amount in parsed:
        if slug in products:
            pk, zone = products[slug]
            totals[pk, _hour_start(hour).astimezone(zone).date()][kind] += amount
    if not totals:
        return
    with transaction.atomic():
        ProductDayStats.objects.bulk_create(
            [ProductDayStats(product_id=pk, day=day) for pk, day in totals], ignore_conflicts=True
        )
        for (pk, day), amounts in sorted(totals.items()):
            ProductDayStats.objects.filter(product_id=pk, day=day).update(
                views=F("views") + amounts[VIEW], cart_adds=F("cart_adds") + amounts[CART_ADD]
            )
