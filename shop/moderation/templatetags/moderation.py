"""``{% load moderation %}{% report_link obj %}``: the "Report" link of a product, store,
user, review, chat message or auction, for any app's templates. It is left out for the
person who answers for ``obj`` (their own product, store, review, message or self)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from shop.moderation.models import REPORTABLE
from shop.moderation.reports.selectors import kind_of

register = template.Library()


def _store_ids(context, user) -> set[int]:
    """The stores ``user`` is on the team of, read once per request."""
    request = context.get("request")
    cached = getattr(request, "_moderation_store_ids", None) if request is not None else None
    if cached is None:
        mode_keys = context.get("mode_keys")
        if isinstance(mode_keys, set) and "store" not in mode_keys:
            cached = set()  # the navbar found no store of theirs: no query
        else:
            cached = set(user.store_memberships.values_list("store_id", flat=True))
        if request is not None:
            request._moderation_store_ids = cached
    return cached


def _answers_for(context, user, obj, kind: str) -> bool:
    if kind == "review":
        return obj.author_id == user.pk
    if kind == "message":
        return obj.sender_id == user.pk
    if kind == "user":
        return obj.pk == user.pk
    store_id = obj.pk if kind == "store" else obj.store_id
    return store_id in _store_ids(context, user)


@register.simple_tag(takes_context=True)
def report_link(context, obj, style: str = "link"):
    """``style``: "link" (a small text link), "icon" (the flag alone, labelled for screen
    readers), "item" (a dropdown item) or "button"."""
    kind = kind_of(obj) if obj is not None else None
    if kind is None or obj.pk is None:
        return ""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is not None and user.is_authenticated and _answers_for(context, user, obj, kind):
        return ""
    url = reverse("moderation:report", args=[kind, obj.pk])
    if request is not None:
        url += "?" + urlencode({"next": request.get_full_path()})
    label = _("Report this %(kind)s") % {"kind": REPORTABLE[obj._meta.label_lower]}
    if style == "icon":
        return format_html(
            '<a class="report-link small" href="{}" rel="nofollow" title="{}" aria-label="{}" data-testid="report-link">'
            '<i class="bi bi-flag" aria-hidden="true"></i></a>',
            url, label, label,
        )
    classes = {
        "button": "btn btn-sm btn-outline-secondary report-link",
        "item": "dropdown-item report-link",
    }.get(style, "report-link small link-secondary text-decoration-none")
    return format_html(
        '<a class="{}" href="{}" rel="nofollow" title="{}" data-testid="report-link"><i class="bi bi-flag" aria-hidden="true"></i> '
        '<span class="text-decoration-underline">{}</span></a>',
        classes, url, label, _("Report"),
    )


@register.filter
def reported_kind(content_type) -> str:
    """The word for a report's kind of target ("product", "chat message")."""
    return REPORTABLE.get(f"{content_type.app_label}.{content_type.model}", "")
