"""No refund waits silently: one recorded more than a day ago that no provider has taken
(pending, no provider reference) is flagged for staff, once, whatever its provider and
whether it gives back an order or a payment held in suspense; one still being tried in
the last minutes, one a provider took, and one in its first day are not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.payments.models import PaymentAttempt, PaymentFlag, Provider, Refund, SuspenseRefund
from shop.payments.refunds.lost import OVERDUE_QUIET, PROVIDER_KEYS_KEPT, overdue_refunds_flag
from shop.payments.tasks import refunds_resend_task
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

OVERDUE = PROVIDER_KEYS_KEPT + timedelta(hours=1)


def attempt_for(order, provider: str) -> PaymentAttempt:
    return PaymentAttempt.objects.create(
        checkout=order.checkout, gateway=provider, provider=provider, amount_minor=50000, currency="KES",
        reference=f"{provider}-ref-{order.pk}", status=PaymentAttempt.Status.SUCCEEDED,
    )


def order_refund(provider: str, *, age: timedelta, **fields) -> Refund:
    order = OrderFactory(payment_method="card")
    refund = Refund.objects.create(
        order=order, attempt=attempt_for(order, provider), provider=provider, amount_minor=50000, currency="KES",
        reason="Broken", idempotency_key=f"k-{order.pk}", **fields,
    )
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - age, updated_at=timezone.now() - age)
    return refund


def suspense_refund(provider: str, *, age: timedelta, **fields) -> SuspenseRefund:
    order = OrderFactory(payment_method="card")
    refund = SuspenseRefund.objects.create(
        attempt=attempt_for(order, provider), provider=provider, amount_minor=50000, currency="KES", **fields
    )
    SuspenseRefund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - age, updated_at=timezone.now() - age)
    return refund


MAKERS = {"order": (order_refund, "refund-overdue"), "suspense": (suspense_refund, "suspense-refund-overdue")}


@pytest.mark.parametrize("kind", MAKERS)
@pytest.mark.parametrize("provider", Provider.values)
def test_a_refund_no_provider_took_in_a_day_is_flagged_once(kind, provider):
    make, prefix = MAKERS[kind]
    overdue = make(provider, age=OVERDUE)
    make(provider, age=PROVIDER_KEYS_KEPT - timedelta(hours=1))  # in its first day: the sweep still asks
    make(provider, age=OVERDUE, reference="taken-by-the-provider")  # pending at the provider (its webhook comes)
    make(provider, age=OVERDUE, status=Refund.Status.SUCCEEDED)

    assert overdue_refunds_flag() == 1
    flag = PaymentFlag.objects.get()
    assert (flag.key, flag.kind, flag.attempt_id, flag.resolved_at) == (
        f"{prefix}:{overdue.pk}", PaymentFlag.Kind.MANUAL_REFUND, overdue.attempt_id, None,
    )
    assert flag.checkout_id == overdue.attempt.checkout_id
    assert f"Refund {overdue.pk}" in flag.detail and "50000 KES" in flag.detail

    assert overdue_refunds_flag() == 0  # once, resolved or not
    PaymentFlag.objects.update(resolved_at=timezone.now())
    assert overdue_refunds_flag() == 0 and PaymentFlag.objects.count() == 1


@pytest.mark.parametrize("kind", MAKERS)
def test_a_refund_tried_in_the_last_minutes_is_not_flagged_yet(kind):
    """A staff's new try of a refund from suspense keeps its first date: its job has a
    few minutes to ask before the refund counts as waiting."""
    make, _prefix = MAKERS[kind]
    refund = make(Provider.STRIPE, age=OVERDUE)
    type(refund).objects.filter(pk=refund.pk).update(updated_at=timezone.now() - OVERDUE_QUIET + timedelta(minutes=1))
    assert overdue_refunds_flag() == 0

    type(refund).objects.filter(pk=refund.pk).update(updated_at=timezone.now() - OVERDUE_QUIET - timedelta(minutes=1))
    assert overdue_refunds_flag() == 1


def test_the_sweep_flags_a_refund_it_keeps_trying_before_it_tries_again(fake):
    """A card refund is asked again every ten minutes, whatever its age (Stripe is asked
    first whether it made it): each try touches it, so the sweep flags before it tries,
    or a refund that always fails would never look quiet enough to flag."""
    refund = order_refund(Provider.STRIPE, age=OVERDUE)
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    fake.lose_answers(1000)  # Stripe answers nothing all day

    refunds_resend_task.call_local()
    refunds_resend_task.call_local()

    assert list(PaymentFlag.objects.values_list("key", flat=True)) == [f"refund-overdue:{refund.pk}"]
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.PENDING, "")  # Stripe still out of reach
