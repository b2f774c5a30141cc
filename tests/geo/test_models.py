"""Staff build the area tree by hand; the tree keeps its shape."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from shop.geo.models import Area, AreaKind
from shop.geo.services import area_upsert
from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conakry():
    guinea = AreaFactory(name="Guinea", code="GN")
    return AreaFactory(name="Conakry", parent=guinea)


def test_a_commune_goes_under_a_region(conakry):
    kaloum = Area(name="Kaloum", slug="kaloum", kind=AreaKind.DISTRICT, parent=conakry)

    kaloum.full_clean()


def test_a_neighbourhood_cannot_skip_the_district_level(conakry):
    almamya = Area(name="Almamya", slug="almamya", kind=AreaKind.NEIGHBOURHOOD, parent=conakry)

    with pytest.raises(ValidationError) as exc:
        almamya.full_clean()

    assert exc.value.message_dict["parent"] == [
        "A neighbourhood belongs in a district; Conakry is a region."
    ]


def test_a_country_has_no_parent(conakry):
    with pytest.raises(ValidationError, match="A country is the top of the tree"):
        Area(name="Kenya", slug="kenya", kind=AreaKind.COUNTRY, parent=conakry).full_clean()


def test_a_region_needs_a_country():
    with pytest.raises(ValidationError, match="A region needs a country"):
        Area(name="Nairobi", slug="nairobi", kind=AreaKind.REGION).full_clean()


def test_the_database_refuses_a_region_without_a_parent_too():
    with pytest.raises(IntegrityError):
        Area.objects.create(name="Nairobi", slug="nairobi", kind=AreaKind.REGION)


def test_a_region_with_districts_cannot_become_a_district(conakry):
    AreaFactory(name="Kaloum", parent=conakry)
    conakry.kind = AreaKind.DISTRICT

    with pytest.raises(ValidationError) as exc:
        conakry.full_clean()

    assert exc.value.message_dict["kind"] == [
        "The areas inside this one would no longer be one level below it; move them first."
    ]


def test_the_same_name_may_be_used_under_different_parents(conakry):
    kindia_region = AreaFactory(name="Kindia", parent=conakry.parent)

    kindia_prefecture = AreaFactory.build(name="Kindia", parent=kindia_region)
    kindia_prefecture.full_clean()
    kindia_prefecture.save()

    assert kindia_prefecture.full_name == "Kindia, Kindia, Guinea"


def test_two_districts_with_one_slug_in_the_same_region_are_refused(conakry):
    AreaFactory(name="Kaloum", parent=conakry)

    with pytest.raises(ValidationError, match="already exists"):
        AreaFactory.build(name="Kaloum", parent=conakry).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaFactory(name="Kaloum", parent=conakry)


def test_two_countries_cannot_share_a_slug_even_though_their_parent_is_null():
    AreaFactory(name="Guinea", code="GN")

    with pytest.raises(ValidationError):
        AreaFactory.build(name="Guinea", code="GQ").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaFactory(name="Guinea", code="GQ")


def test_two_countries_cannot_share_an_iso_code_but_may_both_have_none():
    AreaFactory(name="Guinea", code="GN")
    AreaFactory(name="Atlantis")
    AreaFactory(name="Lemuria")

    with pytest.raises(ValidationError):
        AreaFactory.build(name="Guinée", slug="guinee", code="gn").full_clean()  # clean() upper-cases it
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaFactory(name="Guinée", slug="guinee", code="GN")


def test_regions_may_reuse_codes_across_countries():
    guinea = AreaFactory(name="Guinea", code="GN")
    kenya = AreaFactory(name="Kenya", code="KE")
    AreaFactory(name="A", parent=guinea, code="X1")

    AreaFactory.build(name="B", parent=kenya, code="X1").full_clean()


def test_coordinates_outside_the_globe_are_refused(conakry):
    with pytest.raises(ValidationError, match="Latitude must be between -90 and 90"):
        AreaFactory.build(name="Nowhere", parent=conakry, latitude=95, longitude=0).full_clean()


def test_an_area_with_children_cannot_be_deleted(conakry):
    with pytest.raises(ProtectedError):
        conakry.parent.delete()


def test_upserting_with_a_mismatched_kind_is_refused(conakry):
    with pytest.raises(ValidationError):
        area_upsert(parent=conakry, name="Almamya", kind=AreaKind.NEIGHBOURHOOD)

    assert not Area.objects.filter(slug="almamya").exists()
