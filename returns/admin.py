from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.admin import FieldsReadOnly

from .forms import DecideForm, DisputeDecideForm
from .models import ReturnEvent, ReturnLine, ReturnPhoto, ReturnRequest, ReturnStatus
from .services import ReturnError, return_decide, return_dispute_decide


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    readonly_fields = ["item", "quantity"]

    def has_add_permission(self, request, obj=None):
        return False


class ReturnPhotoInline(admin.TabularInline):
    model = ReturnPhoto
    extra = 0
    can_delete = False
    readonly_fields = ["image", "position"]

    def has_add_permission(self, request, obj=None):
        return False


class ReturnEventInline(admin.TabularInline):
    model = ReturnEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "role", "actor", "from_status", "to_status", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReturnRequest)
class ReturnRequestAdmin(FieldsReadOnly, admin.ModelAdmin):
    """Returns, escalated ones first to look at; staff decide an escalated return on its
    decision page (approve or reject, with a note both sides read), and a return the store
    disputed after receiving the goods (refund the buyer or reject)."""

    list_display = ["id", "order", "store", "buyer", "status", "reason", "created_at", "escalated_at", "disputed_at"]
    list_filter = ["status", "reason", "method"]
    search_fields = ["order__number", "buyer__email", "store__name"]
    list_select_related = ["order", "store", "buyer"]
    inlines = [ReturnLineInline, ReturnPhotoInline, ReturnEventInline]
    readonly_fields = [
        "order", "buyer", "store", "status_with_decision", "reason", "text", "method", "courier_payer",
        "instructions", "job", "reject_reason", "escalation_text", "staff_decision", "staff_note", "decided_by",
        "inspection_note", "dispute_text", "dispute_decision", "disputed_at",
        "resellable", "refund_delivery", "refund", "refund_error", "created_at", "approved_at", "rejected_at",
        "escalated_at", "decided_at", "received_at", "restocked_at", "refunded_at", "cancelled_at",
    ]  # fmt: skip
    exclude = ["status"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Status"))
    def status_with_decision(self, ret):
        if ret.status == ReturnStatus.DISPUTED:
            return format_html(
                '{} · <a href="{}">{}</a>',
                ret.get_status_display(),
                reverse("admin:returns_returnrequest_decide", args=[ret.pk]),
                _("Decide…"),
            )
        if ret.status != ReturnStatus.ESCALATED:
            return ret.get_status_display()
        return format_html(
            '{} · <a href="{}">{}</a>',
            ret.get_status_display(),
            reverse("admin:returns_returnrequest_decide", args=[ret.pk]),
            _("Decide…"),
        )

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="returns_returnrequest_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk: int):
        ret = get_object_or_404(ReturnRequest.objects.select_related("order", "store", "buyer"), pk=pk)
        if not self.has_change_permission(request, ret):
            return redirect("admin:index")
        if ret.status == ReturnStatus.DISPUTED:
            return self._dispute_view(request, ret)
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                return_decide(
                    request=ret,
                    staff=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                    refund_delivery=form.cleaned_data["refund_delivery"],
                )
            except ReturnError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Decided. The buyer and the store are notified."))
                return redirect("admin:returns_returnrequest_change", ret.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide the return for order %(number)s") % {"number": ret.order.number},
            "ret": ret,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "returns/admin_decide.html", context)

    def _dispute_view(self, request, ret):
        form = DisputeDecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                return_dispute_decide(
                    request=ret,
                    staff=request.user,
                    refund=form.cleaned_data["decision"] == "refund",
                    note=form.cleaned_data["note"],
                )
            except ReturnError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Decided. The buyer and the store are notified."))
                return redirect("admin:returns_returnrequest_change", ret.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide the disputed return for order %(number)s") % {"number": ret.order.number},
            "ret": ret,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "returns/admin_dispute.html", context)
