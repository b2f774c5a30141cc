"""Deploy checks (``manage.py check --deploy``): the escrow's settings come all together or
not at all. A node URL alone is fine (ENS names are read through it); an escrow or a key
without the rest would take buyers' money with no way to release or refund it."""

from django.conf import settings
from django.core import checks

from .node import address_checksum

ESCROW_SETTINGS = (
    "SOKO_ETH_RPC_URL",
    "SOKO_ETH_CHAIN_ID",
    "SOKO_ETH_ESCROW_ADDRESS",
    "SOKO_ETH_TOKEN_ADDRESS",
    "SOKO_ETH_PLATFORM_KEY",
)
# Set only these, and nothing of the escrow is configured.
NODE_ONLY = {"SOKO_ETH_RPC_URL", "SOKO_ETH_CHAIN_ID"}


def chain_settings_problems() -> list[str]:
    """What is wrong with the escrow's settings, in words for the operator."""
    present = {name for name in ESCROW_SETTINGS if getattr(settings, name, "")}
    if present <= NODE_ONLY:
        return []
    problems = []
    missing = [name for name in ESCROW_SETTINGS if name not in present]
    if missing:
        problems.append(
            f"The escrow is half configured: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set."
        )
    for name in ("SOKO_ETH_ESCROW_ADDRESS", "SOKO_ETH_TOKEN_ADDRESS"):
        if name in present:
            try:
                address_checksum(getattr(settings, name))
            except ValueError:
                problems.append(
                    f"{name} is not an Ethereum address (0x and 40 hex digits, checksummed when mixed-case)."
                )
    key = settings.SOKO_ETH_PLATFORM_KEY
    if key and not _is_private_key(key):
        problems.append("SOKO_ETH_PLATFORM_KEY is not a private key (64 hex digits, with or without 0x).")
    if settings.SOKO_ETH_CONFIRMATIONS < 1:
        problems.append("SOKO_ETH_CONFIRMATIONS must be 1 or more.")
    return problems


def _is_private_key(key: str) -> bool:
    digits = key[2:] if key.startswith(("0x", "0X")) else key
    try:
        return len(digits) == 64 and int(digits, 16) > 0
    except ValueError:
        return False


def chain_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            problem,
            hint=f"Set {', '.join(ESCROW_SETTINGS)} together (manage.py chain_deploy prints them), or none but the first two.",
            id="chain.E001",
        )
        for problem in chain_settings_problems()
    ]
