"""A stablecoin refund never comes out of the escrow once its store's share may have left
it: the escrow holds one checkout's money for all its stores and Soko, so a refund paid
after the share was released takes the other stores' shares. A release signed and not
mined yet may be mined at any time, and one handed to signing by a run that died is
signed later with the amount read then: both count as released, as a mined one does. The
refund fails and staff are flagged to refund the buyer by hand and take the store's part
back from the store.

A refund signed before the release is another matter: it may be on the chain, so it is
settled as signed (never failed while it may be paid), and when the share was released
meanwhile staff are told to take the store's part back from the store.

Against the local chain (ganache): the checkout of the payment tests' two stores paid in
the stablecoin; Crafts (KES 850, one kikoi; its share 828.75) has a wallet, Weavers has
none, so its share stays in the escrow with Soko's fees."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

import pytest

from shop.chain.escrow import escrow_events
from shop.chain.models import EscrowTransfer
from shop.chain.reconciliation import escrow_reconcile
from shop.orders.models import Order
from shop.orders.services.payment_flow import funds_release_due
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.reconciliation import escrow_ledger_moves
from shop.payments.models import PaymentFlag, Payout, Refund
from shop.payments.payouts import services as payouts
from shop.payments.refunds import services as refunds
from shop.payments.refunds.services import refund_order, refunds_resend
from tests.eth_node import rpc
from tests.factories import UserFactory
from tests.payments.test_crypto_escrow import after_protection, chain, events, held, paid_in_stablecoin, tokens  # noqa: F401
from tests.payments.test_flow import deliver

pytestmark = pytest.mark.django_db

SHARE = 82875  # KES 828.75: Crafts' KES 850.00 less Soko's fee of 21.25


@pytest.fixture
def crafts_paid(chain, placed, client, crafts, settings):
    """The checkout paid in the stablecoin and Crafts' order delivered, its buyer
    protection over: (the order, the quote)."""
    crafts.wallet_address = chain.w3.eth.accounts[5]
    crafts.save(update_fields=["wallet_address"])
    quote = paid_in_stablecoin(chain, placed, client)
    order = deliver(Order.objects.get(checkout=placed, store=crafts), UserFactory(is_staff=True))
    settings.SOKO_ETH_RECEIPT_TIMEOUT = 1
    return order, quote


def signed_not_mined(chain, order, quote, settings, monkeypatch):
    """The release job signs and sends the release; the node mines nothing for now."""
    rpc(chain.url, "miner_stop")
    funds_release_due(now=after_protection(settings))
    assert EscrowTransfer.objects.get(key=f"release:order:{order.pk}").status == EscrowTransfer.Status.SENT


def handed_to_signing(chain, order, quote, settings, monkeypatch):
    """The release job's worker dies once the payout is handed to signing, before it signs."""

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(payouts, "escrow_release", killed)
        funds_release_due(now=after_protection(settings))
    assert Payout.objects.get(order=order).reference == f"asking:release:order:{order.pk}"
    assert not EscrowTransfer.objects.filter(key=f"release:order:{order.pk}").exists()


