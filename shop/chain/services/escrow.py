"""Money out of the escrow: a store's share released to its address, or the buyer refunded.

``escrow_release`` and ``escrow_refund`` are safe to run again and again (a Huey job that
died, a retry, a second worker): each transfer has a key (by default its checkout, payee and
amount) and a row (``EscrowTransfer``) committed with the signed transaction's hash *before*
the transaction is broadcast. A later run with the same key never signs a new payment while
an earlier one can still be mined:

- the receipt of every hash signed for it is looked for first: mined, the transfer is done;
- not mined and known to the node, or unknown but its nonce still free: the same signed
  bytes are broadcast again and waited for (the same nonce, so at most one is mined);
- unknown and its nonce taken by another transaction: it can never be mined, so it is
  signed again with a new nonce after the contract's events show no payment for it.

The contract refuses more than a checkout holds, so a payment that got through another way
makes the new one revert (``ContractRefused``) rather than pay twice. Runs outside any
transaction: the node is asked after the caller's commit."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from shop.core.services.transactions import assert_outside_transactions

from ..escrow import REFUNDED, RELEASED, checkout_id_bytes, checkout_id_hex, escrow_contract, escrow_events
from ..models import EscrowTransfer
from ..node import address_checksum
from .transactions import (
    ContractRefused,
    TransactionPending,
    block_height,
    failed_reason,
    mined_count,
    nonce_take,
    platform_account,
    transaction_broadcast,
    transaction_build,
    transaction_known,
    transaction_receipt,
    transaction_sign,
)

log = logging.getLogger(__name__)

EVENT_OF = {EscrowTransfer.Kind.RELEASE: RELEASED, EscrowTransfer.Kind.REFUND: REFUNDED}


class EscrowKeyReused(ValueError):
    """A key names another transfer than the one asked for."""


def escrow_release(checkout_id: bytes | str, store_address: str, amount_minor: int, *, key: str = "") -> EscrowTransfer:
    """Pay ``amount_minor`` (token minor units) of what checkout ``checkout_id`` holds to a
    store's ``store_address``, once per ``key``. Returns the mined transfer; raises
    ``ContractRefused`` (the contract's reason: more than the checkout holds…),
    ``TransactionPending`` (sent, not mined yet: run again later) or ``ChainUnavailable``."""
    return _escrow_transfer(EscrowTransfer.Kind.RELEASE, checkout_id, store_address, amount_minor, key)


def escrow_refund(checkout_id: bytes | str, buyer_address: str, amount_minor: int, *, key: str = "") -> EscrowTransfer:
    """Give ``amount_minor`` of what checkout ``checkout_id`` holds back to the buyer's
    ``buyer_address``, once per ``key``; as ``escrow_release``."""
    return _escrow_transfer(EscrowTransfer.Kind.REFUND, checkout_id, buyer_address, amount_minor, key)


def _escrow_transfer(kind: str, checkout_id, to: str, amount_minor: int, key: str) -> EscrowTransfer:
    assert_outside_transactions("an escrow transfer")
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValueError(f"An escrow transfer is a positive number of minor units, not {amount_minor!r}.")
    checkout = checkout_id_hex(checkout_id)
    to = address_checksum(to)
    key = key or f"{kind}:{checkout}:{to}:{amount_minor}"
    wanted = {"kind": kind, "checkout_id": checkout, "to_address": to, "amount_minor": amount_minor}
    found = EscrowTransfer.objects.filter(key=key).first()
    if found is None:
        found = _transfer_sign_new(key=key, **wanted)
    elif any(getattr(found, field) != value for field, value in wanted.items()):
        raise EscrowKeyReused(f"The key {key!r} is the escrow transfer {found}, not this one.")
    return escrow_transfer_settle(found)


def _transfer_sign_new(*, key: str, kind: str, checkout_id: str, to_address: str, amount_minor: int) -> EscrowTransfer:
    account = platform_account()
    contract = escrow_contract()
    call = getattr(contract.functions, kind)(checkout_id_bytes(checkout_id), to_address, amount_minor)
    unsigned = transaction_build(call, account=account)

    def record(nonce: int) -> EscrowTransfer | None:
        if EscrowTransfer.objects.filter(key=key).exists():
            return None  # another worker signed this key first (it waited for the same lock)
        signed = transaction_sign(unsigned, account=account, nonce=nonce)
        return EscrowTransfer.objects.create(
            key=key,
            kind=kind,
            escrow=contract.address,
            checkout_id=checkout_id,
            to_address=to_address,
            amount_minor=amount_minor,
            sender=account.address,
            nonce=signed.nonce,
            tx_hash=signed.tx_hash,
            raw_transaction=signed.raw,
        )

    return nonce_take(account.address, record) or EscrowTransfer.objects.get(key=key)


def escrow_transfer_settle(transfer: EscrowTransfer) -> EscrowTransfer:
    """Bring a recorded transfer to the chain and wait for it to be mined (see the module's
    rules). The mined transfer, or ``ContractRefused`` / ``TransactionPending``."""
    assert_outside_transactions("an escrow transfer")
    if transfer.status == EscrowTransfer.Status.MINED:
        return transfer
    receipts = {tx_hash: transaction_receipt(tx_hash) for tx_hash in [transfer.tx_hash, *transfer.replaced_hashes]}
    for receipt in receipts.values():
        if receipt is not None and receipt["status"] == 1:
            return _transfer_mined(transfer, receipt)
    current = receipts[transfer.tx_hash]
    if current is not None and transfer.status != EscrowTransfer.Status.FAILED:
        return _transfer_mined(transfer, current)  # reverted on chain: recorded, then raised
    waiting = current is None and transaction_known(transfer.tx_hash)
    if not waiting:
        if current is not None or mined_count(transfer.sender) > transfer.nonce:
            # The nonce is taken: perhaps by these very bytes, mined (by another worker's
            # broadcast) since the receipts were read above. Then the receipt is there now.
            for tx_hash in [transfer.tx_hash, *transfer.replaced_hashes]:
                receipt = transaction_receipt(tx_hash)
                if receipt is not None and receipt["status"] == 1:
                    return _transfer_mined(transfer, receipt)
            transfer = _transfer_sign_again(transfer)
        transaction_broadcast(transfer.raw_transaction)
    if transfer.status == EscrowTransfer.Status.SIGNED:
        EscrowTransfer.objects.filter(pk=transfer.pk, status=EscrowTransfer.Status.SIGNED).update(
            status=EscrowTransfer.Status.SENT
        )
        transfer.status = EscrowTransfer.Status.SENT
    receipt = transaction_receipt(transfer.tx_hash, wait=True)
    if receipt is None:
        raise TransactionPending(f"Escrow transfer {transfer.key} ({transfer.tx_hash}) is not mined yet.")
    return _transfer_mined(transfer, receipt)


def _transfer_mined(transfer: EscrowTransfer, receipt) -> EscrowTransfer:
    tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    if receipt["status"] == 1:
        transfer.status = EscrowTransfer.Status.MINED
        transfer.error = ""
    else:
        transfer.status = EscrowTransfer.Status.FAILED
        transfer.error = failed_reason(receipt)[:300]
    transfer.block_number = receipt["blockNumber"]
    if tx_hash != transfer.tx_hash:  # an earlier signing of it was the one mined
        transfer.replaced_hashes = [h for h in [transfer.tx_hash, *transfer.replaced_hashes] if h != tx_hash]
        transfer.tx_hash = tx_hash
    transfer.save(update_fields=["status", "error", "block_number", "tx_hash", "replaced_hashes", "updated_at"])
    if transfer.status == EscrowTransfer.Status.FAILED:
        raise ContractRefused(transfer.error)
    return transfer


def _transfer_sign_again(transfer: EscrowTransfer) -> EscrowTransfer:
    """The transfer's transaction can never be mined (its nonce went to another one, or it
    was mined and reverted): sign it again with a new nonce, after checking on the
    contract's events that none of its hashes paid."""
    signed_hashes = {transfer.tx_hash, *transfer.replaced_hashes}
    paid = [
        event
        for event in escrow_events(checkout_id=transfer.checkout_id)
        if event.tx_hash in signed_hashes and event.kind == EVENT_OF[transfer.kind]
    ]
    if paid:
        raise RuntimeError(f"Escrow transfer {transfer.key} was paid by {paid[0].tx_hash} but has no receipt.")
    account = platform_account()
    contract = escrow_contract(transfer.escrow)
    call = getattr(contract.functions, transfer.kind)(
        checkout_id_bytes(transfer.checkout_id), transfer.to_address, transfer.amount_minor
    )
    try:
        unsigned = transaction_build(call, account=account)
    except ContractRefused as error:
        EscrowTransfer.objects.filter(pk=transfer.pk).update(
            status=EscrowTransfer.Status.FAILED, error=str(error)[:300]
        )
        raise
    stale = transfer.tx_hash

    def record(nonce: int) -> EscrowTransfer | None:
        locked = EscrowTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.tx_hash != stale:
            return None  # another worker signed it again first
        signed = transaction_sign(unsigned, account=account, nonce=nonce)
        log.warning("escrow transfer %s: %s can never be mined, signed again as %s", locked.key, stale, signed.tx_hash)
        locked.replaced_hashes = [stale, *locked.replaced_hashes]
        locked.tx_hash = signed.tx_hash
        locked.raw_transaction = signed.raw
        locked.nonce = signed.nonce
        locked.status = EscrowTransfer.Status.SIGNED
        locked.block_number = None
        locked.error = ""
        locked.save(
            update_fields=[
                "replaced_hashes",
                "tx_hash",
                "raw_transaction",
                "nonce",
                "status",
                "block_number",
                "error",
                "updated_at",
            ]
        )
        return locked

    return nonce_take(account.address, record) or EscrowTransfer.objects.get(pk=transfer.pk)


