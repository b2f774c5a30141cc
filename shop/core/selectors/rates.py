"""The staff's currency rates, as conversions read them: the newest rate of each currency,
cached for ``RATES_CACHE_SECONDS`` (``rates_forget`` in ``shop.core.selectors.currencies``
drops the cache when staff save one), and amounts converted at them."""

from decimal import Decimal

from django.core.cache import cache

from shop.core.models import CurrencyRate
from shop.core.selectors.currencies import RATES_CACHE_KEY, RATES_CACHE_SECONDS, money_quantize


def rates_current() -> dict[str, tuple[Decimal, object]]:
    """Currency code -> (units of it per US dollar, the date staff gave for the rate): the
    newest rate of each currency."""
    rates = cache.get(RATES_CACHE_KEY)
    if rates is None:
        rates = {}
        for rate in CurrencyRate.objects.order_by("currency", "-as_of", "-pk"):
            rates.setdefault(rate.currency, (rate.per_usd, rate.as_of))
        rates.setdefault("USD", (Decimal("1"), None))
        cache.set(RATES_CACHE_KEY, rates, RATES_CACHE_SECONDS)
    return rates


def money_convert(amount: Decimal, source: str, target: str) -> Decimal | None:
    """``amount`` of ``source`` in ``target`` at the current rates (rounded to the target's
    minor unit), or ``None`` when a rate is missing."""
    if source == target:
        return Decimal(amount)
    rates = rates_current()
    if source not in rates or target not in rates:
        return None
    return money_quantize(Decimal(amount) / rates[source][0] * rates[target][0], target)
