"""The checkout page: address from the book or a new one, delivery per store, payment,
a review with per-store totals, then "Place order" — once, however often it is sent."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.accounts.models import Address
from shop.cart.models import Cart, CartItem
from shop.cart.services import cart_add
from shop.catalog.models import Variant
from shop.orders.models import Checkout, Order
from tests.factories import StoreFactory
from tests.factories.addresses import westlands
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shopper(client, buyer, cart):
    client.force_login(buyer)
    return buyer


def form_key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)


def checked(page: str) -> dict:
    """The radios the page arrives with checked, as the browser would send them, and the
    review's signed digest."""
    return {
        **dict(re.findall(r'type="radio" name="([\w]+)" value="([\w-]+)"[^>]*checked', page)),
        **review_of(page),
    }


def review_of(page: str) -> dict:
    """The review's signed digest (the ``review`` field) a page or an htmx answer carries."""
    found = re.search(r'name="review" value="([^"]*)"', page)
    return {"review": found.group(1)} if found else {}


def place(client, page: str, **changes):
    data = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}
    data.update(changes)
    return client.post("/checkout/", data)


def test_checkout_needs_an_account(client, cart):
    response = client.get("/checkout/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/checkout/")


def test_an_empty_cart_goes_back_to_the_cart(client, buyer):
    client.force_login(buyer)

    response = client.get("/checkout/")

    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_the_page_offers_the_address_book_delivery_per_store_and_cash_on_delivery(client, shopper, weavers, crafts):
    response = client.get("/checkout/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Muthithi Rd" in page and "A new address" in page
    assert f'name="delivery_{weavers.pk}" value="delivery"' in page and f'name="delivery_{weavers.pk}" value="pickup"' in page
    assert f'name="delivery_{crafts.pk}" value="delivery"' not in page  # a pick-up-only store
    assert "Cash on delivery" in page and 'name="payment_method" value="cod"' in page
    preview = response.context["preview"]
    assert [(r.store.name, r.items_total, r.fee, r.total) for r in preview.stores] == [
        ("Kisii Weavers", Decimal("2401.00"), Decimal("200"), Decimal("2601.00")),
        ("Mama Njeri Crafts", Decimal("850"), Decimal("0"), Decimal("850")),
    ]
    assert preview.total == Decimal("3451.00")
    assert "KES 3,451" in page
    # Without JavaScript, the new address's hint names the button this page has.
    assert "Press “Update totals”, and the lists below it" in page and 'name="recalculate"' in page
    assert "Changed the country or region? Save," not in page


def test_choosing_pick_up_refreshes_only_the_review(client, shopper, weavers, crafts):
    response = client.get(f"/checkout/?delivery_{weavers.pk}=pickup&delivery_{crafts.pk}=pickup", headers=HTMX)

    body = response.content.decode()
    assert 'id="review"' in body and "<html" not in body and "idempotency_key" not in body
    assert "KES 3,251" in body
    assert "HX-Request" in response["Vary"]


def test_placing_with_cash_on_delivery_makes_one_order_per_store_and_lands_on_the_confirmation(client, shopper, weavers, crafts):
    page = client.get("/checkout/").content.decode()

    response = place(client, page, **{f"delivery_{weavers.pk}": "delivery", f"delivery_{crafts.pk}": "pickup", "instructions": "Gate B"})

    checkout = Checkout.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checkout/{checkout.idempotency_key}/done/"
    assert checkout.orders.count() == 2 and checkout.total == Decimal("3451.00") and checkout.instructions == "Gate B"
    assert not CartItem.objects.exists()


def test_a_single_order_lands_on_the_confirmation_too(client, buyer, basket):
    Cart.objects.filter(user=buyer).delete()
    cart_add(cart=Cart.objects.create(user=buyer), variant=basket, quantity=1)
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()

    response = place(client, page)

    order = Order.objects.get()
    assert response["Location"] == f"/checkout/{order.checkout.idempotency_key}/done/"


def test_sending_the_form_twice_places_one_checkout(client, shopper):
    page = client.get("/checkout/").content.decode()

    first = place(client, page)
    second = place(client, page)

    assert Checkout.objects.count() == 1 and Order.objects.count() == 2
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_a_sold_out_item_refuses_the_order_names_it_and_keeps_the_cart(client, shopper, basket):
    page = client.get("/checkout/").content.decode()
    Variant.objects.filter(pk=basket.pk).update(stock=0)

    response = place(client, page)

    assert response.status_code == 422
    assert "Sold out: Kiondo basket — Red." in response.content.decode()
    assert not Checkout.objects.exists() and CartItem.objects.count() == 2


def test_a_flagged_cart_cannot_be_placed_from_the_page(client, shopper, basket):
    Variant.objects.filter(pk=basket.pk).update(price=Decimal("1300"))

    page = client.get("/checkout/").content.decode()

    assert "Price changed: Kiondo basket — Red is now" in page
    assert 'data-testid="place-order"' not in page
    assert "Price changed: Kiondo basket — Red" in place(client, page).content.decode()
    assert not Checkout.objects.exists()


def test_a_new_address_typed_at_checkout_is_saved_to_the_book_and_used(client, buyer, cart):
    Address.objects.filter(user=buyer).delete()
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    assert re.search(r'name="address" value="new"[^>]*checked', page)
    area = westlands()

    response = client.post(
        "/checkout/",
        {
            "idempotency_key": form_key(page),
            "address": "new",
            "label": "Office",
            "recipient": "Baraka Otieno",
            "phone": "+254 733 111 222",
            "country": area.parent.parent.parent.pk,
            "region": area.parent.parent.pk,
            "district": area.parent.pk,
            "neighbourhood": area.pk,
            "street": "Waiyaki Way, ABC Place",
            **{name: value for name, value in checked(page).items() if name != "address"},
        },
    )

    assert response.status_code == 302
    address = Address.objects.get(user=buyer)
    assert address.label == "Office" and address.is_default
    assert Checkout.objects.get().recipient == "Baraka Otieno"


def test_a_new_address_with_gaps_is_shown_again_with_errors(client, buyer, cart):
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()

    response = client.post("/checkout/", {"idempotency_key": form_key(page), "address": "new", "payment_method": "cod"})

    body = response.content.decode()
    assert "This field is required." in body and "Choose the country." in body
    assert not Checkout.objects.exists()


def test_someone_elses_address_cannot_be_chosen(client, shopper):
    from tests.factories import UserFactory
    from tests.factories.addresses import AddressFactory

    theirs = AddressFactory(user=UserFactory())
    page = client.get("/checkout/").content.decode()

    response = place(client, page, address=str(theirs.pk))

    assert response.status_code == 422 and not Checkout.objects.exists()


def test_an_unknown_payment_method_is_refused(client, shopper):
    page = client.get("/checkout/").content.decode()

    response = place(client, page, payment_method="bitcoin")

    assert response.status_code == 422 and not Checkout.objects.exists()


def test_the_checkout_page_costs_the_same_queries_for_2_or_10_items_across_stores(client, buyer, django_assert_max_num_queries):
    client.force_login(buyer)
    cart = Cart.objects.create(user=buyer)

    def fill(count):
        for n in range(count):
            # Each store's delivery area is checked against the address: that costs no query per store.
            store = StoreFactory(delivers_local=n % 2 == 0, area=westlands())
            cart_add(cart=cart, variant=ProductFactory(store=store, images=1).variants.get(), quantity=1)

    def checkout_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/checkout/").status_code == 200
        return len(queries)

    fill(2)
    two = checkout_queries()
    fill(8)

    with django_assert_max_num_queries(two):
        response = client.get("/checkout/")
    assert len(response.context["preview"].stores) == 10
    assert two <= 14  # the navbar's bell and unread messages count one query each, the shopper's points one


def test_a_changed_price_can_be_accepted_from_the_checkout_and_then_placed(client, shopper, basket):
    Variant.objects.filter(pk=basket.pk).update(price=Decimal("1300"))
    item = CartItem.objects.get(variant=basket)
    assert f'action="/cart/items/{item.pk}/accept-price/"' in client.get("/checkout/").content.decode()

    response = client.post(f"/cart/items/{item.pk}/accept-price/", {"next": "/checkout/"})

    assert response["Location"] == "/checkout/"
    page = client.get("/checkout/").content.decode()
    assert 'data-testid="place-order"' in page and "KES 2,600" in page
    place(client, page)
    assert Order.objects.get(store=basket.product.store).items.get().unit_price == Decimal("1300")
