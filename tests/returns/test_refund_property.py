"""A return never refunds more than was paid for its lines: random partial returns on one
order (asked, approved or rejected, escalated, decided, received, inspected and refunded
or disputed and settled by staff, refunded by the inspection deadline, refunded again,
with staff refunds on the side), paid by card or in cash. Whatever the story, each return's
refund is exactly its lines (plus the delivery fee once, when decided), no unit is
refunded twice, the refunds never exceed what was paid, and the ledger balances."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returns.models import ReturnRequest, ReturnStatus
from returns.services import (
    ReturnError,
    return_accept,
    return_approve,
    return_decide,
    return_dispute,
    return_dispute_decide,
    return_escalate,
    return_receive,
    return_refund,
    return_reject,
    return_request_create,
    returns_refund_overdue,
)
from shop.core.selectors.currencies import money_to_minor
from shop.payments.models import Refund
from shop.payments.refunds.services import RefundError, refund_order
from tests.factories import UserFactory

from .conftest import balanced, delivered_order, member

S = ReturnStatus

step = st.tuples(
    st.sampled_from(
        [
            "ask",
            "approve",
            "reject",
            "escalate",
            "decide",
            "receive",
            "accept",
            "dispute",
            "settle",
            "overdue",
            "refund",
            "staff_refund",
        ]
    ),
    st.lists(st.integers(0, 4), min_size=3, max_size=3),  # units per line
    st.booleans(),  # a flag: delivery fee, approval, resellable
    st.integers(0, 20),  # which return
)


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(method=st.sampled_from(["cod", "card"]), steps=st.lists(step, min_size=1, max_size=14))
def test_returns_never_refund_more_than_was_paid(db, method, steps):
    # Each example tells its story on its own new order (refunds run their own durable
    # transactions, so the examples cannot each be rolled back).
    _story(method, steps)


def _story(method, steps):
    order = delivered_order(method=method, units=(2, 3, 1), prices=("250.00", "99.99", "1200.00"), fee="200.00")
    store_user, staff = member(order), UserFactory(is_staff=True)
    items = list(order.items.order_by("id"))
    for action, units, flag, which in steps:
        returns = list(ReturnRequest.objects.filter(order=order).order_by("id"))
        request = returns[which % len(returns)] if returns else None
        try:
            if action == "ask":
                return_request_create(
                    order=order,
                    buyer=order.buyer,
                    lines={item.pk: n for item, n in zip(items, units, strict=True)},
                    reason="damaged",
                )
            elif request is None:
                continue
            elif action == "approve":
                return_approve(request=request, actor=store_user, method="drop_off", refund_delivery=flag)
            elif action == "reject":
                return_reject(request=request, actor=store_user, reason="No")
            elif action == "escalate":
                return_escalate(request=request, buyer=order.buyer)
            elif action == "decide":
                return_decide(request=request, staff=staff, approve=flag, note="Ruled", refund_delivery=True)
            elif action == "receive":
                return_receive(request=request, actor=store_user, resellable=flag)
            elif action == "accept":
                return_accept(request=request, actor=store_user, resellable=flag)
            elif action == "dispute":
                return_dispute(request=request, actor=store_user, text="Not what we sold")
            elif action == "settle":
                return_dispute_decide(request=request, staff=staff, refund=flag, note="Ruled")
            elif action == "overdue":
                returns_refund_overdue(now=timezone.now() + timedelta(days=30))
            elif action == "refund":
                return_refund(request=request, actor=store_user)
            elif action == "staff_refund":
                refund_order(
                    order=order,
                    lines={item.pk: n for item, n in zip(items, units, strict=True)},
                    reason="Staff",
                    delivery=flag,
                )
        except (ReturnError, RefundError):
            pass
    _check(order, items)


def _check(order, items):
    paid = money_to_minor(order.total, order.currency)
    refunds = Refund.objects.filter(order=order).exclude(status=Refund.Status.FAILED)
    assert sum(refund.amount_minor for refund in refunds) <= paid
    refunded_units = {item.pk: 0 for item in items}
    deliveries = 0
    for refund in refunds:
        for key, count in refund.lines.items():
            if key == "delivery":
                deliveries += 1
            else:
                refunded_units[int(key)] += count
    assert deliveries <= 1
    assert all(refunded_units[item.pk] <= item.quantity for item in items)
    for request in ReturnRequest.objects.filter(order=order).prefetch_related("lines__item"):
        if request.status == S.REFUNDED:
            expected = sum(line.item.unit_price * line.quantity for line in request.lines.all())
            if "delivery" in request.refund.lines:
                assert request.refund_delivery
                expected += order.delivery_fee
            assert request.refund.amount_minor == money_to_minor(Decimal(expected), order.currency)
            assert request.refund.lines == {
                **{str(line.item_id): line.quantity for line in request.lines.all()},
                **({"delivery": 1} if "delivery" in request.refund.lines else {}),
            }
        else:
            assert request.refund is None or request.refund.status == Refund.Status.FAILED
    assert balanced()
