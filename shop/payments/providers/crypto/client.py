"""What the stablecoin method reads from the chain and asks wallets to send: the token's
name and balances, the escrow's ``Deposited`` events and the blocks they are in, and the
calls (``approve``, ``deposit``) ABI-encoded here, so the page's script needs no ABI code.

Every read goes through ``shop.chain.node.web3``; a node that cannot be reached or answers
with an error is ``ChainUnavailable``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings

from shop.chain.node import (
    ChainNotConfigured,
    ChainUnavailable,
    address_checksum,
    chain_configured,
    contract_build,
    web3,
)

T = TypeVar("T")

# What the method needs; the platform's key too, since money taken into the escrow must be
# releasable and refundable.
REQUIRED_SETTINGS = (
    "SOKO_ETH_RPC_URL",
    "SOKO_ETH_CHAIN_ID",
    "SOKO_ETH_ESCROW_ADDRESS",
    "SOKO_ETH_TOKEN_ADDRESS",
    "SOKO_ETH_PLATFORM_KEY",
)


def crypto_configured() -> bool:
    """The node, the chain id, the escrow, its token and the platform's key are all set."""
    return chain_configured() and all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


@dataclass(frozen=True)
class Token:
    address: str
    symbol: str
    decimals: int


@dataclass(frozen=True)
class DepositLog:
    """One ``Deposited`` event of the escrow, where the node has it now."""

    checkout_ref: str  # 0x + 64 hex digits
    buyer: str
    amount: int
    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str


def _ask(read: Callable[[], T]) -> T:
    from web3.exceptions import Web3Exception

    try:
        return read()
    except (OSError, Web3Exception, ValueError, ChainNotConfigured) as error:
        raise ChainUnavailable(str(error)) from error


def checksum(address: str) -> str:
    """The EIP-55 form of an address; ``ValueError`` for anything that is not one, a
    mixed-case address whose checksum fails (a mistyped one) included."""
    if not isinstance(address, str):
        raise ValueError(address)
    return address_checksum(address.strip())


def _contract(name: str, address: str):
    return web3().eth.contract(address=checksum(address), abi=contract_build(name)["abi"])


def escrow():
    return _contract("SokoEscrow", settings.SOKO_ETH_ESCROW_ADDRESS)


def token():
    return _contract("TestStablecoin", settings.SOKO_ETH_TOKEN_ADDRESS)


def token_describe() -> Token:
    """The configured token's symbol and decimals (read once per token address)."""
    return _token_read(checksum(settings.SOKO_ETH_TOKEN_ADDRESS), settings.SOKO_ETH_RPC_URL)


@lru_cache(maxsize=8)
def _token_read(address: str, rpc_url: str) -> Token:
    contract = token()
    return _ask(
        lambda: Token(
            address=address, symbol=contract.functions.symbol().call(), decimals=contract.functions.decimals().call()
        )
    )


def escrow_holds_configured_token() -> bool:
    """Whether the configured escrow contract holds the configured token: the watcher
    credits nothing when it does not (a misconfiguration, or another escrow's address)."""
    held = _ask(lambda: escrow().functions.token().call())
    return checksum(held) == checksum(settings.SOKO_ETH_TOKEN_ADDRESS)


def head() -> int:
    return _ask(lambda: web3().eth.block_number)


def chain_id() -> int:
    return _ask(lambda: web3().eth.chain_id)


def balance_of(address: str) -> int:
    return _ask(lambda: token().functions.balanceOf(checksum(address)).call())


def allowance(owner: str) -> int:
    spender = checksum(settings.SOKO_ETH_ESCROW_ADDRESS)
    return _ask(lambda: token().functions.allowance(checksum(owner), spender).call())


def block_hash(number: int) -> str | None:
    """The hash of the chain's block at ``number`` now, or ``None`` past its head."""
    from web3.exceptions import BlockNotFound

    try:
        block = _ask(lambda: web3().eth.get_block(number))
    except ChainUnavailable as error:
        if isinstance(error.__cause__, BlockNotFound):
            return None
        raise
    return block["hash"].to_0x_hex()


def block_time(number: int) -> datetime:
    block = _ask(lambda: web3().eth.get_block(number))
    return datetime.fromtimestamp(block["timestamp"], tz=UTC)


def deposits(*, from_block: int, to_block: int) -> list[DepositLog]:
    """The escrow's ``Deposited`` events in the blocks ``from_block``..``to_block`` of the
    chain as the node has it now (logs of blocks that left it are not returned)."""
    contract = escrow()
    event = contract.events.Deposited()
    logs = _ask(lambda: event.get_logs(from_block=from_block, to_block=to_block))
    return [
        DepositLog(
            checkout_ref="0x" + bytes(log["args"]["checkoutId"]).hex(),
            buyer=checksum(log["args"]["buyer"]),
            amount=int(log["args"]["amount"]),
            tx_hash=log["transactionHash"].to_0x_hex(),
            log_index=int(log["logIndex"]),
            block_number=int(log["blockNumber"]),
            block_hash=log["blockHash"].to_0x_hex(),
        )
        for log in logs
        if checksum(log["address"]) == checksum(settings.SOKO_ETH_ESCROW_ADDRESS)
    ]


def approve_call(amount: int) -> dict:
    """The transaction a wallet sends to let the escrow take ``amount`` of the token."""
    data = token().encode_abi("approve", args=[checksum(settings.SOKO_ETH_ESCROW_ADDRESS), amount])
    return {"to": checksum(settings.SOKO_ETH_TOKEN_ADDRESS), "data": data, "value": "0x0"}


def deposit_call(checkout_ref: str, amount: int) -> dict:
    """The transaction a wallet sends to deposit ``amount`` for the checkout id."""
    data = escrow().encode_abi("deposit", args=[bytes.fromhex(checkout_ref.removeprefix("0x")), amount])
    return {"to": checksum(settings.SOKO_ETH_ESCROW_ADDRESS), "data": data, "value": "0x0"}


def eip681_deposit(*, escrow: str, chain_id: int, checkout_ref: str, amount: int) -> str:
    """An EIP-681 request to call the escrow's ``deposit(checkoutRef, amount)``."""
    query = urlencode({"bytes32": checkout_ref, "uint256": amount})
    return f"ethereum:{checksum(escrow)}@{chain_id}/deposit?{query}"


def eip681_approve(*, token: str, escrow: str, chain_id: int, amount: int) -> str:
    """An EIP-681 request to call the token's ``approve(escrow, amount)``."""
    query = urlencode({"address": checksum(escrow), "uint256": amount})
    return f"ethereum:{checksum(token)}@{chain_id}/approve?{query}"
