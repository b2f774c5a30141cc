"""Responses the buyer's and the store's order pages (and the API) share."""

import json

from django.http import HttpResponse

from shop.media.services.storage import private_download


def order_changed_response(number: str) -> HttpResponse:
    """For an htmx action (the buyer's here, the store's in ``sellers``): no content, and an event telling the page to re-read its live
    fragments (with this request's messages) from its stable ``data-order-live`` element."""
    return HttpResponse(
        status=204, headers={"HX-Trigger": json.dumps({"order-changed": {"target": f"#order-live-{number}"}})}
    )


def pdf_response(document) -> HttpResponse:
    """An invoice's or a credit note's PDF, to download, for a reader already checked;
    private, never cached (from the object store, a short-lived signed address)."""
    return private_download(document.pdf, filename=f"{document.number}.pdf", content_type="application/pdf")
