"""A checkout paid in the stablecoin, from the escrow contract onwards, against the local
chain (ganache over JSON-RPC): each store's share released to its wallet after delivery and
the buyer protection period, a cancelled order refunded to the buyer's wallet, retried jobs
paying once, a store without a wallet waiting, and the ledger reconciled with the
contract's events."""

from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.utils import timezone

from shop.chain.escrow import escrow_events
from shop.chain.reconciliation import escrow_reconcile
from shop.chain.services.escrow import escrow_refund, escrow_release
from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import funds_release_due
from shop.payments.ledger import services as ledger
from shop.payments.ledger.reconciliation import escrow_ledger_moves, escrow_reconciliation_flag
from shop.payments.models import LedgerEntry, PaymentFlag, PaymentStatus, Payout, Refund
from shop.payments.payouts.services import order_transfer
from shop.payments.providers.crypto.callbacks import crypto_watch
from shop.payments.refunds.services import refund_order, refund_send, refunds_resend
from tests.factories import UserFactory
from tests.payments import test_crypto_payment as cryptopay
from tests.payments.test_crypto_payment import CONFIRMATIONS, KES_PER_USD, pay_quote, start
from tests.payments.test_flow import deliver

pytestmark = pytest.mark.django_db

# The stablecoin payment tests' fresh token and escrow, configured as Soko's, with a rate.
chain = cryptopay.chain

S = OrderStatus
WAITING = "Add a wallet address to receive stablecoin payouts"


def tokens(kes: str) -> int:
    """KES ``kes`` in tUSD minor units at the test's rate, rounded down (worked out here,
    apart from the product's code)."""
    return int((Decimal(kes) / KES_PER_USD * 10**6).to_integral_value(rounding=ROUND_FLOOR))


def paid_in_stablecoin(chain, placed, client):
    """The buyer deposits the quote and the watcher confirms it after N blocks."""
    quote = start(client, placed)
    pay_quote(chain, quote)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    placed.refresh_from_db()
    assert placed.payment_status == PaymentStatus.PAID
    return quote


def after_protection(settings):
    return timezone.now() + timedelta(days=settings.SOKO_BUYER_PROTECTION_DAYS, seconds=1)


def balance(chain, address) -> int:
    return chain.token(chain.token_address).functions.balanceOf(address).call()


def held(chain, quote) -> int:
    return chain.escrow(chain.escrow_address).functions.held(bytes.fromhex(quote.checkout_ref[2:])).call()


def events(quote, kind):
    return [
        (event.address, event.amount_minor)
        for event in escrow_events(checkout_id=quote.checkout_ref)
        if event.kind == kind
    ]


def crypto_ledger(kind) -> int:
    return sum(
        LedgerEntry.objects.filter(account__code="provider:crypto", transaction__kind=kind).values_list(
            "amount_minor", flat=True
        )
    )


@pytest.fixture
def wallets(chain, weavers, crafts):
    weavers.wallet_address, crafts.wallet_address = chain.w3.eth.accounts[4], chain.w3.eth.accounts[5]
    weavers.save(update_fields=["wallet_address"])
    crafts.save(update_fields=["wallet_address"])
    return weavers.wallet_address, crafts.wallet_address


