"""The moderation log in the admin: read only, as the log itself is append-only."""

import json

from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.admin import ReadOnlyAdmin, key_is_valid

from ..models import LogEntry


class ActorFilter(admin.SimpleListFilter):
    """Staff who acted, or Soko by itself."""

    title = gettext_lazy("by")
    parameter_name = "by"
    AUTOMATIC = "soko"

    def lookups(self, request, model_admin):
        actors = (
            LogEntry.objects.filter(actor__isnull=False)
            .order_by("actor__email")
            .values_list("actor_id", "actor__email")
            .distinct()
        )
        automatic = _("%(site)s (automatic)") % {"site": settings.SOKO_SITE_NAME}
        return [(self.AUTOMATIC, automatic), *((str(pk), email) for pk, email in actors)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.AUTOMATIC:
            return queryset.filter(actor__isnull=True)
        if value and value.isascii() and value.isdigit() and key_is_valid(LogEntry._meta.get_field("actor").target_field, value):
            return queryset.filter(actor_id=int(value))
        return queryset


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "by", "action", "target_type", "target_link", "why"]
    list_filter = ["action", ActorFilter, ("target_type", admin.RelatedOnlyFieldListFilter), "created_at"]
    list_select_related = ["actor", "target_type"]
    search_fields = ["target_label", "reason", "actor__email"]
    date_hierarchy = "created_at"
    fields = ["created_at", "by", "action", "target_type", "target_link", "reason", "before_json", "after_json"]
    readonly_fields = fields
    actions = None

    @admin.display(description=gettext_lazy("by"), ordering="actor__email")
    def by(self, entry):
        return str(entry.actor) if entry.actor_id else _("%(site)s (automatic)") % {"site": settings.SOKO_SITE_NAME}

    @admin.display(description=gettext_lazy("target"), ordering="target_label")
    def target_link(self, entry):
        label = entry.target_label or f"#{entry.target_id}"
        try:
            url = reverse(f"admin:{entry.target_type.app_label}_{entry.target_type.model}_change", args=[entry.target_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=gettext_lazy("why"))
    def why(self, entry):
        return Truncator(entry.reason).chars(80)

    @admin.display(description=gettext_lazy("before"))
    def before_json(self, entry):
        return format_html('<pre class="log-change">{}</pre>', json.dumps(entry.before, ensure_ascii=False, indent=1, default=str))

    @admin.display(description=gettext_lazy("after"))
    def after_json(self, entry):
        return format_html('<pre class="log-change">{}</pre>', json.dumps(entry.after, ensure_ascii=False, indent=1, default=str))
