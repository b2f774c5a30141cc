"""One account gains selling and delivering on top of shopping."""

import re

import pytest

from couriers.models import CourierProfile
from sellers.models import StoreMember
from shop.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.addresses import westlands

pytestmark = pytest.mark.django_db


def test_existing_buyer_opens_a_store_then_becomes_an_approved_courier(client):
    buyer = UserFactory(email="wanjiru@example.test")
    client.force_login(buyer)
    assert client.get("/dashboard/").status_code == 403

    response = client.post(
        "/dashboard/setup/",
        {"name": "Wanjiru's Greens", "slug": "wanjiru-greens", "phone": "+254 700 000 001", "area": "Kibera"},
    )
    assert response["Location"] == "/dashboard/"
    assert StoreMember.objects.get(user=buyer).role == StoreMember.Role.OWNER
    assert client.get("/dashboard/").status_code == 200

    client.post(
        "/courier/apply/",
        {"phone": "+254 700 000 001", "vehicle": "foot", "areas": [westlands().parent.pk], "service_area": "Kibera"},
    )
    assert CourierProfile.objects.get(user=buyer).status == CourierProfile.Status.PENDING
    assert client.get("/courier/").status_code == 403

    staff = UserFactory(email="staff@soko.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        "/admin/couriers/courierprofile/",
        {"action": "approve", "_selected_action": [CourierProfile.objects.get(user=buyer).pk]},
    )
    assert response.status_code == 302

    client.force_login(buyer)
    assert CourierProfile.objects.get(user=buyer).status == CourierProfile.Status.APPROVED
    assert Notification.objects.filter(user=buyer, kind="courier").count() == 1
    assert client.get("/courier/").status_code == 200
    home = client.get("/").content.decode()
    assert re.findall(r'data-mode="([a-z]+)"', home) == ["shop", "store", "deliveries"]
    assert 'data-count="1"' in home
