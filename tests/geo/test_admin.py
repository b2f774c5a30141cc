"""Staff add a quartier the loader does not know about, from the admin."""

import pytest
from django.urls import reverse

from shop.geo.models import Area, AreaKind
from tests.factories import UserFactory
from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def kaloum():
    guinea = AreaFactory(name="Guinea", code="GN")
    return AreaFactory(name="Kaloum", parent=AreaFactory(name="Conakry", parent=guinea))


def test_staff_add_a_quartier_under_a_commune(staff_client, kaloum):
    response = staff_client.post(
        reverse("admin:geo_area_add"),
        {"name": "Téminétaye", "slug": "teminetaye", "kind": AreaKind.NEIGHBOURHOOD, "parent": kaloum.pk, "code": ""},
    )

    assert response.status_code == 302
    assert Area.objects.get(slug="teminetaye").full_name == "Téminétaye, Kaloum, Conakry, Guinea"


def test_staff_are_told_when_a_quartier_is_put_straight_under_a_region(staff_client, kaloum):
    response = staff_client.post(
        reverse("admin:geo_area_add"),
        {"name": "Téminétaye", "slug": "teminetaye", "kind": AreaKind.NEIGHBOURHOOD, "parent": kaloum.parent.pk},
    )

    assert response.status_code == 200
    assert "A neighbourhood belongs in a district; Conakry is a region." in response.content.decode()
    assert not Area.objects.filter(slug="teminetaye").exists()


def test_staff_find_the_parent_by_typing_its_name(staff_client, kaloum):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "geo", "model_name": "area", "field_name": "parent", "term": "kal"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Kaloum, Conakry, Guinea"]


def test_staff_list_and_filter_areas_by_kind(staff_client, kaloum):
    response = staff_client.get(reverse("admin:geo_area_changelist"), {"kind__exact": AreaKind.DISTRICT})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [kaloum]
