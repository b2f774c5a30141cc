import pytest

from couriers.models import CourierProfile
from shop.notifications.models import Notification
from tests.factories import CourierProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/couriers/courierprofile/"


@pytest.fixture
def staff_client(client):
    staff = UserFactory(email="staff@soko.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


def run_action(staff_client, action, *profiles):
    return staff_client.post(CHANGELIST, {"action": action, "_selected_action": [p.pk for p in profiles]})


def test_staff_approving_a_courier_in_admin_notifies_them(staff_client):
    profile = CourierProfileFactory()

    response = run_action(staff_client, "approve", profile)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == CourierProfile.Status.APPROVED
    assert profile.reviewed_by == staff_client.staff
    assert profile.reviewed_at is not None
    notification = Notification.objects.get(user=profile.user)
    assert notification.kind == "courier"
    assert notification.text == "You are approved to deliver with Soko."
    assert notification.url == "/courier/"


def test_staff_approving_an_already_approved_courier_sends_no_second_notification(staff_client):
    profile = CourierProfileFactory()
    run_action(staff_client, "approve", profile)

    run_action(staff_client, "approve", profile)

    assert Notification.objects.filter(user=profile.user).count() == 1


def test_staff_rejecting_a_courier_tells_them_and_points_back_to_the_application(staff_client):
    profile = CourierProfileFactory()

    run_action(staff_client, "reject", profile)

    profile.refresh_from_db()
    assert profile.status == CourierProfile.Status.REJECTED
    notification = Notification.objects.get(user=profile.user)
    assert notification.url == "/courier/apply/"


def test_non_staff_cannot_use_the_approve_action(client):
    profile = CourierProfileFactory()
    client.force_login(profile.user)

    client.post(CHANGELIST, {"action": "approve", "_selected_action": [profile.pk]})

    profile.refresh_from_db()
    assert profile.status == CourierProfile.Status.PENDING
    assert not Notification.objects.exists()
