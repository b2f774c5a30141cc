"""The price of a checkout in the stablecoin: its total at the staff's rate for the
checkout's currency (the token counts as one US dollar), locked for
``SOKO_CRYPTO_QUOTE_SECONDS``. The token amount is rounded up to the token's minor unit
(at most one minor unit in the platform's favour) and shown exactly: what is shown is what
must be deposited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import currency_places
from shop.core.selectors.rates import rates_current
from shop.core.services.transactions import atomic_retrying

from ...models import CryptoQuote, PaymentAttempt, Provider
from ...selectors import checkout_awaits_payment
from ...services import attempt_create, checkout_method_choose
from . import client

GATEWAY_CODE = "crypto"
# The dollar stablecoin's currency in the staff's rates.
TOKEN_CURRENCY = "USD"


class QuoteRefused(Exception):
    """No quote can be given now, with a sentence for the buyer."""


@dataclass(frozen=True)
class Price:
    rate: Decimal  # units of the checkout's currency per token
    rate_as_of: object
    token_minor: int


def rate_for(currency: str) -> tuple[Decimal, object] | None:
    """Units of ``currency`` per token, and the date staff gave for it; ``None`` without a rate."""
    rates = rates_current()
    if currency not in rates or TOKEN_CURRENCY not in rates:
        return None
    per_usd, as_of = rates[currency]
    if Decimal(per_usd) <= 0 or Decimal(rates[TOKEN_CURRENCY][0]) <= 0:
        return None
    return (Decimal(per_usd) / Decimal(rates[TOKEN_CURRENCY][0])).quantize(Decimal("1e-8")), as_of


def token_minor_for(total: Decimal, rate: Decimal, decimals: int) -> int:
    """``total`` (checkout currency) in the token's minor units, rounded up."""
    return int((Decimal(total) / rate).scaleb(decimals).to_integral_value(rounding=ROUND_CEILING))


def received_in_checkout_minor(*, quote: CryptoQuote, received: int, decimals: int) -> int:
    """What a deposit of ``received`` token minor units is worth in the checkout's minor
    units at the quote's rate: exactly the attempt's amount when it is the quoted amount;
    otherwise rounded away from it (down when short, up when over), so any other amount
    differs and is flagged as a mismatch."""
    attempt = quote.attempt
    if received == quote.token_minor:
        return attempt.amount_minor
    places = currency_places(attempt.currency)
    value = (Decimal(received).scaleb(-decimals) * quote.rate).scaleb(places)
    return int(value.to_integral_value(rounding=ROUND_FLOOR if received < quote.token_minor else ROUND_CEILING))


def quote_open(checkout) -> CryptoQuote | None:
    """The checkout's quote that can still be paid: pending and not expired."""
    return (
        CryptoQuote.objects.select_related("attempt")
        .filter(
            attempt__checkout=checkout,
            attempt__status=PaymentAttempt.Status.PENDING,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def quote_latest(checkout) -> CryptoQuote | None:
    return CryptoQuote.objects.select_related("attempt").filter(attempt__checkout=checkout).order_by("-id").first()


def quote_payable(checkout, quote: CryptoQuote) -> bool:
    """Whether a deposit for ``quote`` would pay ``checkout`` now: the quote is pending and
    unexpired and the checkout still awaits its payment."""
    return (
        quote.attempt.status == PaymentAttempt.Status.PENDING
        and quote.expires_at > timezone.now()
        and checkout_awaits_payment(checkout)
    )


def quote_create(*, checkout) -> CryptoQuote:
    """The checkout's open quote, or a new one with its pending attempt. Reads the chain
    first (token, height), then writes under the checkout's lock. Raises ``QuoteRefused``
    (no rate, the checkout is closed) or ``ChainUnavailable``."""
    found = rate_for(checkout.currency)
    if found is None:
        raise QuoteRefused(_("Paying with a stablecoin is not available for this currency now."))
    rate, as_of = found
    token = client.token_describe()
    from_block = client.head()
    token_minor = token_minor_for(checkout.total, rate, token.decimals)

    def work():
        locked = type(checkout).objects.select_for_update().get(pk=checkout.pk)
        if not checkout_awaits_payment(locked):
            raise QuoteRefused(_("This checkout no longer waits for a payment."))
        current = quote_open(locked)
        if current is not None:
            return current
        checkout_method_choose(checkout=locked, method=GATEWAY_CODE)
        attempt = attempt_create(checkout=locked, gateway=GATEWAY_CODE, provider=Provider.CRYPTO)
        checkout_ref = "0x" + secrets.token_hex(32)
        attempt.reference = checkout_ref
        attempt.redirect_url = pay_url(locked)
        attempt.save(update_fields=["reference", "redirect_url", "updated_at"])
        return CryptoQuote.objects.create(
            attempt=attempt,
            checkout_ref=checkout_ref,
            rate=rate,
            rate_as_of=as_of,
            token_minor=token_minor,
            token_symbol=token.symbol[:20],
            token_decimals=token.decimals,
            token_address=token.address,
            escrow_address=client.checksum(settings.SOKO_ETH_ESCROW_ADDRESS),
            chain_id=settings.SOKO_ETH_CHAIN_ID,
            from_block=from_block,
            expires_at=timezone.now() + timedelta(seconds=settings.SOKO_CRYPTO_QUOTE_SECONDS),
        )

    return atomic_retrying(work, what="stablecoin quote")


def pay_url(checkout) -> str:
    """The checkout's stablecoin payment page."""
    return reverse("payments:crypto_pay", args=[checkout.idempotency_key])
