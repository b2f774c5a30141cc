"""A transfer Stripe may already have made (asked, its answer lost) is asked again under its
idempotency key only while Stripe surely keeps that key: Stripe forgets a key after a day,
and a transfer asked again under a forgotten key is made a second time (the store paid
twice). Past the cutoff no job asks for it again; it is flagged for finance, once, who look
for it at Stripe and either record the transfer found there (checked against Stripe: its
amount, the store's account, the payout in its metadata) or send the payout again under a
new key with what is owed then.

A payout marked paid while refunds landed takes their share back from the transfer; a
worker killed between the two leaves the take-back to the release sweep.

KES 650 paid by card: the store's share is 637.50; one unit refunded takes 243.75 of it."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
import stripe
from django.contrib.auth.models import Group
from django.utils import timezone

from shop.moderation.services.roles import FINANCE, roles_sync
from shop.orders.tasks import funds_release_task, order_transfer_task
from shop.payments.models import ConnectedAccount, LedgerTransaction, PaymentFlag, Payout
from shop.payments.payouts import services as payouts
from tests.factories import UserFactory
from tests.payments.test_payout_amount_current import (  # noqa: F401  (fixtures)
    ALL_TRIES,
    LEFT,
    REFUNDED_SHARE,
    SHARE,
    _asked,
    _key_used,
    _owed,
    _refund,
    _store_account,
    _transfers,
    fake,
    released,
)

pytestmark = pytest.mark.django_db

FLAGS_URL = "/admin/payments/paymentflag/"

# The paths that ask for a payout again: the transfer job and the release sweep (the
# periodic task, which also flags what is left unanswered too long).
RETRIES = {
    "transfer job": lambda order: order_transfer_task(order.pk),
    "release sweep": lambda order: funds_release_task.call_local(),
}


@pytest.fixture(params=sorted(RETRIES))
def retry(request):
    return RETRIES[request.param]


class WorkerKilled(BaseException):
    """The worker running the job is killed: nothing after this point runs."""


def _stripe_forgets(fake, key: str) -> None:
    """Stripe forgets the idempotency key ``key`` (it keeps a key for about a day): a request
    under it is a new request again."""
    record = "idem_" + hashlib.sha256(key.encode()).hexdigest()[:40]
    with fake.engine.store._lock:
        del fake.engine.store._objects[record]


def _unanswered(fake, order) -> Payout:
    """The order's transfer is made at Stripe but its answer is lost: the payout asks."""
    fake.lose_answers(ALL_TRIES)
    payouts.order_transfer(order)
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.reference) == (Payout.Status.PENDING, f"asking:transfer-order-{order.number}")
    assert [transfer["amount"] for transfer in _transfers(fake)] == [SHARE]
    return payout


def _never_reached_stripe(order) -> Payout:
    """The transfer request never reached Stripe (no connection): the payout asks all the
    same, since nothing tells it that Stripe did not make the transfer."""
    unreachable = mock.Mock()
    unreachable.return_value.v1.transfers.create.side_effect = stripe.APIConnectionError("Connection refused")
    with mock.patch.object(payouts, "stripe_client", unreachable):
        payouts.order_transfer(order)
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.reference) == (Payout.Status.PENDING, f"asking:transfer-order-{order.number}")
    return payout


def _flag_of(payout) -> PaymentFlag:
    return PaymentFlag.objects.get(key=f"payout-unanswered:{payout.pk}")


@pytest.fixture
def finance_client(client):
    roles_sync()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=FINANCE))
    client.force_login(user)
    return client


def test_an_unanswered_transfer_is_asked_again_under_its_key_until_the_cutoff_then_flagged_not_sent_twice(
    fake, released, retry, time_machine
):
    order = released
    start = timezone.now()
    payout = _unanswered(fake, order)
    key = f"transfer-order-{order.number}"

    time_machine.move_to(start + timedelta(hours=11))  # before the cutoff: asked again, as ever
    fake.lose_answers(ALL_TRIES)
    retry(order)
    assert _asked(fake) == [SHARE] * (2 * ALL_TRIES)
    assert not PaymentFlag.objects.filter(key=f"payout-unanswered:{payout.pk}").exists()

    time_machine.move_to(start + timedelta(hours=25))  # a day after it was first asked: Stripe forgot the key
    _stripe_forgets(fake, key)
    retry(order)
    retry(order)

    # Not asked again: under the forgotten key Stripe would have made a second transfer.
    assert [transfer["amount"] for transfer in _transfers(fake)] == [SHARE]
    assert _asked(fake) == [SHARE] * (2 * ALL_TRIES)
    payout.refresh_from_db()
    assert (payout.status, payout.reference) == (Payout.Status.PENDING, f"asking:{key}")
    assert not LedgerTransaction.objects.filter(kind="transfer", order=order).exists()
    flag = _flag_of(payout)  # once, for finance
    assert flag.kind == PaymentFlag.Kind.PAYOUT_UNANSWERED and flag.resolved_at is None
    assert flag.checkout_id == order.checkout_id
    assert f"payout_id {payout.pk}" in flag.detail and "637.50 KES" in flag.detail and key in flag.detail
    assert timedelta(hours=11) < payouts.TRANSFER_ASK_AGAIN_WITHIN <= timedelta(hours=12)


