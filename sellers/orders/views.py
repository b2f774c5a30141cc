"""The store's orders under /dashboard/orders/: status tabs and search, the order with
the moves the store may make, and the printable packing slip with the pickup QR code."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from couriers.models import CourierProfile
from couriers.services import CourierError, job_create, job_withdraw, store_handover
from shop.core.htmx import render_page
from shop.core.ids import id_or_none
from shop.core.refusals import REFUSED_STATUS, refused
from shop.core.search import search_text
from shop.core.spreadsheets import csv_lines
from shop.orders.models import OrderStatus
from shop.orders.responses import order_changed_response
from shop.orders.selectors.orders import (
    STATUS_TABS,
    order_get_for_member,
    order_status_counts_for_store,
    orders_for_store,
    orders_for_store_export,
)
from shop.orders.selectors.transitions import Role, TransitionError, order_courier_job, status_label
from shop.orders.services.orders import order_transition, package_short_code, package_token_make
from shop.reviews.selectors import feedback_scores

from ..decorators import current_store, dashboard_context, seller_required
from .exports import COLUMNS, order_row
from .forms import OrdersExportForm
from .responses import order_page_response

PAGE_SIZE = 20


@seller_required
@require_GET
def orders(request):
    current = current_store(request)
    store = current.store
    query = search_text(request.GET.get("q"))
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    page = Paginator(orders_for_store(store=store, status=status, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = order_status_counts_for_store(store=store, query=query)
    scores = feedback_scores(buyer_ids=[order.buyer_id for order in page])
    for order in page:
        order.buyer_score, order.buyer_score_known = scores.get(order.buyer_id), True
    context = {
        **dashboard_context(request, current),
        "page": page,
        "query": query,
        "status": status,
        # Empty tabs hide, except the new orders' (the store's work queue) and the open one.
        "tabs": [
            (value, label, counts.get(value, 0))
            for value, label in STATUS_TABS
            if value in ("", OrderStatus.PENDING, status) or counts.get(value)
        ],
    }
    return render_page(request, "sellers/orders/list.html", context, fragment="results")


@seller_required
@require_GET
def orders_export(request):
    """The export's form; asked with its days, the store's orders as a CSV file, streamed
    row by row (a year of a busy store's orders is never held in memory at once)."""
    current = current_store(request)
    store = current.store
    asked = "first_day" in request.GET
    form = OrdersExportForm(request.GET if asked else None, store=store)
    if asked and form.is_valid():
        start, end = form.bounds()
        orders = orders_for_store_export(
            store=store, start=start, end=end, status=form.cleaned_data["status"]
        )
        rows = (order_row(order, form.zone) for order in orders.iterator(chunk_size=500))
        response = StreamingHttpResponse(csv_lines(COLUMNS, rows), content_type="text/csv; charset=utf-8")
        first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
        response["Content-Disposition"] = f'attachment; filename="{store.slug}-orders-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
        return response
    context = {**dashboard_context(request, current), "form": form}
    return render(request, "sellers/orders/export.html", context, status=REFUSED_STATUS if asked else 200)


@seller_required
@require_GET
def order_detail(request, number: str):
    return order_page_response(request, number)


@seller_required
@require_GET
def order_live(request, number: str):
    return order_page_response(request, number, fragment=True)


@seller_required
@require_POST
def order_action(request, number: str):
    order = order_get_for_member(user=request.user, number=number)
    to = request.POST.get("to", "")
    try:
        order = order_transition(
            order=order, to=to, actor=request.user, role=Role.SELLER, note=request.POST.get("note", "")
        )
    except TransitionError as error:
        if to == OrderStatus.CANCELLED:  # the one move with words typed: the reason for the buyer
            return order_page_response(request, number, refused=refused(request, "cancel", error))
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Order %(number)s is now %(lower)s.")
            % {"number": order.number, "lower": status_label(order.status, order).lower()},
        )
    if request.htmx:
        return order_changed_response(number)
    return redirect("sellers:order_detail", number)


@seller_required
@require_POST
def order_delivery(request, number: str):
    """Give the order to a courier: one the store picks, or the job board."""
    order = order_get_for_member(user=request.user, number=number)
    profile = None
    if request.POST.get("mode") == "assign":
        courier_id = id_or_none(request.POST.get("courier"))
        profile = CourierProfile.objects.filter(pk=courier_id).first() if courier_id else None
        if profile is None:
            messages.error(request, _("Choose a courier to assign."))
            return redirect("sellers:order_detail", number)
    try:
        job = job_create(order=order, actor=request.user, courier_profile=profile, bonus=request.POST.get("bonus", "0"))
    except CourierError as error:
        if profile is None:  # the job board's form, with the bonus typed
            return order_page_response(request, number, refused=refused(request, "job_board", error))
        messages.error(request, str(error))
    else:
        if job.courier_id:
            messages.success(
                request, _("%(courier)s will deliver order %(number)s.") % {"courier": job.courier, "number": number}
            )
        else:
            messages.success(
                request, _("Order %(number)s is on the job board: couriers nearby see it now.") % {"number": number}
            )
    return redirect("sellers:order_detail", number)


@seller_required
@require_POST
def order_job_withdraw(request, number: str):
    order = order_get_for_member(user=request.user, number=number)
    job = order_courier_job(order)
    if job is None:
        messages.error(request, _("This order has no courier job."))
        return redirect("sellers:order_detail", number)
    try:
        job_withdraw(job=job, actor=request.user)
    except CourierError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The courier job is withdrawn. Deliver it yourself or choose again."))
    return redirect("sellers:order_detail", number)


@seller_required
@require_POST
def order_handover(request, number: str):
    """The store delivered the order itself: the buyer's code, typed or scanned."""
    order = order_get_for_member(user=request.user, number=number)
    try:
        store_handover(order=order, actor=request.user, code=request.POST.get("code", ""))
    except CourierError as error:
        return order_page_response(request, number, refused=refused(request, "handover", error))
    messages.success(request, _("Order %(number)s is delivered.") % {"number": number})
    if request.htmx:
        return order_changed_response(number)
    return redirect("sellers:order_detail", number)


@seller_required
@require_GET
def packing_slip(request, number: str):
    order = order_get_for_member(user=request.user, number=number)
    context = {
        **dashboard_context(request, current_store(request, switch_to=order.store_id)),
        "order": order,
        "package_token": package_token_make(order=order),
        "package_code": package_short_code(order=order),
    }
    return render(request, "sellers/orders/packing_slip.html", context)
