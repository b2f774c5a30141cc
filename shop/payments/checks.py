"""Deploy checks (``manage.py check --deploy``): a payment method the operator turns on must
have its provider configured, or start-up is refused instead of offering it half-set."""

from django.conf import settings
from django.core import checks

from .gateways import gateway_class, gateway_codes


def payment_providers_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    for code in settings.SOKO_PAYMENT_METHODS:
        gateway = gateway_class(code)
        if gateway is None:
            problems.append(
                checks.Error(
                    f"SOKO_PAYMENT_METHODS names {code!r}, which is no payment method.",
                    hint=f"Known methods: {', '.join(gateway_codes())}.",
                    id="payments.E002",
                )
            )
            continue
        missing = [name for name in gateway.required_settings if not getattr(settings, name, "")]
        if missing:
            problems.append(
                checks.Error(
                    f"SOKO_PAYMENT_METHODS turns on {code!r}, but {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not set.",
                    hint=f"Set {', '.join(missing)} in the environment, or remove {code!r} from SOKO_PAYMENT_METHODS.",
                    id="payments.E001",
                )
            )
    return problems