def mined_not_recorded(chain, order, quote, settings, monkeypatch):
    """The release is mined; its job died before the payout was marked paid."""

    def died_after_the_chain(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(payouts, "payout_paid", died_after_the_chain)
        funds_release_due(now=after_protection(settings))
    assert EscrowTransfer.objects.get(key=f"release:order:{order.pk}").status == EscrowTransfer.Status.MINED
    assert Payout.objects.get(order=order).status == Payout.Status.PENDING


ON_ITS_WAY = {
    "signed-not-mined": signed_not_mined,
    "handed-to-signing": handed_to_signing,
    "mined-not-recorded": mined_not_recorded,
}


@pytest.mark.parametrize("release", ON_ITS_WAY.values(), ids=ON_ITS_WAY.keys())
def test_a_refund_while_the_stores_share_is_on_its_way_out_of_the_escrow_is_flagged_not_taken_from_other_stores(
    release, chain, crafts_paid, crafts, settings, monkeypatch, django_capture_on_commit_callbacks
):
    order, quote = crafts_paid
    try:
        release(chain, order, quote, settings, monkeypatch)
        with django_capture_on_commit_callbacks(execute=True):
            refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="broken")
    finally:
        rpc(chain.url, "miner_start")
    # The world carries on: the release job and the refunds' sweep run again.
    funds_release_due(now=after_protection(settings))
    refunds_resend(older_than_seconds=0)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert events(quote, "refunded") == []
    assert events(quote, "released") == [(crafts.wallet_address, tokens("828.75"))]
    assert held(chain, quote) == quote.token_minor - tokens("828.75")  # Weavers' share and Soko's fees, whole
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, SHARE)
    flag = PaymentFlag.objects.get(key=f"escrow-refund:{refund.pk}")
    assert flag.kind == PaymentFlag.Kind.MANUAL_REFUND
    assert "already released" in flag.detail and "take the store's part back" in flag.detail
    assert ledger.balance(accounts.store_payable(order.store_id), "KES", order=order) == 0  # nothing refunded yet
    assert escrow_reconcile(ledger=escrow_ledger_moves(), checkout_ids=[quote.checkout_ref]) == []


def test_a_refund_signed_before_the_release_is_settled_as_signed_and_the_stores_part_flagged(
    chain, crafts_paid, crafts, settings, django_capture_on_commit_callbacks
):
    """The refund is signed and sent, then the release; both are mined, and the release job
    marks its payout paid before the refunds' sweep comes back to the refund."""
    order, quote = crafts_paid
    try:
        rpc(chain.url, "miner_stop")
        with django_capture_on_commit_callbacks(execute=True):
            refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="broken")
        assert EscrowTransfer.objects.get(key=f"refund:{refund.pk}").status == EscrowTransfer.Status.SENT
        funds_release_due(now=after_protection(settings))  # signs the release: the refund is not posted yet
    finally:
        rpc(chain.url, "miner_start")
    funds_release_due(now=after_protection(settings))
    assert Payout.objects.get(order=order).status == Payout.Status.PAID

    refunds_resend(older_than_seconds=0)

    refund.refresh_from_db()
    (refunded,) = [event for event in escrow_events(checkout_id=quote.checkout_ref) if event.kind == "refunded"]
    assert (refund.status, refund.reference) == (Refund.Status.SUCCEEDED, refunded.tx_hash)  # the buyer has it
    assert events(quote, "refunded") == [(chain.buyer, tokens("850.00"))]
    flag = PaymentFlag.objects.get(key=f"escrow-refund:{refund.pk}:released")
    assert flag.kind == PaymentFlag.Kind.MANUAL_REFUND and "take the store's part back" in flag.detail.lower()
    assert not PaymentFlag.objects.filter(key=f"escrow-refund:{refund.pk}").exists()  # not "refund by hand"
    assert ledger.balance(accounts.store_payable(order.store_id), "KES", order=order) == SHARE  # owed back
    assert escrow_reconcile(ledger=escrow_ledger_moves(), checkout_ids=[quote.checkout_ref]) == []


def test_a_release_paid_while_the_refund_was_on_its_way_flags_the_stores_part(
    chain, crafts_paid, crafts, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The refund finds nothing released; the release job signs, sends and pays the whole
    share before the refund reaches the chain."""
    order, quote = crafts_paid
    escrow_refund = refunds.escrow_refund

    def released_first(*args, **kwargs):
        funds_release_due(now=after_protection(settings))
        assert Payout.objects.get(order=order).status == Payout.Status.PAID
        return escrow_refund(*args, **kwargs)

    monkeypatch.setattr(refunds, "escrow_refund", released_first)
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken", key="broken")

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert events(quote, "refunded") == [(chain.buyer, tokens("850.00"))]
    assert events(quote, "released") == [(crafts.wallet_address, tokens("828.75"))]
    flag = PaymentFlag.objects.get(key=f"escrow-refund:{refund.pk}:released")
    assert flag.kind == PaymentFlag.Kind.MANUAL_REFUND and "take the store's part back" in flag.detail.lower()
    assert ledger.balance(accounts.store_payable(order.store_id), "KES", order=order) == SHARE  # owed back
