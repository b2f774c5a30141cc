"""The shopper's order history and order page: filters, totals, cancel, receipt, the
delivery note, reorder and the handover code."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.cart.models import CartItem
from shop.catalog.models import Product
from shop.orders.models import HandoverCode, Order, OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory, member_of
from tests.html import dom

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def detail(client, order, **headers):
    return client.get(reverse("orders:detail", args=[order.number]), **headers)


def act(client, name, order, data=None) -> str:
    """Post an action as the page's htmx does: 204 and an event aimed at the page's stable
    element; then the page re-reads its live fragments (with the action's messages)."""
    response = client.post(reverse(name, args=[order.number]), data or {}, **HX)
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"order-changed": {"target": f"#order-live-{order.number}"}}
    return client.get(reverse("orders:live", args=[order.number]), **HX).content.decode()


def refused(client, name, order, data, **headers):
    """Post a form the action refuses: the page (for htmx, its live fragments, all out of
    band) comes back with 422, the form as the buyer filled it in and why."""
    response = client.post(reverse(name, args=[order.number]), data, **headers)
    assert response.status_code == 422
    if headers:
        assert response["HX-Reswap"] == "none" and not dom(response).has("html")
    else:
        assert dom(response).has("html")
    return dom(response)


def test_history_lists_only_my_orders_newest_first(client):
    me = UserFactory()
    older, newer = OrderFactory(buyer=me), OrderFactory(buyer=me)
    someone_elses = OrderFactory()
    client.force_login(me)
    html = client.get(reverse("orders:list")).content.decode()
    assert html.index(newer.number) < html.index(older.number)
    assert someone_elses.number not in html


def test_history_filters_by_status_and_counts_each_tab(client):
    me = UserFactory()
    pending = OrderFactory(buyer=me, items=3)
    cancelled = OrderFactory(buyer=me, status=OrderStatus.CANCELLED, items=2)
    client.force_login(me)
    response = client.get(reverse("orders:list"), {"status": "cancelled"})
    html = response.content.decode()
    assert cancelled.number in html and pending.number not in html
    tabs = [(value, count) for value, _label, count in response.context["tabs"]]
    assert tabs == [("", 2), ("pending", 1), ("cancelled", 1)]


def test_history_tab_switch_returns_only_the_results_fragment(client):
    me = UserFactory()
    OrderFactory(buyer=me)
    client.force_login(me)
    response = client.get(reverse("orders:list"), {"status": "pending"}, **HX)
    html = response.content.decode()
    assert dom(html).children[0].attr("id") == "order-results"
    assert not dom(html).has("html")
    assert "HX-Request" in response["Vary"]


