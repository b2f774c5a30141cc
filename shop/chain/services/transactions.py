"""Transactions from the platform's key (``SOKO_ETH_PLATFORM_KEY``), signed in this process.

The nonce is taken under a lock on the sender's row (``ChainSender``): the larger of what
the node counts for the address (pending transactions included) and the next one Soko
handed out, so two workers never sign two transactions with the same nonce, and a
transaction signed but not yet broadcast keeps its nonce. Gas and fees are estimated by
the node; the estimate runs the call, so a call the contract would refuse is refused here
(``ContractRefused``, with the contract's reason) before anything is signed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import transaction

from ..models import ChainSender
from ..node import ChainNotConfigured, ChainUnavailable, contract_build, node_errors, web3

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

T = TypeVar("T")


class ContractRefused(Exception):
    """The contract refused the call (it reverted); the message carries its reason."""


class TransactionPending(Exception):
    """The transaction was sent but not mined within ``SOKO_ETH_RECEIPT_TIMEOUT``: the
    next try looks for it again, it is never signed twice."""


@dataclass(frozen=True)
class Signed:
    nonce: int
    tx_hash: str
    raw: str


def platform_account() -> LocalAccount:
    """The platform's account, from its private key."""
    from eth_account import Account

    if not settings.SOKO_ETH_PLATFORM_KEY:
        raise ChainNotConfigured("SOKO_ETH_PLATFORM_KEY is not set.")
    return Account.from_key(settings.SOKO_ETH_PLATFORM_KEY)


def chain_id_check() -> int:
    """The configured chain id, after checking the node is on that chain: a transaction
    signed for one chain is never sent to another's node."""
    with node_errors("the node's chain id"):
        node_chain = int(web3().eth.chain_id)
    if not settings.SOKO_ETH_CHAIN_ID:
        raise ChainNotConfigured("SOKO_ETH_CHAIN_ID is not set.")
    if node_chain != settings.SOKO_ETH_CHAIN_ID:
        raise ChainUnavailable(
            f"The node at SOKO_ETH_RPC_URL is on chain {node_chain}, not SOKO_ETH_CHAIN_ID {settings.SOKO_ETH_CHAIN_ID}."
        )
    return node_chain


def revert_reason(error: Exception) -> str:
    """The contract's reason in a refusal web3.py raised."""
    reason = getattr(error, "message", None) or str(error)
    return reason.removeprefix("execution reverted: ").removeprefix("VM Exception while processing transaction: ")


def nonce_take(sender: str, sign: Callable[[int], T | None]) -> T | None:
    """Call ``sign(nonce)`` with the next nonce of ``sender`` while holding it: inside one
    transaction with the sender's row locked, so what ``sign`` records with the nonce is
    committed with it. The nonce counts as used only when ``sign`` returns something; when
    it returns ``None`` or raises, the next caller gets the same nonce."""
    with node_errors("the sender's transaction count"):
        counted = int(web3().eth.get_transaction_count(sender, "pending"))
    with transaction.atomic():
        row, _created = ChainSender.objects.select_for_update().get_or_create(address=sender)
        nonce = max(counted, row.next_nonce)
        result = sign(nonce)
        if result is not None:
            ChainSender.objects.filter(pk=row.pk).update(next_nonce=nonce + 1)
        return result


def nonce_reset(sender: str) -> int:
    """Forget the nonces handed out to ``sender`` and take the node's count: a new chain
    (a development node started again) knows none of them."""
    with node_errors("the sender's transaction count"):
        counted = int(web3().eth.get_transaction_count(sender, "pending"))
    ChainSender.objects.update_or_create(address=sender, defaults={"next_nonce": counted})
    return counted


def transaction_build(call, *, account: LocalAccount, chain_id: int | None = None) -> dict:
    """The unsigned transaction of a contract ``call`` (a bound function or constructor)
    from ``account`` for the configured chain (or ``chain_id``, already checked): gas
    estimated (``ContractRefused`` when the call would revert) and fees from the node. Its
    nonce is not set: see ``transaction_sign``."""
    from web3.exceptions import ContractLogicError

    chain_id = chain_id or chain_id_check()
    try:
        with node_errors("a transaction's gas and fees"):
            return call.build_transaction({"from": account.address, "chainId": chain_id})
    except ContractLogicError as error:
        raise ContractRefused(revert_reason(error)) from error


