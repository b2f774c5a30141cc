"""A shopper picks where they live, one select at a time, and sees the whole place name."""

import pytest

from shop.geo.models import Area
from shop.geo.selectors.areas import area_ancestors, area_choices, area_countries
from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def almamya():
    guinea = AreaFactory(name="Guinea", code="GN")
    conakry = AreaFactory(name="Conakry", parent=guinea)
    kaloum = AreaFactory(name="Kaloum", parent=conakry)
    return AreaFactory(name="Almamya", parent=kaloum)


def test_a_quartier_reads_as_its_full_address(almamya):
    assert almamya.full_name == "Almamya, Kaloum, Conakry, Guinea"
    assert almamya.parent.full_name == "Kaloum, Conakry, Guinea"
    assert str(almamya.parent.parent) == "Conakry, Guinea"


def test_ancestors_come_country_first_in_one_query(almamya, django_assert_num_queries):
    fresh = Area.objects.get(pk=almamya.pk)

    with django_assert_num_queries(1):
        ancestors = area_ancestors(area=fresh)
        full_name = fresh.full_name

    assert [area.name for area in ancestors] == ["Guinea", "Conakry", "Kaloum"]
    assert full_name == "Almamya, Kaloum, Conakry, Guinea"


def test_ancestors_of_an_area_loaded_with_its_parents_cost_no_query(almamya, django_assert_num_queries):
    loaded = Area.objects.with_ancestors().get(pk=almamya.pk)

    with django_assert_num_queries(0):
        assert [area.name for area in area_ancestors(area=loaded)] == ["Guinea", "Conakry", "Kaloum"]


def test_a_country_has_no_ancestors(almamya, django_assert_num_queries):
    guinea = Area.objects.get(code="GN")

    with django_assert_num_queries(0):
        assert area_ancestors(area=guinea) == []


def test_countries_are_the_top_level_areas(almamya):
    kenya = AreaFactory(name="Kenya", code="KE")
    AreaFactory(name="Nairobi", parent=kenya)

    assert [area.name for area in area_countries()] == ["Guinea", "Kenya"]


def test_cascading_selects_offer_the_next_level_down(almamya):
    kaloum = almamya.parent
    conakry = kaloum.parent
    guinea = conakry.parent
    kindia = AreaFactory(name="Kindia", parent=guinea)
    AreaFactory(name="Dixinn", parent=conakry)
    boulbinet = AreaFactory(name="Boulbinet", parent=kaloum)

    assert area_choices(parent=None) == [(guinea.pk, "Guinea")]
    assert area_choices(parent=guinea) == [(conakry.pk, "Conakry"), (kindia.pk, "Kindia")]
    assert [name for _, name in area_choices(parent=conakry.pk)] == ["Dixinn", "Kaloum"]
    assert area_choices(parent=kaloum.pk) == [(almamya.pk, "Almamya"), (boulbinet.pk, "Boulbinet")]


def test_cascading_select_below_a_quartier_or_an_unknown_id_is_empty(almamya):
    assert area_choices(parent=almamya) == []
    assert area_choices(parent=987654) == []
