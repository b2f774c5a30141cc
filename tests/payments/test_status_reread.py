"""The payment page's status is kept current by pushes, which are at most once: a push lost
while Redis was down would leave "waiting for payment" on screen. So the status is a live
part of the page, and when the socket reopens the page asks its own address again with
htmx (static/js/soko.js) and gets the status as it is now."""

import re

import pytest
from django.urls import reverse

from shop.payments.services import attempt_failed

pytestmark = pytest.mark.django_db


def status_part(html: str, checkout) -> str:
    return re.search(rf'<div id="payment-status-{checkout.pk}"[^>]*>', html).group(0)


def test_the_status_read_again_on_reconnect_is_the_current_one(client, placed, started):
    client.force_login(placed.buyer)
    address = reverse("payments:status", args=[placed.idempotency_key])
    page = client.get(address).content.decode()
    assert "data-live-part" in status_part(page, placed) and 'data-status="awaiting-pending"' in page

    attempt_failed(attempt_id=started.pk, message="Declined.")  # its push went nowhere
    again = client.get(address, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in again
    assert "data-live-part" in status_part(again, placed) and 'data-status="awaiting-failed"' in again