def test_two_stores_receive_their_shares_from_the_escrow_after_delivery(chain, placed, client, wallets, settings):
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    orders = {order.delivery_mode: deliver(order, staff) for order in Order.objects.filter(checkout=placed)}
    weavers_order, crafts_order = orders["delivery"], orders["pickup"]

    # A release job that died after its transfer was mined, before it reached the ledger.
    escrow_release(quote.checkout_ref, wallets[0], tokens("2540.97"), key=f"release:order:{weavers_order.pk}")
    assert funds_release_due() == 0  # still in the window
    assert funds_release_due(now=after_protection(settings)) == 2

    # KES 2601.00 less Soko's fee of 60.03; KES 850.00 less 21.25: each at 129.45 KES per tUSD, rounded down.
    assert balance(chain, wallets[0]) == tokens("2540.97") == 19_628_968
    assert balance(chain, wallets[1]) == tokens("828.75") == 6_402_085
    assert sorted(events(quote, "released")) == sorted([(wallets[0], 19_628_968), (wallets[1], 6_402_085)])
    assert held(chain, quote) == quote.token_minor - 19_628_968 - 6_402_085  # Soko's fee stays in the escrow
    payouts = {payout.order_id: payout for payout in Payout.objects.all()}
    assert {(payouts[o.pk].status, payouts[o.pk].provider, payouts[o.pk].amount_minor) for o in orders.values()} == {
        ("paid", "crypto", 254097),
        ("paid", "crypto", 82875),
    }
    released = {event.tx_hash for event in escrow_events(checkout_id=quote.checkout_ref) if event.kind == "released"}
    assert {payout.reference for payout in payouts.values()} == released
    assert crypto_ledger("transfer") == -(254097 + 82875)
    assert ledger.balance(f"store:{weavers_order.store_id}:payable", "KES") == 0
    assert ledger.balance(f"store:{crafts_order.store_id}:payable", "KES") == 0

    assert escrow_reconcile(ledger=escrow_ledger_moves(), checkout_ids=[quote.checkout_ref]) == []
    assert escrow_reconciliation_flag() == 0

    # The release job runs again, and a transfer is asked again: nothing more is paid.
    funds_release_due(now=after_protection(settings))
    assert order_transfer(Order.objects.get(pk=crafts_order.pk)).status == "paid"
    assert len(events(quote, "released")) == 2 and Payout.objects.count() == 2
    assert balance(chain, wallets[0]) == 19_628_968


def test_an_injected_ledger_difference_raises_one_flag(chain, placed, client, wallets, settings):
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    for order in Order.objects.filter(checkout=placed):
        deliver(order, staff)
    funds_release_due(now=after_protection(settings))
    assert escrow_reconciliation_flag() == 0
    crafts_order = Order.objects.get(checkout=placed, delivery_mode="pickup")

    ledger.void(key=f"transfer:order:{crafts_order.pk}", memo="A posting lost by mistake")

    assert [escrow_reconciliation_flag() for _ in range(3)] == [1, 0, 0]
    flag = PaymentFlag.objects.get(kind=PaymentFlag.Kind.RECONCILIATION)
    assert quote.checkout_ref in flag.detail and wallets[1] in flag.detail
    assert "the ledger says 0, the contract's events 6402085" in flag.detail


def test_a_cancelled_order_is_refunded_from_the_escrow_to_the_buyers_wallet(
    chain,
    placed,
    client,
    wallets,
    django_capture_on_commit_callbacks,
):
    quote = paid_in_stablecoin(chain, placed, client)
    before = balance(chain, chain.buyer)
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(
            order=order, to=S.CANCELLED, actor=UserFactory(is_staff=True), role="staff", note="Out of stock"
        )

    refund = Refund.objects.get(order=order)
    assert (refund.provider, refund.status, refund.amount_minor) == ("crypto", "succeeded", 85000)
    assert balance(chain, chain.buyer) - before == tokens("850.00") == 6_566_241
    assert events(quote, "refunded") == [(chain.buyer, 6_566_241)]
    (refunded,) = [event for event in escrow_events(checkout_id=quote.checkout_ref) if event.kind == "refunded"]
    assert refund.reference == refunded.tx_hash
    assert crypto_ledger("refund") == -85000
    assert held(chain, quote) == quote.token_minor - 6_566_241
    assert escrow_reconcile(ledger=escrow_ledger_moves(), checkout_ids=[quote.checkout_ref]) == []

    # The job runs again (a retry): the buyer is refunded once.
    refund_send(refund.pk, retry=True)
    assert len(events(quote, "refunded")) == 1 and balance(chain, chain.buyer) - before == 6_566_241


def test_a_refund_waits_while_the_node_is_out_of_reach_and_pays_once_when_it_is_back(
    chain,
    placed,
    client,
    wallets,
    settings,
    django_capture_on_commit_callbacks,
):
    quote = paid_in_stablecoin(chain, placed, client)
    order = Order.objects.get(checkout=placed, delivery_mode="pickup")
    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9/"  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.CANCELLED, actor=UserFactory(is_staff=True), role="staff", note="Closed")

    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.reference) == ("pending", "")
    assert refunds_resend(older_than_seconds=0) == 0  # still out of reach
    settings.SOKO_ETH_RPC_URL = chain.url
    assert events(quote, "refunded") == []

    assert refunds_resend(older_than_seconds=0) == 1
    assert refunds_resend(older_than_seconds=0) == 0
    refund.refresh_from_db()
    assert refund.status == "succeeded" and events(quote, "refunded") == [(chain.buyer, 6_566_241)]
    assert crypto_ledger("refund") == -85000


