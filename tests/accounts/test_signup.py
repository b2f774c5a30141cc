import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from sellers.models import Store, StoreMember
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_EMAIL = "neema.achieng@example.test"
CONFIRM = "/accounts/confirm-email/"


def sign_up_form(client, *, intent: str = "shop", email: str = NEW_EMAIL):
    return client.post(
        "/accounts/signup/",
        {
            "intent": intent,
            "display_name": "Neema Achieng",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def mailed_code(client):
    return client.session["account_email_verification_code"]["code"]


def sign_up(client, *, intent: str):
    """Fill in the form, then type the code mailed to the address."""
    assert sign_up_form(client, intent=intent)["Location"] == CONFIRM
    return client.post(CONFIRM, {"code": mailed_code(client)})


def test_person_signing_up_to_sell_is_taken_to_store_setup(client):
    response = sign_up(client, intent="sell")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/setup/"
    user = get_user_model().objects.get(email=NEW_EMAIL)
    assert user.display_name == "Neema Achieng"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_new_seller_finishing_store_setup_owns_the_store_and_lands_on_the_dashboard(client):
    sign_up(client, intent="sell")

    response = client.post(
        "/dashboard/setup/",
        {
            "name": "Mama Njeri Crafts",
            "slug": "mama-njeri-crafts",
            "phone": "+254 712 345 678",
            "area": "Westlands, Nairobi",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    store = Store.objects.get(slug="mama-njeri-crafts")
    membership = store.memberships.get()
    assert membership.user.email == NEW_EMAIL
    assert membership.role == StoreMember.Role.OWNER
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b"Mama Njeri Crafts" in dashboard.content


def test_person_signing_up_to_deliver_is_taken_to_the_courier_application(client):
    response = sign_up(client, intent="deliver")

    assert response.status_code == 302
    assert response["Location"] == "/courier/apply/"


def test_person_signing_up_to_shop_lands_on_the_home_page(client):
    response = sign_up(client, intent="shop")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Store.objects.exists()


def test_sell_link_on_the_home_page_opens_sign_up_with_sell_already_chosen(client):
    response = client.get("/accounts/signup/?intent=sell")

    assert response.status_code == 200
    assert response.context["form"]["intent"].value() == "sell"


def test_sign_up_with_a_known_address_answers_as_for_a_new_one_and_mails_the_owner(client):
    UserFactory(email="amina@example.test")
    newcomer = client.__class__()

    known = sign_up_form(client, email="amina@example.test")
    new = sign_up_form(newcomer, email=NEW_EMAIL)

    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"] == CONFIRM
    known_page = client.get(CONFIRM).content.decode().replace("amina@example.test", "ADDRESS")
    new_page = newcomer.get(CONFIRM).content.decode().replace(NEW_EMAIL, "ADDRESS")
    strip_tokens = re.compile(r'[A-Za-z0-9]{64}')  # the CSRF tokens
    assert strip_tokens.sub("", known_page) == strip_tokens.sub("", new_page)
    assert get_user_model().objects.filter(email="amina@example.test").count() == 1
    assert "_auth_user_id" not in client.session
    [owner_mail] = [m for m in mail.outbox if m.to == ["amina@example.test"]]
    assert "already" in owner_mail.body


def test_new_account_is_logged_in_only_after_the_mailed_code(client):
    sign_up_form(client)
    assert "_auth_user_id" not in client.session

    wrong = client.post(CONFIRM, {"code": "WRONG1"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post(CONFIRM, {"code": mailed_code(client)})
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(email=NEW_EMAIL).pk)
