"""The platform's fee: a percentage of each item line by how it was sold
(``SOKO_PLATFORM_FEES``), rounded half up to the currency's minor unit; the delivery fee
carries none. The store's share of an order is what is left of it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from shop.core.selectors.currencies import currency_places, money_to_minor


def fee_percent(listing_type: str) -> Decimal:
    """The platform's fee on a line sold as ``listing_type`` (settings.SOKO_PLATFORM_FEES)."""
    fees = settings.SOKO_PLATFORM_FEES
    return fees.get(listing_type, fees["fixed"])


def fee_minor(amount: Decimal, currency: str, listing_type: str) -> int:
    """The fee on ``amount`` in minor units, rounded half up to the currency's minor unit."""
    fee = (amount * fee_percent(listing_type) / 100).quantize(
        Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP
    )
    return money_to_minor(fee, currency)


def order_share_minor(order, fee: int) -> int:
    """The store's share of an order: what the buyer pays, plus the discount Soko pays for,
    less the platform's fee (on the listed prices)."""
    return money_to_minor(order.total + order.platform_discount, order.currency) - fee


def order_fee_minor(order) -> int:
    """The platform's fee on an order: a percentage of each item line by how it was sold.
    The delivery fee carries none."""
    return sum(fee_minor(item.line_total, order.currency, item.listing_type) for item in order.items.all())
