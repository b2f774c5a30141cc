import pytest
from pytest_django.asserts import assertTemplateUsed

from couriers.models import CourierProfile
from tests.factories import CourierProfileFactory
from tests.factories.addresses import westlands


def nairobi():
    """The district Westlands lies in: what a courier picks as its area."""
    return westlands().parent

pytestmark = pytest.mark.django_db


def test_courier_awaiting_approval_opening_deliveries_gets_403_page(client):
    profile = CourierProfileFactory()  # pending by default
    client.force_login(profile.user)

    response = client.get("/courier/")

    assert response.status_code == 403
    assertTemplateUsed(response, "403.html")
    page = response.content.decode()
    assert "Your courier application is awaiting approval." in page
    assert "Apply to deliver" not in page
    assert 'href="/courier/apply/"' in page


def test_courier_turned_down_opening_deliveries_gets_403_page(client):
    profile = CourierProfileFactory(status=CourierProfile.Status.REJECTED)
    client.force_login(profile.user)

    response = client.get("/courier/")

    assert response.status_code == 403
    assert "Your courier application was not approved. Update your details and apply again." in response.content.decode()


def test_buyer_who_never_applied_opening_deliveries_is_asked_to_apply(client, user):
    client.force_login(user)

    response = client.get("/courier/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Deliveries are for approved couriers. Apply to deliver" in page
    assert "Apply to deliver</a>" in page


def test_approved_courier_opening_deliveries_sees_their_profile(client):
    profile = CourierProfileFactory(status=CourierProfile.Status.APPROVED, service_area="Kilimani, Nairobi")
    client.force_login(profile.user)

    response = client.get("/courier/")

    assert response.status_code == 200
    assert response.context["profile"] == profile
    assert "Kilimani, Nairobi" in response.content.decode()


def test_anonymous_visitor_opening_deliveries_is_sent_to_log_in(client):
    response = client.get("/courier/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/courier/"


def test_approved_courier_opening_the_application_is_sent_to_deliveries(client, courier):
    client.force_login(courier)

    response = client.get("/courier/apply/")

    assert response.status_code == 302
    assert response["Location"] == "/courier/"


def test_buyer_applying_to_deliver_waits_for_approval(client, user):
    client.force_login(user)

    response = client.post(
        "/courier/apply/",
        {"phone": "+254 733 000 111", "vehicle": "bicycle", "areas": [nairobi().pk], "service_area": "Westlands"},
    )

    assert response.status_code == 302
    profile = CourierProfile.objects.get(user=user)
    assert profile.status == CourierProfile.Status.PENDING
    assert profile.vehicle == CourierProfile.Vehicle.BICYCLE
    assert list(profile.areas.all()) == [nairobi()]
    assert "Awaiting approval" in client.get("/courier/apply/").content.decode()


def test_turned_down_courier_updating_their_application_is_pending_again(client):
    profile = CourierProfileFactory(status=CourierProfile.Status.REJECTED)
    client.force_login(profile.user)

    client.post(
        "/courier/apply/",
        {"phone": "+254 733 000 222", "vehicle": "car", "areas": [nairobi().pk], "service_area": "Kaloum, Conakry"},
    )

    profile.refresh_from_db()
    assert profile.status == CourierProfile.Status.PENDING
    assert profile.service_area == "Kaloum, Conakry"
    assert CourierProfile.objects.count() == 1
