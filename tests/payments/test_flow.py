"""A checkout's money from placing to payout, through the services (no provider): paid
once, mismatches held, deadlines release stock once, cash posts the fee, held shares
released after the buyer's window."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from shop.catalog.models import Variant
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import TransitionError
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import checkouts_expire, funds_release_due
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import LedgerEntry, LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus
from shop.payments.refunds.services import RefundError, refund_order
from shop.payments.services import attempt_create, attempt_failed, attempt_succeeded, checkout_pay_on_delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = OrderStatus


def balanced():
    """Every transaction's entries sum to zero in each currency."""
    for posted in LedgerTransaction.objects.all():
        sums = posted.entries.values("account__currency").annotate(total=Sum("amount_minor"))
        assert all(row["total"] == 0 for row in sums), (posted.key, list(sums))
    return True


def test_an_online_checkout_awaits_payment_with_a_deadline_and_the_stores_wait(placed, settings):
    assert placed.payment_status == PaymentStatus.AWAITING
    assert placed.payment_due_by - timezone.now() == pytest.approx(
        timedelta(minutes=settings.SOKO_PAYMENT_DEADLINE_MINUTES), abs=timedelta(seconds=30)
    )
    order = placed.orders.first()
    with pytest.raises(TransitionError, match="waits for the buyer's payment"):
        order_transition(order=order, to=S.CONFIRMED, actor=order.store.members.first(), role="seller")


def test_paid_once_however_often_the_provider_says_so(placed, django_capture_on_commit_callbacks):
    assert not Notification.objects.filter(kind="order").exists()  # not before the money
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="kes", payment_reference="pi_1")

    placed.refresh_from_db()
    attempt.refresh_from_db()
    assert placed.payment_status == PaymentStatus.PAID and placed.paid_at is not None
    assert attempt.status == PaymentAttempt.Status.SUCCEEDED and attempt.payment_reference == "pi_1"
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1 and balanced()
    weavers_order, crafts_order = placed.orders.order_by("total").reverse()
    # 2.5 % of the items (2401.00 and 850), none on the delivery fee.
    assert (weavers_order.fee, crafts_order.fee) == (Decimal("60.03"), Decimal("21.25"))
    assert ledger.balance("provider:dev", "KES") == 345100
    assert ledger.balance(accounts.store_held(weavers_order.store_id), "KES") == -(260100 - 6003)
    assert ledger.balance(accounts.FEES, "KES") == -(6003 + 2125)
    # The stores hear of their orders now, once.
    told = Notification.objects.filter(kind="order")
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        [
            *weavers_order.store.members.values_list("pk", flat=True),
            *crafts_order.store.members.values_list("pk", flat=True),
        ]
    )


@pytest.mark.parametrize("received", [(345000, "KES"), (345100, "USD")])
def test_another_amount_or_currency_is_held_for_staff_not_paid(placed, received):
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=received[0], currency=received[1], payment_reference="pi_1")

    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.AWAITING
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.FLAGGED
    flag = PaymentFlag.objects.get()
    assert flag.kind == PaymentFlag.Kind.MISMATCH and "345100 KES" in flag.detail
    # Not paid, but booked: held in suspense until it is given back.
    assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == ["suspense"]


def test_a_failed_attempt_can_be_retried_or_paid_on_delivery(placed):
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    attempt_failed(attempt_id=attempt.pk, message="Your card was declined.")
    attempt_failed(attempt_id=attempt.pk, status=PaymentAttempt.Status.CANCELLED)  # final: no change
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.FAILED and attempt.message == "Your card was declined."

    assert checkout_pay_on_delivery(checkout=placed) is True
    placed.refresh_from_db()
    assert (placed.payment_status, placed.payment_method, placed.payment_due_by) == (
        PaymentStatus.ON_DELIVERY,
        "cod",
        None,
    )
    assert checkout_pay_on_delivery(checkout=placed) is False


