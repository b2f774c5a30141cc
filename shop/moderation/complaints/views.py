"""Complaints for the parties: filing one about an order (/complaints/new/order/<number>/)
or an auction (/complaints/new/auction/<id>/), the buyer's list (/complaints/), the store's
list (/dashboard/complaints/), and a complaint's thread (/complaints/<number>/) where the
buyer and the store's team write. Forms are plain POSTs that redirect back (with htmx,
the thread's form swaps the thread in place).

Anyone but the parties gets a 404 from every one of these URLs; staff work in the admin."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellers.decorators import current_store, dashboard_context, seller_required

from ..models import Complaint
from .forms import ComplaintForm, MessageForm
from .selectors import (
    auction_for_complaint,
    complaint_for_user,
    complaint_is_escalated,
    complaint_side,
    complaints_for_buyer,
    complaints_for_store,
    order_for_complaint,
)
from .services import ComplaintError, complaint_file, complaint_post

LIST_LIMIT = 100
PAGE_SIZE = 20


@login_required
@require_GET
def complaint_list(request):
    complaints = list(complaints_for_buyer(user=request.user)[:LIST_LIMIT])
    return render(request, "moderation/complaint_list.html", {"complaints": complaints})


def _new(request, *, side: str, order=None, auction=None):
    form = ComplaintForm(request.POST or None, request.FILES or None, side=side)
    status = None
    if request.method == "POST":
        if form.is_valid():
            try:
                complaint = complaint_file(
                    user=request.user,
                    side=side,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    photos=form.cleaned_data["photos"],
                    order=order,
                    auction=auction,
                )
            except ComplaintError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your complaint is filed. %(site)s staff will look at it.") % {"site": settings.SOKO_SITE_NAME})
                return redirect("complaints:detail", complaint.number)
        status = 422
    context = {"form": form, "side": side, "order": order, "auction": auction}
    return render(request, "moderation/complaint_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new_order(request, number: str):
    order, side = order_for_complaint(user=request.user, number=number)
    return _new(request, side=side, order=order)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new_auction(request, auction_id: int):
    auction, side = auction_for_complaint(user=request.user, auction_id=auction_id)
    return _new(request, side=side, auction=auction)


def _detail_context(complaint: Complaint, user, form=None) -> dict:
    side = complaint_side(complaint, user)
    return {
        "complaint": complaint,
        "side": side,
        "thread": list(complaint.messages.all()),
        "form": form or MessageForm(),
        "escalated": complaint_is_escalated(complaint),
        "awaited": complaint.status == Complaint.Status.AWAITING_REPLY and complaint.waiting_for == side,
    }


@login_required
@require_GET
def complaint_detail(request, number: str):
    complaint = complaint_for_user(user=request.user, number=number)
    return render(request, "moderation/complaint_detail.html", _detail_context(complaint, request.user))


@login_required
@require_POST
def complaint_post_view(request, number: str):
    complaint = complaint_for_user(user=request.user, number=number)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            complaint_post(
                complaint=complaint,
                user=request.user,
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, _("Your message is on the complaint."))
                return redirect("complaints:detail", complaint.number)
            complaint = complaint_for_user(user=request.user, number=number)
            return render(request, "moderation/complaint_thread.html", _detail_context(complaint, request.user))
    context = _detail_context(complaint, request.user, form)
    template = "moderation/complaint_thread.html" if request.htmx else "moderation/complaint_detail.html"
    return render(request, template, context, status=422)


def _tabs():
    return [("open", gettext_lazy("Open")), *Complaint.Status.choices, ("all", gettext_lazy("All"))]


@seller_required
@require_GET
def store_complaints(request):
    current = current_store(request)
    status = request.GET.get("status", "open")
    if status not in {value for value, _label in _tabs()}:
        status = "open"
    page = Paginator(
        complaints_for_store(store=current.store, status="" if status == "all" else status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "orders",
        "page": page,
        "status": status,
        "tabs": _tabs(),
    }
    return render(request, "moderation/complaint_store_list.html", context)
