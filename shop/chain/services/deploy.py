"""Putting Soko's contracts on a chain from the platform's key: the escrow, and the test
stablecoin when no token is configured (a local or test chain; in production the token is
a real stablecoin's address)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from ..node import ChainNotConfigured, ChainUnavailable, address_checksum, node_errors, web3
from ..tokens import token_contract
from .transactions import contract_deploy, nonce_reset, platform_account, transaction_send


def chain_deploy(*, mint_to: Iterable[str] = (), mint_minor: int = 0) -> dict[str, str]:
    """Deploy the escrow (and the test stablecoin when ``SOKO_ETH_TOKEN_ADDRESS`` is empty,
    minting ``mint_minor`` of it to each of ``mint_to``) on the configured node. Returns the
    settings that point Soko at them."""
    if not settings.SOKO_ETH_RPC_URL:
        raise ChainNotConfigured("SOKO_ETH_RPC_URL is not set.")
    account = platform_account()
    with node_errors("the node's chain id"):
        chain_id = int(web3().eth.chain_id)
    if settings.SOKO_ETH_CHAIN_ID and chain_id != settings.SOKO_ETH_CHAIN_ID:
        raise ChainUnavailable(
            f"The node at SOKO_ETH_RPC_URL is on chain {chain_id}, not SOKO_ETH_CHAIN_ID {settings.SOKO_ETH_CHAIN_ID}."
        )
    recipients = [address_checksum(address) for address in mint_to]
    if recipients and settings.SOKO_ETH_TOKEN_ADDRESS:
        raise ValueError("Only the test stablecoin deployed now can be minted; SOKO_ETH_TOKEN_ADDRESS is set.")
    nonce_reset(account.address)
    token = settings.SOKO_ETH_TOKEN_ADDRESS
    if token:
        token = address_checksum(token)
    else:
        token = contract_deploy("TestStablecoin", account=account, chain_id=chain_id)
        for recipient in recipients:
            transaction_send(
                token_contract(token).functions.mint(recipient, mint_minor), account=account, chain_id=chain_id
            )
    escrow = contract_deploy("SokoEscrow", token, account.address, account=account, chain_id=chain_id)
    return {
        "SOKO_ETH_CHAIN_ID": str(chain_id),
        "SOKO_ETH_TOKEN_ADDRESS": token,
        "SOKO_ETH_ESCROW_ADDRESS": escrow,
    }
