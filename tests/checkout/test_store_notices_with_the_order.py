"""A store hears of a new order through a notice written in the transaction that placed or
paid it: a process dying right after the commit (before any commit callback runs) cannot
lose it. Rendering and pushing wait for the commit. Every way an order reaches its store
is walked: placed to be paid on delivery, paid online, switched to cash after a failed
online try."""

import uuid

import pytest

from shop.notifications.models import Notification
from shop.orders.services.checkout import checkout_place
from shop.payments.services import attempt_create, attempt_succeeded, checkout_pay_on_delivery
from tests.checkout.conftest import details_for

pytestmark = pytest.mark.django_db


def store_members(checkout):
    return {member.user_id for order in checkout.orders.all() for member in order.store.memberships.all()}


def notices_written(django_capture_on_commit_callbacks, pushes, move):
    """Run ``move`` with the commit callbacks held back (as when the process dies after the
    commit): the users told, and whether anything was pushed before the commit."""
    before = set(Notification.objects.values_list("pk", flat=True))
    pushes.clear()
    with django_capture_on_commit_callbacks(execute=False):
        result = move()
    told = set(Notification.objects.filter(kind="order").exclude(pk__in=before).values_list("user_id", flat=True))
    return result, told, list(pushes)


def test_an_order_paid_on_delivery_is_told_to_its_store_with_the_order(
    buyer, cart, weavers, crafts, django_capture_on_commit_callbacks, pushes
):
    details = details_for(buyer, payment_method="cod", delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})

    checkout, told, pushed = notices_written(
        django_capture_on_commit_callbacks,
        pushes,
        lambda: checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4()),
    )

    assert told == store_members(checkout) and len(told) == 2
    assert pushed == [], "pushed before the commit"


def test_an_order_paid_online_is_told_to_its_store_with_the_payment(
    buyer, cart, weavers, crafts, django_capture_on_commit_callbacks, pushes
):
    details = details_for(buyer, payment_method="card", delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})
    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())
    assert not Notification.objects.filter(kind="order").exists(), "told before it was paid"
    attempt = attempt_create(checkout=checkout, gateway="card", provider="stripe")

    _attempt, told, pushed = notices_written(
        django_capture_on_commit_callbacks,
        pushes,
        lambda: attempt_succeeded(
            attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference="pi_1"
        ),
    )

    assert told == store_members(checkout) and len(told) == 2
    assert pushed == []


def test_an_order_switched_to_cash_is_told_to_its_store_with_the_switch(
    buyer, cart, weavers, crafts, django_capture_on_commit_callbacks, pushes
):
    details = details_for(buyer, payment_method="card", delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})
    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())

    _switched, told, pushed = notices_written(
        django_capture_on_commit_callbacks,
        pushes,
        lambda: checkout_pay_on_delivery(checkout=checkout),
    )

    assert told == store_members(checkout) and len(told) == 2
    assert pushed == []
