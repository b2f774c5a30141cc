"""A PayPal refund whose job was lost is asked of PayPal by the sweep, once, under the
refund's own key; past the time PayPal keeps that key it is left to staff."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.orders.models import Order
from shop.payments.models import Refund
from shop.payments.refunds.lost import PROVIDER_KEYS_KEPT
from shop.payments.refunds.services import refund_order, refunds_resend
from tests.payments.test_paypal import fake, started  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunded_and_lost(fake, started, placed, client, jobs_lost, django_capture_on_commit_callbacks):  # noqa: F811
    fake.approve(started.reference)
    client.get(f"/payments/paypal/return/?token={started.reference}")
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="pp-lost")
    assert "payments.refund_send" in lost
    refund.refresh_from_db()
    assert (refund.provider, refund.status, refund.reference) == ("paypal", Refund.Status.PENDING, "")
    return refund


def refunds_at_paypal(server) -> list:
    return [capture["_refunded"] for capture in server.captures.values()]


def test_a_paypal_refund_whose_job_was_lost_is_asked_once(fake, refunded_and_lost):  # noqa: F811
    refund = refunded_and_lost
    assert refunds_resend() == 0  # too soon to call the job lost

    Refund.objects.update(updated_at=timezone.now() - timedelta(minutes=11))
    assert refunds_resend() == 1

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reference
    assert sum(refunds_at_paypal(fake)) == 850


def test_a_paypal_refund_older_than_its_key_is_left_to_staff(fake, refunded_and_lost):  # noqa: F811
    long_ago = timezone.now() - PROVIDER_KEYS_KEPT - timedelta(minutes=11)
    Refund.objects.update(created_at=long_ago, updated_at=long_ago)

    assert refunds_resend() == 0
    assert sum(refunds_at_paypal(fake)) == 0 and Refund.objects.get().status == Refund.Status.PENDING
