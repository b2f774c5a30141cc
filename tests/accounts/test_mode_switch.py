import re

import pytest

from couriers.models import CourierProfile
from tests.factories import CourierProfileFactory, StoreFactory

pytestmark = pytest.mark.django_db


def modes_in_navbar(client) -> list[str] | None:
    """The data-mode keys of the navbar's mode switch, or None when there is no switch."""
    page = client.get("/").content.decode()
    switch = re.search(r'<div class="mode-switch[^"]*"[^>]*data-testid="mode-switch">(.*?)</div>', page, re.S)
    if switch is None:
        assert 'data-testid="mode-switch"' not in page
        return None
    return re.findall(r'data-mode="([a-z]+)"', switch.group(1))


def test_buyer_sees_no_mode_switch(client, user):
    client.force_login(user)

    assert modes_in_navbar(client) is None


def test_seller_switches_between_shop_and_store(client, seller):
    client.force_login(seller)

    assert modes_in_navbar(client) == ["shop", "store"]


def test_approved_courier_switches_between_shop_and_deliveries(client, courier):
    client.force_login(courier)

    assert modes_in_navbar(client) == ["shop", "deliveries"]


def test_seller_who_also_delivers_sees_all_three_modes(client, courier):
    StoreFactory(owner=courier)
    client.force_login(courier)

    assert modes_in_navbar(client) == ["shop", "store", "deliveries"]


def test_courier_awaiting_approval_is_offered_no_deliveries_mode(client):
    profile = CourierProfileFactory(status=CourierProfile.Status.PENDING)
    client.force_login(profile.user)

    assert modes_in_navbar(client) is None


def test_seller_awaiting_courier_approval_sees_shop_and_store_only(client, seller):
    CourierProfileFactory(user=seller, status=CourierProfile.Status.PENDING)
    client.force_login(seller)

    assert modes_in_navbar(client) == ["shop", "store"]


def test_mode_of_the_current_section_is_marked_active(client, seller):
    client.force_login(seller)

    page = client.get("/dashboard/").content.decode()

    assert re.search(r'class="nav-link active" href="/dashboard/" data-mode="store" aria-current="page"', page)
