"""Paying with a stablecoin wallet against a real local chain (ganache over JSON-RPC): the
escrow and token deployed from their committed builds, the buyer's wallet one of the node's
accounts, and the watcher reading the chain exactly as it reads a provider's node."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from web3 import HTTPProvider, Web3

from shop.chain.node import _client, contract_build
from shop.core.models import CurrencyRate
from shop.core.selectors.currencies import rates_forget
from shop.payments.models import (
    CryptoDeposit,
    CryptoQuote,
    LedgerTransaction,
    PaymentAttempt,
    PaymentFlag,
    PaymentStatus,
)
from shop.payments.providers.crypto.callbacks import crypto_watch
from shop.payments.providers.crypto.client import _token_read
from shop.payments.providers.crypto.quotes import token_minor_for
from tests.eth_node import CHAIN_ID, rpc

CONFIRMATIONS = 3
KES_PER_USD = Decimal("129.45")
# ganache --wallet.deterministic's first account's key (the platform's, here).
PLATFORM_KEY = "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"


def deploy(w3: Web3, name: str, *args, sender: str) -> str:
    build = contract_build(name)
    factory = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": sender}))
    return receipt.contractAddress


class Chain:
    """The test's side of the chain: its own web3 client, the deployer (the platform) and
    the contracts it deployed."""

    def __init__(self, url: str):
        self.url = url
        self.w3 = Web3(HTTPProvider(url))
        self.platform, self.buyer, self.poor_buyer, self.stranger = self.w3.eth.accounts[:4]

    def deploy_pair(self) -> tuple[str, str]:
        token = deploy(self.w3, "TestStablecoin", sender=self.platform)
        escrow = deploy(self.w3, "SokoEscrow", token, self.platform, sender=self.platform)
        return token, escrow

    def token(self, address):
        return self.w3.eth.contract(address=address, abi=contract_build("TestStablecoin")["abi"])

    def escrow(self, address):
        return self.w3.eth.contract(address=address, abi=contract_build("SokoEscrow")["abi"])

    def mint(self, token: str, to: str, amount: int) -> None:
        self._mined(self.token(token).functions.mint(to, amount).transact({"from": self.platform}))

    def pay(self, *, token: str, escrow: str, checkout_ref: str, amount: int, sender: str) -> str:
        """What the buyer's wallet sends: approve, then deposit. The deposit's hash."""
        self._mined(self.token(token).functions.approve(escrow, amount).transact({"from": sender}))
        ref = bytes.fromhex(checkout_ref.removeprefix("0x"))
        return self._mined(self.escrow(escrow).functions.deposit(ref, amount).transact({"from": sender}))

    def mine(self, blocks: int) -> None:
        for _ in range(blocks):
            rpc(self.url, "evm_mine")

    def _mined(self, tx_hash) -> str:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt.status == 1
        return tx_hash.to_0x_hex()


@pytest.fixture
def chain(db, eth_node_url, settings):
    """A fresh tUSD token and escrow on the local chain, configured as Soko's, with a rate."""
    _client.cache_clear()
    _token_read.cache_clear()
    here = Chain(eth_node_url)
    token, escrow = here.deploy_pair()
    here.token_address, here.escrow_address = token, escrow
    settings.SOKO_ETH_RPC_URL = eth_node_url
    settings.SOKO_ETH_CHAIN_ID = CHAIN_ID
    settings.SOKO_ETH_TOKEN_ADDRESS = token
    settings.SOKO_ETH_ESCROW_ADDRESS = escrow
    settings.SOKO_ETH_PLATFORM_KEY = PLATFORM_KEY
    settings.SOKO_ETH_CONFIRMATIONS = CONFIRMATIONS
    settings.SOKO_PAYMENT_METHODS = ["cod", "card", "mpesa", "paypal", "crypto"]
    CurrencyRate.objects.create(currency="KES", per_usd=KES_PER_USD, as_of=date(2026, 11, 20))
    rates_forget()
    here.mint(token, here.buyer, 1_000 * 10**6)
    here.mint(token, here.poor_buyer, 5 * 10**6)
    yield here
    cache.clear()


def start(client, checkout) -> CryptoQuote:
    client.force_login(checkout.buyer)
    answer = client.post(f"/payments/{checkout.idempotency_key}/pay/", {"payment_method": "crypto"})
    assert answer.status_code == 303 and answer["Location"] == f"/payments/crypto/{checkout.idempotency_key}/"
    return CryptoQuote.objects.select_related("attempt").get(attempt__checkout=checkout)