def test_the_sweep_flags_an_unanswered_transfer_that_no_job_asks_for_any_more(fake, released, time_machine):
    """The store's account was disabled after the transfer was asked: the transfer job
    stops before it looks at the payout, and the sweep still tells finance."""
    order = released
    start = timezone.now()
    payout = _unanswered(fake, order)
    ConnectedAccount.objects.filter(store_id=order.store_id).update(payouts_enabled=False)

    time_machine.move_to(start + timedelta(hours=13))
    funds_release_task.call_local()
    funds_release_task.call_local()

    assert PaymentFlag.objects.filter(key__startswith="payout-unanswered:").count() == 1
    assert _flag_of(payout).kind == PaymentFlag.Kind.PAYOUT_UNANSWERED
    assert _asked(fake) == [SHARE] * ALL_TRIES


def test_finance_records_the_transfer_found_at_stripe_and_the_refund_is_taken_back_from_it(
    fake, released, finance_client, time_machine, django_capture_on_commit_callbacks
):
    order = released
    start = timezone.now()
    payout = _unanswered(fake, order)
    (transfer,) = _transfers(fake)
    refund = _refund(order, 1, django_capture_on_commit_callbacks)  # lands while the transfer is unanswered
    assert _owed(order) == LEFT
    time_machine.move_to(start + timedelta(hours=13))
    funds_release_task.call_local()
    flag = _flag_of(payout)

    def record(transfer_id: str):
        return finance_client.post(
            FLAGS_URL,
            {"action": "payout_transfer_record", "_selected_action": [flag.pk], "transfer": transfer_id, "apply": "1"},
        )

    # The form first, then a transfer that is not this payout's: refused, nothing recorded.
    page = finance_client.post(FLAGS_URL, {"action": "payout_transfer_record", "_selected_action": [flag.pk]})
    assert page.status_code == 200 and b'name="transfer"' in page.content
    other = fake.engine.transfer_create(
        {"amount": str(SHARE), "currency": "kes", "destination": transfer["destination"], "metadata": {"payout_id": "0"}}
    )
    for wrong in (other["id"], "tr_notatstripe"):
        answer = record(wrong)
        assert answer.status_code == 200 and b"errorlist" in answer.content
        payout.refresh_from_db()
        assert payout.status == Payout.Status.PENDING
    assert not LedgerTransaction.objects.filter(kind="transfer", order=order).exists()

    assert record(transfer["id"]).status_code == 302

    payout.refresh_from_db()
    assert (payout.status, payout.amount_minor, payout.reference) == (Payout.Status.PAID, SHARE, transfer["id"])
    assert LedgerTransaction.objects.filter(kind="transfer", order=order).count() == 1
    # The refund that landed meanwhile is taken back from the transfer, once.
    transfer = fake.engine.transfer_retrieve({}, transfer["id"])
    assert transfer["amount_reversed"] == REFUNDED_SHARE
    assert LedgerTransaction.objects.filter(key=f"reversal:{refund.pk}").count() == 1
    assert _store_account(order) == {"held": 0, "payable": 0}
    flag.refresh_from_db()
    assert flag.resolved_at is not None and transfer["id"] in flag.resolution
    assert _asked(fake) == [SHARE] * ALL_TRIES  # nothing asked to make a transfer again


