"""The cascading area endpoints and forms shrug off ids no database could hold."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize(
    "url",
    [f"/accounts/addresses/areas/?country={HUGE}", f"/dashboard/settings/areas/?country={HUGE}&parent={HUGE}"],
)
def test_an_absurd_area_id_gives_no_options_not_an_error(client, url):
    client.force_login(UserFactory())

    response = client.get(url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<option value=" not in response.content.decode().replace('<option value="">', "")


def test_address_form_with_an_absurd_region_id_says_what_to_fix(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/addresses/new/", {"country": HUGE, "region": HUGE, "label": "Home"})

    assert response.status_code == 422
    assert "Choose" in response.content.decode()
