from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from .models import Store, StoreHours, StoreInvite, StoreMember
from .selectors import store_currency_fixed


class StoreMemberInline(admin.TabularInline):
    model = StoreMember
    extra = 0
    autocomplete_fields = ["user"]


class StoreHoursInline(admin.TabularInline):
    model = StoreHours
    extra = 0
    max_num = 7


class StoreInviteInline(admin.TabularInline):
    model = StoreInvite
    extra = 0
    fields = ["email", "invited_by", "created_at", "expires_at", "accepted_at", "accepted_by"]
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # invites carry an emailed token: owners send them from the dashboard


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "area", "verified", "rating_avg", "orders_count", "created_at"]
    list_display_links = ["name"]
    list_editable = ["verified"]
    list_filter = [
        "verified", "delivers_local", "delivers_national", "delivers_international", "delivers_digital",
        ("categories", admin.RelatedOnlyFieldListFilter), "area__kind",
    ]
    list_select_related = ["area__parent__parent__parent"]
    search_fields = ["name", "slug", "tagline", "tags", "email", "phone", "area__name", "area_label", "memberships__user__email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area"]
    raw_id_fields = ["logo", "cover"]
    filter_horizontal = ["categories"]
    # The wallet that receives stablecoin payouts is the owner's to set, never staff's.
    readonly_fields = [
        "rating_avg", "rating_count", "orders_count", "ens_verified_at", "ens_address", "wallet_address", "created_at", "updated_at"
    ]
    actions = ["mark_verified", "mark_unverified"]
    inlines = [StoreMemberInline, StoreHoursInline, StoreInviteInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "verified", "currency", "tagline", "description", ("logo", "cover")]}),
        (gettext_lazy("Contact"), {"fields": [("phone", "email"), ("x_handle", "telegram"), ("discord", "ens_name", "ens_verified_at", "ens_address")]}),
        (gettext_lazy("Catalogue"), {"fields": ["categories", "tags"]}),
        (gettext_lazy("Location and hours"), {"fields": ["area", "area_label", ("latitude", "longitude"), "time_zone"]}),
        (gettext_lazy("Delivery"), {"fields": [("delivers_local", "delivers_national", "delivers_international", "delivers_digital")]}),
        (gettext_lazy("Payouts"), {"fields": ["wallet_address"]}),
        (gettext_lazy("Figures"), {"fields": [("rating_avg", "rating_count", "orders_count"), ("created_at", "updated_at")]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and store_currency_fixed(obj):
            fields.append("currency")
        return fields

    @admin.action(description=gettext_lazy("Mark the selected stores verified"), permissions=["change"])
    def mark_verified(self, request, queryset):
        count = queryset.update(verified=True)
        self.message_user(request, ngettext("%(count)s store marked verified.", "%(count)s stores marked verified.", count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Remove the verified badge from the selected stores"), permissions=["change"])
    def mark_unverified(self, request, queryset):
        count = queryset.update(verified=False)
        self.message_user(request, ngettext("%(count)s store no longer verified.", "%(count)s stores no longer verified.", count) % {"count": count}, messages.SUCCESS)


@admin.register(StoreInvite)
class StoreInviteAdmin(admin.ModelAdmin):
    list_display = ["email", "store", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "store__name"]
    list_select_related = ["store", "invited_by"]
    readonly_fields = ["store", "email", "token_hash", "invited_by", "expires_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request):
        return False
