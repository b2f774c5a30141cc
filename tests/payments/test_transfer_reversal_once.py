"""A refund that lands after its order's transfer was paid takes the store's share back from
the transfer exactly once, whatever happens on the way: Stripe's answer lost (it may have
made the reversal), the worker killed between the refund and the reversal, Stripe
forgetting the key after a day, Stripe refusing. Before, a lost answer or a refusal left a
"reverse it by hand" flag and nothing else: Stripe had often made the reversal already,
the ledger never recorded it, and staff following the flag took the share back twice.

KES 650 paid by card: the store's share is 637.50; one unit refunded takes 243.75 of it."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

from datetime import timedelta
from unittest import mock

import pytest
import stripe
from django.utils import timezone

from shop.devgateway.services import dev_engine
from shop.orders.services.payment_flow import funds_release_due
from shop.orders.tasks import funds_release_task
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import ConnectedAccount, LedgerTransaction, PaymentFlag, Payout, Refund
from shop.payments.payouts import services as payouts
from shop.payments.providers.stripe.callbacks import HANDLERS
from shop.payments.providers.stripe.client import stripe_client
from shop.payments.refunds import services as refunds
from tests.factories import UserFactory
from tests.payments.test_payout_amount_current import (  # noqa: F401  (fixtures)
    ALL_TRIES,
    LEFT,
    REFUNDED_SHARE,
    SHARE,
    _owed,
    _refund,
    _store_account,
    _transfers,
    fake,
    released,
)
from tests.payments.test_payout_asking_cutoff import WorkerKilled, _stripe_forgets, _unanswered
from tests.payments.test_refund_discount_revived import discounted_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_out(fake, released):
    """The order's share transferred to the store and recorded paid."""
    payouts.order_transfer(released)
    payout = Payout.objects.get(order=released)
    assert payout.status == Payout.Status.PAID and _owed(released) == 0
    return released


def _reversals(fake) -> list[dict]:
    return fake.engine.store.all("transfer_reversal")


def _reversal_asks(fake) -> int:
    return sum(1 for method, path, _params in fake.requests if method == "POST" and path.endswith("/reversals"))


def _sweep_later(time_machine, start, *, minutes: int = 10, runs: int = 2) -> None:
    time_machine.move_to(start + timedelta(minutes=minutes))
    for _run in range(runs):
        funds_release_task.call_local()


def _bank_returns(fake, refund) -> None:
    """The buyer's bank returns the card refund: Stripe fails it and says so by webhook."""
    for event in fake.engine.refund_fail(refund.reference):
        handler = HANDLERS.get(event["type"])
        if handler is not None:
            handler.apply(handler.fetch(event["data"]["object"]))


def _taken_back_once(fake, order, refund) -> None:
    """The refund's share is reversed at Stripe once, recorded once, and nothing is left to do."""
    (transfer,) = _transfers(fake)
    assert transfer["amount_reversed"] == REFUNDED_SHARE
    assert [reversal["metadata"] for reversal in _reversals(fake)] == [{"refund_id": str(refund.pk), "order": order.number}]
    assert LedgerTransaction.objects.filter(key__startswith=f"reversal:{refund.pk}").count() == 1
    assert _store_account(order) == {"held": 0, "payable": 0}
    refund.refresh_from_db()
    assert not refund.take_back_due
    assert not PaymentFlag.objects.exists()  # nothing for staff to do by hand


def test_a_refund_after_the_transfer_takes_the_share_back_at_once(fake, paid_out, django_capture_on_commit_callbacks):
    refund = _refund(paid_out, 1, django_capture_on_commit_callbacks)
    _taken_back_once(fake, paid_out, refund)
    assert _owed(paid_out) == 0 and SHARE - REFUNDED_SHARE == LEFT


