"""A NUL character in an address or a form is a clear 400, never a database error."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/orders/%00/", "/search/?q=bag%00", "/dashboard/orders/?q=%00"])
def test_nul_in_the_address_is_refused_with_a_reason(client, url):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 400
    assert b"NUL character" in response.content


def test_nul_in_a_form_field_is_refused_with_a_reason(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/profile/", {"display_name": "Ami\x00na"})

    assert response.status_code == 400
