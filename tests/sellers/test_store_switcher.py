"""A person on the teams of two stores manages both from one dashboard: a switcher picks
the store, every page and breadcrumb follows it, links to either store's orders and
products open, and a store they are not on stays out of reach."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.decorators import CURRENT_STORE_SESSION_KEY
from sellers.models import StoreMember
from shop.catalog.models import Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory
from tests.factories.stores import StoreInviteFactory
from tests.sellers.test_products_form import edit_data

pytestmark = pytest.mark.django_db

DASHBOARD_PAGES = ["sellers:dashboard", "sellers:products", "sellers:product_create", "sellers:orders", "sellers:team", "sellers:settings"]


@pytest.fixture
def amina():
    return UserFactory(email="amina@example.test", display_name="Amina")


@pytest.fixture
def crafts(amina):
    """The store Amina opened first, and owns."""
    return StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", owner=amina)


@pytest.fixture
def phones(amina, crafts):
    """The store she joined later, as staff."""
    store = StoreFactory(name="Kaloum Électronique", slug="kaloum-electronique")
    StoreMember.objects.create(store=store, user=amina, role=StoreMember.Role.STAFF)
    return store


@pytest.fixture
def stranger_store():
    return StoreFactory(name="Madina Mode", slug="madina-mode")


@pytest.fixture
def amina_client(client, amina, crafts, phones):
    client.force_login(amina)
    return client


def switcher_choices(page: str) -> list[tuple[int, bool]]:
    """(store id, is current) for each button of the store switcher."""
    return [
        (int(store_id), bool(current))
        for store_id, current in re.findall(r'<button type="submit" name="store" value="(\d+)"[^>]*?( aria-current="true")?>', page)
    ]


def switch(client, store, section="dashboard"):
    return client.post(reverse("sellers:store_switch"), {"store": store.pk, "section": section})


def test_member_of_two_stores_starts_on_the_first_and_the_switcher_offers_both(amina_client, crafts, phones, stranger_store):
    response = amina_client.get(reverse("sellers:dashboard"))

    assert response.context["store"] == crafts
    page = response.content.decode()
    assert switcher_choices(page) == [(crafts.pk, True), (phones.pk, False)]
    assert "Kaloum Électronique" in page
    assert "Madina Mode" not in page


def test_a_seller_with_one_store_sees_no_switcher(client, stranger_store):
    client.force_login(stranger_store.memberships.get().user)

    page = client.get(reverse("sellers:dashboard")).content.decode()

    assert 'data-testid="store-switcher"' not in page
    assert switcher_choices(page) == []


def test_switching_reopens_the_same_section_for_the_other_store(amina_client, phones):
    response = switch(amina_client, phones, section="products")

    assert response.status_code == 302
    assert response["Location"] == reverse("sellers:products")
    assert amina_client.session[CURRENT_STORE_SESSION_KEY] == phones.pk


def test_switching_with_an_unknown_section_lands_on_the_overview(amina_client, phones):
    response = switch(amina_client, phones, section="//evil.example/")

    assert response["Location"] == reverse("sellers:dashboard")


@pytest.mark.parametrize("url_name", DASHBOARD_PAGES)
def test_every_dashboard_page_and_its_breadcrumb_follow_the_switch(amina_client, crafts, phones, url_name):
    assert amina_client.get(reverse(url_name)).context["store"] == crafts

    switch(amina_client, phones)
    response = amina_client.get(reverse(url_name))

    assert response.status_code == 200
    assert response.context["store"] == phones
    page = response.content.decode()
    assert "Kaloum Électronique" in page
    # The breadcrumb (or the overview's title) names the current store, and only it.
    assert "Mama Njeri Crafts</a></li>" not in page and "Mama Njeri Crafts</h1>" not in page


def test_each_store_lists_only_its_own_products_and_orders(amina_client, crafts, phones, stranger_store):
    basket = ProductFactory(store=crafts, title="Sisal basket")
    radio = ProductFactory(store=phones, title="Solar radio")
    ProductFactory(store=stranger_store, title="Boubou")
    basket_order = OrderFactory(store=crafts, items=0)
    radio_order = OrderFactory(store=phones, items=0)
    OrderFactory(store=stranger_store, items=0)

    seen = {}
    for store in (crafts, phones):
        switch(amina_client, store)
        products = amina_client.get(reverse("sellers:products")).context["page"].object_list
        orders = amina_client.get(reverse("sellers:orders")).context["page"].object_list
        seen[store.slug] = ([product.title for product in products], [order.number for order in orders])

    assert seen == {
        "mama-njeri-crafts": (["Sisal basket"], [basket_order.number]),
        "kaloum-electronique": (["Solar radio"], [radio_order.number]),
    }
    assert basket.store == crafts and radio.store == phones


def test_member_edits_a_product_of_each_store(amina_client, crafts, phones):
    basket = ProductFactory(store=crafts, title="Sisal basket", variants__price=Decimal("800"))
    radio = ProductFactory(store=phones, title="Solar radio", variants__price=Decimal("2500"))

    for product, price in ((basket, "900"), (radio, "2700")):
        variant = product.variants.get()
        response = amina_client.post(
            reverse("sellers:product_edit", args=[product.pk]), edit_data(product, variant_changes={variant.pk: {"price": price}})
        )
        assert response.status_code == 302, response.context and response.context["editor"].errors

    assert basket.variants.get().price == Decimal("900.00")
    assert radio.variants.get().price == Decimal("2700.00")


def test_a_link_to_the_other_stores_product_opens_it_and_makes_that_store_current(amina_client, crafts, phones):
    radio = ProductFactory(store=phones, title="Solar radio")
    assert amina_client.get(reverse("sellers:dashboard")).context["store"] == crafts

    response = amina_client.get(reverse("sellers:product_edit", args=[radio.pk]))

    assert response.status_code == 200
    assert response.context["store"] == phones
    assert amina_client.get(reverse("sellers:products")).context["store"] == phones


def test_an_order_notification_for_the_other_store_opens_and_switches_to_it(amina_client, crafts, phones):
    radio_order = OrderFactory(store=phones, items=1)
    assert amina_client.get(reverse("sellers:orders")).context["store"] == crafts

    response = amina_client.get(reverse("sellers:order_detail", args=[radio_order.number]))

    assert response.status_code == 200
    assert response.context["store"] == phones
    page = response.content.decode()
    assert '<li class="breadcrumb-item"><a href="/dashboard/"><bdi>Kaloum Électronique</bdi></a></li>' in page
    orders = amina_client.get(reverse("sellers:orders")).context["page"].object_list
    assert [order.number for order in orders] == [radio_order.number]
    assert amina_client.get(reverse("sellers:packing_slip", args=[radio_order.number])).status_code == 200


def test_a_forged_switch_to_a_store_they_are_not_on_is_refused(amina_client, crafts, phones, stranger_store):
    switch(amina_client, phones)

    response = switch(amina_client, stranger_store)

    assert response.status_code == 404
    assert amina_client.session[CURRENT_STORE_SESSION_KEY] == phones.pk
    assert amina_client.get(reverse("sellers:dashboard")).context["store"] == phones
    for bad in ("", "abc", "-1", str(2**70)):
        assert amina_client.post(reverse("sellers:store_switch"), {"store": bad}).status_code == 404


def test_a_forged_session_never_opens_a_store_they_are_not_on(amina_client, crafts, stranger_store):
    session = amina_client.session
    session[CURRENT_STORE_SESSION_KEY] = stranger_store.pk
    session.save()

    for url_name in DASHBOARD_PAGES:
        response = amina_client.get(reverse(url_name))
        assert response.context["store"] == crafts, url_name
        assert "Madina Mode" not in response.content.decode()


def test_a_foreign_stores_products_and_orders_stay_not_found(amina_client, stranger_store):
    boubou = ProductFactory(store=stranger_store, title="Boubou")
    order = OrderFactory(store=stranger_store, items=0)

    assert amina_client.get(reverse("sellers:product_edit", args=[boubou.pk])).status_code == 404
    assert amina_client.post(reverse("sellers:product_duplicate", args=[boubou.pk])).status_code == 404
    assert amina_client.get(reverse("sellers:order_detail", args=[order.number])).status_code == 404
    assert amina_client.get(reverse("sellers:packing_slip", args=[order.number])).status_code == 404
    assert Product.objects.filter(store=stranger_store).count() == 1


def test_bulk_actions_touch_only_the_current_stores_products(amina_client, crafts, phones):
    basket = ProductFactory(store=crafts, title="Sisal basket")
    radio = ProductFactory(store=phones, title="Solar radio")

    response = amina_client.post(reverse("sellers:products_bulk"), {"ids": [basket.pk, radio.pk], "action": "archive"})

    assert response.status_code == 404
    assert set(Product.objects.values_list("status", flat=True)) == {Product.Status.ACTIVE}


def test_owner_rights_follow_the_current_store(amina_client, crafts, phones):
    invite = {"email": "new.helper@example.test"}

    assert amina_client.post(reverse("sellers:team_invite"), invite).status_code == 302
    assert crafts.invites.filter(email="new.helper@example.test").exists()

    switch(amina_client, phones)  # she is staff there
    response = amina_client.post(reverse("sellers:team_invite"), invite)

    assert response.status_code == 403
    assert not phones.invites.exists()


def test_taken_off_a_team_the_dashboard_falls_back_to_a_store_they_are_still_on(amina_client, amina, crafts, phones):
    switch(amina_client, phones)
    StoreMember.objects.filter(store=phones, user=amina).delete()

    response = amina_client.get(reverse("sellers:products"))

    assert response.context["store"] == crafts
    assert amina_client.session[CURRENT_STORE_SESSION_KEY] == crafts.pk


def test_the_switcher_costs_no_more_queries_for_five_stores_than_for_two(client, django_assert_max_num_queries, amina, crafts, phones):
    client.force_login(amina)
    client.get(reverse("sellers:dashboard"))
    with django_assert_max_num_queries(100) as two:
        client.get(reverse("sellers:dashboard"))
    for n in range(3):
        store = StoreFactory(name=f"Extra {n}")
        StoreMember.objects.create(store=store, user=amina, role=StoreMember.Role.STAFF)
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "Extra 2" in page


def test_joining_another_stores_team_opens_its_dashboard(amina_client, amina, crafts, stranger_store):
    StoreInviteFactory(store=stranger_store, email=amina.email, token="join-madina")

    response = amina_client.post("/dashboard/join/join-madina/", follow=True)

    assert response.context["store"] == stranger_store
    assert switcher_choices(response.content.decode())[-1] == (stranger_store.pk, True)