def test_the_deadline_job_releases_the_stock_once_however_often_it_runs(placed, basket, kikoi):
    assert Variant.objects.get(pk=basket.pk).stock == 1 and Variant.objects.get(pk=kikoi.pk).stock == 9
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    later = placed.payment_due_by + timedelta(seconds=1)
    assert checkouts_expire(now=placed.payment_due_by - timedelta(seconds=1)) == 0

    results = [checkouts_expire(now=later) for _ in range(3)]

    assert results == [1, 0, 0]
    assert Variant.objects.get(pk=basket.pk).stock == 3 and Variant.objects.get(pk=kikoi.pk).stock == 10
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.EXPIRED
    assert set(placed.orders.values_list("status", flat=True)) == {S.CANCELLED}
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.EXPIRED
    # Money that still lands is not taken as payment: staff refund it.
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="pi_late")
    assert PaymentFlag.objects.get().kind == PaymentFlag.Kind.LATE
    assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == ["suspense"]


def deliver(order, staff):
    for to in (
        (S.CONFIRMED, S.PREPARING, S.READY)
        + ((S.OUT_FOR_DELIVERY,) if order.delivery_mode == "delivery" else ())
        + (S.DELIVERED,)
    ):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="test")
    return order


def test_cash_on_delivery_posts_the_cash_and_the_fee_the_store_owes(placed):
    checkout_pay_on_delivery(checkout=placed)
    staff = UserFactory(is_staff=True)
    order = deliver(Order.objects.get(checkout=placed, delivery_mode="delivery"), staff)

    assert order.delivered_at is not None
    assert LedgerTransaction.objects.filter(kind="cash").count() == 1 and balanced()
    assert ledger.balance(accounts.store_payable(order.store_id), "KES") == 6003  # owes the fee
    assert ledger.balance(accounts.store_cash(order.store_id), "KES") == 0
    assert ledger.balance(accounts.FEES, "KES") == -6003


def test_held_shares_are_released_after_the_buyers_window(placed, settings):
    attempt = attempt_create(checkout=placed, gateway="card", provider="dev")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="pi_1")
    staff = UserFactory(is_staff=True)
    order = deliver(Order.objects.get(checkout=placed, delivery_mode="delivery"), staff)

    assert funds_release_due() == 0  # still in the window
    later = timezone.now() + timedelta(days=settings.SOKO_BUYER_PROTECTION_DAYS, seconds=1)
    assert [funds_release_due(now=later) for _ in range(2)] == [1, 0]

    assert ledger.balance(accounts.store_held(order.store_id), "KES") == 0
    assert ledger.balance(accounts.store_payable(order.store_id), "KES") == -(260100 - 6003)
    assert LedgerEntry.objects.filter(transaction__kind="release").count() == 2 and balanced()


def test_a_cash_refund_is_owed_by_the_store_and_returns_the_fee(placed):
    checkout_pay_on_delivery(checkout=placed)
    order = deliver(Order.objects.get(checkout=placed, delivery_mode="delivery"), UserFactory(is_staff=True))
    item = order.items.get()

    refund = refund_order(order=order, lines={item.pk: 1}, reason="Torn", key="r1")

    assert refund_order(order=order, lines={item.pk: 1}, reason="Torn", key="r1") == refund  # same key, same refund
    assert (refund.provider, refund.status, refund.amount_minor, refund.fee_minor) == ("cash", "manual", 120050, 3001)
    assert PaymentFlag.objects.get().kind == PaymentFlag.Kind.MANUAL_REFUND and balanced()
    assert ledger.balance(accounts.store_payable(order.store_id), "KES") == 6003 - 3001
    with pytest.raises(RefundError, match="Only 1 of"):
        refund_order(order=order, lines={item.pk: 2}, reason="Torn")


def test_nothing_is_refunded_on_an_order_never_paid(placed):
    order = placed.orders.first()
    with pytest.raises(RefundError, match="Nothing was paid"):
        refund_order(order=order, lines={order.items.first().pk: 1}, reason="Changed mind")


def test_an_m_pesa_refund_is_listed_for_staff_to_send_by_hand(placed):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")

    refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Out of stock")

    assert (refund.status, refund.amount_minor, refund.fee_minor) == ("manual", 85000, 2125)
    assert not any(refund.checklist.values())
    assert ledger.balance("provider:mpesa", "KES") == 345100 - 85000 and balanced()
    assert ledger.balance(accounts.store_held(order.store_id), "KES") == 0
