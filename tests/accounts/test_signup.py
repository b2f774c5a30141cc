import pytest
from django.contrib.auth import get_user_model

from sellers.models import Store, StoreMember
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_EMAIL = "neema.achieng@example.test"


def sign_up(client, *, intent: str):
    return client.post(
        "/accounts/signup/",
        {
            "intent": intent,
            "display_name": "Neema Achieng",
            "email": NEW_EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


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
