"""The account's notice page: its standing, the reason and date of each action taken on
it, what of theirs Soko has hidden, and the appeal forms. A deactivated account reaches
this page and nothing else."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shop.core.ids import int_or_none

from ..models import Appeal
from .selectors import account_actions_of, appeals_of
from .services import APPEAL_MAX, AppealError, appeal_file, appealable_action, appealable_takedowns

HISTORY = 20


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your appeal"),
        max_length=APPEAL_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Say why the decision should change, and anything staff should know. Staff answer here."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def standing(request):
    user = request.user
    action = appealable_action(user)
    open_appeal = Appeal.objects.filter(action=action, status=Appeal.Status.OPEN).first() if action else None
    takedowns = appealable_takedowns(user)
    appealed = set(
        Appeal.objects.filter(takedown__in=takedowns, status=Appeal.Status.OPEN).values_list("takedown_id", flat=True)
    )
    # Which form was sent: the account's, or one take-down's (``takedown`` names it).
    for_takedown = request.method == "POST" and "takedown" in request.POST
    sent_for = int_or_none(request.POST.get("takedown")) if for_takedown else None
    takedown = next((t for t in takedowns if t.pk == sent_for), None)
    form = AppealForm(request.POST if request.method == "POST" and not for_takedown else None)
    takedown_form = AppealForm(request.POST, auto_id=f"td{takedown.pk}_%s") if takedown is not None else None
    status = 200
    if request.method == "POST":
        sent = takedown_form if takedown is not None else form
        if for_takedown and takedown is None:
            messages.error(request, _("This take-down cannot be appealed."))
            status = 400
        elif sent.is_valid():
            try:
                appeal_file(user=user, text=sent.cleaned_data["text"], takedown=takedown)
            except AppealError as error:
                sent.add_error(None, str(error))
                status = 400
            else:
                messages.success(
                    request,
                    _("Your appeal reached %(site)s's staff. Their answer will appear on this page.")
                    % {"site": settings.SOKO_SITE_NAME},
                )
                return redirect("moderation:standing")
        else:
            status = 400
    actions = list(account_actions_of(user=user)[:HISTORY])
    # The person has seen the actions listed here.
    unseen = [a.pk for a in actions if a.seen_at is None]
    if unseen and request.method == "GET":
        type(actions[0]).objects.filter(pk__in=unseen).update(seen_at=timezone.now())
    context = {
        "action": action,
        "open_appeal": open_appeal,
        "form": form if action is not None and open_appeal is None else None,
        "actions": actions,
        "appeals": list(appeals_of(user=user)[:HISTORY]),
        "takedowns": [
            {"takedown": t, "appealed": t.pk in appealed, "form": takedown_form if t == takedown else AppealForm(auto_id=f"td{t.pk}_%s")}
            for t in takedowns
        ],
        "deactivated": user.is_deactivated,
        "suspended": user.is_suspended_now,
    }
    return render(request, "moderation/standing.html", context, status=status)