@pytest.fixture
def quoted(chain, placed, client):
    return start(client, placed)


def pay_quote(chain, quote, *, amount=None, checkout_ref=None, token=None, escrow=None) -> str:
    """The buyer's wallet pays the quote (or another amount, id, token or escrow)."""
    return chain.pay(
        token=token or chain.token_address,
        escrow=escrow or chain.escrow_address,
        checkout_ref=checkout_ref or quote.checkout_ref,
        amount=quote.token_minor if amount is None else amount,
        sender=chain.buyer,
    )


def status(checkout) -> str:
    checkout.refresh_from_db()
    return checkout.payment_status


def test_the_quote_is_the_total_at_the_staff_rate_rounded_up_by_less_than_one_minor_unit(quoted, client):
    # KES 3,451.00 at 129.45 KES per tUSD is 26.658941676...: deposited as 26.658942 tUSD.
    assert quoted.token_minor == 26_658_942
    assert (quoted.rate, quoted.token_decimals, quoted.token_symbol) == (KES_PER_USD, 6, "tUSD")
    exact = Decimal("3451.00") / KES_PER_USD * 10**6
    assert 0 <= quoted.token_minor - exact < 1
    assert len(quoted.checkout_ref) == 66 and quoted.attempt.reference == quoted.checkout_ref
    assert abs(quoted.expires_at - quoted.created_at - timedelta(seconds=900)) < timedelta(seconds=1)
    page = client.get(f"/payments/crypto/{quoted.attempt.checkout.idempotency_key}/")
    assert page.status_code == 200
    assert "26.658942 tUSD" in page.text and quoted.escrow_address in page.text
    assert (
        f"ethereum:{quoted.escrow_address}@{CHAIN_ID}/deposit?bytes32={quoted.checkout_ref}&amp;uint256=26658942"
        in page.text
    )
    assert f"/approve?address={quoted.escrow_address}&amp;uint256=26658942" in page.text
    assert 'src="data:image/svg+xml' in page.text


@pytest.mark.parametrize(
    "total, rate, minor",
    [(Decimal("100"), Decimal("3"), 33_333_334), (Decimal("129.45"), Decimal("129.45"), 1_000_000)],
)
def test_token_amounts_round_up_only_when_not_exact(total, rate, minor):
    assert token_minor_for(total, rate, 6) == minor


def test_a_deposit_pays_the_checkout_only_after_n_confirmations(chain, quoted):
    checkout = quoted.attempt.checkout
    tx = pay_quote(chain, quoted)
    crypto_watch()
    deposit = CryptoDeposit.objects.get()
    assert (deposit.tx_hash, deposit.status, deposit.confirmations) == (tx, "seen", 1)
    assert (deposit.amount, deposit.buyer_address, deposit.quote_id) == (quoted.token_minor, chain.buyer, quoted.pk)
    assert status(checkout) == PaymentStatus.AWAITING

    chain.mine(CONFIRMATIONS - 2)
    crypto_watch()
    assert CryptoDeposit.objects.get().confirmations == CONFIRMATIONS - 1
    assert status(checkout) == PaymentStatus.AWAITING

    chain.mine(1)
    crypto_watch()
    assert status(checkout) == PaymentStatus.PAID
    attempt = PaymentAttempt.objects.get(pk=quoted.attempt_id)
    assert (attempt.status, attempt.received_minor, attempt.received_currency) == ("succeeded", 345100, "KES")
    assert attempt.payment_reference == f"{tx}:{deposit.log_index}"
    assert CryptoDeposit.objects.get().status == "settled"
    capture = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.CAPTURE, checkout=checkout)
    entries = [(entry.account.code, entry.account.currency, entry.amount_minor) for entry in capture.entries.all()]
    assert ("provider:crypto", "KES", 345100) in entries
    assert sum(amount for _code, _currency, amount in entries) == 0
    assert (
        chain.escrow(chain.escrow_address).functions.held(bytes.fromhex(quoted.checkout_ref[2:])).call()
        == quoted.token_minor
    )

    chain.mine(2)
    crypto_watch()  # a later run, or one after a restart, changes nothing
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CAPTURE).count() == 1
    assert PaymentAttempt.objects.filter(checkout=checkout).count() == 1


