"""The buyer's orders: /orders/ history and /orders/<number>/ with its live timeline,
cancel, confirm receipt, delivery note, reorder and the cash-on-delivery handover code."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.cart.services import cart_get_for_request
from shop.core.htmx import render_page
from shop.core.refusals import refused

from .models import OrderStatus
from .responses import buyer_order_response, order_changed_response
from .selectors.orders import (
    STATUS_TABS,
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


@login_required
@require_GET
def order_detail(request, number: str):
    return buyer_order_response(request, order_get_for_buyer(user=request.user, number=number))


@login_required
@require_GET
def order_live(request, number: str):
    """The timeline, status and actions, re-read when the page's socket (re)connects."""
    return buyer_order_response(request, order_get_for_buyer(user=request.user, number=number), fragment=True)


def _after_post(request, number: str):
    if request.htmx:
        return order_changed_response(number)
    return redirect("orders:detail", number)


def _transition(request, number: str, to: str, success: str, *, form: str = ""):
    """``form``: the name on the page of a form with words typed (the cancel's reason),
    shown again as typed when the move is refused."""
    order = order_get_for_buyer(user=request.user, number=number)
    try:
        order_transition(order=order, to=to, actor=request.user, role=Role.BUYER, note=request.POST.get("reason", ""))
    except TransitionError as error:
        if form:  # shown as it is now, whatever the refused move touched
            fresh = order_get_for_buyer(user=request.user, number=number)
            return buyer_order_response(request, fresh, refused=refused(request, form, error))
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _after_post(request, number)


@login_required
@require_POST
def order_cancel(request, number: str):
    return _transition(request, number, OrderStatus.CANCELLED, _("Your order is cancelled."), form="cancel")


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
        return buyer_order_response(request, order, refused=refused(request, "note", error))
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
