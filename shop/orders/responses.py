"""Responses the buyer's and the store's order pages (and the API) share."""

import json

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from shop.core.htmx import render_page, wants_fragment
from shop.core.refusals import REFUSED_STATUS, Refused
from shop.geo.selectors.areas import map_settings
from shop.media.services.storage import private_download

from .selectors.orders import buyer_live_context


def order_changed_response(number: str) -> HttpResponse:
    """For an htmx action (the buyer's here, the store's in ``sellers``): no content, and an event telling the page to re-read its live
    fragments (with this request's messages) from its stable ``data-order-live`` element."""
    return HttpResponse(
        status=204, headers={"HX-Trigger": json.dumps({"order-changed": {"target": f"#order-live-{number}"}})}
    )


def buyer_order_response(request, order, *, fragment: bool = False, refused: Refused | None = None) -> HttpResponse:
    """The buyer's order page, or (for htmx requests, or ``fragment``) its live fragments with
    any messages. ``refused``: a form of the page (cancel, note, courier rating) refused, shown
    again as the buyer filled it in, with why (422)."""
    partial = fragment or wants_fragment(request)
    context = {**buyer_live_context(order=order), "oob_extras": partial, "map": map_settings(), "refused": refused}
    response = render_page(
        request,
        "orders/detail.html",
        context,
        fragment="orders/_live.html",
        partial=partial,
        status=REFUSED_STATUS if refused else None,
    )
    if refused and partial:
        response["HX-Reswap"] = "none"  # the live fragments are all out of band
    # The page carries the buyer's handover code: never cached, never shared.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def pdf_response(document) -> HttpResponse:
    """An invoice's or a credit note's PDF, to download, for a reader already checked;
    private, never cached (from the object store, a short-lived signed address)."""
    return private_download(document.pdf, filename=f"{document.number}.pdf", content_type="application/pdf")
