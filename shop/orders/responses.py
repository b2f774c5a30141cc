"""Responses the buyer's and the store's order pages (and the API) share."""

import json

from django.http import FileResponse, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


def order_changed_response(number: str) -> HttpResponse:
    """For an htmx action (the buyer's here, the store's in ``sellers``): no content, and an event telling the page to re-read its live
    fragments (with this request's messages) from its stable ``data-order-live`` element."""
    return HttpResponse(
        status=204, headers={"HX-Trigger": json.dumps({"order-changed": {"target": f"#order-live-{number}"}})}
    )


def pdf_response(document) -> FileResponse:
    """An invoice's or a credit note's PDF, to download; private, never cached."""
    response = FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=f"{document.number}.pdf",
        content_type="application/pdf",
    )
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
