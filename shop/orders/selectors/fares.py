"""What a courier's delivery costs: ``distance_km × rate + bonus`` (the job's commission),
and the fare a buyer pays at checkout when the store passes couriers' commissions on
(``Store.courier_fee_payer == "buyer"``: the commission without a bonus, for the distance).

The distance is the straight line (haversine) from the pickup point to the drop-off
point: the store's pin, else the centroid of its area (or the nearest area above it that
has one); the buyer's pin, else the centroid of the address's area. With neither point
known the distance is 0 and the commission is the bonus alone. Kilometres are rounded to
two decimals, the commission to the currency's minor unit, half up.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from shop.core.selectors.currencies import money_cash_round
from shop.geo.selectors.areas import area_path
from shop.geo.selectors.distance import haversine_km

KM = Decimal("0.01")


@dataclass(frozen=True)
class Point:
    latitude: Decimal
    longitude: Decimal


def rate_per_km(currency: str) -> Decimal:
    return settings.SOKO_COURIER_RATES_PER_KM.get(currency, settings.SOKO_COURIER_RATE_PER_KM)


def commission_for(*, distance_km: Decimal, currency: str, bonus: Decimal = Decimal("0")) -> Decimal:
    """The courier's fare: the kilometres at the currency's rate, in whole cash units
    (``money_cash_round``), plus the bonus as it was typed."""
    return money_cash_round(distance_km * rate_per_km(currency), currency) + bonus


def distance_between(start: Point | None, end: Point | None) -> Decimal:
    if start is None or end is None:
        return Decimal("0.00")
    km = haversine_km(start.latitude, start.longitude, end.latitude, end.longitude)
    return Decimal(repr(km)).quantize(KM, rounding=ROUND_HALF_UP)


def point_of(*, latitude, longitude, area) -> Point | None:
    """The pinned point, else the centroid of ``area`` or of the closest area above it."""
    if latitude is not None and longitude is not None:
        return Point(Decimal(latitude), Decimal(longitude))
    if area is None:
        return None
    for place in reversed(area_path(area=area)):
        if place.latitude is not None and place.longitude is not None:
            return Point(place.latitude, place.longitude)
    return None


def store_point(store) -> Point | None:
    return point_of(latitude=store.latitude, longitude=store.longitude, area=store.area)


def courier_fare(*, store, dropoff: Point | None) -> Decimal:
    """What the buyer pays a store that passes the courier's commission on, for delivery to
    ``dropoff``; 0 for a store that pays couriers itself, or when a point is unknown."""
    if store.courier_fee_payer != "buyer" or dropoff is None:
        return Decimal("0")
    start = store_point(store)
    if start is None:
        return Decimal("0")
    return commission_for(distance_km=distance_between(start, dropoff), currency=store.currency)
