"""A toast never hides the navbar (cart, bell, account menu) or the page's title: on a
desktop and on a phone, a notification arriving on an order page leaves both in view."""

import pytest

from shop.notifications.tasks import notify_task
from tests.e2e.pages import expect, log_in, wait_for_socket
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_a_toast_leaves_the_navbar_and_the_order_title_in_view(new_page, viewport):
    order = OrderFactory()
    page = new_page()
    page.set_viewport_size(viewport)
    log_in(page, order.buyer.email)
    page.goto(f"/orders/{order.number}/")
    wait_for_socket(page)

    notify_task(order.buyer.pk, "order", f"Your order {order.number} is being prepared by the store right now", "/orders/")

    toast = page.locator("#toasts .toast.show")
    expect(toast).to_have_count(1)
    toast_box = toast.bounding_box()
    for covered in ("nav[aria-label=Main]", "h1", "#bell-count", "[data-testid=cart-link]"):
        element = page.locator(covered).first
        if element.is_visible():
            assert not overlap(toast_box, element.bounding_box()), f"the toast covers {covered}"
