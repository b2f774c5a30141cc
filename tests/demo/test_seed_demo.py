import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from couriers.models import CourierProfile
from sellers.models import Store, StoreMember
from shop.catalog.models import Product
from shop.notifications.models import Notification

pytestmark = pytest.mark.django_db

MODELS = [get_user_model(), Store, StoreMember, CourierProfile, Notification, EmailAddress]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seeding_demo_data_twice_creates_nothing_twice():
    call_command("seed_demo")
    first = counts()

    call_command("seed_demo")

    assert counts() == first
    # Two stores from the accounts, three more from the demo catalog (owned by the two sellers).
    assert first == {"User": 6, "Store": 7, "StoreMember": 7, "CourierProfile": 1, "Notification": 1, "EmailAddress": 6}


def test_seed_demo_summary_counts_the_stores_a_visitor_finds(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    again = capsys.readouterr().out

    stores, live = Store.objects.count(), Product.objects.visible().count()
    assert stores == 7
    assert f"6 demo accounts, {stores} stores, {live} live products ({live} new)" in first
    # A second run finds everything in place: same figures, nothing new.
    assert f"6 demo accounts, {stores} stores, {live} live products (0 new)" in again
    assert "soko-demo-123" in first


def test_demo_buyer_logs_in_with_the_demo_password(client):
    call_command("seed_demo")

    response = client.post("/accounts/login/", {"login": "buyer@soko.test", "password": "soko-demo-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(email="buyer@soko.test").pk)


def test_demo_accounts_have_their_roles():
    call_command("seed_demo")
    user = get_user_model().objects.get

    assert user(email="admin@soko.test").is_staff
    assert Store.objects.get(slug="mama-njeri-crafts").memberships.get().user.email == "seller@soko.test"
    assert CourierProfile.objects.get(user__email="courier@soko.test").status == CourierProfile.Status.APPROVED
