"""An order's invoice and its credit notes, for its buyer, its store's team and staff only."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from .responses import pdf_response
from .selectors.orders import order_credit_note_for_reader, order_invoice_for_reader


@login_required
@require_GET
def invoice_download(request, number: str):
    return pdf_response(order_invoice_for_reader(user=request.user, number=number))


@login_required
@require_GET
def credit_note_download(request, number: str, note: str):
    """A credit note of the order, under the invoice's rule: anyone else gets a 404."""
    return pdf_response(order_credit_note_for_reader(user=request.user, number=number, note=note))
