"""A stablecoin payment held in suspense (another amount than quoted, a second deposit
after the checkout was paid) is given back from the admin's payment flag: the very tokens
deposited go back out of the escrow to the wallet that sent them, the ledger empties its
suspense, and the flag is resolved. Against a real local chain, as tests/payments/
test_crypto_payment.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.chain.node import _client
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.suspense import suspense_refunds_resend
from shop.payments.models import CryptoDeposit, PaymentAttempt, PaymentFlag, SuspenseRefund
from shop.payments.providers.crypto.callbacks import crypto_watch
from tests.payments import test_crypto_payment as cryptopay
from tests.payments import test_suspense as suspense
from tests.payments.test_crypto_payment import CONFIRMATIONS, pay_quote
from tests.payments.test_suspense import FLAGS_URL, balanced

pytestmark = pytest.mark.django_db

chain, quoted, finance = cryptopay.chain, cryptopay.quoted, suspense.finance


def held(node, quote) -> int:
    return node.escrow(node.escrow_address).functions.held(bytes.fromhex(quote.checkout_ref[2:])).call()


def wallet(node) -> int:
    return node.token(node.token_address).functions.balanceOf(node.buyer).call()


def give_back(client, flag, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(FLAGS_URL, {"action": "give_back", "_selected_action": [flag.pk]})


@pytest.mark.parametrize("story", ["overpaid", "double"])
def test_a_held_stablecoin_payment_goes_back_to_the_wallet_that_sent_it(
    chain, quoted, finance, client, django_capture_on_commit_callbacks, story
):
    before = wallet(chain)
    if story == "overpaid":
        pay_quote(chain, quoted, amount=quoted.token_minor + 1_500_000)
    else:
        pay_quote(chain, quoted)
        pay_quote(chain, quoted)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    crypto_watch()
    attempt = PaymentAttempt.objects.get(checkout=quoted.attempt.checkout, status="flagged")
    flag = PaymentFlag.objects.get(attempt=attempt)
    sent_back = sum(int(deposit.amount_minor) for deposit in CryptoDeposit.objects.filter(attempt=attempt))
    in_escrow = held(chain, quoted)
    assert ledger.balance(accounts.SUSPENSE, "KES") == -attempt.received_minor

    client.force_login(finance)
    assert give_back(client, flag, django_capture_on_commit_callbacks).status_code == 302

    refund = SuspenseRefund.objects.get(attempt=attempt)
    assert (refund.status, refund.provider, refund.amount_minor) == ("succeeded", "crypto", attempt.received_minor)
    assert refund.reference.startswith("0x")
    assert held(chain, quoted) == in_escrow - sent_back  # what the paid checkout holds stays
    assert wallet(chain) == before - in_escrow + sent_back
    assert ledger.balance(accounts.SUSPENSE, "KES") == 0 and balanced()
    flag.refresh_from_db()
    assert flag.resolved_at is not None and refund.reference in flag.resolution

    assert give_back(client, flag, django_capture_on_commit_callbacks).status_code == 302  # asked twice: once
    assert SuspenseRefund.objects.count() == 1 and wallet(chain) == before - in_escrow + sent_back


def test_a_refund_from_suspense_the_node_missed_is_sent_by_the_sweep_once(
    chain, quoted, finance, client, django_capture_on_commit_callbacks, settings
):
    pay_quote(chain, quoted, amount=quoted.token_minor - 1)
    chain.mine(CONFIRMATIONS)
    crypto_watch()
    attempt = PaymentAttempt.objects.get(status="flagged")
    node = settings.SOKO_ETH_RPC_URL
    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9"  # the node out of reach: the job gives up
    _client.cache_clear()
    client.force_login(finance)
    give_back(client, PaymentFlag.objects.get(attempt=attempt), django_capture_on_commit_callbacks)
    refund = SuspenseRefund.objects.get()
    assert (refund.status, refund.reference) == ("pending", "")
    assert suspense_refunds_resend() == 0  # too recent to be sent again

    settings.SOKO_ETH_RPC_URL = node
    _client.cache_clear()
    SuspenseRefund.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    assert suspense_refunds_resend() == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded" and held(chain, quoted) == 0
    assert suspense_refunds_resend() == 0
    assert ledger.balance(accounts.SUSPENSE, "KES") == 0 and balanced()
