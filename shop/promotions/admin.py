from django import forms
from django.contrib import admin

from shop.core.admin import ReadOnly, ReadOnlyAdmin
from shop.core.validators import currency_code_clean, money_fields_check

from .models import LoyaltyEntry, PromoCode, PromoRedemption, Sale, SaleItem
from .services.codes import code_normalise


class SaleItemInline(ReadOnly, admin.TabularInline):
    model = SaleItem
    extra = 0
    fields = readonly_fields = ["variant", "price_before", "compare_at_before", "sale_price", "running"]


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    """Stores run their sales from the dashboard; staff read them here."""

    list_display = ["name", "store", "kind", "amount", "starts_at", "ends_at", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "store__name"]
    inlines = [SaleItemInline]


class PromoCodeAdminForm(forms.ModelForm):
    """An amount off (not a percentage) and the minimum order are money of the code's
    currency: a fraction finer than its minor unit is refused, never rounded later."""

    class Meta:
        model = PromoCode
        fields = [
            "code", "store", "kind", "amount", "currency", "min_order", "starts_at", "ends_at", "max_uses",
            "max_uses_per_customer", "first_order_only", "active",
        ]

    def clean_currency(self):
        return currency_code_clean(self.cleaned_data.get("currency"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("currency"):
            fixed = cleaned.get("kind") == PromoCode.Kind.FIXED
            money_fields_check(self, cleaned["currency"], ["min_order"] + (["amount"] if fixed else []))
        return cleaned


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    """Soko's own codes are made here (leave the store empty); stores make theirs from the dashboard."""

    list_display = ["code", "store", "kind", "amount", "currency", "uses", "max_uses", "starts_at", "ends_at", "active"]
    list_filter = ["active", "kind", "currency", ("store", admin.EmptyFieldListFilter)]
    search_fields = ["code", "store__name"]
    raw_id_fields = ["store", "created_by"]
    readonly_fields = ["uses", "created_by"]
    form = PromoCodeAdminForm

    def save_model(self, request, obj, form, change):
        obj.code = code_normalise(obj.code)
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PromoRedemption)
class PromoRedemptionAdmin(ReadOnlyAdmin):
    list_display = ["code", "buyer", "checkout", "amount", "created_at", "returned_at"]
    search_fields = ["code__code", "buyer__email"]


@admin.register(LoyaltyEntry)
class LoyaltyEntryAdmin(ReadOnlyAdmin):
    """Shoppers' points histories, for support to answer "where did my points go?"."""

    list_display = ["created_at", "user", "kind", "points", "currency", "order", "remaining", "expires_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["user__email", "order__number"]
    list_select_related = ["user", "order"]
    date_hierarchy = "created_at"