def test_a_refund_after_the_stores_share_was_released_is_flagged_not_taken_from_other_stores(
    chain,
    placed,
    client,
    wallets,
    settings,
    django_capture_on_commit_callbacks,
):
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    order = deliver(Order.objects.get(checkout=placed, delivery_mode="pickup"), staff)
    funds_release_due(now=after_protection(settings))
    holds = held(chain, quote)

    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order_lines(order)

    refund.refresh_from_db()
    assert refund.status == "failed" and held(chain, quote) == holds and events(quote, "refunded") == []
    flag = PaymentFlag.objects.get(key=f"escrow-refund:{refund.pk}")
    assert flag.kind == PaymentFlag.Kind.MANUAL_REFUND and "already released" in flag.detail


def refund_order_lines(order):
    return refund_order(order=order, lines={order.items.get().pk: 1}, reason="Broken on arrival", key="broken")


def test_a_store_without_a_wallet_waits_and_nothing_moves_until_it_adds_one(
    chain,
    placed,
    client,
    weavers,
    crafts,
    settings,
):
    weavers.wallet_address = chain.w3.eth.accounts[4]
    weavers.save(update_fields=["wallet_address"])
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    for order in Order.objects.filter(checkout=placed):
        deliver(order, staff)
    funds_release_due(now=after_protection(settings))
    crafts_order = Order.objects.get(checkout=placed, store=crafts)

    assert events(quote, "released") == [(weavers.wallet_address, 19_628_968)]
    assert not Payout.objects.filter(order=crafts_order).exists()
    assert held(chain, quote) == quote.token_minor - 19_628_968
    owner = crafts.memberships.get(role="owner").user
    client.force_login(owner)
    page = client.get("/dashboard/payouts/")
    assert page.status_code == 200 and WAITING in page.text

    mistyped = "0x" + chain.w3.eth.accounts[5][2:].swapcase()
    answer = client.post("/dashboard/payouts/wallet/", {"wallet_address": mistyped})
    assert answer.status_code == 422 and "its mixed case is a checksum" in answer.text
    crafts.refresh_from_db()
    assert crafts.wallet_address == ""

    answer = client.post("/dashboard/payouts/wallet/", {"wallet_address": chain.w3.eth.accounts[5].lower()})
    assert answer.status_code == 302
    crafts.refresh_from_db()
    assert crafts.wallet_address == chain.w3.eth.accounts[5]
    page = client.get("/dashboard/payouts/").text
    assert WAITING not in page and crafts.wallet_address in page
    assert balance(chain, crafts.wallet_address) == 0  # sent by the release job's next run

    funds_release_due(now=after_protection(settings))
    assert balance(chain, crafts.wallet_address) == 6_402_085
    assert escrow_reconcile(ledger=escrow_ledger_moves(), checkout_ids=[quote.checkout_ref]) == []


def test_a_release_the_escrow_refuses_fails_the_payout_and_is_flagged_once(chain, placed, client, wallets, settings):
    quote = paid_in_stablecoin(chain, placed, client)
    staff = UserFactory(is_staff=True)
    for order in Order.objects.filter(checkout=placed):
        deliver(order, staff)
    # Money taken out of the checkout behind the ledger's back: less is held than is owed.
    escrow_refund(quote.checkout_ref, chain.buyer, quote.token_minor - 1_000_000, key="out-of-band")

    funds_release_due(now=after_protection(settings))
    funds_release_due(now=after_protection(settings))

    weavers_payout = Payout.objects.get(order__delivery_mode="delivery")
    assert weavers_payout.status == "failed" and "more than" in weavers_payout.note.lower()
    assert balance(chain, wallets[0]) == 0 and events(quote, "released") == []
    assert PaymentFlag.objects.filter(key__startswith="escrow-release:").count() == 2
    assert escrow_reconciliation_flag() == 1  # the refund the ledger never heard of
