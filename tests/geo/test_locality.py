"""What "local" means for a store's delivery, on the shipped area trees: the town or city
a place lies in (Conakry as a whole, Nairobi, Lahore, a Guinean prefecture's town)."""

import pytest

from shop.geo.models import Area
from shop.geo.selectors.areas import area_country, area_locality, area_within
from shop.geo.services import areas_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas():
    areas_load(country_codes=["GN", "KE", "PK"])


def place(*names) -> Area:
    """The area at the end of ``names``, walked down from the country."""
    area = Area.objects.get(name=names[0], parent__isnull=True)
    for name in names[1:]:
        area = area.children.get(name=name)
    return area


def test_a_kaloum_shop_is_local_to_the_whole_of_conakry(areas):
    almamya = place("Guinea", "Conakry", "Kaloum", "Almamya")

    locality = area_locality(area=almamya)

    assert locality == place("Guinea", "Conakry")
    assert area_within(area=place("Guinea", "Conakry", "Ratoma"), outer=locality)
    assert not area_within(area=place("Guinea", "Kindia", "Coyah"), outer=locality)


def test_outside_conakry_a_guinean_town_is_its_prefecture(areas):
    assert area_locality(area=place("Guinea", "Kindia", "Coyah")) == place("Guinea", "Kindia", "Coyah")


def test_a_nairobi_estate_is_local_to_nairobi_and_a_lahore_shop_to_lahore(areas):
    westlands = place("Kenya", "Nairobi", "Nairobi", "Westlands")
    assert area_locality(area=westlands) == place("Kenya", "Nairobi", "Nairobi")
    lahore = place("Pakistan", "Punjab", "Lahore")
    assert area_locality(area=lahore) == lahore
    assert not area_within(area=place("Pakistan", "Punjab", "Rawalpindi"), outer=lahore)


def test_a_store_that_gave_only_its_county_is_local_to_that_county(areas):
    county = Area.objects.get(code="KE-01")
    assert area_locality(area=county) == county


def test_the_country_of_an_area(areas):
    assert area_country(area=place("Guinea", "Conakry", "Kaloum")) == place("Guinea")


def test_only_conakry_is_loaded_as_a_region_that_is_one_city(areas):
    assert list(Area.objects.filter(is_city=True).values_list("code", flat=True)) == ["GN-C"]