@pytest.mark.parametrize("difference", [-1, 1_000_000])
def test_a_deposit_of_another_amount_is_held_as_a_mismatch(chain, quoted, difference):
    checkout = quoted.attempt.checkout
    pay_quote(chain, quoted, amount=quoted.token_minor + difference)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.AWAITING
    attempt = PaymentAttempt.objects.get(pk=quoted.attempt_id)
    assert attempt.status == "flagged"
    flag = PaymentFlag.objects.get(attempt=attempt)
    assert flag.kind == PaymentFlag.Kind.MISMATCH
    assert (attempt.received_minor < 345100) if difference < 0 else (attempt.received_minor > 345100)
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.SUSPENSE, checkout=checkout).count() == 1
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CAPTURE).exists()


def test_the_right_amount_into_another_escrow_and_token_pays_nothing(chain, quoted):
    checkout = quoted.attempt.checkout
    other_token, other_escrow = chain.deploy_pair()
    chain.mint(other_token, chain.buyer, 100 * 10**6)
    pay_quote(chain, quoted, token=other_token, escrow=other_escrow)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.AWAITING
    assert not CryptoDeposit.objects.exists()


def test_an_escrow_of_another_token_is_refused_even_when_configured(chain, quoted, settings):
    checkout = quoted.attempt.checkout
    other_token, other_escrow = chain.deploy_pair()
    chain.mint(other_token, chain.buyer, 100 * 10**6)
    # The operator points Soko at an escrow that holds another token than the configured one.
    settings.SOKO_ETH_ESCROW_ADDRESS = other_escrow
    CryptoQuote.objects.filter(pk=quoted.pk).update(escrow_address=other_escrow)
    pay_quote(chain, quoted, token=other_token, escrow=other_escrow)
    chain.mine(CONFIRMATIONS)
    assert crypto_watch()["refused"] == "escrow token"
    assert status(checkout) == PaymentStatus.AWAITING
    assert not CryptoDeposit.objects.exists()


def test_a_deposit_under_another_checkout_id_pays_nothing(chain, quoted):
    checkout = quoted.attempt.checkout
    pay_quote(chain, quoted, checkout_ref="0x" + secrets.token_hex(32))
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.AWAITING
    assert not CryptoDeposit.objects.exists()
    assert PaymentAttempt.objects.get(pk=quoted.attempt_id).status == "pending"


def test_a_reorganisation_before_n_confirmations_leaves_the_checkout_unpaid(chain, quoted):
    checkout = quoted.attempt.checkout
    snapshot = rpc(chain.url, "evm_snapshot")
    pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS - 2)
    crypto_watch()
    deposit = CryptoDeposit.objects.get()
    assert (deposit.status, deposit.confirmations) == ("seen", CONFIRMATIONS - 1)
    seen_in = (deposit.block_number, deposit.block_hash)

    assert rpc(chain.url, "evm_revert", snapshot) is True
    chain.mine(CONFIRMATIONS + 2)  # a longer chain without the deposit
    crypto_watch()
    deposit.refresh_from_db()
    assert (deposit.status, deposit.confirmations) == ("gone", 0)
    assert chain.w3.eth.get_block(seen_in[0]).hash.to_0x_hex() != seen_in[1]
    assert status(checkout) == PaymentStatus.AWAITING
    assert PaymentAttempt.objects.get(pk=quoted.attempt_id).status == "pending"
    assert not LedgerTransaction.objects.filter(checkout=checkout).exists()

    # Mined again on the new chain, it is counted from its new block.
    pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.PAID


