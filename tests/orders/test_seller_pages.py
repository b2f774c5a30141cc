"""The store's orders: tabs with counts, search, the moves it may make as buttons, the
reason a cancellation needs, and the packing slip."""

from pathlib import Path

import pytest
from django.urls import reverse

from shop.orders.models import Order, OrderStatus
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import OrderFactory, member_of
from tests.html import dom

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def act(client, order, data) -> str:
    """Post an action as the page's htmx does, then re-read the live fragments as it does."""
    response = client.post(reverse("sellers:order_action", args=[order.number]), data, **HX)
    assert response.status_code == 204 and "order-changed" in response["HX-Trigger"]
    return client.get(reverse("sellers:order_live", args=[order.number]), **HX).content.decode()


def test_tabs_count_each_status_of_my_store_only(client):
    store = StoreFactory()
    OrderFactory(store=store, items=3)
    OrderFactory(store=store, items=0)
    OrderFactory(store=store, items=2, status=OrderStatus.READY)
    OrderFactory(items=1)  # another store's
    client.force_login(store.memberships.get().user)
    response = client.get(reverse("sellers:orders"))
    counts = {value: count for value, _label, count in response.context["tabs"]}
    assert counts == {"": 3, "pending": 2, "ready": 1}
    cancelled_tab = client.get(reverse("sellers:orders"), {"status": "cancelled"}).context["tabs"]
    assert ("cancelled", "Cancelled", 0) in cancelled_tab


def test_search_by_number_and_by_buyer(client):
    store = StoreFactory()
    wanjiru = UserFactory(display_name="Wanjiru Kamau", email="wanjiru@example.test")
    hers = OrderFactory(store=store, buyer=wanjiru, items=0)
    other = OrderFactory(store=store, items=0)
    client.force_login(store.memberships.get().user)
    for query in ("wanjiru", "Kamau", hers.number[-4:]):
        html = client.get(reverse("sellers:orders"), {"q": query}, **HX).content.decode()
        assert hers.number in html and other.number not in html, query
        assert "<html" not in html


def test_pending_order_offers_confirm_and_cancel(client):
    order = OrderFactory()
    client.force_login(member_of(order))
    html = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    assert 'data-action="confirmed"' in html and "Confirm order" in html
    assert 'data-testid="seller-cancel-form"' in html
    assert 'data-action="ready"' not in html


def test_pickup_order_ready_is_collected_not_sent_out(client):
    order = OrderFactory(status=OrderStatus.READY, delivery_mode=Order.DeliveryMode.PICKUP)
    client.force_login(member_of(order))
    html = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    assert "Collected by the buyer" in html
    assert 'data-action="out_for_delivery"' not in html


def test_seller_confirms_with_htmx_and_the_buttons_move_on(client):
    order = OrderFactory()
    client.force_login(member_of(order))
    html = act(client, order, {"to": "confirmed"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert "<html" not in html
    assert f'id="seller-actions-{order.number}" hx-swap-oob="true"' in html
    assert 'data-action="preparing"' in html
    assert "is now confirmed" in html  # the toast


def test_the_delivery_choice_comes_with_the_move_that_offers_it(client):
    """Confirming a home delivery offers the store its delivery choice at once (the live
    re-read brings it, without a reload); a move past it takes it away."""
    order = OrderFactory()
    client.force_login(member_of(order))
    page = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    assert f'id="delivery-choice-{order.number}" hidden' in page and 'data-testid="delivery-choice"' not in page

    html = act(client, order, {"to": "confirmed"})
    assert f'id="delivery-choice-{order.number}" hx-swap-oob="true">' in html
    assert 'data-testid="delivery-choice"' in html and 'data-testid="publish-job-form"' in html

    act(client, order, {"to": "preparing"})
    act(client, order, {"to": "ready"})
    html = act(client, order, {"to": "out_for_delivery"})
    assert f'id="delivery-choice-{order.number}" hx-swap-oob="true" hidden' in html
    assert 'data-testid="delivery-choice"' not in html


def test_cancelling_without_a_reason_is_refused(client):
    order = OrderFactory()
    client.force_login(member_of(order))
    response = client.post(reverse("sellers:order_action", args=[order.number]), {"to": "cancelled", "note": " "}, **HX)
    assert response.status_code == 422 and response["HX-Reswap"] == "none"
    form = dom(response).one("[data-testid=seller-cancel-form]")
    assert "reason" in form.one("[data-testid=form-refused]").text
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_move_the_store_may_not_make_is_refused(client):
    order = OrderFactory(status=OrderStatus.DELIVERED)
    client.force_login(member_of(order))
    client.post(reverse("sellers:order_action", args=[order.number]), {"to": "completed"})
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_packing_slip_lists_what_to_pack_and_where_it_goes(client):
    order = OrderFactory(items=2)
    client.force_login(member_of(order))
    response = client.get(reverse("sellers:packing_slip", args=[order.number]))
    html = response.content.decode()
    assert order.number in html and "Amina Otieno" in html and "Collect <strong>KES 1,000</strong>" in html
    for item in order.items.all():
        assert item.product_title in html
    assert 'data-testid="pickup-qr"' in html and "@media print" in Path("shop/orders/static/orders/orders.css").read_text()
