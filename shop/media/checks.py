"""Deploy checks (``manage.py check --deploy``): a pinning service needs both its address and
its token, or start-up is refused instead of running half set."""

from django.conf import settings
from django.core import checks

from .services.pinning import pinning_configured, pinning_half_configured


def ipfs_pinning_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    missing = pinning_half_configured()
    if missing:
        problems.append(
            checks.Error(
                f"The IPFS pinning service is half configured: {', '.join(missing)} is not set.",
                hint="Set both SOKO_IPFS_PINNING_URL and SOKO_IPFS_PINNING_TOKEN, or neither.",
                id="media.E001",
            )
        )
    if settings.SOKO_IPFS_GATEWAY and not pinning_configured():
        problems.append(
            checks.Warning(
                "SOKO_IPFS_GATEWAY is set without a pinning service, so no picture is served from it.",
                hint="Set SOKO_IPFS_PINNING_URL and SOKO_IPFS_PINNING_TOKEN too, or unset SOKO_IPFS_GATEWAY.",
                id="media.W002",
            )
        )
    return problems