def test_history_is_paginated(client):
    me = UserFactory()
    orders = [OrderFactory(buyer=me, items=0) for _ in range(12)]
    client.force_login(me)
    first = client.get(reverse("orders:list")).content.decode()
    second = client.get(reverse("orders:list"), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert orders[0].number in second and orders[0].number not in first


def test_order_page_shows_items_totals_address_and_timeline(client):
    product = ProductFactory(title="Kikoi beach towel", variants=[{"name": "Blue", "price": Decimal("1250.50"), "stock": 4}])
    order = OrderFactory(store=product.store, items=[(product.variants.get(), 2)], delivery_fee=Decimal("150"))
    client.force_login(order.buyer)
    response = detail(client, order)
    html = response.content.decode()
    assert "Kikoi beach towel" in html and "Blue" in html
    assert "KES 2,501" in html  # the line
    assert "KES 2,651" in html  # with delivery
    assert "Argwings Kodhek Road" in html and "Home delivery" in html
    assert "Order placed" in dom(html).one(f"#order-timeline-{order.number}").text
    assert "no-store" in response["Cache-Control"]


def test_buyer_cancels_with_htmx_and_gets_the_new_fragments(client):
    order = OrderFactory()
    client.force_login(order.buyer)
    html = act(client, "orders:cancel", order, {"reason": "Ordered twice"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    fragments = dom(html)
    assert not fragments.has("html")
    assert fragments.one(f"#order-timeline-{order.number}").attr("hx-swap-oob") == "true"
    assert "Ordered twice" in html
    assert "Your order is cancelled." in html  # the toast
    assert not fragments.has("[data-testid=handover-qr]")
    assert not fragments.has("[data-testid=cancel-form]")


def test_buyer_cannot_cancel_once_the_store_prepares_it(client):
    order = OrderFactory(status=OrderStatus.PREPARING)
    client.force_login(order.buyer)
    assert not dom(detail(client, order)).has("[data-testid=cancel-form]")
    for headers in (HX, {}):
        page = refused(client, "orders:cancel", order, {"reason": "Found it cheaper & nearer"}, **headers)
        form = page.one("[data-testid=cancel-form]")
        assert "started preparing" in form.one("[data-testid=form-refused]").text
        assert form.one("input[name=reason]").attr("value") == "Found it cheaper & nearer"
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARING


def test_a_cancel_refused_meanwhile_keeps_the_reason_the_buyer_typed(client):
    """The page offered the cancel; the store started preparing before the buyer sent it."""
    order = OrderFactory(status=OrderStatus.PENDING)
    client.force_login(order.buyer)
    assert dom(detail(client, order)).has("[data-testid=cancel-form]")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PREPARING)
    page = refused(client, "orders:cancel", order, {"reason": "Ordered the wrong size"}, **HX)
    assert page.one("details.cancel-order").attr("open") is not None
    assert page.one("#cancel-reason-" + order.number).attr("value") == "Ordered the wrong size"


def test_buyer_confirms_receipt_of_a_delivered_order(client):
    order = OrderFactory(status=OrderStatus.DELIVERED)
    client.force_login(order.buyer)
    assert "I received my order" in detail(client, order).content.decode()
    client.post(reverse("orders:receive", args=[order.number]))
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_delivery_note_can_change_until_the_order_leaves(client):
    order = OrderFactory(status=OrderStatus.READY)
    client.force_login(order.buyer)
    assert "Delivery note saved." in act(client, "orders:note", order, {"note": "Call at the gate"})
    order.refresh_from_db()
    assert order.buyer_note == "Call at the gate"
    order_transition(order=order, to=OrderStatus.OUT_FOR_DELIVERY, actor=member_of(order), role=Role.SELLER)
    for headers in (HX, {}):
        form = refused(client, "orders:note", order, {"note": "Changed my mind: leave it next door"}, **headers).one(
            "[data-testid=note-form]"
        )
        assert "can no longer change" in form.one("[data-testid=form-refused]").text
        assert form.one("textarea[name=note]").text == "Changed my mind: leave it next door"
    order.refresh_from_db()
    assert order.buyer_note == "Call at the gate"
    assert not dom(detail(client, order)).has("[data-testid=note-form]")


def test_reorder_puts_available_items_back_and_lists_the_rest(client):
    store_product = ProductFactory(title="Sisal basket", variants=[{"stock": 5, "price": Decimal("800")}])
    sold_out = ProductFactory(store=store_product.store, title="Beaded necklace", variants=[{"stock": 0}])
    withdrawn = ProductFactory(store=store_product.store, title="Old lamp", variants=[{"stock": 3}])
    scarce = ProductFactory(store=store_product.store, title="Clay pot", variants=[{"stock": 1}])
    order = OrderFactory(
        store=store_product.store,
        items=[
            (store_product.variants.get(), 2),
            (sold_out.variants.get(), 1),
            (withdrawn.variants.get(), 1),
            (scarce.variants.get(), 3),
        ],
    )
    Product.objects.filter(pk=withdrawn.pk).update(status=Product.Status.ARCHIVED)
    client.force_login(order.buyer)

    response = client.post(reverse("orders:reorder", args=[order.number]), follow=True)

    in_cart = {item.variant.product.title: item.quantity for item in CartItem.objects.filter(cart__user=order.buyer)}
    assert in_cart == {"Sisal basket": 2, "Clay pot": 1}
    text = " ".join(str(message) for message in response.context["messages"])
    # The same sentences the cart and the checkout use for these items.
    assert "Sold out: Beaded necklace" in text
    assert "No longer available: Old lamp" in text
    assert "Only 1 left of Clay pot" in text
    assert response.redirect_chain[-1][0] == reverse("cart:detail")


def test_handover_code_shown_only_while_usable(client):
    order = OrderFactory(status=OrderStatus.OUT_FOR_DELIVERY)
    client.force_login(order.buyer)
    html = dom(detail(client, order))
    assert html.has("[data-testid=handover-qr]") and html.has("[data-testid=handover-digits]")

    HandoverCode.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    html = dom(detail(client, order))
    assert not html.has("[data-testid=handover-qr]") and html.has("[data-testid=handover-renew]")

    client.post(reverse("orders:handover_renew", args=[order.number]))
    assert dom(detail(client, order)).has("[data-testid=handover-qr]")

    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    html = dom(detail(client, order))
    assert not html.has("[data-testid=handover-qr]") and not html.has("[data-testid=handover-renew]")


def test_the_store_never_sees_the_handover_code(client):
    order = OrderFactory()
    client.force_login(member_of(order))
    html = client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    html += client.get(reverse("sellers:packing_slip", args=[order.number])).content.decode()
    from shop.orders.selectors.handover import handover_code_reveal

    code, short = handover_code_reveal(handover=order.handover_code)
    assert code not in html and short not in html and "handover-qr" not in html


def test_live_fragment_reread_on_reconnect(client):
    order = OrderFactory()
    client.force_login(order.buyer)
    order_transition(order=order, to=OrderStatus.CONFIRMED, actor=member_of(order), role=Role.SELLER)
    html = client.get(reverse("orders:live", args=[order.number])).content.decode()
    status = dom(html).one(f"#order-status-{order.number}")
    assert not dom(html).has("html")
    assert status.attr("hx-swap-oob") == "true" and status.attr("data-status") == "confirmed"


def test_reorder_with_nothing_available_stays_on_the_order(client):
    product = ProductFactory(variants=[{"stock": 0}])
    order = OrderFactory(store=product.store, items=[(product.variants.get(), 1)])
    client.force_login(order.buyer)
    response = client.post(reverse("orders:reorder", args=[order.number]))
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    assert not CartItem.objects.filter(cart__user=order.buyer).exists()


def test_handover_code_says_when_it_starts_working(client):
    order = OrderFactory(status=OrderStatus.CONFIRMED)
    client.force_login(order.buyer)
    html = detail(client, order).content.decode()
    assert dom(html).has("[data-testid=handover-qr]") and "it works once your order is out for delivery" in html

    Order.objects.filter(pk=order.pk).update(status=OrderStatus.OUT_FOR_DELIVERY)
    html = detail(client, order).content.decode()
    assert dom(html).has("[data-testid=handover-qr]") and "it works once" not in html


def test_buyer_cannot_renew_a_code_of_a_cancelled_order(client):
    order = OrderFactory(status=OrderStatus.CANCELLED)
    HandoverCode.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    before = HandoverCode.objects.get(order=order).code_hash
    client.force_login(order.buyer)

    response = client.post(reverse("orders:handover_renew", args=[order.number]), follow=True)

    assert "no handover code to renew" in response.content.decode()
    assert HandoverCode.objects.get(order=order).code_hash == before
