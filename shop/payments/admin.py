"""Staff see every payment, provider event, flag, refund, payout and ledger posting. The
ledger and the providers' records are read-only here: money moves only through
``shop.payments`` (refunds from the order's admin page). Flags are resolved with a note;
manual refunds are ticked off on their checklist; a payout Stripe never answered is
recorded with the transfer found at Stripe, or sent again, from its flag."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.core.admin import ReadOnlyAdmin

from .ledger.reconciliation import reconciliation, reconciliation_flag
from .ledger.suspense import SUSPENSE_FLAGS, SuspenseRefundError, suspense_refund
from .models import (
    ConnectedAccount,
    Invoice,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PaymentAttempt,
    PaymentFlag,
    Payout,
    ProviderEvent,
    Refund,
    SuspenseRefund,
)
from .payouts.services import PayoutError, payout_flag_send_again, payout_flag_transfer_record
from .refunds.services import RefundError, refund_order
from .services import FlagNeedsAction, flag_needs_action, flag_resolve

TRANSFER_RECORD_TEMPLATE = "admin/payments/paymentflag/transfer_record.html"


class TransferRecordForm(forms.Form):
    transfer = forms.RegexField(
        label=gettext_lazy("Transfer at Stripe"),
        regex=r"^tr_[A-Za-z0-9]+$",
        max_length=255,
        help_text=gettext_lazy("The id of the transfer found at Stripe for this payout, tr_…"),
        error_messages={"invalid": gettext_lazy("A Stripe transfer id starts with tr_.")},
    )


class PaymentFlagForm(forms.ModelForm):
    """A note typed on an open flag resolves it on save, unless only the flag's actions may
    (``flag_needs_action``): then the form says so and keeps the note."""

    class Meta:
        model = PaymentFlag
        fields = ["resolution"]

    def clean_resolution(self):
        note = self.cleaned_data["resolution"]
        if note.strip() and self.instance.resolved_at is None and (why := flag_needs_action(self.instance)):
            raise forms.ValidationError(why)
        return note


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ["id", "checkout", "gateway", "provider", "status", "amount", "currency", "reference", "created_at"]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["reference", "payment_reference", "phone", "checkout__buyer__email"]
    list_select_related = ["checkout__buyer"]


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "kind", "received_at", "processed_at", "outcome"]
    list_filter = ["provider", "kind"]
    search_fields = ["event_id"]


@admin.register(PaymentFlag)
class PaymentFlagAdmin(admin.ModelAdmin):
    form = PaymentFlagForm
    list_display = ["id", "kind", "checkout", "attempt", "created_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    fields = ["kind", "checkout", "attempt", "detail", "created_at", "resolution", "resolved_at", "resolved_by"]
    readonly_fields = ["kind", "checkout", "attempt", "detail", "created_at", "resolved_at", "resolved_by"]
    actions = ["resolve", "give_back", "payout_transfer_record", "payout_send_again"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        resolving = bool(obj.resolution.strip()) and obj.resolved_at is None
        super().save_model(request, obj, form, change)
        if resolving:
            flag_resolve(flag=obj, actor=request.user, note=obj.resolution)

    def get_urls(self):
        view = self.admin_site.admin_view(self.reconciliation_view)
        return [path("reconciliation/", view, name="payments_reconciliation"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "reconciliation_url": reverse("admin:payments_reconciliation")}
        return super().changelist_view(request, extra_context)

    def reconciliation_view(self, request):
        """Ledger against providers, per day: differences highlighted, and flagged on request."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = min(max(int(request.GET.get("days", 30)), 1), 366)
        except ValueError:
            days = 30
        rows = reconciliation(days=days)
        if request.method == "POST" and self.has_change_permission(request):
            flagged = reconciliation_flag(rows)
            messages.success(
                request,
                ngettext("%(count)s difference flagged.", "%(count)s differences flagged.", flagged)
                % {"count": flagged},
            )
            return redirect(f"{request.path}?days={days}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reconciliation: ledger and providers"),
            "rows": rows,
            "days": days,
            "differences": sum(1 for row in rows if row["difference"]),
            "open_flags": PaymentFlag.objects.filter(resolved_at__isnull=True).select_related("checkout", "attempt")[
                :100
            ],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/reconciliation.html", context)

    @admin.action(
        description=gettext_lazy("Give the payment back to the payer (late, double or mismatched)"),
        permissions=["give_back"],
    )
    def give_back(self, request, queryset):
        asked = 0
        for flag in queryset.filter(kind__in=SUSPENSE_FLAGS, attempt__isnull=False).select_related("attempt"):
            try:
                suspense_refund(attempt=flag.attempt, actor=request.user)
            except SuspenseRefundError as error:
                # Translators: a payment flag or refund (its number) left as it was, and why.
                messages.error(request, _("#%(number)s: %(error)s") % {"number": flag.pk, "error": error})
                continue
            asked += 1
        if asked < queryset.count():
            messages.warning(request, _("Only late, double or mismatched payments held in suspense can be given back."))
        messages.success(
            request,
            ngettext("%(count)s payment is being given back.", "%(count)s payments are being given back.", asked)
            % {"count": asked},
        )

    def has_give_back_permission(self, request):
        return request.user.has_perm("payments.add_suspenserefund")

    def has_payout_permission(self, request):
        return request.user.has_perm("payments.change_paymentflag") and request.user.has_perm("payments.view_payout")

    @admin.action(
        description=gettext_lazy("Record the transfer found at Stripe for a payout never answered…"),
        permissions=["payout"],
    )
    def payout_transfer_record(self, request, queryset):
        """Ask for the transfer's id; with one, record it through the service (which reads it
        from Stripe and checks it is the payout's). Returns the form page, or None once done."""
        flags = list(queryset[:2])
        if len(flags) != 1:
            messages.warning(request, _("Choose one payout's flag to record its transfer."))
            return None
        flag = flags[0]
        form = TransferRecordForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                payout = payout_flag_transfer_record(
                    flag=flag, transfer_id=form.cleaned_data["transfer"], actor=request.user
                )
            except PayoutError as error:
                form.add_error("transfer", str(error))
            else:
                messages.success(
                    request,
                    _("Payout %(payout)s recorded as paid by transfer %(transfer)s.")
                    % {"payout": payout.pk, "transfer": payout.reference},
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record the transfer found at Stripe"),
            "subtitle": None,
            "opts": self.model._meta,
            "flag": flag,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, TRANSFER_RECORD_TEMPLATE, context)

    @admin.action(
        description=gettext_lazy("Send again payouts never answered that are not at Stripe (new key)"),
        permissions=["payout"],
    )
    def payout_send_again(self, request, queryset):
        sent = 0
        for flag in queryset:
            try:
                payout_flag_send_again(flag=flag, actor=request.user)
            except PayoutError as error:
                # Translators: a payment flag or refund (its number) left as it was, and why.
                messages.error(request, _("#%(number)s: %(error)s") % {"number": flag.pk, "error": error})
                continue
            sent += 1
        messages.success(
            request,
            ngettext("%(count)s payout is being sent again.", "%(count)s payouts are being sent again.", sent)
            % {"count": sent},
        )

    @admin.action(description=gettext_lazy("Mark resolved"), permissions=["change"])
    def resolve(self, request, queryset):
        count = 0
        for flag in queryset.filter(resolved_at__isnull=True):
            try:
                count += flag_resolve(flag=flag, actor=request.user)
            except FlagNeedsAction as error:
                messages.error(request, _("#%(number)s: %(error)s") % {"number": flag.pk, "error": error})
        messages.success(
            request, ngettext("%(count)s flag resolved.", "%(count)s flags resolved.", count) % {"count": count}
        )


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "provider", "status", "amount", "currency", "reason", "created_at"]
    list_filter = ["status", "provider"]
    search_fields = ["order__number", "reference"]
    list_select_related = ["order"]
    readonly_fields = [
        "order",
        "attempt",
        "provider",
        "amount_minor",
        "fee_minor",
        "currency",
        "reason",
        "lines",
        "idempotency_key",
        "reference",
        "requested_by",
        "created_at",
    ]
    fields = [*readonly_fields, "status", "checklist"]
    actions = ["mark_sent", "ask_again"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Ask the provider again for failed refunds (same key, same lines)"), permissions=["change"])
    def ask_again(self, request, queryset):
        asked = 0
        for refund in queryset.filter(status=Refund.Status.FAILED).select_related("order"):
            lines = {int(item): int(units) for item, units in refund.lines.items() if item.isdigit()}
            try:
                refund_order(
                    order=refund.order,
                    lines=lines,
                    delivery="delivery" in refund.lines,
                    reason=refund.reason,
                    actor=request.user,
                    key=refund.idempotency_key,
                )
            except RefundError as error:
                # Translators: a payment flag or refund (its number) left as it was, and why.
                messages.error(request, _("#%(number)s: %(error)s") % {"number": refund.pk, "error": error})
                continue
            asked += 1
        messages.success(
            request, ngettext("%(count)s refund asked again.", "%(count)s refunds asked again.", asked) % {"count": asked}
        )

    @admin.action(description=gettext_lazy("Mark manual refunds as sent (every checklist item ticked)"), permissions=["change"])
    def mark_sent(self, request, queryset):
        done = 0
        for refund in queryset.filter(status=Refund.Status.MANUAL):
            if refund.checklist and all(refund.checklist.values()):
                refund.status = Refund.Status.SUCCEEDED
                refund.save(update_fields=["status", "updated_at"])
                done += 1
        if done < queryset.count():
            messages.warning(request, _("Only manual refunds whose checklist is complete were marked sent."))
        messages.success(
            request, ngettext("%(count)s refund marked sent.", "%(count)s refunds marked sent.", done) % {"count": done}
        )


@admin.register(SuspenseRefund)
class SuspenseRefundAdmin(admin.ModelAdmin):
    list_display = ["id", "attempt", "provider", "status", "amount", "currency", "reference", "created_at"]
    list_filter = ["status", "provider"]
    search_fields = ["reference", "attempt__payment_reference"]
    readonly_fields = [
        "attempt", "provider", "amount_minor", "currency", "tries", "reference", "message", "requested_by", "created_at"
    ]
    fields = [*readonly_fields, "status", "checklist"]
    actions = ["mark_sent"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Only a refund given back by hand is ticked off here (its status by the action).
        if obj is not None and obj.status != SuspenseRefund.Status.MANUAL:
            return [*self.readonly_fields, "status", "checklist"]
        return [*self.readonly_fields, "status"]

    @admin.action(description=gettext_lazy("Mark given back by hand (every checklist item ticked)"), permissions=["change"])
    def mark_sent(self, request, queryset):
        done = 0
        for refund in queryset.filter(status=SuspenseRefund.Status.MANUAL):
            if refund.checklist and all(refund.checklist.values()):
                refund.status = SuspenseRefund.Status.SUCCEEDED
                refund.save(update_fields=["status", "updated_at"])
                done += 1
        messages.success(
            request, ngettext("%(count)s refund marked sent.", "%(count)s refunds marked sent.", done) % {"count": done}
        )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "store", "order", "provider", "status", "amount", "currency", "reference", "created_at"]
    list_filter = ["status", "provider"]
    search_fields = ["store__name", "order__number", "reference"]
    list_select_related = ["store", "order"]


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = ["store", "account_id", "details_submitted", "payouts_enabled", "updated_at"]
    search_fields = ["store__name", "account_id"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "created_at", "emailed_at"]
    search_fields = ["number", "order__number"]
    # The PDF is in private storage (no URL): staff download it through the order's invoice view.
    exclude = ["pdf"]
    readonly_fields = ["download"]

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, invoice):
        if not invoice.pdf:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("orders:invoice", args=[invoice.order.number]), invoice.pdf.name
        )


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["account", "order", "amount_minor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "memo", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["key", "memo"]
    inlines = [LedgerEntryInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "currency", "store"]
    list_filter = ["currency"]
    search_fields = ["code"]
