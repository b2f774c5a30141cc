"""A fresh escrow on the session's local node for each test.

Each test starts from an ``evm_snapshot`` of the node and ends with ``evm_revert`` to it,
so what one test mined (contracts, tokens, nonces) is gone for the next. The platform's key
is the node's second account, deployed from with ``manage.py chain_deploy``; the buyer and
the stores are further accounts of the same deterministic wallet."""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command

from tests.eth_node import CHAIN_ID, MNEMONIC, rpc


def wallet_key(index: int) -> str:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return "0x" + bytes(Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key).hex()


def wallet_address(index: int) -> str:
    from eth_account import Account

    return Account.from_key(wallet_key(index)).address


@dataclass
class Chain:
    url: str
    token: str
    escrow: str
    platform: str
    buyer: str
    store_a: str
    store_b: str
    stranger: str


@pytest.fixture
def node(eth_node_url, settings):
    """The local node with Soko pointed at it (no contracts yet), rolled back afterwards."""
    snapshot = rpc(eth_node_url, "evm_snapshot")
    settings.SOKO_ETH_RPC_URL = eth_node_url
    settings.SOKO_ETH_CHAIN_ID = CHAIN_ID
    settings.SOKO_ETH_PLATFORM_KEY = wallet_key(1)
    settings.SOKO_ETH_TOKEN_ADDRESS = ""
    settings.SOKO_ETH_ESCROW_ADDRESS = ""
    settings.SOKO_ETH_RECEIPT_TIMEOUT = 10
    try:
        yield eth_node_url
    finally:
        rpc(eth_node_url, "miner_start")
        assert rpc(eth_node_url, "evm_revert", snapshot) is True


def deploy(*mint_to: str) -> dict[str, str]:
    """``manage.py chain_deploy`` as an operator runs it: the settings it prints."""
    out = StringIO()
    call_command("chain_deploy", *[arg for address in mint_to for arg in ("--mint", address)], stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


@pytest.fixture
def chain(node, settings, db) -> Chain:
    """The test stablecoin and the escrow deployed, 1,000 tUSD minted to the buyer."""
    buyer = wallet_address(2)
    printed = deploy(buyer)
    settings.SOKO_ETH_TOKEN_ADDRESS = printed["SOKO_ETH_TOKEN_ADDRESS"]
    settings.SOKO_ETH_ESCROW_ADDRESS = printed["SOKO_ETH_ESCROW_ADDRESS"]
    return Chain(
        url=node,
        token=printed["SOKO_ETH_TOKEN_ADDRESS"],
        escrow=printed["SOKO_ETH_ESCROW_ADDRESS"],
        platform=wallet_address(1),
        buyer=buyer,
        store_a=wallet_address(3),
        store_b=wallet_address(4),
        stranger=wallet_address(5),
    )


def buyer_deposits(chain: Chain, checkout_id: str, amount_minor: int) -> str:
    """The buyer's wallet approves the escrow and deposits, as a wallet does: two
    transactions sent to the node (its accounts are unlocked). The deposit's hash."""
    from shop.chain.escrow import escrow_contract
    from shop.chain.tokens import token_contract

    token_contract().functions.approve(chain.escrow, amount_minor).transact({"from": chain.buyer})
    tx_hash = (
        escrow_contract()
        .functions.deposit(bytes.fromhex(checkout_id[2:]), amount_minor)
        .transact({"from": chain.buyer})
    )
    return "0x" + bytes(tx_hash).hex()
