"""Amounts of money as shoppers read them, on catalog and order pages, in messages and
notifications alike (the ``money`` template filter wraps these).

An amount is always shown with its own currency's code and rules: no decimals for GNF,
whole amounts without cents, grouping and the code's place per language ("KES 1,250",
"1 250 GNF" in French). In a right-to-left language the amount is isolated left to right,
so "PKR 1,250" reads the same inside Urdu text.
"""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, parse_pattern
from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import currency_places, display_currency, money_is_valid_for, money_quantize
from shop.core.selectors.rates import money_convert

LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"
# Where each language puts the currency code; the default is before the amount.
CODE_AFTER = {"fr"}


def reader_locale() -> str:
    """Babel's name for the active language."""
    return _babel_locale((translation.get_language() or settings.LANGUAGE_CODE).split("-")[0])


@lru_cache(maxsize=16)
def _babel_locale(language: str) -> str:
    """Babel's name for the language; English formats for one Babel does not know."""
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return "en"
    return language


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    """Babel's locale, kept: each one parsed anew would read its data again."""
    return Locale.parse(language)


@lru_cache(maxsize=8)
def _pattern(places: int) -> NumberPattern:
    """Grouped digits, with ``places`` decimals."""
    return parse_pattern("#,##0" + ("." + "0" * places if places else ""))


def money_format(value, currency: str | None = None) -> str:
    """``KES 1,250`` or ``KES 99.50``: whole amounts without cents, GNF never with any. In
    ``currency`` (an order's or a store's), else the operator's currency."""
    if value is None or value == "":
        return ""
    currency = currency or settings.SOKO_CURRENCY
    try:
        amount = money_quantize(Decimal(value), currency)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    places = 0 if amount == amount.to_integral_value() else currency_places(currency)
    language = reader_locale()
    number = _pattern(places).apply(amount, _locale(language))
    text = f"{number} {currency}" if language in CODE_AFTER else f"{currency} {number}"
    if translation.get_language_bidi():
        text = f"{LEFT_TO_RIGHT_ISOLATE}{text}{POP_ISOLATE}"
    return text


def money_approximate(value, currency: str | None = None) -> str:
    """"≈ GNF 86,000" when the shopper chose a display currency other than ``currency`` and
    a rate is known; else an empty string."""
    target = display_currency()
    currency = currency or settings.SOKO_CURRENCY
    if not target or target == currency or value in (None, ""):
        return ""
    try:
        converted = money_convert(Decimal(value), currency, target)
    except (InvalidOperation, TypeError, ValueError, ZeroDivisionError):
        return ""
    if converted is None:
        return ""
    return _("≈ %(amount)s") % {"amount": money_format(converted, target)}


def money_units_problem(amount, currency: str) -> str | None:
    """Why ``amount``, typed or sent by someone in ``currency``, cannot be taken as it is:
    it has a fraction finer than the currency's minor unit (any decimals in GNF, a third
    one in KES). ``None`` when it fits.

    The one check of every amount of money a person enters (a bid, a price, a fee): the
    services refuse such an amount with this sentence and the forms show it on the field,
    so nothing is rounded away behind their back, and nothing is stored that could not be
    charged or posted in minor units (``money_to_minor``). Callers refuse a value that is
    not a finite number first; one that reaches here is refused with the same sentence."""
    try:
        fits = money_is_valid_for(Decimal(amount), currency)
    except (InvalidOperation, TypeError, ValueError):
        fits = False
    if fits:
        return None
    places = currency_places(currency)
    if places == 0:
        return _("Prices in %(currency)s are whole numbers, without decimals.") % {"currency": currency}
    return _("Prices in %(currency)s have at most %(places)s decimals.") % {"currency": currency, "places": places}


# ``money_format`` when the text is read, in the language active then (for ``lazy_text``).
lazy_money = lazy(money_format, str)
