"""The buyer's returns: asking for one from a delivered order (/returns/new/<number>/),
the list (/returns/), a return's page with its timeline (/returns/<id>/), escalating a
rejection and cancelling. Forms are plain POSTs (redirect with a message; a refused one
comes back in the page as written, with why); the pages' live parts arrive over the socket
and are re-read on reconnect (``*/live/``).

Anyone but the buyer gets a 404 from every one of these URLs."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shop.core.htmx import render_page
from shop.core.refusals import REFUSED_STATUS, Refused, refused
from shop.orders.selectors.orders import order_get_for_buyer

from .forms import EscalateForm, ReturnRequestForm
from .selectors import (
    buyer_context,
    lines_left,
    order_box_context,
    return_deadline,
    return_get_for_buyer,
    return_window_open,
    returns_for_buyer,
)
from .services import WINDOW_CLOSED, ReturnError, return_cancel, return_escalate, return_request_create

LIST_LIMIT = 100


@login_required
@require_GET
def return_list(request):
    returns = list(returns_for_buyer(user=request.user)[:LIST_LIMIT])
    return render(request, "returns/list.html", {"returns": returns})


def _line_rows(order, data=None):
    rows = []
    for row in lines_left(order):
        value = 0
        if data is not None:
            raw = data.get(f"qty-{row.item.pk}", "0")
            raw = str(raw).strip()
            value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else -1
        rows.append({"row": row, "value": value})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def return_new(request, number: str):
    order = order_get_for_buyer(user=request.user, number=number)
    window_open = return_window_open(order)
    if not window_open and request.method != "POST":
        messages.error(request, WINDOW_CLOSED)
        return redirect("orders:detail", order.number)
    form = ReturnRequestForm(request.POST or None, request.FILES or None)
    rows = _line_rows(order, request.POST if request.method == "POST" else None)
    status = None
    if request.method == "POST":
        bad = [entry for entry in rows if entry["value"] < 0]
        if bad:
            form.add_error(None, _("Give a whole number of units for each item."))
        if not window_open:  # it closed while the buyer wrote: the request stays on the page, with why
            form.add_error(None, WINDOW_CLOSED)
        if form.is_valid():
            try:
                ret = return_request_create(
                    order=order,
                    buyer=request.user,
                    lines={entry["row"].item.pk: entry["value"] for entry in rows if entry["value"] > 0},
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                    photos=form.cleaned_data["photos"],
                )
            except ReturnError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your return request was sent to %(store)s.") % {"store": order.store.name})
                return redirect("returns:detail", ret.pk)
        status = REFUSED_STATUS
    context = {"order": order, "form": form, "rows": rows, "deadline": return_deadline(order)}
    return render(request, "returns/new.html", context, status=status)


def _detail_page(request, ret, *, refusal: Refused | None = None):
    """The return's page; ``refusal``: its escalation refused, shown again as written (422)."""
    context = {**buyer_context(ret), "refused": refusal}
    response = render(request, "returns/detail.html", context, status=REFUSED_STATUS if refusal else None)
    add_never_cache_headers(response)  # it may carry the pickup code
    return response


@login_required
@require_GET
def return_detail(request, pk: int):
    return _detail_page(request, return_get_for_buyer(user=request.user, pk=pk))


@login_required
@require_GET
def return_live(request, pk: int):
    ret = return_get_for_buyer(user=request.user, pk=pk)
    context = {**buyer_context(ret), "oob": True}
    response = render_page(request, "returns/detail.html", context, fragment="returns/_live.html", partial=True)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def order_box(request, number: str):
    order = order_get_for_buyer(user=request.user, number=number)
    return render_page(
        request,
        "orders/detail.html",
        order_box_context(order, oob=True),
        fragment="returns/_order_box.html",
        partial=True,
    )


@login_required
@require_POST
def return_escalate_view(request, pk: int):
    ret = return_get_for_buyer(user=request.user, pk=pk)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, ret, refusal=refused(request, "escalate", " ".join(form.errors["text"])))
    try:
        return_escalate(request=ret, buyer=request.user, text=form.cleaned_data["text"])
    except ReturnError as error:
        return _detail_page(request, return_get_for_buyer(user=request.user, pk=pk), refusal=refused(request, "escalate", error))
    messages.success(
        request,
        _("%(site)s staff will look at your return and tell you and the store what they decide.") % {"site": settings.SOKO_SITE_NAME},
    )
    return redirect("returns:detail", ret.pk)


@login_required
@require_POST
def return_cancel_view(request, pk: int):
    ret = return_get_for_buyer(user=request.user, pk=pk)
    try:
        return_cancel(request=ret, buyer=request.user)
    except ReturnError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your return is cancelled."))
    return redirect("returns:detail", ret.pk)
