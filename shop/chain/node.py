"""The connection to the Ethereum node. web3.py is imported on first use, so a web process
that never touches the chain never loads it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from web3 import Web3

BUILD = Path(__file__).resolve().parent / "contracts" / "build"


class ChainNotConfigured(Exception):
    """No node is configured (``SOKO_ETH_RPC_URL`` is empty)."""


class ChainUnavailable(Exception):
    """The node could not be asked, or answered with an error."""


def chain_configured() -> bool:
    return bool(settings.SOKO_ETH_RPC_URL)


def web3() -> Web3:
    """A web3.py client for the configured node (one per URL and timeout, reused)."""
    if not settings.SOKO_ETH_RPC_URL:
        raise ChainNotConfigured
    return _client(settings.SOKO_ETH_RPC_URL, settings.SOKO_ETH_RPC_TIMEOUT)


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> Web3:
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))


@cache
def contract_build(name: str) -> dict:
    """The compiled contract ``name``: {"abi": [...], "bytecode": "0x..."}."""
    return json.loads((BUILD / f"{name}.json").read_text())


@contextmanager
def node_errors(what: str) -> Iterator[None]:
    """Turn the node being unreachable, slow or answering with an error into
    ``ChainUnavailable`` saying ``what`` was being asked. A contract's refusal
    (``ContractLogicError``) goes through for the caller to read."""
    from requests import RequestException
    from web3.exceptions import ContractLogicError, Web3Exception

    try:
        yield
    except ContractLogicError:
        raise
    except (RequestException, OSError, Web3Exception) as error:
        raise ChainUnavailable(f"{what}: {error}") from error


def address_checksum(address: str) -> str:
    """``address`` in its EIP-55 checksum form; ``ValueError`` when it is not an address
    (20 bytes in hex) or its mixed case fails the checksum."""
    from eth_utils import is_checksum_address, is_hex_address, to_checksum_address

    if not isinstance(address, str) or not is_hex_address(address):
        raise ValueError(f"{address!r} is not an Ethereum address.")
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(address):
        raise ValueError(f"{address!r} fails its EIP-55 checksum (a mistyped address).")
    return to_checksum_address(address)
