"""Complaints in the admin: the list (escalated first, then those waiting for staff, then
those waiting for a party, oldest first), and a complaint's page with its thread and
pictures and the staff forms: write (and ask a party to answer by a deadline), resolve
(a refund of chosen lines, a warning, a suspension or no action, with a note both parties
read) and close. The forms need ``moderation.resolve_complaint`` (403 otherwise); a refund
over ``SOKO_SUPPORT_REFUND_LIMIT`` also needs ``moderation.refund_over_limit``. A refused
form comes back on the complaint's page as staff filled it in, with why."""

import copy

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.ids import id_or_none, int_or_none
from shop.core.refusals import REFUSED_STATUS
from shop.core.selectors.times import time_since
from shop.payments.refunds.services import delivery_refunded, refundable_units

from ..complaints.forms import ResolveForm, StaffReplyForm
from ..complaints.selectors import (
    OVER_LIMIT_PERM,
    RESOLVE_PERM,
    complaint_is_escalated,
    complaint_with_thread,
    complaints_for_staff,
    support_refund_limit,
)
from ..complaints.services import ComplaintError, complaint_close, complaint_resolve, complaint_staff_reply
from ..models import Complaint


def _line_rows(order, posted=None) -> list[dict]:
    """The order's lines with the units still refundable, and the units asked for in
    ``posted`` (a refused resolve form, shown again as filled in) or 0."""
    if order is None:
        return []
    left = refundable_units(order)
    return [
        {"item": item, "left": left.get(item.pk, 0), "units": posted.get(f"qty-{item.pk}", "0") if posted else "0"}
        for item in order.items.order_by("id")
    ]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "status", "waiting", "reply_due_at", "age", "store", "buyer", "filed_as"]
    list_filter = ["status", "kind", "waiting_for", "resolution", "filed_as"]
    search_fields = ["number", "order__number", "buyer__email", "store__name"]
    list_select_related = ["store", "buyer"]
    fields = [
        "number", "kind", "filed_by", "filed_as", "order", "auction", "store", "buyer", "status", "waiting_for",
        "reply_due_at", "reminded_at", "resolution", "resolution_note", "refund", "resolved_at", "resolved_by",
        "closed_at", "created_at",
    ]  # fmt: skip
    readonly_fields = fields
    change_form_template = "moderation/complaint_admin.html"

    def get_queryset(self, request):
        return complaints_for_staff()

    def get_ordering(self, request):
        return ["urgency", "created_at", "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # changed only through the staff forms below

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("waiting for"), ordering="urgency")
    def waiting(self, complaint):
        if complaint_is_escalated(complaint):
            return _("Staff (escalated)")
        if complaint.status == Complaint.Status.OPEN:
            return _("Staff")
        return complaint.get_waiting_for_display()

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, complaint):
        return time_since(complaint.created_at)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reply/", wrap(self.reply_view), name="moderation_complaint_reply"),
            path("<int:pk>/resolve/", wrap(self.resolve_view), name="moderation_complaint_resolve"),
            path("<int:pk>/close/", wrap(self.close_view), name="moderation_complaint_close"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        pk = id_or_none(object_id)
        if pk is not None and Complaint.objects.filter(pk=pk).exists():
            complaint = complaint_with_thread(pk=pk)
            order = complaint.order
            extra = {
                "complaint": complaint,
                "thread": list(complaint.messages.all()),
                "escalated": complaint_is_escalated(complaint),
                "can_resolve": request.user.has_perm(RESOLVE_PERM),
                "reply_form": StaffReplyForm(),
                "resolve_form": ResolveForm(),
                "line_rows": _line_rows(order, request.POST if (extra_context or {}).get("resolve_refused") else None),
                "delivery_left": order is not None and bool(order.delivery_fee) and not delivery_refunded(order),
                "refund_limit": support_refund_limit(order.currency) if order is not None else None,
                "over_limit": request.user.has_perm(OVER_LIMIT_PERM),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # The staff forms ---------------------------------------------------------------------

    def _complaint(self, request, pk: int) -> Complaint:
        if not request.user.has_perm(RESOLVE_PERM):
            raise PermissionDenied
        return get_object_or_404(Complaint, pk=id_or_none(pk) or 0)

    def _back(self, complaint):
        return redirect("admin:moderation_complaint_change", complaint.pk)

    def _refused(self, request, complaint, **forms):
        """The complaint's page again (422) with the refused form as staff filled it in and
        why (``reply_form`` or ``resolve_form``, bound, its errors added). The change view
        reads the page as on a GET: a POST would be its own (read-only) form's."""
        page = copy.copy(request)
        page.method = "GET"
        response = self.change_view(page, str(complaint.pk), extra_context={**forms, "resolve_refused": "resolve_form" in forms})
        response.status_code = REFUSED_STATUS
        return response

    def reply_view(self, request, pk: int):
        complaint = self._complaint(request, pk)
        if request.method != "POST":
            return self._back(complaint)
        form = StaffReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._refused(request, complaint, reply_form=form)
        try:
            complaint_staff_reply(
                complaint=complaint,
                staff=request.user,
                text=form.cleaned_data["text"],
                ask=form.cleaned_data["ask"] or "",
                photos=form.cleaned_data["photos"],
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
            return self._refused(request, complaint, reply_form=form)
        messages.success(request, _("Sent. Both parties are notified."))
        return self._back(complaint)

    def resolve_view(self, request, pk: int):
        complaint = self._complaint(request, pk)
        if request.method != "POST":
            return self._back(complaint)
        form = ResolveForm(request.POST)
        if not form.is_valid():
            return self._refused(request, complaint, resolve_form=form)
        lines = {}
        for row in _line_rows(complaint.order):
            units = int_or_none(request.POST.get(f"qty-{row['item'].pk}") or "0", maximum=999_999)
            if units is None:
                form.add_error(None, _("Give a whole number of units for each line."))
                return self._refused(request, complaint, resolve_form=form)
            if units:
                lines[row["item"].pk] = units
        try:
            complaint_resolve(
                complaint=complaint,
                staff=request.user,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                lines=lines,
                delivery=form.cleaned_data["delivery"],
                suspend_days=form.cleaned_data["suspend_days"] or 7,
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
            return self._refused(request, complaint, resolve_form=form)
        messages.success(request, _("Resolved. Both parties are notified."))
        return self._back(complaint)

    def close_view(self, request, pk: int):
        complaint = self._complaint(request, pk)
        if request.method == "POST":
            try:
                complaint_close(complaint=complaint, staff=request.user)
            except ComplaintError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Closed. Both parties are notified."))
        return self._back(complaint)
