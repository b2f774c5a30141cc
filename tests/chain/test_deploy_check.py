"""With DEBUG=0, an escrow configured in part is refused by ``check --deploy``: all of the
node, chain id, escrow, token and platform key, or none of them but the node."""

import pytest
from django.core import checks

from tests.payments.test_fail_closed import manage

ESCROW = "0x5b1869D9A4C187F2EAa108f3062412ecf0526b24"
TOKEN = "0xe78A0F7E598Cc8b0Bb87894B0F60dD2a88d6a8Ab"
KEY = "0x" + "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"
FULL = {
    "SOKO_ETH_RPC_URL": "https://rpc.example.com",
    "SOKO_ETH_CHAIN_ID": 1,
    "SOKO_ETH_ESCROW_ADDRESS": ESCROW,
    "SOKO_ETH_TOKEN_ADDRESS": TOKEN,
    "SOKO_ETH_PLATFORM_KEY": KEY,
}


def chain_problems() -> list[str]:
    return [
        message.msg
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.id == "chain.E001"
    ]


@pytest.fixture
def configured(settings):
    for name, value in FULL.items():
        setattr(settings, name, value)
    return settings


def test_all_of_the_escrow_or_only_the_node_passes(configured):
    assert chain_problems() == []
    for name in ("SOKO_ETH_ESCROW_ADDRESS", "SOKO_ETH_TOKEN_ADDRESS", "SOKO_ETH_PLATFORM_KEY"):
        setattr(configured, name, "")
    assert chain_problems() == [], "a node for ENS alone is no escrow"


@pytest.mark.parametrize(
    "missing",
    [
        "SOKO_ETH_RPC_URL",
        "SOKO_ETH_CHAIN_ID",
        "SOKO_ETH_ESCROW_ADDRESS",
        "SOKO_ETH_TOKEN_ADDRESS",
        "SOKO_ETH_PLATFORM_KEY",
    ],
)
def test_each_missing_part_is_named(configured, missing):
    setattr(configured, missing, 0 if missing == "SOKO_ETH_CHAIN_ID" else "")

    [problem] = chain_problems()

    assert f"{missing} is not set" in problem


def test_a_malformed_address_or_key_is_refused(configured):
    configured.SOKO_ETH_ESCROW_ADDRESS = ESCROW.lower().replace("0x5b", "0x5c")[:-1]
    configured.SOKO_ETH_TOKEN_ADDRESS = TOKEN.replace("e78A", "E78a")  # a broken checksum
    configured.SOKO_ETH_PLATFORM_KEY = "not-a-key"

    problems = chain_problems()

    assert len(problems) == 3
    assert "SOKO_ETH_ESCROW_ADDRESS is not an Ethereum address" in problems[0]
    assert "SOKO_ETH_TOKEN_ADDRESS is not an Ethereum address" in problems[1]
    assert "SOKO_ETH_PLATFORM_KEY is not a private key" in problems[2]


def test_a_production_process_with_an_escrow_but_no_key_refuses_to_start():
    full = {name: str(value) for name, value in FULL.items()}
    refused = manage(
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        SOKO_PAYMENT_METHODS="cod",
        **{**full, "SOKO_ETH_PLATFORM_KEY": ""},
    )
    assert refused.returncode != 0
    assert "chain.E001" in refused.stderr and "SOKO_ETH_PLATFORM_KEY is not set" in refused.stderr

    passed = manage("check", "--deploy", "--fail-level", "ERROR", SOKO_PAYMENT_METHODS="cod", **full)
    assert "chain.E001" not in passed.stdout + passed.stderr
