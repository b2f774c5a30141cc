"""A deposit the buyer's wallet reported whose look-at-once job was lost (a queue that
restarted empty, a worker killed while it held the job) is seen by the watcher's pass of
every minute, ``crypto_watch``: the report only hurries the watcher, the chain is read
either way. Against a real local chain, as test_crypto_payment.py."""

import pytest

from shop.payments.models import CryptoDeposit, PaymentStatus
from shop.payments.providers.crypto.callbacks import crypto_watch
from tests.payments import test_crypto_payment as cryptopay
from tests.payments.test_crypto_payment import pay_quote, status

pytestmark = pytest.mark.django_db

chain, quoted = cryptopay.chain, cryptopay.quoted


def test_a_deposit_whose_watch_job_was_lost_is_seen(chain, quoted, client, jobs_lost, django_capture_on_commit_callbacks):
    checkout = quoted.attempt.checkout
    tx = pay_quote(chain, quoted)
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/payments/crypto/{checkout.idempotency_key}/sent/", {"tx": tx}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    assert lost == ["payments.crypto_watch_soon"]
    assert not CryptoDeposit.objects.exists()

    crypto_watch()

    deposit = CryptoDeposit.objects.get()
    assert (deposit.tx_hash, deposit.status, deposit.confirmations) == (tx, "seen", 1)
    assert (deposit.amount, deposit.quote_id) == (quoted.token_minor, quoted.pk)
    assert status(checkout) == PaymentStatus.AWAITING
