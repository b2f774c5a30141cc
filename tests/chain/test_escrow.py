"""The escrow on a real local chain: a buyer's deposit held for a checkout, each store's
share released to its address, the rest refunded, never more than the checkout holds,
never by anyone but the platform, and never twice however often a job is retried."""

import secrets
from decimal import Decimal

import pytest
from web3.exceptions import ContractLogicError

from shop.chain.escrow import DEPOSITED, REFUNDED, RELEASED, escrow_contract, escrow_events, held
from shop.chain.models import EscrowTransfer
from shop.chain.services.escrow import EscrowKeyReused, _transfer_sign_new, escrow_refund, escrow_release
from shop.chain.services.transactions import ContractRefused, TransactionPending, transaction_broadcast
from shop.chain.tokens import balance_of, token_amount, token_decimals, token_minor
from tests.eth_node import rpc

from .conftest import buyer_deposits, deploy, wallet_address, wallet_key

pytestmark = pytest.mark.django_db

TUSD = 10**6  # one tUSD in minor units


def new_checkout_id() -> str:
    return "0x" + secrets.token_hex(32)


def test_deploy_prints_the_settings_and_mints_the_buyer_test_dollars(node, settings, db):
    buyer = wallet_address(2)

    printed = deploy(buyer)

    assert set(printed) == {"SOKO_ETH_CHAIN_ID", "SOKO_ETH_TOKEN_ADDRESS", "SOKO_ETH_ESCROW_ADDRESS"}
    assert printed["SOKO_ETH_CHAIN_ID"] == "1337"
    settings.SOKO_ETH_TOKEN_ADDRESS = printed["SOKO_ETH_TOKEN_ADDRESS"]
    settings.SOKO_ETH_ESCROW_ADDRESS = printed["SOKO_ETH_ESCROW_ADDRESS"]
    assert token_decimals() == 6
    assert balance_of(buyer) == 1000 * TUSD
    escrow = escrow_contract()
    assert escrow.functions.token().call() == printed["SOKO_ETH_TOKEN_ADDRESS"]
    assert escrow.functions.platform().call() == wallet_address(1)


def test_deploy_with_a_configured_token_deploys_only_the_escrow(chain, settings):
    printed = deploy()

    assert printed["SOKO_ETH_TOKEN_ADDRESS"] == chain.token
    assert printed["SOKO_ETH_ESCROW_ADDRESS"] != chain.escrow
    assert escrow_contract(printed["SOKO_ETH_ESCROW_ADDRESS"]).functions.token().call() == chain.token


def test_a_deposit_is_held_for_its_checkout_and_read_back_as_an_event(chain):
    checkout, other = new_checkout_id(), new_checkout_id()

    tx_hash = buyer_deposits(chain, checkout, 42 * TUSD)

    assert held(checkout) == 42 * TUSD
    assert held(other) == 0
    assert balance_of(chain.buyer) == 958 * TUSD
    assert balance_of(chain.escrow) == 42 * TUSD
    [event] = escrow_events(checkout_id=checkout)
    receipt = rpc(chain.url, "eth_getTransactionReceipt", tx_hash)
    assert (event.kind, event.checkout_id, event.address, event.amount_minor) == (
        DEPOSITED,
        checkout,
        chain.buyer,
        42 * TUSD,
    )
    assert event.tx_hash == tx_hash
    assert event.block_number == int(receipt["blockNumber"], 16)
    assert event.block_hash == receipt["blockHash"]
    # The token's Transfer comes first in the same transaction; the escrow's event after it.
    assert event.log_index == 1
    assert escrow_events(checkout_id=other) == []


def test_two_stores_are_paid_their_shares_and_the_buyer_the_rest(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 100 * TUSD)

    first = escrow_release(checkout, chain.store_a, 60 * TUSD)
    second = escrow_release(checkout, chain.store_b, 25 * TUSD)
    refund = escrow_refund(checkout, chain.buyer, 15 * TUSD)

    assert held(checkout) == 0
    assert balance_of(chain.store_a) == 60 * TUSD
    assert balance_of(chain.store_b) == 25 * TUSD
    assert balance_of(chain.buyer) == 915 * TUSD
    assert balance_of(chain.escrow) == 0
    assert [transfer.status for transfer in (first, second, refund)] == [EscrowTransfer.Status.MINED] * 3
    events = escrow_events(checkout_id=checkout)
    assert [(event.kind, event.address, event.amount_minor, event.tx_hash) for event in events] == [
        (DEPOSITED, chain.buyer, 100 * TUSD, events[0].tx_hash),
        (RELEASED, chain.store_a, 60 * TUSD, first.tx_hash),
        (RELEASED, chain.store_b, 25 * TUSD, second.tx_hash),
        (REFUNDED, chain.buyer, 15 * TUSD, refund.tx_hash),
    ]
    assert [event.block_number for event in events[1:]] == [
        first.block_number,
        second.block_number,
        refund.block_number,
    ]
    assert events[0].block_number < first.block_number < second.block_number < refund.block_number