def transaction_sign(unsigned: dict, *, account: LocalAccount, nonce: int) -> Signed:
    signed = account.sign_transaction({**unsigned, "nonce": nonce})
    return Signed(nonce=nonce, tx_hash="0x" + bytes(signed.hash).hex(), raw="0x" + bytes(signed.raw_transaction).hex())


def transaction_broadcast(raw: str) -> None:
    """Give the node the signed bytes. A node that refuses them because it has them already
    (waiting or mined: another worker sent the same bytes first) is no error."""
    from eth_utils import keccak

    try:
        with node_errors("sending a transaction"):
            web3().eth.send_raw_transaction(raw)
    except ChainUnavailable:
        if transaction_known("0x" + keccak(hexstr=raw).hex()):
            return
        raise


def transaction_receipt(tx_hash: str, *, wait: bool = False):
    """The receipt of ``tx_hash``, or ``None`` when it is not mined (after waiting up to
    ``SOKO_ETH_RECEIPT_TIMEOUT`` seconds with ``wait``)."""
    from web3.exceptions import TimeExhausted, TransactionNotFound

    client = web3()
    try:
        with node_errors("a transaction's receipt"):
            if wait:
                return client.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=settings.SOKO_ETH_RECEIPT_TIMEOUT, poll_latency=0.2
                )
            return client.eth.get_transaction_receipt(tx_hash)
    except ChainUnavailable as error:
        if isinstance(error.__cause__, TimeExhausted | TransactionNotFound):
            return None
        raise


def transaction_known(tx_hash: str) -> bool:
    """Whether the node has the transaction, mined or waiting."""
    from web3.exceptions import TransactionNotFound

    try:
        with node_errors("a transaction"):
            web3().eth.get_transaction(tx_hash)
    except ChainUnavailable as error:
        if isinstance(error.__cause__, TransactionNotFound):
            return False
        raise
    return True


def block_height() -> int:
    """The number of the newest block the node has."""
    with node_errors("the newest block"):
        return int(web3().eth.block_number)


def mined_count(address: str) -> int:
    """How many of ``address``'s transactions are mined: every nonce below it is taken."""
    with node_errors("the sender's transaction count"):
        return int(web3().eth.get_transaction_count(address, "latest"))


def failed_reason(receipt) -> str:
    """Why a mined transaction reverted: the same call replayed on the block before it."""
    from web3.exceptions import ContractLogicError

    client = web3()
    try:
        with node_errors("a failed transaction"):
            sent = client.eth.get_transaction(receipt["transactionHash"])
            client.eth.call(
                {"from": sent["from"], "to": sent["to"], "data": sent["input"], "gas": sent["gas"]},
                receipt["blockNumber"] - 1,
            )
    except ContractLogicError as error:
        return revert_reason(error)
    return "reverted"


def transaction_send(call, *, account: LocalAccount, chain_id: int | None = None) -> dict:
    """Sign, send and wait for one transaction that needs no record of its own (deploying a
    contract, minting test tokens): its receipt. ``ContractRefused`` when it reverts."""
    unsigned = transaction_build(call, account=account, chain_id=chain_id)
    signed = nonce_take(account.address, lambda nonce: transaction_sign(unsigned, account=account, nonce=nonce))
    transaction_broadcast(signed.raw)
    receipt = transaction_receipt(signed.tx_hash, wait=True)
    if receipt is None:
        raise TransactionPending(f"Transaction {signed.tx_hash} is not mined yet.")
    if receipt["status"] != 1:
        raise ContractRefused(failed_reason(receipt))
    return receipt


def contract_deploy(name: str, *args, account: LocalAccount, chain_id: int | None = None) -> str:
    """Deploy the compiled contract ``name`` with constructor ``args``: its address."""
    build = contract_build(name)
    factory = web3().eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    return transaction_send(factory.constructor(*args), account=account, chain_id=chain_id)["contractAddress"]
