"""Reading the escrow (``SOKO_ETH_ESCROW_ADDRESS``): what a checkout holds, and its events.

A checkout is known on chain by a 32-byte id (``bytes32 checkoutId``), written here as
``0x`` and 64 lower-case hex digits (the payment method draws it at random for each
quote); every function here takes the id as bytes or as that hex text.

Every move of money is an event: ``Deposited`` (a buyer paid in), ``Released`` (a store's
share paid out) and ``Refunded`` (given back to the buyer), read with their block, block
hash, transaction hash and log index, in chain order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from .node import ChainNotConfigured, address_checksum, contract_build, node_errors, web3

if TYPE_CHECKING:
    from web3.contract import Contract

DEPOSITED = "deposited"
RELEASED = "released"
REFUNDED = "refunded"
EVENT_KINDS = {"Deposited": DEPOSITED, "Released": RELEASED, "Refunded": REFUNDED}


@dataclass(frozen=True)
class EscrowEvent:
    """One move of the escrow's money. ``address`` is the buyer for a deposit, the payee
    for a release or a refund."""

    kind: str
    checkout_id: str
    address: str
    amount_minor: int
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


def checkout_id_bytes(checkout_id: bytes | str) -> bytes:
    """The 32 bytes of a checkout id given as bytes or ``0x``-hex; ``ValueError`` otherwise."""
    if isinstance(checkout_id, bytes | bytearray):
        value = bytes(checkout_id)
    elif isinstance(checkout_id, str) and checkout_id.startswith(("0x", "0X")):
        try:
            value = bytes.fromhex(checkout_id[2:])
        except ValueError:
            raise ValueError(f"{checkout_id!r} is not a checkout id (0x and 64 hex digits).") from None
    else:
        raise ValueError(f"{checkout_id!r} is not a checkout id (0x and 64 hex digits).")
    if len(value) != 32:
        raise ValueError(f"A checkout id is 32 bytes, not {len(value)}.")
    return value


def checkout_id_hex(checkout_id: bytes | str) -> str:
    return "0x" + checkout_id_bytes(checkout_id).hex()


def escrow_address() -> str:
    if not settings.SOKO_ETH_ESCROW_ADDRESS:
        raise ChainNotConfigured("SOKO_ETH_ESCROW_ADDRESS is not set.")
    return address_checksum(settings.SOKO_ETH_ESCROW_ADDRESS)


def escrow_contract(address: str | None = None) -> Contract:
    """The escrow at ``address`` (default: the configured one)."""
    address = address_checksum(address) if address else escrow_address()
    return web3().eth.contract(address=address, abi=contract_build("SokoEscrow")["abi"])


def held(checkout_id: bytes | str, *, block: int | str = "latest") -> int:
    """What the escrow still holds for the checkout, in the token's minor units."""
    with node_errors("what a checkout holds"):
        return int(escrow_contract().functions.held(checkout_id_bytes(checkout_id)).call(block_identifier=block))


def _topic(signature: str) -> str:
    from eth_utils import keccak

    return "0x" + keccak(text=signature).hex()


EVENT_TOPICS = {
    _topic("Deposited(bytes32,address,uint256)"): "Deposited",
    _topic("Released(bytes32,address,uint256)"): "Released",
    _topic("Refunded(bytes32,address,uint256)"): "Refunded",
}


def escrow_events(
    *, checkout_id: bytes | str | None = None, from_block: int = 0, to_block: int | str = "latest"
) -> list[EscrowEvent]:
    """The escrow's events in blocks ``from_block`` to ``to_block`` (both included), of one
    checkout when ``checkout_id`` is given, in chain order. One ``eth_getLogs`` request."""
    contract = escrow_contract()
    topics: list = [list(EVENT_TOPICS)]
    if checkout_id is not None:
        topics.append(checkout_id_hex(checkout_id))
    with node_errors("the escrow's events"):
        logs = web3().eth.get_logs(
            {"address": contract.address, "fromBlock": from_block, "toBlock": to_block, "topics": topics}
        )
    events = []
    for log in logs:
        name = EVENT_TOPICS[_hex(log["topics"][0])]
        decoded = getattr(contract.events, name)().process_log(log)
        events.append(
            EscrowEvent(
                kind=EVENT_KINDS[name],
                checkout_id=checkout_id_hex(decoded.args.checkoutId),
                address=decoded.args.buyer if name == "Deposited" else decoded.args.to,
                amount_minor=int(decoded.args.amount),
                block_number=int(log["blockNumber"]),
                block_hash=_hex(log["blockHash"]),
                tx_hash=_hex(log["transactionHash"]),
                log_index=int(log["logIndex"]),
            )
        )
    return sorted(events, key=lambda event: (event.block_number, event.log_index))


def _hex(value) -> str:
    """A hash as ``0x``-hex text, whether the node's answer gave bytes or text."""
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()
