"""Exports in the admin: the add form is the request (data, days, CSV or Excel); the list
shows each export's state with a progress bar that moves while it is built, and a
download link under it once it is ready. Staff see their own exports (superusers see all)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.moderation.exports import views as export_views
from shop.moderation.exports.services import (
    KIND_PERMISSIONS,
    PERSONAL_PERMISSION,
    ExportError,
    export_dates_check,
    export_kind_allowed,
    export_kinds_for,
    export_start,
)
from shop.moderation.models import Export


class ExportRequestForm(forms.ModelForm):
    user = None  # set by ExportAdmin.get_form

    class Meta:
        model = Export
        fields = ["kind", "format", "date_from", "date_to"]
        widgets = {
            "date_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "date_to": lazy_text(
                gettext_lazy("Rows created from the start of the first day to the end of the last, in %(site)s's time zone."),
                site=SITE_NAME,
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" not in self.fields:  # the page of an export made: every field read-only
            return
        allowed = set(export_kinds_for(self.user)) if self.user is not None else set()
        self.fields["kind"].choices = [(value, label) for value, label in Export.Kind.choices if value in allowed]

    def clean(self):
        cleaned = super().clean()
        if "date_from" in cleaned and "date_to" in cleaned:
            try:
                export_dates_check(cleaned["date_from"], cleaned["date_to"])
            except ExportError as error:
                raise ValidationError(str(error.args[0])) from error
        return cleaned


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["what", "period", "progress", "created_at"]
    list_display_links = ["what"]
    list_filter = ["status", "kind"]
    list_select_related = ["requested_by"]
    list_per_page = 50
    form = ExportRequestForm
    change_list_template = "moderation/export_change_list.html"
    change_form_template = "moderation/export_change_form.html"

    class Media:
        css = {"all": ["moderation/exports.css"]}
        js = ["moderation/exports.js"]

    # Who may do what --------------------------------------------------------------------

    def has_add_permission(self, request):
        return bool(export_kinds_for(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        exports = super().get_queryset(request)
        return exports if request.user.is_superuser else exports.filter(requested_by=request.user)

    # Pages ------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("progress/", self.admin_site.admin_view(self.progress_view), name="moderation_export_progress"),
            path("<int:pk>/download/", self.admin_site.admin_view(export_views.export_download), name="moderation_export_download"),
            *super().get_urls(),
        ]

    def progress_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return export_views.export_progress(request, self.get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "format", "date_from", "date_to"]
        return [
            "kind", "format", "date_from", "date_to", "personal_data", "progress", "requested_by", "created_at",
            "finished_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def add_view(self, request, form_url="", extra_context=None):
        kind = request.POST.get("kind", "") if request.method == "POST" else ""
        if kind in KIND_PERMISSIONS and not export_kind_allowed(request.user, kind):
            raise PermissionDenied
        extra_context = {
            **(extra_context or {}),
            "export_personal": request.user.has_perm(PERSONAL_PERMISSION),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
        }
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        export_start(export=obj, user=request.user)

    def delete_model(self, request, obj):
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for export in queryset:
            export.file.delete(save=False)
        super().delete_queryset(request, queryset)

    # Columns ----------------------------------------------------------------------------

    def get_list_display(self, request):
        # Staff see only their own exports; a superuser sees everyone's, and who asked.
        return [*self.list_display, "requested_by"] if request.user.is_superuser else self.list_display

    @admin.display(description=gettext_lazy("export"), ordering="kind")
    def what(self, export):
        label = format_html("{} · {}", export.get_kind_display(), export.get_format_display())
        if export.personal_data:
            return format_html('{}<br><span class="export-personal">{}</span>', label, gettext("with personal data"))
        return label

    @admin.display(description=gettext_lazy("days"), ordering="date_from")
    def period(self, export):
        first = format_html('<span class="export-day">{}</span>', f"{export.date_from:%Y-%m-%d}")
        if export.date_from == export.date_to:
            return first
        return format_html('{} – <span class="export-day">{}</span>', first, f"{export.date_to:%Y-%m-%d}")

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def progress(self, export):
        """The status, a bar (rows written of rows) and the counts; the list's script moves
        the bar while the export is built."""
        if export.status == Export.Status.DONE:
            rows = max(export.rows_total, export.rows_done)
            value, maximum = rows or 1, rows or 1
        elif export.rows_total:
            value, maximum = export.rows_done, export.rows_total
        else:
            value, maximum = None, None
        if value is None:
            # No value: the browser draws an indeterminate bar (queued, or counting rows).
            bar = format_html('<progress class="export-progress" data-export="{}" data-state="{}"></progress>',
                              export.pk, export.status)
        else:
            bar = format_html(
                '<progress class="export-progress" data-export="{}" data-state="{}" value="{}" max="{}"></progress>',
                export.pk, export.status, value, maximum,
            )
        error = format_html('<span class="export-error">{}</span>', export.error) if export.error else ""
        link = self.download(export) if export.status == Export.Status.DONE else ""
        return format_html(
            '<span class="export-progress-cell"><span class="export-state" data-export-state="{}">{}</span>{}'
            '<span class="export-count" data-export-count="{}" title="{}">{}</span>{}{}</span>',
            export.pk, export.get_status_display(), bar, export.pk, gettext("rows written / rows"),
            f"{export.rows_done:,} / {export.rows_total:,}", error, link,
        )

    @admin.display(description=gettext_lazy("file"))
    def download(self, export):
        if export.status != Export.Status.DONE or not export.file:
            return ""
        return format_html(
            '<a class="export-download" href="{}" download>{}</a>',
            reverse("admin:moderation_export_download", args=[export.pk]),
            gettext("Download %(format)s") % {"format": export.get_format_display()},
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "progress_url": reverse("admin:moderation_export_progress")}
        return super().changelist_view(request, extra_context)
