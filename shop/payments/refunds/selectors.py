"""Reading an order's refunds where people look (the buyer's and the store's order pages,
the API's order): each refund with its amount, state, where the money goes and its credit
note, and what the order cost after them."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text

from ..models import Provider, Refund

# Where a refund's money goes: said beside it, for the buyer and the store alike.
REFUND_WAY = {
    Provider.STRIPE: gettext_lazy("to the card"),
    Provider.DEV: gettext_lazy("to the card"),
    Provider.PAYPAL: gettext_lazy("to the PayPal account"),
    Provider.MPESA: lazy_text(gettext_lazy("to the M-Pesa number, sent by %(site)s's staff"), site=SITE_NAME),
    Provider.CASH: gettext_lazy("in cash, by the store"),
}


def order_refund_summary(order) -> dict:
    """The order's refunds, newest first, with their credit notes (``note_ready``: one whose
    PDF is written, of a refund not refused) and where the money goes (``way``), and the net
    paid: the total less every refund that was not refused (pending ones are on their way)."""
    if "refunds" in getattr(order, "_prefetched_objects_cache", {}):  # a list of orders prefetched them
        refunds = sorted(order.refunds.all(), key=lambda refund: (refund.created_at, refund.pk), reverse=True)
    else:
        refunds = list(Refund.objects.filter(order=order).prefetch_related("credit_notes").order_by("-created_at", "-id"))
    refunded = sum((refund.amount for refund in refunds if refund.status != Refund.Status.FAILED), Decimal("0"))
    for refund in refunds:
        note = refund.credit_note
        refund.note_ready = note if note is not None and note.pdf and refund.status != Refund.Status.FAILED else None
        refund.way = REFUND_WAY.get(refund.provider, "")
    return {"order": order, "refunds": refunds, "refunded": refunded, "net_paid": order.total - refunded}



def refunded_units(refunds) -> dict[int, int]:
    """Order item id -> units refunded or on their way back, from an order's refunds (those
    refused do not count)."""
    units: dict[int, int] = {}
    for refund in refunds:
        if refund.status == Refund.Status.FAILED:
            continue
        for item_id, count in (refund.lines or {}).items():
            if str(item_id).isdigit():
                units[int(item_id)] = units.get(int(item_id), 0) + int(count)
    return units
