"""How long an app's Idempotency-Key names one request: while the API keeps it
(``SOKO_API_IDEMPOTENCY_HOURS``); after that the app may use the key again. The API forgets
its records past this point, and the services that store the key with what a request made
(a message, an offer, a return, an order's move, a bid's maximum, a buy-it-now) look for it
only since then."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def client_keys_kept_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(hours=settings.SOKO_API_IDEMPOTENCY_HOURS)
