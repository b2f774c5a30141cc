"""Great-circle distance, in Python and as an ORM expression that computes the same number.

Both use the haversine formula on a sphere of the Earth's mean radius. Over the distances
a courier drives the spherical error (under 0.5 %) is far below the difference between a
straight line and a road; callers that turn kilometres into money round the result to a
Decimal themselves.
"""

import math
from decimal import Decimal

from django.db.models import Case, F, FloatField, Func, Value, When
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt
from django.db.models.lookups import GreaterThan

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

Number = float | int | Decimal


def haversine_km(lat1: Number, lon1: Number, lat2: Number, lon2: Number) -> float:
    """Straight-line distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # Rounding can push `a` a hair past 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _as_float_expression(value, *, field_names: bool):
    if field_names and isinstance(value, str):
        return Cast(F(value), FloatField())
    if hasattr(value, "resolve_expression"):
        return Cast(value, FloatField())
    return Value(float(value), output_field=FloatField())


class HaversineKm(Func):
    """Distance in kilometres from each row's point to a fixed one (or another row's).

    ``Area.objects.annotate(distance_km=HaversineKm("latitude", "longitude", lat, lng))``.
    The first two are field names or expressions; the point is numbers (a Decimal, float
    or numeric string) or expressions such as ``F("parent__latitude")``.
    Built only from Django's math functions, which PostgreSQL has and Django registers on
    SQLite, so both databases return the same figures as ``haversine_km``. Rows without
    coordinates get NULL.
    """

    template = "(%(expressions)s)"
    output_field = FloatField()

    def __init__(self, lat_field, lng_field, lat, lng, **extra):
        # DecimalField columns are cast: PostgreSQL's trigonometry takes double precision.
        phi1 = Radians(_as_float_expression(lat_field, field_names=True))
        lambda1 = Radians(_as_float_expression(lng_field, field_names=True))
        phi2 = Radians(_as_float_expression(lat, field_names=False))
        lambda2 = Radians(_as_float_expression(lng, field_names=False))
        half_chord = Power(Sin((phi2 - phi1) / 2), 2) + Cos(phi1) * Cos(phi2) * Power(Sin((lambda2 - lambda1) / 2), 2)
        one = Value(1.0, output_field=FloatField())
        # A CASE rather than LEAST: PostgreSQL's LEAST skips NULLs, so a row without
        # coordinates would come out half the globe away instead of NULL.
        root = Sqrt(half_chord)
        central_angle = ASin(Case(When(GreaterThan(root, one), then=one), default=root, output_field=FloatField()))
        distance = Value(2 * EARTH_RADIUS_KM, output_field=FloatField()) * central_angle
        super().__init__(distance, output_field=FloatField(), **extra)
