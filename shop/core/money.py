"""Amounts of money as shoppers read them, on catalog and order pages, in messages and
notifications alike (the ``money`` template filter wraps ``money_format``)."""

from decimal import Decimal, InvalidOperation

from django.conf import settings


def money_format(value, currency: str | None = None) -> str:
    """``KES 1,250`` or ``KES 99.50``: whole amounts without cents. In ``currency`` (an
    order's, which it keeps however the operator's changes), else the operator's currency."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = f"{amount:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency or settings.SOKO_CURRENCY} {text}"
