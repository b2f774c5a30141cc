from django.contrib import admin, messages
from django.utils.translation import gettext_lazy

from .models import CourierProfile
from .services import courier_profile_review


@admin.register(CourierProfile)
class CourierProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phone", "vehicle", "service_area", "status", "created_at"]
    list_filter = ["status", "vehicle"]
    search_fields = ["user__email", "phone", "service_area"]
    readonly_fields = ["status", "reviewed_at", "reviewed_by"]
    actions = ["approve", "reject"]

    @admin.action(description=gettext_lazy("Approve selected courier profiles"))
    def approve(self, request, queryset):
        for profile in queryset:
            courier_profile_review(profile=profile, reviewer=request.user, approve=True)
        messages.success(request, f"{queryset.count()} courier profile(s) approved.")

    @admin.action(description=gettext_lazy("Reject selected courier profiles"))
    def reject(self, request, queryset):
        for profile in queryset:
            courier_profile_review(profile=profile, reviewer=request.user, approve=False)
        messages.success(request, f"{queryset.count()} courier profile(s) rejected.")
