"""The store's order page, which its own forms and the store's feedback on the buyer
(``sellers.reviews``) answer with."""

from django.http import HttpResponse

from shop.core.htmx import render_page, wants_fragment
from shop.core.refusals import REFUSED_STATUS, Refused
from shop.orders.selectors.orders import order_get_for_member, seller_live_context

from ..decorators import current_store, dashboard_context
from .selectors import order_delivery_choice


def order_page_response(
    request, number: str, *, fragment: bool = False, refused: Refused | None = None
) -> HttpResponse:
    """The page, or (for htmx, or ``fragment``) its live fragments. ``refused``: a form of the
    page (the cancel's reason, the buyer's code, a job's bonus, feedback on the buyer)
    refused, shown again as it was filled in, with why (422)."""
    order = order_get_for_member(user=request.user, number=number)
    # The delivery choice is re-read with the live parts (pushes leave it as it is).
    context = {
        **seller_live_context(order=order),
        **order_delivery_choice(order=order),
        "refused": refused,
        "with_delivery_choice": True,
    }
    partial = fragment or wants_fragment(request)
    if not partial:
        # An order of another of the user's stores (a notification's link) makes that store current.
        context = {**dashboard_context(request, current_store(request, switch_to=order.store_id)), **context}
    response = render_page(
        request,
        "sellers/orders/detail.html",
        {**context, "oob_extras": partial},
        fragment="sellers/orders/_live.html",
        partial=partial,
        status=REFUSED_STATUS if refused else None,
    )
    if refused and partial:
        response["HX-Reswap"] = "none"  # the live fragments are all out of band
    return response
