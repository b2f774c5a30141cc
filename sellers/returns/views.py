"""The store's returns under /dashboard/returns/: the queue with counts by status and the
return rate per product, and a return's page with the store's answers (approve with
instructions and a drop-off or a courier pickup, reject with a reason, receive, inspect
then refund or dispute to staff, put back on sale, refund again after a provider error).
Forms are plain POSTs that redirect back (a refused one with words typed comes back in the
page as filled in, with why); the page's live part arrives over the socket and is re-read
on reconnect."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from returns.forms import ApproveForm, InspectForm, ReceiveForm, RejectForm
from returns.models import ReturnStatus
from returns.selectors import (
    return_get_for_member,
    return_rates_for_store,
    return_status_counts_for_store,
    returns_for_store,
    store_context,
)
from returns.services import (
    ReturnError,
    return_accept,
    return_approve,
    return_dispute,
    return_receive,
    return_refund,
    return_reject,
    return_restock,
)
from shop.core.htmx import render_page
from shop.core.refusals import REFUSED_STATUS, Refused, refused
from shop.core.search import search_text

from ..decorators import current_store, dashboard_context, seller_required

PAGE_SIZE = 20


def _tabs():
    return [("open", gettext_lazy("Open")), *ReturnStatus.choices, ("all", gettext_lazy("All"))]


@seller_required
@require_GET
def returns(request):
    current = current_store(request)
    store = current.store
    query = search_text(request.GET.get("q"))
    status = request.GET.get("status", "open")
    if status not in {value for value, _label in _tabs()}:
        status = "open"
    page = Paginator(
        returns_for_store(store=store, status="" if status == "all" else status, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = return_status_counts_for_store(store=store)
    context = {
        **dashboard_context(request, current),
        "dashboard_section": "returns",
        "page": page,
        "query": query,
        "status": status,
        "tabs": [
            (value, label, counts.get(value, 0))
            for value, label in _tabs()
            if value in ("open", "all", status) or counts.get(value)
        ],
        "rates": return_rates_for_store(store=store),
    }
    return render_page(request, "sellers/returns/list.html", context, fragment="results")


def _detail(request, pk: int, *, fragment: bool = False, forms: dict | None = None, refusal: Refused | None = None):
    """The return's page (or its live part). ``forms``: the page's Django forms bound to a
    refused post; ``refusal``: the inspection's form (written in the template) refused.
    Either shows the page again (422) with what was typed, and why."""
    status = REFUSED_STATUS if forms or refusal else None
    ret = return_get_for_member(user=request.user, pk=pk)
    context = {**store_context(ret), "oob": fragment, "refused": refusal}
    if fragment:
        return render_page(
            request, "sellers/returns/detail.html", context, fragment="sellers/returns/_live.html", partial=True
        )
    context = {
        **dashboard_context(request, current_store(request, switch_to=ret.store_id)),
        "dashboard_section": "returns",
        **context,
        "approve_form": ApproveForm(),
        "reject_form": RejectForm(),
        "receive_form": ReceiveForm(initial={"refund_delivery": ret.refund_delivery}),
        **(forms or {}),
    }
    return render_page(
        request, "sellers/returns/detail.html", context, fragment="sellers/returns/_live.html", status=status
    )


@seller_required
@require_GET
def return_detail(request, pk: int):
    return _detail(request, pk)


@seller_required
@require_GET
def return_live(request, pk: int):
    return _detail(request, pk, fragment=True)


def _run(request, pk, work, done: str, *, form: tuple[str, Form] | None = None, inspected: bool = False):
    """Do ``work``, then back to the page with a message. Refused, a form with words typed
    comes back as filled in, with why: ``form`` (its name in the context, and the bound
    form), or the inspection's (``inspected``); a button alone is refused with a message."""
    try:
        work()
    except ReturnError as error:
        if form is not None:
            name, bound = form
            bound.add_error(None, str(error))
            return _detail(request, pk, forms={name: bound})
        if inspected:
            return _detail(request, pk, refusal=refused(request, "inspect", error))
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("sellers:return_detail", pk)


@seller_required
@require_POST
def return_approve_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, forms={"approve_form": form})
    data = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: return_approve(
            request=ret,
            actor=request.user,
            method=data["method"],
            instructions=data["instructions"],
            payer=data["payer"],
            refund_delivery=data["refund_delivery"],
        ),
        _("The return is approved; the buyer has your instructions."),
        form=("approve_form", form),
    )


@seller_required
@require_POST
def return_reject_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, forms={"reject_form": form})
    return _run(
        request,
        pk,
        lambda: return_reject(request=ret, actor=request.user, reason=form.cleaned_data["reason"]),
        _("The return is rejected; the buyer reads your reason."),
        form=("reject_form", form),
    )


@seller_required
@require_POST
def return_receive_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    form = ReceiveForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: return_receive(
            request=ret,
            actor=request.user,
            resellable=data.get("resellable", False),
            refund_delivery=data.get("refund_delivery") or None,
        ),
        _("The items are back. Inspect them, then refund the buyer or dispute the return."),
    )


def _inspected(request):
    """What the inspection's form says, or (a note over the limit) None."""
    form = InspectForm(request.POST)
    return form.cleaned_data if form.is_valid() else None


def _inspection_refused(request, pk: int):
    reason = " ".join(error for errors in InspectForm(request.POST).errors.values() for error in errors)
    return _detail(request, pk, refusal=refused(request, "inspect", reason))


@seller_required
@require_POST
def return_accept_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    data = _inspected(request)
    if data is None:
        return _inspection_refused(request, pk)
    return _run(
        request,
        pk,
        lambda: return_accept(
            request=ret,
            actor=request.user,
            note=data["note"],
            resellable=data["resellable"],
            refund_delivery=data["refund_delivery"],
        ),
        _("The return is refunded."),
        inspected=True,
    )


@seller_required
@require_POST
def return_dispute_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    data = _inspected(request)
    if data is None:
        return _inspection_refused(request, pk)
    return _run(
        request,
        pk,
        lambda: return_dispute(request=ret, actor=request.user, text=data["note"]),
        _("The return is disputed: %(site)s staff decide, and you and the buyer hear what they decide.") % {"site": settings.SOKO_SITE_NAME},
        inspected=True,
    )


@seller_required
@require_POST
def return_restock_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    return _run(request, pk, lambda: return_restock(request=ret, actor=request.user), _("The items are back on sale."))


@seller_required
@require_POST
def return_refund_view(request, pk: int):
    ret = return_get_for_member(user=request.user, pk=pk)
    return _run(request, pk, lambda: return_refund(request=ret, actor=request.user), _("The return is refunded."))
