"""An app pays with a stablecoin wallet as the wallet page does: starting the payment with
``crypto`` answers the quote (what to deposit, into which escrow, on which chain, until
when, with EIP-681 URIs a phone wallet opens), and the payment state keeps it, closed once
the deposit paid the checkout. Against a real local chain, as test_crypto_payment.py."""

from decimal import Decimal

import pytest

from shop.payments.models import CryptoQuote
from shop.payments.providers.crypto.callbacks import crypto_watch
from tests.api.conftest import bearer, post, sign_in, verified
from tests.payments import test_crypto_payment as cryptopay
from tests.payments.test_crypto_payment import CHAIN_ID, CONFIRMATIONS, KES_PER_USD, pay_quote

pytestmark = pytest.mark.django_db

chain = cryptopay.chain


def test_an_app_gets_the_quote_to_pay_and_sees_it_close_once_paid(chain, placed, client):
    headers = bearer(sign_in(client, verified(placed.buyer))["access_token"])
    started = post(
        client, f"/api/v1/checkouts/{placed.pk}/payments/", {"method": "crypto"}, **headers, **{"Idempotency-Key": "pay-1"}
    )
    assert started.status_code == 201, started.content
    quote = CryptoQuote.objects.get(attempt__checkout=placed)
    crypto = started.json()["crypto"]

    assert crypto["checkout_ref"] == quote.checkout_ref and crypto["chain_id"] == CHAIN_ID
    assert (crypto["token_symbol"], crypto["token_decimals"]) == ("tUSD", 6)
    assert crypto["amount_minor"] == "26658942" and crypto["amount"] == "26.658942"
    assert Decimal(crypto["rate"]) == KES_PER_USD
    assert (crypto["escrow_address"], crypto["token_address"]) == (chain.escrow_address, chain.token_address)
    assert crypto["open"] is True
    assert crypto["deposit_uri"] == (
        f"ethereum:{chain.escrow_address}@{CHAIN_ID}/deposit?bytes32={quote.checkout_ref}&uint256=26658942"
    )
    assert crypto["approve_uri"].startswith(f"ethereum:{chain.token_address}@{CHAIN_ID}/approve?")

    pay_quote(chain, quote)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    state = client.get(f"/api/v1/checkouts/{placed.pk}/payment/", headers=headers).json()
    assert state["status"] == "paid"
    assert state["crypto"]["open"] is False and state["crypto"]["deposit_uri"] is None


def test_a_card_payment_has_no_quote(placed, client):
    headers = bearer(sign_in(client, verified(placed.buyer))["access_token"])
    state = client.get(f"/api/v1/checkouts/{placed.pk}/payment/", headers=headers).json()
    assert state["crypto"] is None
