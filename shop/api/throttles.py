"""Request limits for the API: per signed-in account and per client address, each an
atomic counter in the shared cache (``limit_take``, decision 0007), so requests at once
cannot overrun them. Reads are let through when the cache cannot be reached (the site
degrades, it does not stop); writes are refused."""

from allauth.account.adapter import get_adapter
from django.conf import settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from shop.core.services.ratelimit import limit_take

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _Window(BaseThrottle):
    scope = ""

    def rate(self) -> tuple[int, int]:
        return SimpleRateThrottle.parse_rate(None, settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope])

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        limit, seconds = self.rate()
        self.seconds = seconds
        on_outage = "open" if request.method in SAFE_METHODS else "closed"
        return limit_take(f"api:{self.scope}:{ident}", limit=limit, seconds=seconds, on_outage=on_outage)

    def wait(self) -> float:
        return getattr(self, "seconds", 60)


class PerUser(_Window):
    scope = "user"

    def ident(self, request) -> str | None:
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class PerAddress(_Window):
    scope = "address"

    def ident(self, request) -> str | None:
        # The address the sign-in limits count under (SOKO_TRUSTED_PROXY_COUNT and its header).
        return get_adapter(request).get_client_ip(request)
