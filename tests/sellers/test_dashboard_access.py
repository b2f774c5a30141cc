import pytest
from pytest_django.asserts import assertTemplateUsed

from sellers.models import Store
from tests.factories import StoreFactory, UserFactory
from tests.factories.stores import places, settings_form_data

pytestmark = pytest.mark.django_db


def test_buyer_opening_dashboard_gets_403_page_explaining_how_to_open_a_store(client, user):
    client.force_login(user)

    response = client.get("/dashboard/")

    assert response.status_code == 403
    assertTemplateUsed(response, "403.html")
    page = response.content.decode()
    assert "This page isn't for your account" in page
    assert "The seller dashboard is for store owners and staff. Open a store to start selling." in page
    assert 'href="/dashboard/setup/"' in page


def test_anonymous_visitor_opening_dashboard_is_sent_to_log_in(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_seller_opening_dashboard_sees_their_store(client):
    store = StoreFactory(name="Kaloum Électronique")
    client.force_login(store.memberships.get().user)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert response.context["store"] == store
    assert "Kaloum Électronique" in response.content.decode()


def test_seller_opening_store_setup_again_is_sent_to_their_dashboard(client, seller):
    client.force_login(seller)

    response = client.get("/dashboard/setup/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_store_setup_refuses_an_address_another_store_uses(client, user):
    StoreFactory(slug="mama-njeri-crafts")
    client.force_login(user)

    response = client.post(
        "/dashboard/setup/",
        {"name": "Mama Njeri", "slug": "Mama-Njeri-Crafts", "phone": "+254 712 345 678", "area": "Westlands"},
    )

    assert response.status_code == 200
    assert "A store already uses that web address; mama-njeri-crafts-2 is free" in response.content.decode()
    assert Store.objects.count() == 1
    assert not user.store_memberships.exists()


def test_staff_member_of_a_store_edits_its_details_from_settings(client):
    where = places()
    store = StoreFactory(name="Old name", slug="old-name", area=where.westlands)
    client.force_login(store.memberships.get().user)

    response = client.post(
        "/dashboard/settings/",
        settings_form_data(store, name="New name", phone="+254 700 111 222", area=where.kilimani),
    )

    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.phone, store.area) == ("New name", "+254 700 111 222", where.kilimani)


def test_buyer_cannot_open_store_settings(client):
    client.force_login(UserFactory())

    assert client.get("/dashboard/settings/").status_code == 403
