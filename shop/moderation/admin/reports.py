"""Cases and reports in the admin: each case lists its reports, what was taken down and the
target's moderation log; staff confirm, reverse, dismiss or take down with a reason (a
small form page), which needs the ``moderation.decide_case`` permission."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.admin import ReadOnlyAdmin
from shop.core.ids import int_or_none
from shop.core.refusals import REFUSED_STATUS

from ..models import Case, Report, Takedown
from ..reports.selectors import DECIDE_PERM, takedown_in_force
from ..reports.services import ReportError, case_confirm, case_dismiss, case_reverse, case_take_down
from ..selectors.log import entries_for

DECISIONS = {
    "confirm": (case_confirm, gettext_lazy("Confirm the take-down"), gettext_lazy("The take-down stays; the open reports are upheld.")),
    "reverse": (case_reverse, gettext_lazy("Reverse the take-down"), gettext_lazy("What was hidden is shown again; the open reports are rejected.")),
    "dismiss": (case_dismiss, gettext_lazy("Dismiss the reports"), gettext_lazy("Nothing is taken down; the open reports are rejected.")),
    "take_down": (case_take_down, gettext_lazy("Take it down"), gettext_lazy("It is hidden now, before the threshold; the open reports are upheld.")),
}


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Kept in the moderation log; the owner reads it when the target is hidden or shown again."),
    )


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ["created_at", "reporter", "reason", "text", "weight", "status", "decided_at", "decided_by"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def target_admin_url(case: Case) -> str:
    try:
        return reverse(f"admin:{case.target_type.app_label}_{case.target_type.model}_change", args=[case.target_id])
    except NoReverseMatch:
        return ""


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "target_type", "open_reporters", "trusted_weight", "reports_total", "status", "urgent_since", "last_reported_at"]
    list_filter = ["status", "target_type"]
    search_fields = ["target_label"]
    list_select_related = ["target_type"]
    ordering = ["-trusted_weight", "-open_reporters", "-last_reported_at"]
    fields = [
        "target_type", "target_id", "target_label", "target_link", "owner", "status", "open_reporters", "trusted_weight",
        "urgent_since", "last_reported_at",
    ]
    readonly_fields = fields
    inlines = [ReportInline]
    actions = ["confirm_cases", "reverse_cases", "dismiss_cases", "take_down_cases"]
    change_form_template = "admin/moderation/case_change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reports_total=Count("reports", distinct=True))

    @admin.display(description=gettext_lazy("reports"), ordering="reports_total")
    def reports_total(self, case):
        return case.reports_total

    @admin.display(description=gettext_lazy("admin page"))
    def target_link(self, case):
        url = target_admin_url(case)
        return format_html('<a href="{}">{}</a>', url, _("Open in the admin")) if url else "—"

    def has_decide_case_permission(self, request):
        return request.user.has_perm(DECIDE_PERM)

    def get_urls(self):
        return [
            path("<int:pk>/decide/<str:decision>/", self.admin_site.admin_view(self.decide_view), name="moderation_case_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = Case.objects.filter(pk=int_or_none(object_id)).select_related("target_type").first()
        extra = dict(extra_context or {})
        if case is not None:
            takedown = takedown_in_force(target_type=case.target_type, target_id=case.target_id)
            target = case.target
            extra |= {
                "takedown": takedown,
                "takedowns": Takedown.objects.filter(target_type=case.target_type, target_id=case.target_id).select_related(
                    "created_by", "decided_by"
                ),
                "log_entries": list(entries_for(target)[:100]) if target is not None else [],
                "decisions": self._decisions_for(case, takedown) if request.user.has_perm(DECIDE_PERM) else [],
            }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @staticmethod
    def _decisions_for(case: Case, takedown) -> list[tuple[str, str]]:
        has_open = case.reports.filter(status=Report.Status.OPEN).exists()
        if takedown is not None:
            names = ["confirm", "reverse"] if (takedown.confirmed_at is None or has_open) else ["reverse"]
        else:
            names = ["take_down", "dismiss"] if has_open else ["take_down"]
        return [(name, DECISIONS[name][1]) for name in names]

    def _decide(self, request, cases, decision: str, *, back: str):
        """The reason form for ``decision`` on ``cases``; on a valid POST, each is decided."""
        if not request.user.has_perm(DECIDE_PERM):
            raise PermissionDenied
        service, title, explanation = DECISIONS[decision]
        form = DecisionForm(request.POST if "reason" in request.POST else None)
        status = None
        if form.is_valid():
            done, left = 0, []
            for case in cases:
                try:
                    service(case=case, actor=request.user, reason=form.cleaned_data["reason"])
                except ReportError as error:
                    # Translators: a case that was left as it was, and why.
                    left.append(_("%(item)s: %(error)s") % {"item": case, "error": error})
                else:
                    done += 1
            if done:
                for text in left:
                    messages.error(request, text)
                messages.success(request, _("%(decision)s: done for %(n)s case(s).") % {"decision": title, "n": done})
                return redirect(back)
            # Nothing was decided: the form again with the reason as written, and why.
            for text in left:
                form.add_error(None, text)
            status = REFUSED_STATUS
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "explanation": explanation,
            "cases": cases,
            "form": form,
            "decision": decision,
            "action_name": f"{decision}_cases" if decision != "take_down" else "take_down_cases",
            "from_action": "action" in request.POST,
            "back": back,
        }
        return TemplateResponse(request, "admin/moderation/case_decide.html", context, status=status)

    def decide_view(self, request, pk: int, decision: str):
        case = Case.objects.filter(pk=pk).select_related("target_type").first()
        if case is None or decision not in DECISIONS:
            raise Http404
        return self._decide(request, [case], decision, back=reverse("admin:moderation_case_change", args=[case.pk]))

    def _action(self, request, queryset, decision):
        return self._decide(request, list(queryset), decision, back=reverse("admin:moderation_case_changelist"))

    @admin.action(permissions=["decide_case"], description=gettext_lazy("Confirm the take-downs of the selected cases"))
    def confirm_cases(self, request, queryset):
        return self._action(request, queryset, "confirm")

    @admin.action(permissions=["decide_case"], description=gettext_lazy("Reverse the take-downs of the selected cases"))
    def reverse_cases(self, request, queryset):
        return self._action(request, queryset, "reverse")

    @admin.action(permissions=["decide_case"], description=gettext_lazy("Dismiss the reports of the selected cases"))
    def dismiss_cases(self, request, queryset):
        return self._action(request, queryset, "dismiss")

    @admin.action(permissions=["decide_case"], description=gettext_lazy("Take down the selected cases' targets"))
    def take_down_cases(self, request, queryset):
        return self._action(request, queryset, "take_down")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "case", "reporter", "reason", "weight", "status", "created_at", "decided_at"]
    list_filter = ["status", "reason", "counts", "case__target_type"]
    search_fields = ["reporter__email", "case__target_label", "text"]
    list_select_related = ["case", "reporter"]
    raw_id_fields = ["case", "reporter", "decided_by"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Report._meta.fields]
