"""Can this cart line be bought? The one rule, with one set of messages, for the cart page,
adding to the cart, "order again" and the checkout (which passes the rows it locked)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from shop.catalog.models import Variant
from shop.core.selectors.money import money_format


def variant_label(variant: Variant) -> str:
    """"Kiondo basket — Red", or just the title when the only option is a default one."""
    return f"{variant.product.title} — {variant.name}" if variant.name else variant.product.title


@dataclass(frozen=True)
class LineProblem:
    """Why a line cannot be bought as it stands. ``kind`` is unavailable, auction_only,
    out_of_stock, not_enough_stock or price_changed, and is also the refusal's stable code
    (``CartError.code``, ``CheckoutError.code``); ``message`` is the sentence the shopper
    reads, wherever they are."""

    kind: str
    message: str


def gone(label: str) -> LineProblem:
    """The line's product was withdrawn (or its variant deleted)."""
    return LineProblem("unavailable", _("No longer available: %(label)s.") % {"label": label})


def line_problem(*, variant: Variant, quantity: int = 1, price_seen: Decimal | None = None) -> LineProblem | None:
    """What stops ``quantity`` of ``variant`` being bought at ``price_seen`` (the price the
    shopper accepted; ``None`` skips the price check), or ``None`` when nothing does."""
    label = variant_label(variant)
    if not variant.product.is_visible:
        return gone(label)
    if variant.product.is_auction:
        return LineProblem("auction_only", _("Sold by auction, not from the cart: %(label)s.") % {"label": label})
    if variant.stock <= 0:
        return LineProblem("out_of_stock", _("Sold out: %(label)s.") % {"label": label})
    if variant.stock < quantity:
        return LineProblem("not_enough_stock", _("Only %(stock)s left of %(label)s (you asked for %(quantity)s).") % {"stock": variant.stock, "label": label, "quantity": quantity})
    if price_seen is not None and variant.price != price_seen:
        return LineProblem(
            "price_changed",
            _("Price changed: %(label)s is now %(money_format)s (was %(money_format2)s): accept the new price or remove it.") % {"label": label, "money_format": money_format(variant.price), "money_format2": money_format(price_seen)},
        )
    return None
