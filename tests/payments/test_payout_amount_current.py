"""A payout sends what the store is owed when it is sent, never the amount its row was made
with: a transfer Stripe refused and a stablecoin release not signed yet are sent again,
by the transfer job or by the release sweep, with what is left after a refund recorded
since, and not at all once the order was refunded in full (the row is closed unsent). A
transfer Stripe may already have made (asked, its answer lost) is asked again under its
key with its amount, never another, and the refund that landed meanwhile is taken back
from it. Either way the store's account for the order ends at zero after a full refund.

KES 650 paid by card (2 x 250 + 150 delivery): the store's share is 637.50 (Soko's fee is
2.5% of the lines); one unit refunded takes 243.75 of it, leaving 393.75."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

import hashlib
from decimal import Decimal
from unittest import mock

import pytest
import stripe

from shop.chain.models import EscrowTransfer
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import funds_release_due
from shop.orders.tasks import order_transfer_task
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import ConnectedAccount, CryptoQuote, LedgerTransaction, PaymentFlag, Payout, Refund
from shop.payments.payouts import services as payouts
from shop.payments.refunds.services import refund_order, refunds_resend
from tests.eth_node import rpc
from tests.factories import StoreFactory, UserFactory
from tests.payments.test_crypto_escrow import after_protection, chain, events, paid_in_stablecoin, tokens, wallets  # noqa: F401
from tests.payments.test_flow import deliver
from tests.payments.test_provider_calls_after_commit import _paid_by_card, fake  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SHARE, REFUNDED_SHARE = 63750, 24375  # KES 637.50; one unit's share, KES 243.75
LEFT = SHARE - REFUNDED_SHARE  # KES 393.75
# stripe-python asks twice more on a dropped connection (max_network_retries=2): three
# answers lost is an answer the caller never gets.
ALL_TRIES = 3

# Every path that sends a payout again: the transfer job (``orders.order_transfer``,
# enqueued when the buyer confirms receipt) and the release sweep (``funds_release_task``,
# which retries every released order not paid out). Both call ``order_transfer``.
RETRIES = {
    "transfer job": lambda order: order_transfer_task(order.pk),
    "release sweep": lambda order: funds_release_due(),
}


@pytest.fixture(params=sorted(RETRIES))
def retry(request):
    return RETRIES[request.param]


def _owed(order) -> int:
    return -ledger.balance(accounts.store_payable(order.store_id), "KES", order=order)


def _store_account(order) -> dict[str, int]:
    """The store's held and payable balances for the order (debits positive)."""
    return {
        kind: ledger.balance(f"store:{order.store_id}:{kind}", "KES", order=order) for kind in ("held", "payable")
    }


def _transfers(fake) -> list[dict]:
    return fake.engine.store.all("transfer")


def _asked(fake) -> list[int]:
    """The amounts of the transfers asked of the fake Stripe, in order."""
    return [int(params["amount"]) for method, path, params in fake.requests if (method, path) == ("POST", "/v1/transfers")]


def _key_used(fake, key: str) -> bool:
    """Whether a request reached the fake Stripe under the idempotency key ``key``."""
    return fake.engine.store.get("idem_" + hashlib.sha256(key.encode()).hexdigest()[:40]) is not None


@pytest.fixture
def released(fake, django_capture_on_commit_callbacks):
    """A card order of a store with a connected account, received by the buyer: its share
    released, its transfer job not run yet."""
    store = StoreFactory()
    account = fake.engine.account_create({"type": "express"})
    fake.engine.account_onboard(account["id"])
    ConnectedAccount.objects.create(store=store, account_id=account["id"], details_submitted=True, payouts_enabled=True)
    order = _paid_by_card(fake, store=store)
    with django_capture_on_commit_callbacks(execute=False):  # the transfer job is not run here
        order_transition(order=order, to=OrderStatus.COMPLETED, actor=order.buyer, role=Role.BUYER)
    order.refresh_from_db()
    assert _owed(order) == SHARE
    return order


def _refused_once(order):
    """Stripe refuses the first transfer (the platform's balance is short): nothing made."""
    refusing = mock.Mock()
    refusing.return_value.v1.transfers.create.side_effect = stripe.InvalidRequestError(
        "You have insufficient funds in your Stripe account.", param=None, code="balance_insufficient"
    )
    with mock.patch.object(payouts, "stripe_client", refusing):
        payouts.order_transfer(order)
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PENDING, SHARE)
    assert payout.reference == f"refused:transfer-order-{order.number}"  # nothing made under that key
    return payout


