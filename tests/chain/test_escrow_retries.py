"""Escrow transfers under the ways jobs go wrong: several workers on the same release, several
releases at once from the one platform key, and a transfer a lost job left unsent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.chain.escrow import RELEASED, escrow_events, held
from shop.chain.models import EscrowTransfer
from shop.chain.services.escrow import _transfer_sign_new, escrow_refund, escrow_release, escrow_transfer_confirmed
from shop.chain.services.transactions import TransactionPending
from shop.chain.tasks import escrow_transfers_sweep
from shop.chain.tokens import balance_of
from tests.concurrency import at_once
from tests.eth_node import rpc

from .conftest import buyer_deposits
from .test_escrow import TUSD, new_checkout_id


@pytest.mark.postgres
def test_workers_running_the_same_release_at_once_pay_once(chain, transactional_db):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 40 * TUSD)

    outcomes = at_once([lambda: escrow_release(checkout, chain.store_a, 25 * TUSD, key="release:order:5")] * 4)

    assert all(isinstance(outcome, EscrowTransfer) for outcome in outcomes), outcomes
    assert {outcome.tx_hash for outcome in outcomes} == {outcomes[0].tx_hash}
    assert EscrowTransfer.objects.count() == 1
    assert balance_of(chain.store_a) == 25 * TUSD
    assert held(checkout) == 15 * TUSD
    assert len([event for event in escrow_events(checkout_id=checkout) if event.kind == RELEASED]) == 1


@pytest.mark.postgres
def test_releases_at_once_from_the_one_key_take_a_nonce_each(chain, transactional_db):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 30 * TUSD)

    outcomes = at_once(
        [
            lambda: escrow_release(checkout, chain.store_a, 10 * TUSD),
            lambda: escrow_release(checkout, chain.store_b, 10 * TUSD),
            lambda: escrow_refund(checkout, chain.buyer, 10 * TUSD),
        ]
    )

    assert all(isinstance(outcome, EscrowTransfer) for outcome in outcomes), outcomes
    assert len({outcome.nonce for outcome in outcomes}) == 3
    assert all(outcome.status == EscrowTransfer.Status.MINED for outcome in outcomes)
    assert held(checkout) == 0
    assert (balance_of(chain.store_a), balance_of(chain.store_b)) == (10 * TUSD, 10 * TUSD)


@pytest.mark.django_db
def test_a_transfer_a_lost_job_never_sent_is_sent_by_the_sweep_and_frees_those_behind_it(chain, settings):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 30 * TUSD)
    # A job signed and recorded this release, then died before sending it: its nonce is a gap.
    lost = _transfer_sign_new(
        key="release:order:21",
        kind=EscrowTransfer.Kind.RELEASE,
        checkout_id=checkout,
        to_address=chain.store_a,
        amount_minor=20 * TUSD,
    )
    settings.SOKO_ETH_RECEIPT_TIMEOUT = 1
    # The next release takes the next nonce, and the node holds it back behind the gap.
    with pytest.raises(TransactionPending):
        escrow_release(checkout, chain.store_b, 10 * TUSD, key="release:order:22")
    assert balance_of(chain.store_b) == 0
    EscrowTransfer.objects.update(updated_at=timezone.now() - timedelta(minutes=5))

    escrow_transfers_sweep.call_local()

    assert [transfer.status for transfer in EscrowTransfer.objects.order_by("nonce")] == [
        EscrowTransfer.Status.MINED,
        EscrowTransfer.Status.MINED,
    ]
    assert EscrowTransfer.objects.get(pk=lost.pk).tx_hash == lost.tx_hash
    assert (balance_of(chain.store_a), balance_of(chain.store_b)) == (20 * TUSD, 10 * TUSD)
    assert held(checkout) == 0


@pytest.mark.django_db
def test_a_release_whose_block_a_reorganisation_took_away_is_sent_again_and_paid_once(chain, settings):
    settings.SOKO_ETH_CONFIRMATIONS = 3
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 30 * TUSD)
    fork_point = rpc(chain.url, "evm_snapshot")
    paid = escrow_release(checkout, chain.store_a, 30 * TUSD, key="release:order:31")
    assert not escrow_transfer_confirmed(paid), "one block deep"
    rpc(chain.url, "evm_mine")
    rpc(chain.url, "evm_mine")
    assert escrow_transfer_confirmed(paid)

    # The chain is reorganised back to before the release: the transaction is in no block.
    assert rpc(chain.url, "evm_revert", fork_point) is True
    assert balance_of(chain.store_a) == 0 and held(checkout) == 30 * TUSD

    escrow_transfers_sweep.call_local()

    again = EscrowTransfer.objects.get(pk=paid.pk)
    assert again.status == EscrowTransfer.Status.MINED
    assert again.tx_hash == paid.tx_hash, "the same signed bytes, never a second payment"
    assert balance_of(chain.store_a) == 30 * TUSD and held(checkout) == 0
    assert not escrow_transfer_confirmed(again)
    rpc(chain.url, "evm_mine")
    rpc(chain.url, "evm_mine")
    assert escrow_transfer_confirmed(again)
    assert [event.tx_hash for event in escrow_events(checkout_id=checkout) if event.kind == RELEASED] == [paid.tx_hash]


@pytest.mark.django_db
def test_a_worker_that_finds_its_transfer_mined_by_another_between_two_looks_settles_it(chain, monkeypatch):
    """Worker B reads no receipt and the node does not know the transaction yet; worker A
    then sends those very bytes and they are mined; B finds the nonce taken. B must see its
    own transaction paid, not sign again nor give up."""
    from shop.chain.services import escrow as escrow_service
    from shop.chain.services.transactions import transaction_broadcast, transaction_receipt

    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 30 * TUSD)
    signed = _transfer_sign_new(
        key="release:order:41",
        kind=EscrowTransfer.Kind.RELEASE,
        checkout_id=checkout,
        to_address=chain.store_a,
        amount_minor=20 * TUSD,
    )

    def unknown_then_mined_by_another_worker(tx_hash):
        transaction_broadcast(signed.raw_transaction)
        assert transaction_receipt(signed.tx_hash, wait=True) is not None
        return False

    monkeypatch.setattr(escrow_service, "transaction_known", unknown_then_mined_by_another_worker)
    settled = escrow_service.escrow_transfer_settle(signed)

    assert (settled.status, settled.tx_hash) == (EscrowTransfer.Status.MINED, signed.tx_hash)
    assert EscrowTransfer.objects.count() == 1 and balance_of(chain.store_a) == 20 * TUSD
    assert held(checkout) == 10 * TUSD