def escrow_transfers_unsettled(*, older_than_seconds: int = 60):
    """Transfers signed or sent and not known mined, older than ``older_than_seconds``:
    those a lost job left behind."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return EscrowTransfer.objects.filter(
        status__in=[EscrowTransfer.Status.SIGNED, EscrowTransfer.Status.SENT], updated_at__lt=cutoff
    ).order_by("sender", "nonce")


def escrow_transfer_confirmed(transfer: EscrowTransfer) -> bool:
    """Whether a mined transfer stands ``SOKO_ETH_CONFIRMATIONS`` blocks deep on the chain as
    the node has it now. One whose block left the chain (a reorganisation) is un-mined and
    brought back: the same signed bytes are sent again (``escrow_transfer_settle``), and
    ``False`` is answered until it is deep enough again."""
    assert_outside_transactions("an escrow transfer")
    if transfer.status != EscrowTransfer.Status.MINED:
        return False
    receipt = transaction_receipt(transfer.tx_hash)
    if receipt is None or receipt["status"] != 1:
        log.warning("escrow transfer %s: %s left the chain, sending it again", transfer.key, transfer.tx_hash)
        EscrowTransfer.objects.filter(pk=transfer.pk).update(
            status=EscrowTransfer.Status.SENT, block_number=None, updated_at=timezone.now()
        )
        transfer.status, transfer.block_number = EscrowTransfer.Status.SENT, None
        try:
            escrow_transfer_settle(transfer)
        except (TransactionPending, ContractRefused) as error:
            log.warning("escrow transfer %s not mined again: %s", transfer.key, error)
        return False
    if receipt["blockNumber"] != transfer.block_number:
        EscrowTransfer.objects.filter(pk=transfer.pk).update(block_number=receipt["blockNumber"])
        transfer.block_number = receipt["blockNumber"]
    return block_height() - transfer.block_number + 1 >= settings.SOKO_ETH_CONFIRMATIONS


def escrow_transfers_recent(*, head: int):
    """Mined transfers not yet ``SOKO_ETH_CONFIRMATIONS`` deep below block ``head``: those a
    reorganisation could still take away."""
    return EscrowTransfer.objects.filter(
        status=EscrowTransfer.Status.MINED, block_number__gt=head - settings.SOKO_ETH_CONFIRMATIONS * 2
    ).order_by("sender", "nonce")
