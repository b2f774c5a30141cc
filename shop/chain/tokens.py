"""The stablecoin Soko is paid in (``SOKO_ETH_TOKEN_ADDRESS``), read through the standard
ERC-20 calls. Amounts are integers in the token's minor units (``decimals()`` read from the
contract: 6 for the dollar stablecoins); a ``Decimal`` is made only to show one or to turn a
quoted price into minor units, never a float."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

from .node import ChainNotConfigured, address_checksum, contract_build, node_errors, web3

if TYPE_CHECKING:
    from web3.contract import Contract

# The token's ABI: the standard ERC-20 calls and events, which the test stablecoin has too.
TOKEN_ABI_FROM = "TestStablecoin"


def token_address() -> str:
    if not settings.SOKO_ETH_TOKEN_ADDRESS:
        raise ChainNotConfigured("SOKO_ETH_TOKEN_ADDRESS is not set.")
    return address_checksum(settings.SOKO_ETH_TOKEN_ADDRESS)


def token_contract(address: str | None = None) -> Contract:
    """The ERC-20 at ``address`` (default: the configured stablecoin)."""
    address = address_checksum(address) if address else token_address()
    return web3().eth.contract(address=address, abi=contract_build(TOKEN_ABI_FROM)["abi"])


def token_decimals(address: str | None = None) -> int:
    """The token's ``decimals()``, asked once per node and token."""
    address = address_checksum(address) if address else token_address()
    return _decimals(settings.SOKO_ETH_RPC_URL, address)


@lru_cache(maxsize=16)
def _decimals(url: str, address: str) -> int:
    with node_errors("the token's decimals"):
        return int(token_contract(address).functions.decimals().call())


def balance_of(address: str, *, token: str | None = None) -> int:
    """What ``address`` holds of the token, in minor units."""
    with node_errors("a token balance"):
        return int(token_contract(token).functions.balanceOf(address_checksum(address)).call())


def token_minor(amount: Decimal, *, decimals: int) -> int:
    """``amount`` of the token in minor units; ``ValueError`` when it has more decimal
    places than the token (rounding is the quote's business, not this conversion's)."""
    if not isinstance(amount, Decimal):
        raise TypeError("Token amounts are Decimal or int minor units, never float.")
    minor = amount.scaleb(decimals)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimal places.")
    return int(minor)


def token_amount(minor: int, *, decimals: int) -> Decimal:
    """``minor`` units of the token as a Decimal, to show."""
    return Decimal(int(minor)).scaleb(-decimals)
