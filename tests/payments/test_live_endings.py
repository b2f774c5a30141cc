"""A payment that ends elsewhere (the deadline job, the buyer stopping an M-Pesa request)
reaches the buyer's open payment page at once: its status part is pushed, and the page
never keeps offering a payment the checkout no longer takes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus
from shop.payments.services import attempt_create, checkout_pay_on_delivery
from tests.payments.test_mpesa import accepted, fake, paid_once, post_callback, pushed, status_page  # noqa: F401

pytestmark = pytest.mark.django_db



def pushed_to(pushes, user) -> str:
    return "".join(html for group, html in pushes if group == f"user.{user.pk}")


def test_the_deadline_job_shows_not_paid_in_time_on_the_open_payment_page(
    placed, pushes, django_capture_on_commit_callbacks
):
    attempt_create(checkout=placed, gateway="card", provider="dev")  # a card page left open

    with django_capture_on_commit_callbacks(execute=True):
        assert checkouts_expire(now=placed.payment_due_by + timedelta(seconds=1)) == 1

    html = pushed_to(pushes, placed.buyer)
    assert f'id="payment-status-{placed.pk}" class="payment-status" hx-swap-oob="true"' in html
    assert 'data-status="expired-expired"' in html and "Not paid in time" in html
    assert 'data-testid="payment-retry"' not in html and "stay reserved" not in html
    # The same push re-renders the buyer's order pages: each order shows it was cancelled.
    for order in placed.orders.all():
        assert f'id="order-timeline-{order.number}" hx-swap-oob="true"' in html


def test_a_checkout_past_its_deadline_offers_no_payment_even_before_the_job_runs(client, placed):
    type(placed).objects.filter(pk=placed.pk).update(payment_due_by=timezone.now() - timedelta(seconds=5))
    client.force_login(placed.buyer)

    page = client.get(reverse("payments:status", args=[placed.idempotency_key])).content.decode()

    assert "Not paid in time" in page and 'data-testid="payment-retry"' not in page


# The M-Pesa waiting screen's way out ------------------------------------------------------


def stop_form_action(html: str) -> str:
    found = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>\s*(?:<input[^>]*>)?\s*<button[^>]*data-testid="payment-stop"', html
    )
    assert found, "the waiting screen has no way out"
    return found.group(1)


def test_the_m_pesa_waiting_screen_has_a_way_out_that_works_without_javascript(fake, pushed, placed, client):  # noqa: F811
    waiting = client.get(status_page(placed)).content.decode()
    assert 'data-testid="payment-pending"' in waiting and "Check your phone" in waiting
    action = stop_form_action(waiting)

    answer = client.post(action)

    assert answer.status_code == 302 and answer["Location"] == status_page(placed)
    pushed.refresh_from_db()
    assert pushed.status == PaymentAttempt.Status.CANCELLED and "PIN" in pushed.message
    page = client.get(status_page(placed)).content.decode()
    assert 'data-testid="payment-stopped"' in page and 'data-testid="payment-alternatives"' in page
    assert 'value="cod"' in page and 'data-testid="payment-pending"' not in page


def test_stopping_pushes_the_other_ways_to_pay(
    fake,  # noqa: F811
    pushed,  # noqa: F811
    placed,
    client,
    pushes,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:mpesa_stop", args=[placed.idempotency_key, pushed.pk]))
    html = pushed_to(pushes, placed.buyer)
    assert 'data-status="awaiting-cancelled"' in html and 'data-testid="payment-alternatives"' in html


def test_a_pin_entered_after_stopping_still_pays_the_checkout_once(fake, pushed, placed, client):  # noqa: F811
    client.post(reverse("payments:mpesa_stop", args=[placed.idempotency_key, pushed.pk]))

    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="NLJ7RT61SV")))

    assert paid_once(placed)


def test_a_pin_entered_after_switching_to_cash_is_held_for_a_refund_not_lost(fake, pushed, placed, client):  # noqa: F811
    client.post(reverse("payments:mpesa_stop", args=[placed.idempotency_key, pushed.pk]))
    assert checkout_pay_on_delivery(checkout=placed)

    assert accepted(post_callback(client, fake.callback_body(pushed.reference, 0, receipt="NLJ7RT61SV")))

    pushed.refresh_from_db()
    assert pushed.status == PaymentAttempt.Status.FLAGGED
    assert PaymentFlag.objects.get(attempt=pushed).kind == PaymentFlag.Kind.LATE
    assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == ["suspense"]
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.ON_DELIVERY


def test_only_the_buyer_can_stop_their_m_pesa_request(fake, pushed, placed, client):  # noqa: F811
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    answer = client.post(reverse("payments:mpesa_stop", args=[placed.idempotency_key, pushed.pk]))
    assert answer.status_code == 404
    pushed.refresh_from_db()
    assert pushed.status == PaymentAttempt.Status.PENDING
    client.force_login(placed.buyer)
    assert client.get(reverse("payments:mpesa_stop", args=[placed.idempotency_key, pushed.pk])).status_code == 405
