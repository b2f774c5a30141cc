"""The admin's trust-and-safety parts: ``{% moderation_log original %}`` on change pages and
``{% staff_dashboard %}`` on the admin's landing page."""

import json

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst

from ..models import Case
from ..selectors.dashboard import chart_data, dashboard_for_user
from ..selectors.log import entries_for

register = template.Library()

# Kinds whose change page shows the log even while it is empty.
ALWAYS = {
    "catalog.product", "sellers.store", "accounts.user", "reviews.review", "chat.message", "auctions.auction",
    "orders.order", "moderation.complaint", "moderation.appeal", "returns.returnrequest",
    "payments.paymentflag",
}
SHOWN = 50


def _pretty(value, model=None) -> str:
    """``{"status": "awaiting_reply"}`` as ``Status: Awaiting a reply``, one field a line: a
    field of ``model`` by its label, a choice by its label, a moment in the reader's time;
    anything else as it was written."""
    if not value:
        return ""
    if not isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "\n".join(_line(key, item, _field(model, key)) for key, item in sorted(value.items()))


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _line(key: str, item, field) -> str:
    label = capfirst(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else key
    shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str)
    if field is not None and getattr(field, "choices", None) and isinstance(item, str):
        shown = str(dict(field.flatchoices).get(item, item))
    elif isinstance(field, models.DateTimeField) and isinstance(item, str):
        moment = parse_datetime(item)
        shown = date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment and timezone.is_aware(moment) else item
    return f"{label}: {shown}"


@register.inclusion_tag("admin/moderation/_log.html", takes_context=True)
def moderation_log(context, obj):
    request = context.get("request")
    if obj is None or obj.pk is None or request is None or not request.user.has_perm("moderation.view_logentry"):
        return {"show": False}
    if isinstance(obj, Case):
        return {"show": False}  # a case's page shows its target's log itself
    entries = list(entries_for(obj)[: SHOWN + 1])
    opts = obj._meta
    show = bool(entries) or f"{opts.app_label}.{opts.model_name}" in ALWAYS
    return {
        "show": show,
        "entries": [
            {"entry": entry, "before": _pretty(entry.before, type(obj)), "after": _pretty(entry.after, type(obj))}
            for entry in entries[:SHOWN]
        ],
        "more": len(entries) > SHOWN,
        "log_url": "admin:moderation_logentry_changelist",
        "target_type": ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
        "target_id": obj.pk,
        # An inclusion tag's template sees only what the tag returns, not the context processors'.
        "site_name": settings.SOKO_SITE_NAME,
    }


@register.inclusion_tag("admin/moderation/_dashboard.html", takes_context=True)
def staff_dashboard(context):
    request = context.get("request")
    if request is None or not request.user.is_staff:
        return {"figures": None}
    figures = dashboard_for_user(request.user)
    return {"figures": figures, "chart_data": chart_data(figures), "site_name": settings.SOKO_SITE_NAME}
