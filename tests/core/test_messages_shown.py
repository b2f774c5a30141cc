"""A page's messages are shown by the page itself, not by its script: the toasts a whole
page brings are rendered shown (Bootstrap's ``.show``), so a browser without JavaScript
reads them; toasts that arrive later (pushes, htmx answers) are still shown by soko.js."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import NotificationFactory
from tests.factories.orders import OrderFactory
from tests.html import dom

pytestmark = pytest.mark.django_db


def test_the_message_after_a_plain_forms_post_comes_shown_in_the_page(client):
    order = OrderFactory()
    client.force_login(order.buyer)

    response = client.post(reverse("orders:cancel", args=[order.number]), {"reason": "Ordered twice"}, follow=True)

    toast = dom(response.content.decode()).one("#toasts .toast")
    assert "Your order is cancelled." in toast.text
    assert "show" in toast.classes


def test_a_pushed_toast_is_left_for_the_script_to_show(client):
    notification = NotificationFactory(text="Your order is on its way")
    pushed = dom(render_to_string("notifications/_push.html", {"notification": notification}))

    toast = pushed.one("#toasts .toast")
    assert "Your order is on its way" in toast.text and "show" not in toast.classes