def test_events_are_read_by_block_range_across_checkouts(chain):
    one, two = new_checkout_id(), new_checkout_id()
    buyer_deposits(chain, one, 10 * TUSD)
    paid = escrow_release(one, chain.store_a, 10 * TUSD)
    buyer_deposits(chain, two, 5 * TUSD)

    everything = escrow_events()
    since_release = escrow_events(from_block=paid.block_number)
    only_release = escrow_events(from_block=paid.block_number, to_block=paid.block_number)

    assert [(event.checkout_id, event.kind) for event in everything] == [
        (one, DEPOSITED),
        (one, RELEASED),
        (two, DEPOSITED),
    ]
    assert [(event.checkout_id, event.kind) for event in since_release] == [(one, RELEASED), (two, DEPOSITED)]
    assert [event.tx_hash for event in only_release] == [paid.tx_hash]


def test_only_the_platform_can_release(chain, settings):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 20 * TUSD)

    # The buyer's own wallet calling the contract directly.
    with pytest.raises(ContractLogicError, match="only the platform"):
        escrow_contract().functions.release(bytes.fromhex(checkout[2:]), chain.buyer, 20 * TUSD).transact(
            {"from": chain.buyer}
        )
    # Soko configured with another key than the one the escrow was deployed for.
    settings.SOKO_ETH_PLATFORM_KEY = wallet_key(5)
    with pytest.raises(ContractRefused, match="only the platform"):
        escrow_release(checkout, chain.stranger, 20 * TUSD)

    assert held(checkout) == 20 * TUSD
    assert balance_of(chain.stranger) == 0
    assert not EscrowTransfer.objects.exists()
    assert [event.kind for event in escrow_events(checkout_id=checkout)] == [DEPOSITED]


def test_more_than_the_checkout_holds_is_refused(chain):
    checkout, other = new_checkout_id(), new_checkout_id()
    buyer_deposits(chain, checkout, 30 * TUSD)
    buyer_deposits(chain, other, 50 * TUSD)
    escrow_release(checkout, chain.store_a, 20 * TUSD)

    with pytest.raises(ContractRefused, match="more than the checkout holds"):
        escrow_release(checkout, chain.store_b, 11 * TUSD)
    with pytest.raises(ContractRefused, match="more than the checkout holds"):
        escrow_refund(checkout, chain.buyer, 11 * TUSD)

    assert held(checkout) == 10 * TUSD
    assert held(other) == 50 * TUSD, "another checkout's money is never reached"
    assert balance_of(chain.store_b) == 0
    assert EscrowTransfer.objects.count() == 1


def test_a_zero_or_fractional_amount_is_refused_before_the_chain(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 5 * TUSD)

    for amount in (0, -1, 1.5, Decimal("2")):
        with pytest.raises(ValueError, match="positive number of minor units"):
            escrow_release(checkout, chain.store_a, amount)
    with pytest.raises(ContractLogicError, match="zero amount"):
        escrow_contract().functions.deposit(bytes.fromhex(checkout[2:]), 0).transact({"from": chain.buyer})
    assert held(checkout) == 5 * TUSD


def test_the_same_release_asked_twice_pays_once(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 40 * TUSD)

    first = escrow_release(checkout, chain.store_a, 15 * TUSD, key="release:order:7")
    again = escrow_release(checkout, chain.store_a, 15 * TUSD, key="release:order:7")
    # Another order of the same store, for the same amount, is another payment.
    other = escrow_release(checkout, chain.store_a, 15 * TUSD, key="release:order:8")

    assert again.pk == first.pk and again.tx_hash == first.tx_hash
    assert other.tx_hash != first.tx_hash
    assert balance_of(chain.store_a) == 30 * TUSD
    assert held(checkout) == 10 * TUSD
    with pytest.raises(EscrowKeyReused):
        escrow_release(checkout, chain.store_b, 15 * TUSD, key="release:order:7")


