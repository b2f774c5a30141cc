"""The currencies stores price in, and the shopper's display currency.

Each store prices in its own currency (the one of its country unless staff set another);
an order keeps the currency it was placed in. A shopper may choose a *display* currency:
amounts in other currencies then also show an approximate conversion from the rates staff
keep in the admin (``CurrencyRate``). Conversions are for reading only, never for charging.

The display currency is per request, like the active language: ``display_currency_activate``
(called by the preferences middleware) and ``display_currency_deactivate``; rates are read
once and cached for ``RATES_CACHE_SECONDS`` (``shop.core.selectors.rates``), and dropped
(``rates_forget``) when staff save one.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Currency:
    code: str
    places: int  # digits after the decimal point: 0 for GNF
    name: str
    # Digits after the point of the smallest amount people pay: shillings and rupees have
    # cents and paisa, but M-Pesa takes whole shillings and nobody counts cents at the door.
    cash_places: int


CURRENCIES: dict[str, Currency] = {
    "GNF": Currency("GNF", 0, _("Guinean franc"), cash_places=0),
    "KES": Currency("KES", 2, _("Kenyan shilling"), cash_places=0),
    "PKR": Currency("PKR", 2, _("Pakistani rupee"), cash_places=0),
    "USD": Currency("USD", 2, _("US dollar"), cash_places=2),
}
# A store's currency follows its country (ISO 3166-1 code) unless staff set another.
COUNTRY_CURRENCY = {"GN": "GNF", "KE": "KES", "PK": "PKR"}
# What stores may price in (the model's choices) and what shoppers may display.
STORE_CURRENCIES = ("GNF", "KES", "PKR")
RATES_CACHE_KEY = "soko:currency-rates"
RATES_CACHE_SECONDS = 300

_active = Local()


def currency_choices(codes=None) -> list[tuple[str, str]]:
    """(code, "KES · Kenyan shilling") pairs, the names translated when shown."""
    return [(code, format_lazy("{} · {}", code, CURRENCIES[code].name)) for code in (codes or CURRENCIES)]


def currency_places(code: str) -> int:
    currency = CURRENCIES.get(code)
    return currency.places if currency else 2


def currency_for_country(country_code: str | None) -> str:
    return COUNTRY_CURRENCY.get((country_code or "").upper(), settings.SOKO_CURRENCY)


def money_quantize(amount: Decimal, code: str) -> Decimal:
    """``amount`` rounded to the currency's minor unit (whole francs for GNF)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-currency_places(code)), rounding=ROUND_HALF_UP)


def cash_unit(code: str) -> Decimal:
    """The smallest amount people pay in the currency: 1 for shillings, rupees and francs."""
    currency = CURRENCIES.get(code)
    return Decimal(1).scaleb(-(currency.cash_places if currency else 2))


def money_cash_round(amount: Decimal, code: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """An amount Soko works out for a shopper to pay (a percentage off, a fare by the
    kilometre, what points are worth) rounded to the ``cash_unit``, written in the
    currency's places ("173.00" KES). Prices people type keep their cents; what Soko
    computes does not add any, so a total stays payable by M-Pesa and in cash."""
    rounded = Decimal(amount).quantize(cash_unit(code), rounding=rounding)
    return rounded.quantize(Decimal(1).scaleb(-currency_places(code)))


def money_is_valid_for(amount: Decimal, code: str) -> bool:
    """Whether ``amount`` can be charged in ``code``: no fraction finer than its minor unit."""
    return money_quantize(amount, code) == amount


# The display currency ------------------------------------------------------------------


def display_currency_activate(code: str | None) -> None:
    _active.value = code if code in CURRENCIES else None


def display_currency_deactivate() -> None:
    if hasattr(_active, "value"):
        del _active.value


def display_currency() -> str | None:
    return getattr(_active, "value", None)


def rates_forget() -> None:
    cache.delete(RATES_CACHE_KEY)


def money_to_minor(amount: Decimal, code: str) -> int:
    """``amount`` in the currency's minor unit, as providers and the ledger count it:
    KES 99.50 is 9950, GNF 25000 is 25000 (GNF has no minor unit). Refuses a fraction
    finer than the minor unit rather than round money away."""
    amount = Decimal(amount)
    if not money_is_valid_for(amount, code):
        raise ValueError(f"{amount} {code} has a fraction finer than the currency's minor unit")
    return int(amount.scaleb(currency_places(code)))


def money_from_minor(minor: int, code: str) -> Decimal:
    """The inverse of ``money_to_minor``: 9950 KES is Decimal("99.50")."""
    return Decimal(int(minor)).scaleb(-currency_places(code)).quantize(Decimal(1).scaleb(-currency_places(code)))
