"""Account actions in the admin: on each user's page, warn / suspend (with an end) /
deactivate / reinstate, each a small form with the reason the person reads (the
``moderation.act_on_account`` permission, 403 otherwise); the page lists the account's
actions, appeals, bidding blocks and unpaid wins (its moderation log is below, as on every
change page). Appeals are granted (the account is reinstated) or refused with a response
(``act_on_account`` too)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.admin import UserAdmin
from shop.accounts.models import Standing
from shop.core.admin import ReadOnlyAdmin
from shop.core.ids import int_or_none
from shop.core.selectors.i18n import SITE_NAME, lazy_text

from ..accounts.selectors import account_actions_of, appeals_of, bidding_record_of
from ..accounts.services import RESPONSE_MAX, AccountActionError, AppealError, account_act, appeal_decide
from ..models import AccountAction, Appeal
from ..reports.services import ReportError, takedown_appeal_decide

ACT_PERM = "moderation.act_on_account"
K = AccountAction.Kind

# (label, what it does) of each action on an account.
ACTIONS = {
    K.WARN: (gettext_lazy("Warn"), gettext_lazy("The person reads the reason in a notification and on their account page; nothing else changes.")),
    K.SUSPEND: (
        gettext_lazy("Suspend"),
        gettext_lazy("Until the end you give, the person can read their orders and appeal, but cannot sell, bid, chat or check out."),
    ),
    K.DEACTIVATE: (
        gettext_lazy("Deactivate"),
        lazy_text(
            gettext_lazy(
                "Signed out everywhere at once, open pages lose their live connection; they may sign in only to read the notice "
                "and appeal. The listings of stores they own alone are hidden and %(site)s stops bidding for them."
            ),
            site=SITE_NAME,
        ),
    ),
    K.REINSTATE: (gettext_lazy("Reinstate"), gettext_lazy("Back to good standing: what a deactivation hid comes back as it was.")),
}


def actions_available(user) -> list:
    """The actions that change something for ``user`` now."""
    if user.standing == Standing.DEACTIVATED:
        return [K.WARN, K.SUSPEND, K.REINSTATE]
    if user.is_suspended_now:
        return [K.WARN, K.SUSPEND, K.DEACTIVATE, K.REINSTATE]
    return [K.WARN, K.SUSPEND, K.DEACTIVATE]


class AccountActionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Shown to the person, and kept in the moderation log."),
    )
    until = forms.DateTimeField(
        label=gettext_lazy("Until"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=gettext_lazy("When the suspension ends by itself (your time zone)."),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == K.SUSPEND:
            self.fields["until"].required = True
        else:
            del self.fields["until"]

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.now():
            raise forms.ValidationError(_("Choose an end in the future."))
        return until


class AppealDecisionForm(forms.Form):
    response = forms.CharField(
        label=gettext_lazy("Response"), max_length=RESPONSE_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("The person reads it on their account page; kept in the moderation log."),
    )


# --- Users ------------------------------------------------------------------------------------


class StandingUserAdmin(UserAdmin):
    change_form_template = "admin/moderation/user_change_form.html"

    def get_urls(self):
        return [
            path("<int:pk>/act/<str:kind>/", self.admin_site.admin_view(self.act_view), name="accounts_user_act"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = get_user_model().objects.filter(pk=int_or_none(object_id)).first()
        extra = dict(extra_context or {})
        if user is not None:
            can_act = request.user.has_perm(ACT_PERM) and request.user.pk != user.pk
            extra |= {
                "account_actions": list(account_actions_of(user=user)[:50]),
                "account_appeals": list(appeals_of(user=user)[:50]),
                "bidding": bidding_record_of(user=user),
                "act_buttons": [(kind, ACTIONS[kind][0]) for kind in actions_available(user)] if can_act else [],
            }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def act_view(self, request, pk: int, kind: str):
        if not request.user.has_perm(ACT_PERM):
            raise PermissionDenied
        if kind not in ACTIONS:
            raise Http404
        user = get_user_model().objects.filter(pk=pk).first()
        if user is None:
            raise Http404
        back = reverse("admin:accounts_user_change", args=[user.pk])
        label, explanation = ACTIONS[kind]
        form = AccountActionForm(request.POST or None, kind=kind)
        if request.method == "POST" and form.is_valid():
            try:
                account_act(user=user, kind=kind, reason=form.cleaned_data["reason"], actor=request.user, until=form.cleaned_data.get("until"))
            except AccountActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("%(action)s: done for %(user)s.") % {"action": label, "user": user})
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{label}: {user}",
            "subject": user,
            "explanation": explanation,
            "form": form,
            "submit": label,
            "back": back,
            "kind": kind,
        }
        return TemplateResponse(request, "admin/moderation/account_act.html", context, status=200 if request.method == "GET" else 400)


if admin.site.is_registered(get_user_model()):
    admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StandingUserAdmin)


# --- Account actions and appeals ----------------------------------------------------------------


@admin.register(AccountAction)
class AccountActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "reason", "until", "created_by", "seen_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__email", "reason"]
    list_select_related = ["user", "created_by"]
    date_hierarchy = "created_at"
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AccountAction._meta.fields]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "action_kind", "status", "decided_at", "decided_by"]
    list_filter = ["status", "action__kind"]
    search_fields = ["user__email", "text", "response"]
    list_select_related = ["user", "action", "takedown__case", "decided_by"]
    fields = ["user", "action", "takedown", "action_reason", "text", "status", "response", "decided_at", "decided_by", "created_at"]
    readonly_fields = fields
    change_form_template = "admin/moderation/appeal_change_form.html"
    actions = None

    @admin.display(description=gettext_lazy("action appealed"), ordering="action__kind")
    def action_kind(self, appeal):
        return appeal.appealed

    @admin.display(description=gettext_lazy("reason given"))
    def action_reason(self, appeal):
        return appeal.action.reason if appeal.action_id else appeal.takedown.reason

    def get_urls(self):
        return [
            path("<int:pk>/decide/<str:decision>/", self.admin_site.admin_view(self.decide_view), name="moderation_appeal_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appeal = Appeal.objects.filter(pk=int_or_none(object_id)).first()
        extra = dict(extra_context or {})
        can = appeal is not None and appeal.status == Appeal.Status.OPEN and request.user.has_perm(ACT_PERM)
        grant = _("Grant (show it again)") if can and appeal.takedown_id else _("Grant (reinstate)")
        extra["appeal_decisions"] = [("grant", grant), ("refuse", _("Refuse"))] if can else []
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def decide_view(self, request, pk: int, decision: str):
        if not request.user.has_perm(ACT_PERM):
            raise PermissionDenied
        appeal = Appeal.objects.filter(pk=pk).select_related("user", "action", "takedown__case").first()
        if appeal is None or decision not in ("grant", "refuse"):
            raise Http404
        back = reverse("admin:moderation_appeal_change", args=[appeal.pk])
        label = _("Grant the appeal") if decision == "grant" else _("Refuse the appeal")
        form = AppealDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            # A take-down's appeal is decided as the case is: granting it reverses the take-down.
            decide = takedown_appeal_decide if appeal.takedown_id else appeal_decide
            try:
                decide(appeal=appeal, actor=request.user, grant=decision == "grant", response=form.cleaned_data["response"])
            except (AppealError, ReportError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("%(decision)s: done.") % {"decision": label})
                return redirect(back)
        if decision != "grant":
            explanation = _("The action stands; the person reads your response.")
        elif appeal.takedown_id:
            explanation = _("The take-down is reversed: what it hid is shown again, and the person reads your response.")
        else:
            explanation = _("The action is lifted: the account is back in good standing, and the person reads your response.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": label,
            "subject": appeal.user,
            "quote": appeal.text,
            "explanation": explanation,
            "form": form,
            "submit": label,
            "back": back,
        }
        return TemplateResponse(request, "admin/moderation/account_act.html", context, status=200 if request.method == "GET" else 400)