@pytest.mark.parametrize("stripe_forgot_the_key", [False, True], ids=["within a day", "after Stripe forgot the key"])
def test_a_reversal_whose_answer_was_lost_is_recorded_once_by_the_sweep_never_flagged_or_made_twice(
    fake, paid_out, time_machine, django_capture_on_commit_callbacks, stripe_forgot_the_key
):
    start = timezone.now()
    original = payouts.transfer_reverse

    def answer_lost(*args, **kwargs):
        # The reversal is made; its answer never comes back.
        fake.lose_answers(ALL_TRIES, only=f"POST /v1/transfers/{args[2].reference}/reversals")
        try:
            return original(*args, **kwargs)
        finally:
            fake.lose_answers(0)

    with mock.patch.object(payouts, "transfer_reverse", side_effect=answer_lost):
        refund = _refund(paid_out, 1, django_capture_on_commit_callbacks)

    # Stripe made it; Soko does not know: still due, no flag asking staff to do it again.
    assert len(_reversals(fake)) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.take_back_due
    assert not LedgerTransaction.objects.filter(key__startswith=f"reversal:{refund.pk}").exists()
    assert not PaymentFlag.objects.exists()

    if stripe_forgot_the_key:
        start += timedelta(days=1)
        _stripe_forgets(fake, f"reversal-{refund.idempotency_key}")
    _sweep_later(time_machine, start)

    _taken_back_once(fake, paid_out, refund)


def test_a_reversal_a_killed_worker_never_asked_for_is_made_by_the_sweep(
    fake, paid_out, time_machine, django_capture_on_commit_callbacks
):
    start = timezone.now()
    staff_refund = mock.patch.object(payouts, "transfer_reverse", side_effect=WorkerKilled)
    with staff_refund, pytest.raises(WorkerKilled):
        _refund(paid_out, 1, django_capture_on_commit_callbacks)
    refund = Refund.objects.get(order=paid_out)
    assert refund.status == Refund.Status.SUCCEEDED and refund.take_back_due  # recorded with the refund
    assert _reversals(fake) == []

    _sweep_later(time_machine, start, minutes=2, runs=1)  # the job may still be on it: left alone
    assert _reversals(fake) == [] and _reversal_asks(fake) == 0

    _sweep_later(time_machine, start)
    _taken_back_once(fake, paid_out, refund)


class RefusedReversals:
    """Stripe as it is, except that it refuses every transfer reversal (the connected
    account's balance is short); counts the reversals asked."""

    def __init__(self):
        self.asked = 0

    def __call__(self):
        client = mock.Mock(wraps=stripe_client())
        client.v1.transfers.reversals.list.return_value.auto_paging_iter.return_value = iter(())
        client.v1.transfers.reversals.create.side_effect = self._refuse
        return client

    def _refuse(self, *args, **kwargs):
        self.asked += 1
        raise stripe.InvalidRequestError("Insufficient funds in the connected account.", param=None, code="balance_insufficient")

    def patch(self):
        return mock.patch.multiple(payouts, stripe_client=self), mock.patch.multiple(refunds, stripe_client=self)


def test_a_refused_reversal_is_flagged_once_and_not_asked_again(
    fake, paid_out, time_machine, django_capture_on_commit_callbacks
):
    start = timezone.now()
    refusing = RefusedReversals()
    with refusing.patch()[0], refusing.patch()[1]:
        refund = _refund(paid_out, 1, django_capture_on_commit_callbacks)
        _sweep_later(time_machine, start)

    refund.refresh_from_db()
    assert not refund.take_back_due  # settled: staff take it back, no job asks again
    assert refusing.asked == 1
    (flag,) = PaymentFlag.objects.all()
    assert flag.key == f"reversal-refused:{refund.pk}" and flag.kind == PaymentFlag.Kind.MANUAL_REFUND
    assert "243.75 KES" in flag.detail and paid_out.number in flag.detail
    assert _owed(paid_out) == -REFUNDED_SHARE  # what staff are asked to take back, and nothing else


