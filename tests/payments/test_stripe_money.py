"""Money Stripe moves besides the payment itself, booked from Stripe's own records through
the fake Stripe: its fee on each charge (once per balance transaction), a dispute's funds
withdrawn and reinstated (the order flagged, the store told), a refund the buyer's bank
returned (voided, flagged, and asked again with the same key). Reconciliation reads
Stripe's balance transactions and agrees with the ledger to the minor unit."""

import json
import urllib.request

import pytest

from shop.notifications.models import Notification
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.reconciliation import reconciliation, reconciliation_flag
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, Refund
from shop.payments.providers.stripe.callbacks import stripe_balance_sync
from shop.payments.refunds.services import refund_order
from tests.factories import UserFactory
from tests.payments.test_stripe_webhook import deliver, event_of

pytestmark = pytest.mark.django_db

AMOUNT = 345100
FEE = 10008  # 2.9% of KES 3,451.00, rounded up
DISPUTE_FEE = 1500


def control(fake, path: str) -> list[dict]:
    """What a bank does later, through the fake's control endpoint: the events Stripe sends."""
    request = urllib.request.Request(f"{fake.url}/_fake/{path}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["events"]


def deliver_all(client, events, times: int = 2):
    for _ in range(times):
        for event in events:
            assert deliver(client, event).status_code == 200


def stripe_balance() -> int:
    return ledger.balance("provider:stripe", "KES")


def stripe_day():
    (row,) = [row for row in reconciliation(days=1) if row["provider"] == "stripe"]
    return row


def balanced() -> bool:
    for posted in LedgerTransaction.objects.all():
        assert sum(posted.entries.values_list("amount_minor", flat=True)) == 0, posted.key
    return True


@pytest.fixture
def paid(fake, started, client):
    deliver_all(client, fake.engine.session_pay(started.reference))
    started.refresh_from_db()
    assert started.status == PaymentAttempt.Status.SUCCEEDED
    return started


def test_stripes_fee_is_posted_once_from_the_charges_balance_transaction(paid, fake):
    txn = fake.engine.balance_transaction_list({}, )["data"][0]
    assert (txn["type"], txn["amount"], txn["fee"], txn["net"]) == ("charge", AMOUNT, FEE, AMOUNT - FEE)

    assert LedgerTransaction.objects.filter(kind="provider_fee").count() == 1
    assert stripe_balance() == AMOUNT - FEE and ledger.balance(accounts.PROVIDER_FEES, "KES") == FEE
    assert stripe_day()["difference"] == 0 and balanced()
    assert stripe_balance_sync() == {"events": 0, "fees": 0}


def test_a_fee_a_lost_webhook_missed_is_a_difference_until_the_sync_posts_it(fake, started, client):
    events = fake.engine.session_pay(started.reference)
    deliver(client, event_of(events, "checkout.session.completed"))  # charge.succeeded never arrives

    row = stripe_day()
    assert (row["ledger"], row["reported"], row["difference"]) == (AMOUNT, AMOUNT - FEE, FEE)
    assert reconciliation_flag([row]) == 1 and reconciliation_flag([stripe_day()]) == 0

    assert stripe_balance_sync() == {"events": 2, "fees": 0}  # charge.succeeded and the intent's event
    assert stripe_balance_sync() == {"events": 0, "fees": 0}
    assert stripe_day()["difference"] == 0 and stripe_balance() == AMOUNT - FEE


def test_a_dispute_is_posted_once_flagged_and_told_and_reinstated_when_won(paid, fake, client, weavers, crafts):
    events = control(fake, f"payment_intents/{paid.payment_reference}/dispute")
    assert [event["type"] for event in events] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    deliver_all(client, events)

    assert stripe_balance() == AMOUNT - FEE - AMOUNT - DISPUTE_FEE
    assert ledger.balance(accounts.DISPUTES, "KES") == AMOUNT
    assert ledger.balance(accounts.PROVIDER_FEES, "KES") == FEE + DISPUTE_FEE
    flag = PaymentFlag.objects.get(kind=PaymentFlag.Kind.DISPUTE)
    assert flag.checkout_id == paid.checkout_id and flag.resolved_at is None
    members = [*weavers.members.all(), *crafts.members.all()]
    told = Notification.objects.filter(user__in=members, text__contains="disputes")
    assert members and told.count() == len(members)
    assert stripe_day()["difference"] == 0 and balanced()

    deliver_all(client, control(fake, f"disputes/{flag.key.split(':')[1]}/won"))

    assert stripe_balance() == AMOUNT - FEE - DISPUTE_FEE and ledger.balance(accounts.DISPUTES, "KES") == 0
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert Notification.objects.filter(user__in=members, text__contains="favour").count() == len(members)
    assert stripe_day()["difference"] == 0 and balanced()


def test_a_lost_dispute_keeps_the_money_out_and_the_flag_open(paid, fake, client):
    deliver_all(client, control(fake, f"payment_intents/{paid.payment_reference}/dispute"))
    flag = PaymentFlag.objects.get(kind=PaymentFlag.Kind.DISPUTE)

    deliver_all(client, control(fake, f"disputes/{flag.key.split(':')[1]}/lost"))

    flag.refresh_from_db()
    assert flag.resolved_at is None and ledger.balance(accounts.DISPUTES, "KES") == AMOUNT
    assert stripe_day()["difference"] == 0 and balanced()


def test_a_refund_the_bank_returned_is_voided_flagged_and_can_be_asked_again(
    paid, fake, client, django_capture_on_commit_callbacks
):
    order = paid.checkout.orders.order_by("pk").first()
    lines = {item.pk: item.quantity for item in order.items.all()}
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=order, lines=lines, reason="Out of stock", key="refund-kiondo")
    refund.refresh_from_db()
    first = refund.reference
    assert refund.status == Refund.Status.SUCCEEDED and first.startswith("re_")
    after_refund = stripe_balance()
    assert after_refund == AMOUNT - FEE - refund.amount_minor

    deliver_all(client, control(fake, f"refunds/{first}/fail"))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert stripe_balance() == AMOUNT - FEE  # the money is back at Stripe, and in the ledger
    assert PaymentFlag.objects.filter(kind=PaymentFlag.Kind.REFUND_FAILED, checkout=paid.checkout).count() == 1
    assert stripe_day()["difference"] == 0 and balanced()

    # Staff ask again from the refunds' list: the same refund, under the same key.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/admin/payments/refund/", {"action": "ask_again", "_selected_action": [refund.pk]})
    assert answer.status_code == 302
    again = Refund.objects.get()
    assert again.pk == refund.pk and again.status == Refund.Status.SUCCEEDED and again.reference not in ("", first)
    assert stripe_balance() == after_refund
    assert stripe_day()["difference"] == 0 and balanced()


def test_the_catch_up_waits_when_stripe_cannot_be_reached(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = "sk_test_soko", "http://127.0.0.1:9"
    assert stripe_balance_sync() == {"events": 0, "fees": 0}
