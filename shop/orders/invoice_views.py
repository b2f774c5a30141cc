"""An order's invoice and its credit notes, for its buyer, its store's team and staff only."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shop.core.errors import NotFound
from shop.payments.models import CreditNote, Invoice

from .models import Order


def _order_get_for_invoice_reader(*, user, number: str) -> Order:
    """The order with its invoice, for its buyer, a member of its store, or staff; anyone
    else's order number is a 404, the same as no such order."""
    orders = Order.objects.select_related("invoice").filter(number=number)
    if not user.is_staff:
        orders = orders.filter(Q(buyer=user) | Q(store__memberships__user=user))
    order = orders.first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


@login_required
@require_GET
def invoice_download(request, number: str):
    order = _order_get_for_invoice_reader(user=request.user, number=number)
    if not order.invoice_ready:
        raise Http404("The invoice of this order is not issued yet: orders are invoiced once paid.")
    invoice: Invoice = order.invoice
    response = FileResponse(
        invoice.pdf.open("rb"), as_attachment=True, filename=f"{invoice.number}.pdf", content_type="application/pdf"
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def credit_note_download(request, number: str, note: str):
    """A credit note of the order, under the invoice's rule: anyone else gets a 404."""
    order = _order_get_for_invoice_reader(user=request.user, number=number)
    credit_note = CreditNote.objects.filter(refund__order=order, number=note).exclude(pdf="").first()
    if credit_note is None:
        raise Http404("No such credit note for this order (yet).")
    response = FileResponse(
        credit_note.pdf.open("rb"),
        as_attachment=True,
        filename=f"{credit_note.number}.pdf",
        content_type="application/pdf",
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