def _refund(order, units: int, on_commit, *, delivery: bool = False) -> Refund:
    """Staff refund ``units`` of the order (and its delivery); the refund job runs after commit."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    with on_commit(execute=True):
        refund = refund_order(
            order=order, lines={order.items.get().pk: units}, delivery=delivery, reason="Broken", actor=staff
        )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED  # the refund job ran (inline) after commit
    return refund


def test_a_refused_transfer_is_sent_again_with_what_is_owed_after_a_refund(
    fake, released, retry, django_capture_on_commit_callbacks
):
    order = released
    _refused_once(order)
    _refund(order, 1, django_capture_on_commit_callbacks)
    assert _owed(order) == LEFT

    retry(order)

    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, LEFT)
    assert [transfer["amount"] for transfer in _transfers(fake)] == [LEFT]
    assert payout.reference == _transfers(fake)[0]["id"]
    # A new amount goes under a new key: Stripe refuses a key asked again with other parameters.
    assert _asked(fake) == [LEFT] and not _key_used(fake, f"transfer-order-{order.number}")
    assert _store_account(order) == {"held": 0, "payable": 0}


def test_a_fully_refunded_orders_pending_payout_sends_nothing(fake, released, retry, django_capture_on_commit_callbacks):
    order = released
    _refused_once(order)
    _refund(order, 2, django_capture_on_commit_callbacks, delivery=True)  # all of KES 650 back to the card
    assert _owed(order) == 0

    retry(order)
    retry(order)

    assert _asked(fake) == [] and _transfers(fake) == []
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.FAILED, 0)  # closed, unsent
    assert "nothing is owed" in payout.note
    assert not LedgerTransaction.objects.filter(kind="transfer", order=order).exists()
    assert _store_account(order) == {"held": 0, "payable": 0}


def test_a_closed_payout_is_sent_when_the_order_is_owed_again(fake, released, django_capture_on_commit_callbacks):
    """The bank returned the full refund: its posting is voided, the share is owed again."""
    from shop.payments.refunds.services import refund_failed_by_provider

    order = released
    _refused_once(order)
    refund = _refund(order, 2, django_capture_on_commit_callbacks, delivery=True)
    payouts.order_transfer(order)
    assert Payout.objects.get(order=order).status == Payout.Status.FAILED

    refund_failed_by_provider(refund, "The bank returned it")
    assert _owed(order) == SHARE
    funds_release_due()

    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, SHARE)
    assert _asked(fake) == [SHARE]
    assert _store_account(order) == {"held": 0, "payable": 0}


@pytest.mark.parametrize(
    ("units", "delivery", "taken_back"),
    [(1, False, REFUNDED_SHARE), (2, True, SHARE)],
    ids=["one unit refunded", "refunded in full"],
)
def test_a_transfer_whose_answer_was_lost_is_asked_again_with_its_amount_and_the_refund_taken_back(
    fake, released, retry, units, delivery, taken_back, django_capture_on_commit_callbacks
):
    order = released
    fake.lose_answers(ALL_TRIES)
    payouts.order_transfer(order)  # Stripe made the transfer; its answer never came back
    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PENDING, SHARE)
    assert payout.reference == f"asking:transfer-order-{order.number}"  # Stripe may have made it
    assert [transfer["amount"] for transfer in _transfers(fake)] == [SHARE]

    # The refund lands while the transfer is on its way: no paid transfer to take it back from.
    refund = _refund(order, units, django_capture_on_commit_callbacks, delivery=delivery)
    assert not LedgerTransaction.objects.filter(key=f"reversal:{refund.pk}").exists()

    retry(order)
    retry(order)

    # Asked again under its first key with its amount (never another amount under a key
    # that may have reached Stripe, nor another key): Stripe answers with the one transfer.
    assert set(_asked(fake)) == {SHARE} and _key_used(fake, f"transfer-order-{order.number}")
    (transfer,) = _transfers(fake)
    payout.refresh_from_db()
    assert (payout.status, payout.amount_minor, payout.reference) == (Payout.Status.PAID, SHARE, transfer["id"])
    # The refund's share is taken back from it, once, in the ledger and at Stripe.
    assert transfer["amount_reversed"] == taken_back
    assert LedgerTransaction.objects.filter(key__startswith=f"reversal:{refund.pk}").count() == 1
    assert _owed(order) == 0 and _store_account(order) == {"held": 0, "payable": 0}
    assert SHARE - transfer["amount_reversed"] == SHARE - taken_back  # what the store keeps: what it is owed


# The stablecoin: a release not signed yet (the chain's node was out of reach when the
# release job first ran) takes what is owed when it is signed.


def _released_while_the_node_is_away(chain, placed, client, settings):
    """Both stores' shares released after buyer protection while the node was out of reach:
    their payout rows made, nothing signed."""
    paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    orders = {order.delivery_mode: deliver(order, staff) for order in Order.objects.filter(checkout=placed)}
    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9/"  # nothing listens there
    assert funds_release_due(now=after_protection(settings)) == 2
    settings.SOKO_ETH_RPC_URL = chain.url
    assert not EscrowTransfer.objects.exists()
    assert {payout.status for payout in Payout.objects.all()} == {Payout.Status.PENDING}
    return orders["delivery"], orders["pickup"]


def _refund_in_stablecoin(order, units: int, on_commit) -> Refund:
    with on_commit(execute=True):
        refund = refund_order(order=order, lines={order.items.get().pk: units}, reason="Broken", key=f"broken-{order.pk}")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED  # out of the escrow, to the buyer's wallet
    return refund


def test_a_stablecoin_release_not_signed_yet_takes_what_is_owed_after_a_refund(
    chain, placed, client, wallets, settings, retry, django_capture_on_commit_callbacks
):
    weavers_order, _crafts_order = _released_while_the_node_is_away(chain, placed, client, settings)
    share = _owed(weavers_order)
    assert Payout.objects.get(order=weavers_order).amount_minor == share == 254097
    quote = CryptoQuote.objects.get(attempt__checkout=placed)

    _refund_in_stablecoin(weavers_order, 1, django_capture_on_commit_callbacks)  # one of the two baskets
    owed = _owed(weavers_order)
    assert 0 < owed < share

    retry(weavers_order)
    retry(weavers_order)

    payout = Payout.objects.get(order=weavers_order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, owed)
    released = [event for event in events(quote, "released") if event[0] == wallets[0]]
    assert released == [(wallets[0], tokens(str(Decimal(owed) / 100)))]  # once, what is owed now
    assert _store_account(weavers_order) == {"held": 0, "payable": 0}


def test_a_fully_refunded_stablecoin_orders_pending_release_releases_nothing(
    chain, placed, client, wallets, settings, retry, django_capture_on_commit_callbacks
):
    _weavers_order, crafts_order = _released_while_the_node_is_away(chain, placed, client, settings)
    assert Payout.objects.get(order=crafts_order).amount_minor == _owed(crafts_order) == 82875
    quote = CryptoQuote.objects.get(attempt__checkout=placed)

    _refund_in_stablecoin(crafts_order, 1, django_capture_on_commit_callbacks)  # its one kikoi: all of it
    assert _owed(crafts_order) == 0

    retry(crafts_order)
    retry(crafts_order)

    payout = Payout.objects.get(order=crafts_order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.FAILED, 0)  # closed, unsent
    assert wallets[1] not in {address for address, _amount in events(quote, "released")}
    assert not EscrowTransfer.objects.filter(key=f"release:order:{crafts_order.pk}").exists()
    assert _store_account(crafts_order) == {"held": 0, "payable": 0}


def test_a_refund_asked_while_a_stablecoin_release_is_on_its_way_is_not_paid_out_of_the_escrow(
    chain, placed, client, crafts, settings, django_capture_on_commit_callbacks
):
    """The release is signed and sent, not mined yet, when the order is refunded in full: the
    release is paid as signed (it may be mined at any time), and the refund is not paid out
    of the checkout's escrow, which holds the other store's share and Soko's: it fails and
    staff are told to refund the buyer by hand and take the store's part back."""
    crafts.wallet_address = chain.w3.eth.accounts[5]  # the other store has no wallet: its share stays
    crafts.save(update_fields=["wallet_address"])
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    crafts_order = next(deliver(order, staff) for order in Order.objects.filter(checkout=placed, store=crafts))
    settings.SOKO_ETH_RECEIPT_TIMEOUT = 1
    rpc(chain.url, "miner_stop")
    try:
        funds_release_due(now=after_protection(settings))  # signed and sent; not mined
        assert EscrowTransfer.objects.filter(key=f"release:order:{crafts_order.pk}").exists()
        assert Payout.objects.get(order=crafts_order).status == Payout.Status.PENDING
        with django_capture_on_commit_callbacks(execute=True):
            refund = refund_order(order=crafts_order, lines={crafts_order.items.get().pk: 1}, reason="Broken", key="all")
    finally:
        rpc(chain.url, "miner_start")
    refunds_resend(older_than_seconds=0)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    flag = PaymentFlag.objects.get(key=f"escrow-refund:{refund.pk}")
    assert flag.kind == PaymentFlag.Kind.MANUAL_REFUND and "already released" in flag.detail
    assert events(quote, "refunded") == []  # nothing came out of the escrow for the buyer

    order_transfer_task(crafts_order.pk)

    payout = Payout.objects.get(order=crafts_order)
    assert (payout.status, payout.amount_minor) == (Payout.Status.PAID, 82875)  # as signed
    assert events(quote, "released") == [(crafts.wallet_address, tokens("828.75"))]
    assert _store_account(crafts_order)["payable"] == 0
    assert not PaymentFlag.objects.filter(key=f"payout-over:{payout.pk}").exists()
