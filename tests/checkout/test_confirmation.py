"""After "Place order" the shopper lands on a page about what they just bought: each store's
order with its items and total, delivery or pick-up and where, what happens next, the
handover QR code, and a link to each order's page. Nobody else may see it."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.orders.models import Checkout, HandoverCode, OrderStatus
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import CheckoutFactory, OrderFactory

from .test_page import checked, form_key

pytestmark = pytest.mark.django_db


def done_url(checkout) -> str:
    return f"/checkout/{checkout.idempotency_key}/done/"


def sections(page: str) -> list[str]:
    """Each store's part of the page, in order."""
    return page.split('data-testid="done-order"')[1:]


@pytest.fixture
def placed(client, buyer, cart, weavers, crafts):
    """Amina places her cart: baskets delivered home from Kisii Weavers, a kikoi collected
    from Mama Njeri Crafts, cash on delivery."""
    client.force_login(buyer)
    page = client.get("/checkout/").content.decode()
    data = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}
    data.update({f"delivery_{weavers.pk}": "delivery", f"delivery_{crafts.pk}": "pickup"})
    response = client.post("/checkout/", data)
    checkout = Checkout.objects.get()
    assert response.status_code == 302 and response["Location"] == done_url(checkout)
    return checkout


def test_the_confirmation_shows_each_stores_order_and_what_happens_next(client, placed):
    response = client.get(done_url(placed))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Thank you! Your 2 orders are placed." in page
    weavers_order = placed.orders.get(store__name="Kisii Weavers")
    crafts_order = placed.orders.get(store__name="Mama Njeri Crafts")
    delivered, collected = sections(page)
    assert weavers_order.number in delivered and "Kiondo basket" in delivered and "Red" in delivered
    assert "2 items" in delivered and "KES 2,601" in delivered
    assert "Home delivery" in delivered and "Amina Njeri" in delivered and "Westlands, Nairobi" in delivered
    assert "the courier scans your handover code; you pay KES 2,601 in cash on delivery" in delivered
    assert crafts_order.number in collected and "Kikoi wrap" in collected and "1 item" in collected
    assert "Pick-up at the store" in collected and "Collect it at <strong><bdi>Mama Njeri Crafts</bdi></strong>" in collected
    assert "collect it at the store and show your handover code there; you pay KES 850 in cash" in collected
    for order, section in ((weavers_order, delivered), (crafts_order, collected)):
        assert f"<strong><bdi>{order.store.name}</bdi></strong> confirms your order" in section
        assert f'href="/orders/{order.number}/"' in section
        assert 'data-testid="handover-qr"' in section and "<svg" in section
        assert 'data-testid="handover-digits"' in section


def test_placing_again_with_the_same_form_lands_on_the_same_confirmation(client, buyer, placed):
    again = client.post("/checkout/", {"idempotency_key": str(placed.idempotency_key)})

    assert again.status_code == 302 and again["Location"] == done_url(placed)


def test_the_confirmation_carries_the_code_so_it_is_never_cached(client, placed):
    response = client.get(done_url(placed))

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_another_shopper_gets_404(client, placed):
    client.force_login(UserFactory())

    assert client.get(done_url(placed)).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, placed):
    client.logout()

    response = client.get(done_url(placed))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_or_malformed_reference_is_404(client, placed):
    assert client.get(f"/checkout/{uuid.uuid4()}/done/").status_code == 404
    assert client.get(f"/checkout/{placed.pk}/done/").status_code == 404


def test_no_code_is_shown_once_the_order_is_delivered_or_cancelled(client):
    order = OrderFactory()
    client.force_login(order.buyer)
    assert 'data-testid="handover-qr"' in client.get(done_url(order.checkout)).content.decode()

    for status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        order.__class__.objects.filter(pk=order.pk).update(status=status)
        page = client.get(done_url(order.checkout)).content.decode()
        assert 'data-testid="handover-qr"' not in page and 'data-testid="handover-digits"' not in page


def test_an_expired_code_sends_the_shopper_to_the_order_page_to_renew_it(client):
    order = OrderFactory()
    HandoverCode.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(order.buyer)

    page = client.get(done_url(order.checkout)).content.decode()

    assert 'data-testid="handover-qr"' not in page
    assert f"Your handover code is on <a href=\"/orders/{order.number}/\">the order's page</a>" in page


def test_queries_do_not_grow_with_the_number_of_stores(client, django_assert_max_num_queries):
    one = CheckoutFactory()
    OrderFactory(buyer=one.buyer, checkout=one, items=1)
    several = CheckoutFactory()
    for _ in range(4):
        OrderFactory(buyer=several.buyer, checkout=several, store=StoreFactory(), items=3)

    client.force_login(one.buyer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(done_url(one)).status_code == 200
    client.force_login(several.buyer)
    with django_assert_max_num_queries(len(captured)):
        page = client.get(done_url(several)).content.decode()
    assert len(sections(page)) == 4