def test_a_release_retried_after_a_crash_between_send_and_record_pays_once(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 50 * TUSD)
    key = "release:order:11"
    # The job's first run: signed and recorded, broadcast and mined, then it died before
    # it could record the receipt.
    recorded = _transfer_sign_new(
        key=key,
        kind=EscrowTransfer.Kind.RELEASE,
        checkout_id=checkout,
        to_address=chain.store_a,
        amount_minor=30 * TUSD,
    )
    transaction_broadcast(recorded.raw_transaction)
    assert balance_of(chain.store_a) == 30 * TUSD
    assert EscrowTransfer.objects.get(key=key).status == EscrowTransfer.Status.SIGNED

    retried = escrow_release(checkout, chain.store_a, 30 * TUSD, key=key)

    assert retried.status == EscrowTransfer.Status.MINED
    assert retried.tx_hash == recorded.tx_hash
    assert balance_of(chain.store_a) == 30 * TUSD
    assert held(checkout) == 20 * TUSD
    assert [event.tx_hash for event in escrow_events(checkout_id=checkout) if event.kind == RELEASED] == [
        recorded.tx_hash
    ]


def test_a_release_retried_while_its_transaction_waits_to_be_mined_pays_once(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 50 * TUSD)
    key = "release:order:12"
    rpc(chain.url, "miner_stop")
    recorded = _transfer_sign_new(
        key=key,
        kind=EscrowTransfer.Kind.RELEASE,
        checkout_id=checkout,
        to_address=chain.store_a,
        amount_minor=50 * TUSD,
    )
    transaction_broadcast(recorded.raw_transaction)

    from django.conf import settings

    settings.SOKO_ETH_RECEIPT_TIMEOUT = 1
    with pytest.raises(TransactionPending):
        escrow_release(checkout, chain.store_a, 50 * TUSD, key=key)  # the same bytes again: no second payment
    rpc(chain.url, "miner_start")
    settled = escrow_release(checkout, chain.store_a, 50 * TUSD, key=key)

    assert settled.tx_hash == recorded.tx_hash
    assert balance_of(chain.store_a) == 50 * TUSD
    assert held(checkout) == 0
    assert len([event for event in escrow_events(checkout_id=checkout) if event.kind == RELEASED]) == 1


def test_a_release_whose_nonce_went_to_another_transaction_is_signed_again_once(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 50 * TUSD)
    key = "refund:3"
    # Signed and recorded, never broadcast; meanwhile the platform's address sent something
    # else with that nonce (an operator's wallet holding the same key), so it can never be mined.
    recorded = _transfer_sign_new(
        key=key, kind=EscrowTransfer.Kind.REFUND, checkout_id=checkout, to_address=chain.buyer, amount_minor=20 * TUSD
    )
    rpc(
        chain.url,
        "eth_sendTransaction",
        {"from": chain.platform, "to": chain.stranger, "value": "0x1", "nonce": hex(recorded.nonce)},
    )

    settled = escrow_refund(checkout, chain.buyer, 20 * TUSD, key=key)

    assert settled.status == EscrowTransfer.Status.MINED
    assert settled.tx_hash != recorded.tx_hash
    assert settled.replaced_hashes == [recorded.tx_hash]
    assert settled.nonce > recorded.nonce
    assert held(checkout) == 30 * TUSD
    assert balance_of(chain.buyer) == 970 * TUSD
    assert escrow_refund(checkout, chain.buyer, 20 * TUSD, key=key).tx_hash == settled.tx_hash
    assert held(checkout) == 30 * TUSD


def test_token_amounts_are_integers_of_minor_units(chain):
    assert token_minor(Decimal("12.345678"), decimals=6) == 12_345_678
    assert token_amount(12_345_678, decimals=6) == Decimal("12.345678")
    with pytest.raises(ValueError, match="more than 6 decimal places"):
        token_minor(Decimal("0.0000001"), decimals=6)
    with pytest.raises(TypeError, match="never float"):
        token_minor(1.5, decimals=6)
    assert isinstance(balance_of(chain.buyer), int)
