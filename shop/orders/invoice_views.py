"""An order's invoice, for its buyer and its store's team only (staff use the admin)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_GET

from shop.payments.models import Invoice


@login_required
@require_GET
def invoice_download(request, number: str):
    invoice = (
        Invoice.objects.select_related("order").filter(order__number=number).filter(order__buyer=request.user).first()
        or Invoice.objects.select_related("order")
        .filter(order__number=number, order__store__members=request.user)
        .first()
    )
    if invoice is None or not invoice.pdf:
        raise Http404("No invoice for this order yet.")
    response = FileResponse(
        invoice.pdf.open("rb"), as_attachment=True, filename=f"{invoice.number}.pdf", content_type="application/pdf"
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