def test_a_payout_that_finds_a_refused_reversal_does_not_flag_the_same_share_again(
    fake, released, time_machine, django_capture_on_commit_callbacks
):
    """The refund lands while the transfer is unanswered; the payout, paid, takes its share
    back and Stripe refuses: one flag for the share, not a second "overpaid" one."""
    _unanswered(fake, released)
    refund = _refund(released, 1, django_capture_on_commit_callbacks)
    refusing = RefusedReversals()
    with refusing.patch()[0], refusing.patch()[1]:
        payouts.order_transfer(released)
        payouts.order_transfer(released)

    payout = Payout.objects.get(order=released)
    assert payout.status == Payout.Status.PAID and not payout.take_back_due
    assert refusing.asked == 1
    assert [flag.key for flag in PaymentFlag.objects.all()] == [f"reversal-refused:{refund.pk}"]


def test_a_refund_paid_by_soko_s_discount_alone_takes_its_share_back_from_the_transfer(
    django_capture_on_commit_callbacks,
):
    """The unit was paid for by Soko's discount only: nothing goes back to the card, but the
    store was paid the discount with the transfer, and gives it back."""
    order = discounted_order(lines=(("10.00", 1),), discount_percent="100", delivery_fee="5.00")
    engine = dev_engine()
    account = engine.account_create({"type": "express"})
    engine.account_onboard(account["id"])
    ConnectedAccount.objects.create(store=order.store, account_id=account["id"], details_submitted=True, payouts_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        funds_release_due(now=timezone.now() + timedelta(days=30))
    payout = Payout.objects.get(order=order)
    assert payout.status == Payout.Status.PAID

    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", actor=staff)
    refund.refresh_from_db()
    assert refund.amount_minor == 0 and refund.promotion_minor == 1000  # nothing back to the card

    (reversal,) = [found for found in engine.store.all("transfer_reversal") if found["transfer"] == payout.reference]
    assert reversal["amount"] == refund.promotion_minor - refund.fee_minor > 0
    assert not refund.take_back_due
    owed = ledger.balance(accounts.store_payable(order.store_id), "KES", order=order)
    assert owed == 0  # the store gave back what it was paid for the unit


def test_a_refund_the_bank_returned_before_its_share_was_asked_back_takes_nothing_from_the_store(
    fake, paid_out, time_machine, django_capture_on_commit_callbacks
):
    """The worker was lost before the reversal, and the buyer's bank then returned the
    refund: the sweep must not take back the share of a refund that gave nothing back."""
    start = timezone.now()
    with mock.patch.object(payouts, "transfer_reverse", side_effect=WorkerKilled), pytest.raises(WorkerKilled):
        _refund(paid_out, 1, django_capture_on_commit_callbacks)
    refund = Refund.objects.get(order=paid_out)
    assert refund.take_back_due
    _bank_returns(fake, refund)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED

    _sweep_later(time_machine, start)

    assert _reversals(fake) == [] and _reversal_asks(fake) == 0
    refund.refresh_from_db()
    assert not refund.take_back_due
    assert _store_account(paid_out) == {"held": 0, "payable": 0}  # the store keeps its whole share


def test_a_refund_the_bank_returned_after_its_share_was_taken_back_tells_finance_the_share_stays_taken(
    fake, paid_out, django_capture_on_commit_callbacks
):
    refund = _refund(paid_out, 1, django_capture_on_commit_callbacks)
    _taken_back_once(fake, paid_out, refund)
    _bank_returns(fake, refund)

    (flag,) = PaymentFlag.objects.filter(kind=PaymentFlag.Kind.REFUND_FAILED)
    assert "taken back from the store's transfer" in flag.detail
    assert _store_account(paid_out)["payable"] == -REFUNDED_SHARE  # shown owed to the store until settled

    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = refunds.refund_order(
            order=paid_out, lines={paid_out.items.get().pk: 1}, reason="Broken", actor=staff, key=refund.idempotency_key
        )
    again.refresh_from_db()
    assert again.status == Refund.Status.SUCCEEDED and len(_reversals(fake)) == 1
    assert _store_account(paid_out) == {"held": 0, "payable": 0}
