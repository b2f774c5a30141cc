from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy, ngettext

from shop.core.selectors.money import money_format
from shop.core.validators import currency_code_clean, money_fields_check
from shop.payments.payouts.couriers import courier_balances

from .models import CourierProfile, CourierRating, DeliveryJob, Remittance, ScanEvent
from .services import courier_profile_review, remittance_record


@admin.register(CourierProfile)
class CourierProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phone", "vehicle", "status", "availability", "rating", "deliveries_count", "cash_held"]
    list_filter = ["status", "vehicle", "availability"]
    search_fields = ["user__email", "user__display_name", "phone", "service_area"]
    readonly_fields = ["status", "reviewed_at", "reviewed_by", "rating", "rating_count", "deliveries_count", "balances"]
    filter_horizontal = ["areas"]
    actions = ["approve", "reject"]

    @admin.display(description=gettext_lazy("cash held"))
    def cash_held(self, profile):
        return (
            ", ".join(money_format(b.cash_held, b.currency) for b in courier_balances(profile.user_id) if b.cash_held)
            or "—"
        )

    @admin.display(description=gettext_lazy("cash and commission"))
    def balances(self, profile):
        rows = courier_balances(profile.user_id)
        return (
            "; ".join(
                f"{money_format(b.cash_held, b.currency)} cash held, {money_format(b.commission_owed, b.currency)} commission owed"
                for b in rows
            )
            or "—"
        )

    # Approving or rejecting a courier changes their profile: the "change" permission.
    @admin.action(description=gettext_lazy("Approve selected courier profiles"), permissions=["change"])
    def approve(self, request, queryset):
        for profile in queryset:
            courier_profile_review(profile=profile, reviewer=request.user, approve=True)
        count = queryset.count()
        messages.success(
            request,
            ngettext("%(count)s courier profile approved.", "%(count)s courier profiles approved.", count)
            % {"count": count},
        )

    @admin.action(description=gettext_lazy("Reject selected courier profiles"), permissions=["change"])
    def reject(self, request, queryset):
        for profile in queryset:
            courier_profile_review(profile=profile, reviewer=request.user, approve=False)
        count = queryset.count()
        messages.success(
            request,
            ngettext("%(count)s courier profile rejected.", "%(count)s courier profiles rejected.", count)
            % {"count": count},
        )


@admin.register(DeliveryJob)
class DeliveryJobAdmin(admin.ModelAdmin):
    list_display = [
        "job_order",
        "kind",
        "store",
        "status",
        "courier",
        "distance_km",
        "commission",
        "currency",
        "published_at",
        "flagged_at",
    ]
    list_filter = ["kind", "status", "assigned", "commission_payer"]
    search_fields = ["order__number", "return_order__number", "store__name", "courier__email"]
    list_select_related = ["order", "return_order", "store", "courier"]
    # Jobs change through their services (scans, confirmations) only.
    readonly_fields = [field.name for field in DeliveryJob._meta.fields]

    @admin.display(description=gettext_lazy("order"))
    def job_order(self, job):
        return job.for_order

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanEvent)
class ScanEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "typed", "accepted", "reason", "job"]
    list_filter = ["kind", "accepted", "typed"]
    search_fields = ["user__email", "job__order__number", "job__return_order__number"]
    readonly_fields = [field.name for field in ScanEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CourierRating)
class CourierRatingAdmin(admin.ModelAdmin):
    list_display = ["courier", "stars", "buyer", "created_at"]
    list_filter = ["stars"]
    readonly_fields = ["job", "courier", "buyer", "stars", "comment", "created_at"]

    def has_add_permission(self, request):
        return False  # buyers rate on their order page


class RemittanceAdminForm(forms.ModelForm):
    """The cash handed in, in a currency stores price in, without a fraction finer than its
    minor unit (refused, never rounded: it is posted to the ledger in minor units)."""

    class Meta:
        model = Remittance
        fields = ["courier", "currency", "amount", "commission_kept", "store", "note"]

    def clean_currency(self):
        return currency_code_clean(self.cleaned_data.get("currency"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("currency"):
            money_fields_check(self, cleaned["currency"], ("amount", "commission_kept"))
        return cleaned


@admin.register(Remittance)
class RemittanceAdmin(admin.ModelAdmin):
    """Staff record the cash a courier hands in; each record posts to the ledger once and
    cannot be edited afterwards (record a correcting one instead)."""

    list_display = ["created_at", "courier", "amount", "commission_kept", "currency", "store", "recorded_by"]
    list_filter = ["currency"]
    search_fields = ["courier__email", "note"]
    autocomplete_fields = ["courier", "store"]
    fields = ["courier", "currency", "amount", "commission_kept", "store", "note"]
    form = RemittanceAdminForm

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Cash is handed in by couriers only: another account is refused by the form.
        if db_field.name == "courier":
            kwargs["queryset"] = get_user_model().objects.filter(courier_profile__isnull=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            remittance_record(remittance=obj, recorded_by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False
