from django.conf import settings

from .selectors.currencies import CURRENCIES, STORE_CURRENCIES, display_currency
from .selectors.modes import user_modes


def soko(request):
    """What the page frame needs on every page: site name and the user's modes."""
    user = getattr(request, "user", None)
    context = {
        "site_name": settings.SOKO_SITE_NAME,
        "user_modes": [],
        "mode_keys": set(),
        "display_currency": display_currency(),
        "display_currencies": [(code, CURRENCIES[code].name) for code in STORE_CURRENCIES],
    }
    if user is not None and user.is_authenticated:
        modes = user_modes(user=user, request=request)
        context["user_modes"] = modes
        context["mode_keys"] = {mode.key for mode in modes}
    return context
