"""Returns through their services: asking (window, returnable items, units left), the
store's answer, escalation to staff, receipt with restocking, and the refund rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from returns.models import ReturnEvent, ReturnRequest, ReturnStatus
from returns.services import (
    ReturnError,
    return_accept,
    return_approve,
    return_cancel,
    return_decide,
    return_escalate,
    return_receive,
    return_refund,
    return_reject,
    return_request_create,
    return_restock,
)
from shop.catalog.models import Variant
from shop.notifications.models import Notification
from shop.orders.models import Order
from shop.payments.models import PaymentFlag, Refund
from shop.payments.refunds.services import refund_order
from tests.factories import UserFactory

from .conftest import balanced, delivered_order, member

pytestmark = pytest.mark.django_db
S = ReturnStatus


def ask(order, units=None, reason="damaged", text="Cracked"):
    items = list(order.items.order_by("id"))
    if units is None:
        units = [1] * len(items)
    return return_request_create(
        order=order,
        buyer=order.buyer,
        lines={item.pk: n for item, n in zip(items, units, strict=False)},
        reason=reason,
        text=text,
    )


def test_a_cash_return_from_request_to_refund(cash_order):
    store_user = member(cash_order)
    items = list(cash_order.items.order_by("id"))
    request = ask(cash_order, units=[2, 0])
    assert Notification.objects.filter(user=store_user, kind="return").exists()

    request = return_approve(request=request, actor=store_user, method="drop_off", instructions="Bring it on Monday")
    assert request.status == S.APPROVED and Notification.objects.filter(user=cash_order.buyer, kind="return").exists()
    stock = Variant.objects.get(pk=items[0].variant_id).stock

    request = return_receive(request=request, actor=store_user, resellable=True)
    assert request.status == S.RECEIVED and request.refund is None  # received is not accepted
    request = return_accept(request=request, actor=store_user, note="As sold")

    request.refresh_from_db()
    assert request.status == S.REFUNDED and request.refund.provider == "cash"
    assert request.refund.amount_minor == 50000 and request.refund.lines == {str(items[0].pk): 2}
    assert request.refund.status == Refund.Status.MANUAL  # the store hands the cash back
    assert Variant.objects.get(pk=items[0].variant_id).stock == stock + 2
    assert [event.to_status for event in request.events.all()] == [S.REQUESTED, S.APPROVED, S.RECEIVED, S.REFUNDED]
    assert balanced()


def test_an_mpesa_return_is_listed_for_staff_to_reverse_with_its_checklist(db):
    order = delivered_order(method="mpesa")
    store_user = member(order)
    request = ask(order, units=[0, 2])
    request = return_approve(request=request, actor=store_user, method="drop_off")
    request = return_receive(request=request, actor=store_user)
    request = return_accept(request=request, actor=store_user)
    request.refresh_from_db()
    refund = request.refund
    assert request.status == S.REFUNDED and (refund.provider, refund.status) == ("mpesa", Refund.Status.MANUAL)
    assert refund.amount_minor == 20000 and not any(refund.checklist.values())  # nothing ticked yet
    assert PaymentFlag.objects.filter(kind=PaymentFlag.Kind.MANUAL_REFUND, checkout=order.checkout).count() == 1
    assert balanced()


def test_a_card_return_refunds_through_the_gateway_with_the_delivery_fee_when_the_store_says(
    card_order, django_capture_on_commit_callbacks
):
    store_user = member(card_order)
    request = ask(card_order, units=[1, 3])
    request = return_approve(request=request, actor=store_user, method="drop_off", refund_delivery=True)
    request = return_receive(request=request, actor=store_user)
    with django_capture_on_commit_callbacks(execute=True):  # the provider is asked after commit
        request = return_accept(request=request, actor=store_user)
    request.refresh_from_db()
    assert request.status == S.REFUNDED and request.refund.status == Refund.Status.SUCCEEDED
    assert request.refund.amount_minor == 25000 + 30000 + 20000 and request.refund.reference.startswith("re_")
    assert request.restocked_at is None
    assert balanced()


def test_refusals_window_returnable_quantity_and_buyer(cash_order, settings):
    items = list(cash_order.items.order_by("id"))
    with pytest.raises(ReturnError, match="at most 2"):
        ask(cash_order, units=[3, 0])
    with pytest.raises(ReturnError, match="Only the buyer"):
        return_request_create(order=cash_order, buyer=UserFactory(), lines={items[0].pk: 1}, reason="damaged")
    with pytest.raises(ReturnError, match="at least one"):
        ask(cash_order, units=[0, 0])
    product = items[1].variant.product
    product.returnable = False
    product.save(update_fields=["returnable"])
    with pytest.raises(ReturnError, match="cannot be returned"):
        ask(cash_order, units=[0, 1])
    ask(cash_order, units=[1, 0])
    with pytest.raises(ReturnError, match="at most 1"):
        ask(cash_order, units=[2, 0])  # one unit is already in a return
    Order.objects.filter(pk=cash_order.pk).update(delivered_at=timezone.now() - timedelta(days=31))
    with pytest.raises(ReturnError, match="no longer"):
        ask(cash_order, units=[1, 0])
    cash_order.store.return_window_days = 0
    cash_order.store.save(update_fields=["return_window_days"])
    Order.objects.filter(pk=cash_order.pk).update(delivered_at=timezone.now())
    with pytest.raises(ReturnError, match="no longer"):
        ask(cash_order, units=[1, 0])


def test_a_cancelled_return_gives_its_units_back_to_ask_for(cash_order):
    request = ask(cash_order, units=[2, 3])
    return_cancel(request=request, buyer=cash_order.buyer)
    assert ask(cash_order, units=[2, 3]).status == S.REQUESTED


def test_reject_needs_a_reason_then_escalate_then_staff_approve_then_refund(card_order):
    store_user, staff = member(card_order), UserFactory(is_staff=True)
    request = ask(card_order, units=[1, 0])
    with pytest.raises(ReturnError, match="Say why"):
        return_reject(request=request, actor=store_user, reason="  ")
    request = return_reject(request=request, actor=store_user, reason="Worn")
    with pytest.raises(ReturnError, match="Only the buyer"):
        return_escalate(request=request, buyer=store_user)
    request = return_escalate(request=request, buyer=card_order.buyer, text="It was never worn")
    with pytest.raises(ReturnError, match="note"):
        return_decide(request=request, staff=staff, approve=True, note="")
    request = return_decide(request=request, staff=staff, approve=True, note="Photos show damage", refund_delivery=True)
    assert request.status == S.APPROVED and request.staff_decision == "approved" and request.decided_by == staff
    assert Notification.objects.filter(user=store_user, text__contains="Photos show damage").exists()
    assert Notification.objects.filter(user=card_order.buyer, text__contains="Photos show damage").exists()
    request = return_receive(request=request, actor=store_user)
    request = return_accept(request=request, actor=store_user)
    request.refresh_from_db()
    assert request.status == S.REFUNDED and request.refund.amount_minor == 25000 + 20000
    assert balanced()


def test_escalation_window_and_staff_rejection_are_final(cash_order, settings):
    store_user, staff = member(cash_order), UserFactory(is_staff=True)
    request = return_reject(request=ask(cash_order), actor=store_user, reason="Used")
    ReturnRequest.objects.filter(pk=request.pk).update(
        rejected_at=timezone.now() - timedelta(days=settings.SOKO_RETURN_ESCALATE_DAYS, seconds=1)
    )
    with pytest.raises(ReturnError, match="within 7 days"):
        return_escalate(request=request, buyer=cash_order.buyer)
    request = return_reject(request=ask(cash_order, units=[1, 1]), actor=store_user, reason="Used")
    request = return_escalate(request=request, buyer=cash_order.buyer)
    request = return_decide(request=request, staff=staff, approve=False, note="Clearly used")
    assert request.status == S.REJECTED
    with pytest.raises(ReturnError):
        return_escalate(request=request, buyer=cash_order.buyer)


def test_double_refund_attempts_refund_once(card_order):
    store_user = member(card_order)
    request = return_approve(request=ask(card_order), actor=store_user, method="drop_off")
    request = return_receive(request=request, actor=store_user)
    with pytest.raises(ReturnError):
        return_receive(request=request, actor=store_user)
    request = return_accept(request=request, actor=store_user)
    with pytest.raises(ReturnError):
        return_accept(request=request, actor=store_user)
    with pytest.raises(ReturnError):
        return_refund(request=request, actor=store_user)
    # Even the payments primitive asked again under the return's key gives the same refund.
    request.refresh_from_db()
    again = refund_order(
        order=card_order, lines={card_order.items.first().pk: 1}, reason="again", key=f"return:{request.pk}"
    )
    assert again == request.refund and Refund.objects.filter(order=card_order).count() == 1


def test_a_refused_refund_shows_failed_and_a_retry_reuses_the_key(
    card_order, monkeypatch, django_capture_on_commit_callbacks
):
    from shop.devgateway.services import ApiError, StripeEngine

    store_user = member(card_order)
    request = return_approve(request=ask(card_order), actor=store_user, method="drop_off")
    real = StripeEngine.refund_create

    def refuse(self, params):  # a refusal (an answer that leaves no doubt), not an outage
        raise ApiError(400, "This charge cannot be refunded right now.", code="charge_disputed")

    monkeypatch.setattr(StripeEngine, "refund_create", refuse)
    request = return_receive(request=request, actor=store_user)
    with django_capture_on_commit_callbacks(execute=True):  # the provider is asked after commit
        return_accept(request=request, actor=store_user)
    request.refresh_from_db()
    assert request.refund.status == Refund.Status.FAILED

    monkeypatch.setattr(StripeEngine, "refund_create", real)
    with django_capture_on_commit_callbacks(execute=True):
        request = return_refund(request=request, actor=store_user)
    request.refresh_from_db()
    assert request.status == S.REFUNDED and request.refund_error == ""
    assert Refund.objects.filter(order=card_order).count() == 1
    assert Refund.objects.get(order=card_order).status == Refund.Status.SUCCEEDED and balanced()


def test_restock_later_once(cash_order):
    store_user = member(cash_order)
    item = cash_order.items.order_by("id").first()
    request = return_receive(
        request=return_approve(request=ask(cash_order, units=[1, 0]), actor=store_user, method="drop_off"),
        actor=store_user,
    )
    before = Variant.objects.get(pk=item.variant_id).stock
    return_restock(request=request, actor=store_user)
    with pytest.raises(ReturnError, match="already"):
        return_restock(request=request, actor=store_user)
    assert Variant.objects.get(pk=item.variant_id).stock == before + 1
    assert ReturnEvent.objects.filter(request=request).count() == 4  # asked, approved, received, back on sale


def test_only_members_answer(cash_order):
    request = ask(cash_order)
    with pytest.raises(ReturnError, match="team"):
        return_approve(request=request, actor=cash_order.buyer, method="drop_off")
    with pytest.raises(ReturnError, match="team"):
        return_reject(request=request, actor=UserFactory(), reason="no")
