"""Signed-in shoppers share one rendered copy of each catalog page; each gets their own
navbar (name, cart count, notifications), hearts and CSRF token put in
(shop.catalog.services.page_cache, shop.core.page_parts, shop.catalog.selectors.shared_hearts)."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sellers.models import StoreMember
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Category, Favorite, Product
from shop.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

PAGES = ["/c/fashion/", "/search/?q=kikoi", "/p/{slug}/", "/", "/s/{store}/"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"|"X-CSRFToken": "([A-Za-z0-9]{64})"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kikoi():
    fashion = Category.objects.get(slug="fashion")
    ProductFactory.create_batch(5, title="Plain kikoi", category=fashion, images=1)
    product = ProductFactory(title="Striped kikoi", category=fashion, images=1, variants=[{"price": Decimal("1200")}])
    return Product.objects.get(pk=product.pk)


def shopper(name: str, *, units: int, saves=(), unread: int = 0) -> Client:
    person = UserFactory(display_name=name)
    cart = Cart.objects.create(user=person)
    for product in Product.objects.order_by("pk")[:units]:
        variant = product.variants.first()
        CartItem.objects.create(cart=cart, variant=variant, quantity=1, unit_price_seen=variant.price)
    Favorite.objects.bulk_create([Favorite(user=person, product=product) for product in saves])
    Notification.objects.bulk_create([Notification(user=person, kind="order", text="Shipped") for _ in range(unread)])
    client = Client()
    client.force_login(person)
    client.get("/healthz")  # a first response sets the CSRF cookie
    client.person = person
    return client


def heart_saved(page: str, product) -> bool:
    heart = re.search(rf'<form[^>]*data-testid="heart-product-{product.pk}".*?</form>', page, re.DOTALL).group(0)
    return 'aria-pressed="true"' in heart


def tokens_of(page: str) -> set[str]:
    return {token for pair in TOKEN.findall(page) for token in pair if token}


@pytest.mark.parametrize("path", PAGES)
def test_two_shoppers_each_see_their_own_name_cart_hearts_and_token_on_a_shared_page(kikoi, path):
    path = path.format(slug=kikoi.slug, store=kikoi.store.slug)
    amina = shopper("Amina Odhiambo", units=2, saves=[kikoi], unread=3)
    baraka = shopper("Baraka Mwangi", units=1)
    amina.get(path)
    amina.get(path)  # kept from the second request on

    with CaptureQueriesContext(connection) as queries:
        page = baraka.get(path).content.decode()
    again = amina.get(path).content.decode()

    assert "Baraka Mwangi" in page and "Amina" not in page
    assert 'data-count="1"' in page and 'data-count="2"' not in page
    assert not heart_saved(page, kikoi)
    assert "<!--soko:" not in page
    assert {_unmask_cipher_token(token) for token in tokens_of(page)} == {baraka.cookies["csrftoken"].value}
    assert "Amina Odhiambo" in again and "Baraka" not in again
    assert 'data-count="2"' in again and heart_saved(again, kikoi)
    assert {_unmask_cipher_token(token) for token in tokens_of(again)} == {amina.cookies["csrftoken"].value}
    # Served from the shared copy: no product, picture or variant was read for Baraka.
    read = " ".join(query["sql"] for query in queries)
    assert "catalog_productimage" not in read and "catalog_variant" not in read


@pytest.mark.parametrize("path", PAGES)
def test_a_shared_page_costs_the_same_queries_however_much_a_shopper_has(kikoi, path):
    path = path.format(slug=kikoi.slug, store=kikoi.store.slug)
    first = shopper("First", units=0)
    first.get(path)
    first.get(path)
    counts = []
    for client in (shopper("Little", units=1), shopper("Lots", units=6, saves=Product.objects.all(), unread=9)):
        client.get(path)  # the session's first page may save it
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_store_member_gets_a_page_of_their_own(kikoi):
    """A member of the listing's store is not offered to report it: that page is not shared."""
    member = shopper("Member", units=0)
    StoreMember.objects.create(store=kikoi.store, user=member.person, role=StoreMember.Role.OWNER)
    others = shopper("Other", units=0)
    path = f"/p/{kikoi.slug}/"
    member.get(path)
    member.get(path)

    page = others.get(path).content.decode()

    assert 'data-testid="report-link"' in page
    assert 'data-testid="report-link"' not in member.get(path).content.decode()



@pytest.mark.parametrize("path", PAGES)
def test_the_frames_figures_are_read_in_one_query(kikoi, path):
    """The cart badge, the bell and the modes (store member? courier?) of the navbar (the
    messages badge is its own query)."""
    path = path.format(slug=kikoi.slug, store=kikoi.store.slug)
    client = shopper("Figures", units=2, unread=1)
    client.get(path)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(path).content.decode()

    frame = [
        query["sql"]
        for query in queries
        if any(table in query["sql"] for table in ("cart_cartitem", "notifications_notification", "sellers_storemember", "couriers_courierprofile"))
        and "chat_conversation" not in query["sql"]
    ]
    assert len(frame) == 1
    assert 'data-count="2"' in page


def test_each_shopper_sees_their_own_store_heart_on_a_shared_store_page(kikoi):
    store = kikoi.store
    amina = shopper("Amina Odhiambo", units=0)
    baraka = shopper("Baraka Mwangi", units=0)
    Favorite.objects.create(user=amina.person, store=store)
    path = f"/s/{store.slug}/"
    baraka.get(path)
    baraka.get(path)  # kept from the second request on

    def store_saved(client) -> bool:
        page = client.get(path).content.decode()
        heart = re.search(rf'<form[^>]*data-testid="heart-store-{store.pk}".*?</form>', page, re.DOTALL).group(0)
        return 'aria-pressed="true"' in heart

    assert store_saved(amina) and not store_saved(baraka)
