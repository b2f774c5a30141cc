"""The buyer's orders: /orders/ history and /orders/<number>/ with its live timeline,
cancel, confirm receipt, delivery note, reorder and the cash-on-delivery handover code."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.cart.services import cart_get_for_request
from shop.core.htmx import render_page, wants_fragment
from shop.geo.selectors.areas import map_settings

from .models import OrderStatus
from .responses import order_changed_response
from .selectors.orders import (
    STATUS_TABS,
    buyer_live_context,
    order_get_for_buyer,
    order_status_counts_for_buyer,
    orders_for_buyer,
)
from .selectors.transitions import Role, TransitionError
from .services.handover import HandoverError, handover_code_renew
from .services.orders import order_note_save, order_reorder, order_transition

PAGE_SIZE = 10


@login_required
@require_GET
def order_list(request):
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    page = Paginator(orders_for_buyer(user=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = order_status_counts_for_buyer(user=request.user)
    context = {
        "page": page,
        "status": status,
        "tabs": [
            (value, label, counts.get(value, 0)) for value, label in STATUS_TABS if not value or counts.get(value)
        ],
    }
    return render_page(request, "orders/list.html", context, fragment="results")


def _detail_response(request, number: str, *, fragment: bool = False):
    """The order page, or (for htmx requests) its live fragments with any messages."""
    order = order_get_for_buyer(user=request.user, number=number)
    context = buyer_live_context(order=order)
    partial = fragment or wants_fragment(request)
    response = render_page(
        request, "orders/detail.html", {**context, "oob_extras": partial, "map": map_settings()}, fragment="orders/_live.html", partial=partial
    )
    # The page carries the buyer's handover code: never cached, never shared.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def order_detail(request, number: str):
    return _detail_response(request, number)


@login_required
@require_GET
def order_live(request, number: str):
    """The timeline, status and actions, re-read when the page's socket (re)connects."""
    return _detail_response(request, number, fragment=True)


def _after_post(request, number: str):
    if request.htmx:
        return order_changed_response(number)
    return redirect("orders:detail", number)


def _transition(request, number: str, to: str, success: str):
    order = order_get_for_buyer(user=request.user, number=number)
    try:
        order_transition(order=order, to=to, actor=request.user, role=Role.BUYER, note=request.POST.get("reason", ""))
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _after_post(request, number)


@login_required
@require_POST
def order_cancel(request, number: str):
    return _transition(request, number, OrderStatus.CANCELLED, _("Your order is cancelled."))


@login_required
@require_POST
def order_receive(request, number: str):
    return _transition(request, number, OrderStatus.COMPLETED, _("Thank you! The order is complete."))


@login_required
@require_POST
def order_note(request, number: str):
    order = order_get_for_buyer(user=request.user, number=number)
    try:
        order_note_save(order=order, buyer=request.user, note=request.POST.get("note", ""))
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Delivery note saved."))
    return _after_post(request, number)


@login_required
@require_POST
def order_reorder_view(request, number: str):
    order = order_get_for_buyer(user=request.user, number=number)
    result = order_reorder(order=order, cart=cart_get_for_request(request, create=True))
    level = messages.SUCCESS if result.added and not result.unavailable else messages.WARNING
    if not result.added:
        level = messages.ERROR
    messages.add_message(request, level, result.message)
    if result.added:
        return redirect("cart:detail")
    return redirect("orders:detail", number)


@login_required
@require_POST
def handover_renew(request, number: str):
    order = order_get_for_buyer(user=request.user, number=number)
    try:
        handover_code_renew(order=order)
    except HandoverError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Here is a new handover code."))
    return _after_post(request, number)
