"""Places for an address, a level at a time, as the address page's selects offer them."""

import pytest

from tests.geo.factories import AreaFactory

pytestmark = pytest.mark.django_db


def test_countries_then_the_places_in_one_each_saying_whether_places_lie_in_it(client):
    kenya = AreaFactory(name="Kenya")
    nairobi = AreaFactory(name="Nairobi", parent=kenya)
    AreaFactory(name="Westlands", parent=nairobi)
    AreaFactory(name="Mombasa", parent=kenya)

    countries = client.get("/api/v1/areas/").json()
    regions = client.get(f"/api/v1/areas/?parent={kenya.pk}").json()

    assert {"name": "Kenya", "kind": "country", "has_children": True}.items() <= next(
        area for area in countries if area["name"] == "Kenya"
    ).items()
    assert [(area["name"], area["has_children"]) for area in regions] == [("Mombasa", False), ("Nairobi", True)]


def test_a_parent_that_is_not_an_id_is_refused(client):
    assert client.get("/api/v1/areas/?parent=abc").status_code == 400
    assert client.get("/api/v1/areas/?parent=1&parent=2").status_code == 400
