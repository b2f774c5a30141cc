"""Responses the buyer's and the store's order pages share."""

import json

from django.http import HttpResponse


def order_changed_response(number: str) -> HttpResponse:
    """For an htmx action (the buyer's here, the store's in ``sellers``): no content, and an event telling the page to re-read its live
    fragments (with this request's messages) from its stable ``data-order-live`` element."""
    return HttpResponse(
        status=204, headers={"HX-Trigger": json.dumps({"order-changed": {"target": f"#order-live-{number}"}})}
    )
