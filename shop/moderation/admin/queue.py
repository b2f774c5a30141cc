"""The staff queue page (/admin/moderation/queue/): everything waiting for staff, filtered
by kind, with bulk actions on ticked rows of one kind. Each action goes through the
service that owns the change, which writes one moderation log entry per item."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.catalog.services.products import ModerationError, product_approve, product_reject
from shop.core.admin import key_is_valid
from shop.core.refusals import REFUSED_STATUS
from shop.payments.services import FlagNeedsAction, flag_resolve

from ..models import Case
from ..reports.services import ReportError, case_confirm, case_dismiss
from ..selectors.queue import (
    KINDS,
    QUEUE_LIMIT,
    queue_counts_for_user,
    queue_kinds_for_user,
    queue_querysets_for_user,
    queue_rows_for_user,
)

NOTE_MAX = 300
PAGES_MAX = 1000


def _approve(item, *, actor, note):
    product_approve(product=item, actor=actor)


def _reject(item, *, actor, note):
    product_reject(product=item, reason=note, actor=actor)


def _dismiss(item, *, actor, note):
    case_dismiss(case=item, actor=actor, reason=note)


def _confirm(item, *, actor, note):
    if item.status != Case.Status.TAKEN_DOWN:
        raise ReportError(_("Nothing is taken down: dismiss the reports or take it down from the case's page."))
    case_confirm(case=item, actor=actor, reason=note)


def _resolve(item, *, actor, note):
    try:
        resolved = flag_resolve(flag=item, actor=actor, note=note)
    except FlagNeedsAction as error:
        raise ModerationError(str(error)) from error
    if not resolved:
        raise ModerationError(_("Resolved already."))


# key: (kind, label, needs a note, service). The kind's permission is checked for each.
ACTIONS = {
    "approve": ("product", gettext_lazy("Approve the ticked products"), False, _approve),
    "reject": ("product", gettext_lazy("Reject the ticked products (the note is the reason the seller reads)"), True, _reject),
    "dismiss": ("case", gettext_lazy("Dismiss the ticked cases' reports (nothing is taken down)"), True, _dismiss),
    "confirm": ("case", gettext_lazy("Confirm the ticked take-downs"), True, _confirm),
    "resolve": ("flag", gettext_lazy("Mark the ticked payment flags resolved with the note"), True, _resolve),
}
ERRORS = (ModerationError, ReportError)


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"))
    rows = forms.MultipleChoiceField(
        label=gettext_lazy("Rows"), error_messages={"required": gettext_lazy("Tick the rows to act on.")}
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=gettext_lazy("Why: kept in the moderation log (at most 300 characters)."),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = {kind.key for kind in kinds}
        self.fields["action"].choices = [("", "———")] + [
            (key, label) for key, (kind, label, _note, _service) in ACTIONS.items() if kind in allowed
        ]
        self.allowed = allowed

    def clean_rows(self):
        rows = []
        for value in self.data.getlist("rows")[:QUEUE_LIMIT]:
            kind, _sep, pk = value.partition(":")
            if kind not in KINDS or not key_is_valid(Case._meta.pk, pk):
                raise forms.ValidationError(_("Tick rows shown in the queue."))
            rows.append((kind, int(pk)))
        return rows

    def clean(self):
        cleaned = super().clean()
        action, rows = cleaned.get("action"), cleaned.get("rows")
        if not action or rows is None:
            return cleaned
        kind, _label, needs_note, _service = ACTIONS[action]
        if any(row_kind != kind for row_kind, _pk in rows):
            self.add_error("rows", _("Tick rows of one kind: this action applies to “%(kind)s” only.") % {"kind": KINDS[kind].label})
        if needs_note and not cleaned.get("note", "").strip():
            self.add_error("note", _("Write a note: it is kept in the moderation log."))
        return cleaned

    def full_clean(self):
        # The rows are checked by clean_rows, not against a list of choices.
        self.fields["rows"].choices = [(value, value) for value in self.data.getlist("rows")] if self.is_bound else []
        super().full_clean()


def _query(kind: str | None, page: int) -> str:
    params = {key: value for key, value in (("kind", kind), ("page", page if page > 1 else None)) if value}
    return f"?{urlencode(params)}" if params else ""


def _apply(request, form) -> int:
    """Run the action on each ticked row still waiting; say how it went. Returns how many were done."""
    kind, _label, _needs_note, service = ACTIONS[form.cleaned_data["action"]]
    ids = [pk for _kind, pk in form.cleaned_data["rows"]]
    waiting = {item.pk: item for item in queue_querysets_for_user(request.user)[kind].filter(pk__in=ids)}
    done = 0
    for pk in ids:
        item = waiting.get(pk)
        if item is None:
            messages.warning(request, _("Row %(pk)s is no longer waiting: left as it is.") % {"pk": pk})
            continue
        try:
            service(item, actor=request.user, note=form.cleaned_data["note"].strip())
        except ERRORS as error:
            # Translators: an item of the staff queue that was left, and why.
            messages.warning(request, _("%(item)s: %(error)s") % {"item": item, "error": error})
        else:
            done += 1
    if done:
        messages.success(request, ngettext("%(count)s item done.", "%(count)s items done.", done) % {"count": done})
    return done


def queue_view(request):
    kinds = queue_kinds_for_user(request.user)
    if not kinds:
        raise PermissionDenied
    allowed = {kind.key for kind in kinds}
    kind = request.GET.get("kind") if request.GET.get("kind") in allowed else None
    try:
        page = min(max(int(request.GET.get("page", 1)), 1), PAGES_MAX)
    except ValueError:
        page = 1
    form = BulkForm(request.POST if request.method == "POST" else None, kinds=kinds)
    status = None
    if form.is_bound:
        if form.is_valid():
            action_kind = ACTIONS[form.cleaned_data["action"]][0]
            if action_kind not in allowed:  # the choices hold only allowed kinds: belt and braces
                raise PermissionDenied
            if _apply(request, form) or not form.cleaned_data["note"].strip():
                return redirect(reverse("admin:moderation_queue") + _query(kind, page))
            # Nothing was done with the note written: the queue again with it, and why (the messages).
            form.add_error(None, _("Nothing was done: see the messages by the form."))
            status = REFUSED_STATUS
        else:
            messages.error(request, _("Nothing was done: see the messages by the form."))
    counts = queue_counts_for_user(request.user)
    offset = (page - 1) * QUEUE_LIMIT if kind else 0
    rows = queue_rows_for_user(request.user, kind=kind, offset=offset)
    total = counts[kind] if kind else sum(counts.values())
    ticked = set(form.data.getlist("rows")) if form.is_bound else set()
    context = {
        **admin.site.each_context(request),
        "title": _("Staff queue"),
        "subtitle": None,
        "kinds": [{"key": k.key, "label": k.label, "count": counts[k.key], "selected": k.key == kind, "url": _query(k.key, 1) or "?"} for k in kinds],
        "kind": kind,
        "rows": rows,
        "ticked": ticked,
        "total": total,
        "all_count": sum(counts.values()),
        "shown_from": offset + 1 if rows else 0,
        "shown_to": offset + len(rows),
        "previous_url": _query(kind, page - 1) or "?" if kind and page > 1 else None,
        "next_url": _query(kind, page + 1) if kind and offset + len(rows) < total else None,
        "form": form,
        "has_actions": len(form.fields["action"].choices) > 1,
    }
    return TemplateResponse(request, "admin/moderation/queue.html", context, status=status)


admin.site.register_page("moderation/queue/", queue_view, "moderation_queue")
