"""Couriers are paid by the kilometre: the straight-line distance must be right in Python and in SQL."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from shop.geo.models import Area
from shop.geo.selectors.distance import HaversineKm, haversine_km
from tests.geo.factories import AreaFactory

NAIROBI_CBD = (-1.2841, 36.8233)
MOMBASA = (-4.0435, 39.6682)
KALOUM = (9.5092, -13.7122)
KINDIA = (10.0569, -12.8658)


def test_nairobi_cbd_to_mombasa_is_about_440_km():
    assert haversine_km(*NAIROBI_CBD, *MOMBASA) == pytest.approx(440, abs=5)


def test_kaloum_to_kindia_is_110_to_130_km_as_the_crow_flies():
    assert 110 <= haversine_km(*KALOUM, *KINDIA) <= 130


def test_distance_is_symmetric_and_zero_at_the_same_point():
    assert haversine_km(*KALOUM, *KINDIA) == pytest.approx(haversine_km(*KINDIA, *KALOUM))
    assert haversine_km(*KALOUM, *KALOUM) == 0


def test_distance_accepts_decimals_as_stored_on_areas():
    assert haversine_km(Decimal("-1.284100"), Decimal("36.823300"), *MOMBASA) == pytest.approx(
        haversine_km(*NAIROBI_CBD, *MOMBASA)
    )


def test_opposite_sides_of_the_earth_do_not_break_the_formula():
    assert haversine_km(0, 0, 0, 180) == pytest.approx(20015.1, abs=0.1)


@pytest.fixture
def places(db):
    kenya = AreaFactory(name="Kenya", code="KE", latitude=-0.0236, longitude=37.9062)
    guinea = AreaFactory(name="Guinea", code="GN", latitude=9.9456, longitude=-9.6966)
    return {
        "mombasa": AreaFactory(name="Mombasa", parent=kenya, latitude=MOMBASA[0], longitude=MOMBASA[1]),
        "nairobi": AreaFactory(name="Nairobi", parent=kenya, latitude=-1.2864, longitude=36.8172),
        "kindia": AreaFactory(name="Kindia", parent=guinea, latitude=KINDIA[0], longitude=KINDIA[1]),
        "conakry": AreaFactory(name="Conakry", parent=guinea, latitude=KALOUM[0], longitude=KALOUM[1]),
        "nowhere": AreaFactory(name="Unmapped", parent=guinea),
    }


def database_agrees_with_python(places):
    areas = Area.objects.annotate(distance_km=HaversineKm("latitude", "longitude", *NAIROBI_CBD)).order_by("name")
    by_name = {area.name: area for area in areas}

    for name in ["Mombasa", "Nairobi", "Kindia", "Conakry", "Kenya", "Guinea"]:
        area = by_name[name]
        assert area.distance_km == pytest.approx(haversine_km(*NAIROBI_CBD, area.latitude, area.longitude), abs=1e-6)
    assert by_name["Mombasa"].distance_km == pytest.approx(440, abs=5)
    assert by_name["Unmapped"].distance_km is None

    from_kaloum = Area.objects.annotate(distance_km=HaversineKm("latitude", "longitude", *KALOUM)).get(name="Kindia")
    assert 110 <= from_kaloum.distance_km <= 130
    assert from_kaloum.distance_km == pytest.approx(haversine_km(*KALOUM, *KINDIA), abs=1e-6)


@pytest.mark.postgres
def test_postgresql_computes_the_same_distances_as_python(places):
    assert connection.vendor == "postgresql"
    database_agrees_with_python(places)


def test_sqlite_computes_the_same_distances_as_python(places):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded mode's database; this run uses PostgreSQL")
    database_agrees_with_python(places)


def test_ordering_by_the_annotation_works_with_a_distance_between_two_columns(places):
    # Distance from each area to its own country's centre: both ends are columns.
    areas = (
        Area.objects.filter(parent__isnull=False, latitude__isnull=False)
        .annotate(distance_km=HaversineKm("latitude", "longitude", F("parent__latitude"), F("parent__longitude")))
        .order_by("distance_km")
    )

    assert [area.name for area in areas] == ["Nairobi", "Kindia", "Conakry", "Mombasa"]


def test_a_point_typed_into_a_form_is_a_number_not_a_field_name(places):
    nearest = Area.objects.annotate(distance_km=HaversineKm("latitude", "longitude", "-1.2841", "36.8233"))

    assert nearest.get(name="Nairobi").distance_km < 1