def test_finance_sends_again_a_payout_stripe_never_received_with_what_is_owed_then(
    fake, released, finance_client, time_machine, django_capture_on_commit_callbacks
):
    order = released
    start = timezone.now()
    payout = _never_reached_stripe(order)
    assert _transfers(fake) == []
    _refund(order, 1, django_capture_on_commit_callbacks)

    # Before the cutoff the jobs still ask under its key: it is not sent under another.
    early = PaymentFlag.objects.create(
        kind=PaymentFlag.Kind.PAYOUT_UNANSWERED, key=f"payout-unanswered:{payout.pk}", detail="Checked early"
    )
    with pytest.raises(payouts.PayoutError):
        payouts.payout_flag_send_again(flag=early, actor=None)
    early.delete()

    time_machine.move_to(start + timedelta(hours=13))
    funds_release_task.call_local()
    flag = _flag_of(payout)
    assert _transfers(fake) == []

    with django_capture_on_commit_callbacks(execute=True):  # the transfer job runs after the commit
        answer = finance_client.post(FLAGS_URL, {"action": "payout_send_again", "_selected_action": [flag.pk]})
    assert answer.status_code == 302

    payout.refresh_from_db()
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, LEFT)  # what is owed after the refund
    assert [transfer["amount"] for transfer in _transfers(fake)] == [LEFT]
    assert payout.reference == _transfers(fake)[0]["id"]
    assert not _key_used(fake, f"transfer-order-{order.number}")  # under a new key
    assert _store_account(order) == {"held": 0, "payable": 0}
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_a_take_back_a_killed_worker_left_undone_is_made_by_the_release_sweep(
    fake, released, time_machine, django_capture_on_commit_callbacks
):
    order = released
    start = timezone.now()
    _unanswered(fake, order)
    refund = _refund(order, 1, django_capture_on_commit_callbacks)  # lands while the transfer is unanswered

    # Asked again: Stripe answers, the payout is marked paid, and the worker is killed
    # before it takes the refund's share back from the transfer.
    with mock.patch.object(payouts, "_refunds_take_back", side_effect=WorkerKilled), pytest.raises(WorkerKilled):
        payouts.order_transfer(order)
    payout = Payout.objects.get(order=order)
    assert payout.status == Payout.Status.PAID
    assert _owed(order) == -REFUNDED_SHARE  # the store was paid the refunded unit's share too

    time_machine.move_to(start + timedelta(minutes=10))
    funds_release_task.call_local()
    funds_release_task.call_local()

    (transfer,) = _transfers(fake)
    assert transfer["amount_reversed"] == REFUNDED_SHARE  # taken back at Stripe, once
    assert LedgerTransaction.objects.filter(key=f"reversal:{refund.pk}").count() == 1
    assert _store_account(order) == {"held": 0, "payable": 0}
    assert not PaymentFlag.objects.filter(key=f"payout-over:{payout.pk}").exists()


def test_a_flag_for_a_payout_still_asking_is_settled_only_by_its_actions_never_marked_resolved(
    fake, released, finance_client, time_machine, django_capture_on_commit_callbacks
):
    """Marking it resolved by hand would leave the payout asking, which no job asks for any
    more: the store never paid. Every way of marking it resolved refuses, with the reason."""
    order = released
    start = timezone.now()
    payout = _never_reached_stripe(order)
    time_machine.move_to(start + timedelta(hours=13))
    funds_release_task.call_local()
    flag = _flag_of(payout)
    why = "still waits for Stripe"

    # The admin's "Mark resolved" action.
    answer = finance_client.post(FLAGS_URL, {"action": "resolve", "_selected_action": [flag.pk]}, follow=True)
    assert why in answer.content.decode()
    # The flag's page with a note typed: the form says why and keeps the note.
    answer = finance_client.post(f"{FLAGS_URL}{flag.pk}/change/", {"resolution": "Looked at it"})
    assert answer.status_code == 200
    assert why in answer.content.decode() and "Looked at it" in answer.content.decode()
    # The staff queue.
    finance_client.force_login(UserFactory(is_staff=True, is_superuser=True))
    answer = finance_client.post(
        "/admin/moderation/queue/", {"action": "resolve", "rows": [f"flag:{flag.pk}"], "note": "Checked"}, follow=True
    )
    assert why in answer.content.decode()
    flag.refresh_from_db()
    assert flag.resolved_at is None

    # Sending the payout again settles it and resolves the flag.
    with django_capture_on_commit_callbacks(execute=True):
        finance_client.post(FLAGS_URL, {"action": "payout_send_again", "_selected_action": [flag.pk]})
    payout.refresh_from_db()
    flag.refresh_from_db()
    assert payout.status == Payout.Status.PAID and flag.resolved_at is not None
