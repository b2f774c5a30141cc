import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shop.core.selectors.currencies import STORE_CURRENCIES
from shop.core.selectors.money import money_units_problem

phone_validator = RegexValidator(r"^\+?[0-9 ()-]{7,20}$", _("Enter a phone number such as +254 712 345 678."))


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("%(value)s is not a time zone we know; choose one such as Africa/Nairobi."),
            code="time_zone",
            params={"value": value},
        )


def money_fractions_said(form, currency: str, names) -> None:
    """An amount of ``names`` with more decimals than its field stores was refused by the
    field itself, in Django's words ("no more than 2 decimal places"): the money rule's
    sentence says it instead (``money_units_problem``: "Prices in GNF are whole numbers…"),
    as it does for every other fraction finer than the currency's. Call from ``clean``."""
    for name in names:
        errors = form.errors.get(name)
        if not errors:
            continue
        refused = errors.as_data()
        if not any(error.code == "max_decimal_places" for error in refused):
            continue
        sentence = money_units_problem(form.data.get(form.add_prefix(name)), currency)
        kept = form.error_class(renderer=form.renderer)
        kept.extend(error for error in refused if error.code != "max_decimal_places")
        kept.append(ValidationError(sentence, code="money_units"))
        form.errors[name] = kept


def money_fields_check(form, currency: str, names) -> None:
    """Each amount of ``names`` in ``form``'s cleaned data with a fraction finer than
    ``currency``'s minor unit is refused on its field (``money_units_problem``), never
    rounded later: call from ``clean``."""
    money_fractions_said(form, currency, names)
    for name in names:
        amount = form.cleaned_data.get(name)
        problem = None if amount is None else money_units_problem(amount, currency)
        if problem:
            form.add_error(name, problem)


def currency_code_clean(value) -> str:
    """A currency code typed by staff, upper-cased; one stores price in, or refused."""
    currency = (value or "").strip().upper()
    if currency not in STORE_CURRENCIES:
        raise ValidationError(
            gettext("Enter the code of a currency stores price in: %(codes)s.") % {"codes": ", ".join(STORE_CURRENCIES)}
        )
    return currency