def test_the_balance_check_refuses_a_short_wallet_and_offers_the_other_ways(chain, quoted, client):
    checkout = quoted.attempt.checkout
    url = f"/payments/crypto/{checkout.idempotency_key}/balance/"
    short = client.post(url, {"address": chain.poor_buyer.lower()}, HTTP_HX_REQUEST="true")
    assert short.status_code == 200
    assert 'data-testid="crypto-short"' in short.text
    # 26.658942 wanted, 5 held: 21.658942 short.
    assert "It holds 5.000000 tUSD: 21.658942 tUSD short" in short.text
    offered = {value for value in ("cod", "card", "mpesa", "paypal") if f'value="{value}"' in short.text}
    assert offered == {"cod", "card"} and 'value="crypto"' not in short.text  # M-Pesa and PayPal have no keys here
    assert "<html" not in short.text

    enough = client.post(url, {"address": chain.buyer}, HTTP_HX_REQUEST="true")
    assert 'data-testid="crypto-pay"' in enough.text and "crypto-short" not in enough.text
    assert quoted.checkout_ref[2:] in enough.text  # the deposit's ABI-encoded call carries the id

    bad = client.post(url, {"address": "0xnot-an-address"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "valid address" in bad.text
    last = max(i for i, ch in enumerate(chain.buyer) if ch.isalpha() and i > 1)  # a letter's case flipped
    mistyped = chain.buyer[:last] + chain.buyer[last].swapcase() + chain.buyer[last + 1 :]
    refused = client.post(url, {"address": mistyped}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422, "a mixed-case address whose EIP-55 checksum fails is a mistyped one"

    switched = client.post(f"/payments/{checkout.idempotency_key}/pay/", {"payment_method": "cod"})
    assert switched.status_code == 302
    assert status(checkout) == PaymentStatus.ON_DELIVERY


def test_an_expired_quote_ends_and_a_deposit_after_it_is_held_as_late(chain, quoted, client):
    checkout = quoted.attempt.checkout
    CryptoQuote.objects.filter(pk=quoted.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    crypto_watch()
    attempt = PaymentAttempt.objects.get(pk=quoted.attempt_id)
    assert attempt.status == "expired"
    page = client.get(f"/payments/crypto/{checkout.idempotency_key}/")
    assert 'data-testid="crypto-expired"' in page.text and 'data-testid="crypto-connect"' not in page.text
    refused = client.post(
        f"/payments/crypto/{checkout.idempotency_key}/balance/", {"address": chain.buyer}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 200 and "no longer open" in refused.text

    pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.AWAITING
    flag = PaymentFlag.objects.get(attempt_id=quoted.attempt_id)
    assert flag.kind == PaymentFlag.Kind.LATE and "after quote" in flag.detail

    renewed = client.post(f"/payments/crypto/{checkout.idempotency_key}/quote/")
    assert renewed.status_code == 303
    fresh = CryptoQuote.objects.exclude(pk=quoted.pk).get()
    assert fresh.checkout_ref != quoted.checkout_ref and fresh.attempt.status == "pending"


def test_a_second_deposit_after_the_checkout_was_paid_is_held_as_double(chain, quoted):
    checkout = quoted.attempt.checkout
    for _ in range(2):
        pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    crypto_watch()
    assert status(checkout) == PaymentStatus.PAID
    attempts = PaymentAttempt.objects.filter(checkout=checkout).order_by("pk")
    assert [attempt.status for attempt in attempts] == ["succeeded", "flagged"]
    assert PaymentFlag.objects.get(attempt=attempts[1]).kind == PaymentFlag.Kind.DOUBLE
    assert CryptoDeposit.objects.filter(status="settled").count() == 2


def test_without_the_chain_configured_the_method_is_not_offered(placed, settings, client):
    settings.SOKO_PAYMENT_METHODS = ["cod", "crypto"]
    settings.SOKO_ETH_RPC_URL = ""
    client.force_login(placed.buyer)
    answer = client.post(f"/payments/{placed.idempotency_key}/pay/", {"payment_method": "crypto"})
    assert answer.status_code == 302 and not CryptoQuote.objects.exists()


def test_a_node_that_cannot_be_reached_is_said_plainly(quoted, client, settings):
    checkout = quoted.attempt.checkout
    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9/"  # nothing listens there
    page = client.get(f"/payments/crypto/{checkout.idempotency_key}/")
    assert page.status_code == 200 and "26.658942 tUSD" in page.text
    answer = client.post(
        f"/payments/crypto/{checkout.idempotency_key}/balance/",
        {"address": quoted.escrow_address},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200 and "cannot reach the blockchain" in answer.text
    assert 'value="cod"' in answer.text
    assert crypto_watch()["unavailable"]
    assert status(checkout) == PaymentStatus.AWAITING


def test_a_deposit_after_the_buyer_chose_cash_on_delivery_is_held_as_late(chain, quoted, client):
    checkout = quoted.attempt.checkout
    switched = client.post(f"/payments/{checkout.idempotency_key}/pay/", {"payment_method": "cod"})
    assert switched.status_code == 302 and status(checkout) == PaymentStatus.ON_DELIVERY
    pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    assert status(checkout) == PaymentStatus.ON_DELIVERY
    flag = PaymentFlag.objects.get(attempt_id=quoted.attempt_id)
    assert flag.kind == PaymentFlag.Kind.LATE
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CAPTURE).exists()
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.SUSPENSE, checkout=checkout).exists()
