"""The staff queue: everything waiting for staff, in one list, most urgent first.

Each kind of item (a pending product, a case, a complaint, an escalated return, a payment
flag, a non-paying bidder, an appeal) is read by one query, and counted by one, whatever the
number of rows; a staff member sees only the kinds they have the permission to act on.

Urgency (lower comes first), then age (oldest first):

0. urgent — a take-down waiting for staff to confirm or reverse it; a case Soko left up for
   staff to decide (a store, an account or an auction with bids reported by trusted
   reporters, or anything reported by many people); a complaint past its reply deadline;
1. high — an unresolved payment flag; an escalated return; a complaint waiting for staff;
2. normal — an open case (reports not acted on); an open appeal;
3. low — a product pending review; a complaint waiting for a party's reply; a bidder
   blocked for not paying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy, ngettext

from returns.models import ReturnRequest, ReturnStatus
from shop.auctions.models import BiddingBlock, PaymentViolation
from shop.catalog.models import Product
from shop.payments.models import PaymentFlag

from ..models import REPORTABLE, Appeal, Complaint
from ..models import Case as ReportCase

URGENT, HIGH, NORMAL, LOW = 0, 1, 2, 3
URGENCY_LABELS = {
    URGENT: gettext_lazy("Urgent"),
    HIGH: gettext_lazy("High"),
    NORMAL: gettext_lazy("Normal"),
    LOW: gettext_lazy("Low"),
}
# Rows shown at most: all kinds together, or one kind per page.
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class QueueRow:
    kind: str
    kind_label: str
    pk: int
    title: str
    url: str | None
    detail: str
    since: datetime
    urgency: int
    actionable: bool = False

    @property
    def urgency_label(self):
        return URGENCY_LABELS[self.urgency]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    permission: str
    queryset: callable
    row: callable
    # Bulk actions offered on ticked rows of this kind (keys of the admin's actions).
    actions: tuple[str, ...] = field(default=())


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # that part of the admin is not there
        return None


def _short(text: str, words: int = 14) -> str:
    return Truncator(text or "").words(words)


# Products ---------------------------------------------------------------------------------


def _products(now):
    return (
        Product.objects.filter(status=Product.Status.PENDING)
        .select_related("store")
        .annotate(urgency=Value(LOW, IntegerField()), since=F("created_at"))
    )


def _product_row(kind, product):
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=product.pk,
        title=f"{product.title} · {product.store.name}",
        url=_url("admin:catalog_product_change", product.pk),
        detail=product.get_kind_display(),
        since=product.since, urgency=product.urgency, actionable=True,
    )


# Cases ------------------------------------------------------------------------------------


def _cases(now):
    return (
        ReportCase.objects.filter(status__in=[ReportCase.Status.OPEN, ReportCase.Status.TAKEN_DOWN])
        .select_related("target_type")
        .annotate(
            open_reports=Count("reports", filter=Q(reports__status="open")),
            urgency=Case(
                When(Q(status=ReportCase.Status.TAKEN_DOWN) | Q(urgent_since__isnull=False), then=Value(URGENT)),
                default=Value(NORMAL),
                output_field=IntegerField(),
            ),
            since=F("created_at"),
        )
    )


def _case_row(kind, case):
    target_kind = capfirst(REPORTABLE.get(f"{case.target_type.app_label}.{case.target_type.model}", case.target_type.model))
    detail = gettext_lazy("%(kind)s · %(reporters)s reporters, %(reports)s open reports") % {
        "kind": target_kind, "reporters": case.open_reporters, "reports": case.open_reports,
    }
    if case.trusted_weight:
        detail = gettext_lazy("%(detail)s · trusted weight %(weight)s") % {"detail": detail, "weight": case.trusted_weight}
    if case.status == ReportCase.Status.TAKEN_DOWN:
        detail = f"{case.get_status_display()} · {detail}"
    elif case.urgent_since is not None:
        detail = gettext_lazy("Left up until staff decide · %(detail)s") % {"detail": detail}
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=case.pk, title=str(case),
        url=_url("admin:moderation_case_change", case.pk), detail=detail,
        since=case.since, urgency=case.urgency, actionable=True,
    )


# Complaints -------------------------------------------------------------------------------


def _complaints(now):
    return (
        Complaint.objects.filter(status__in=[Complaint.Status.OPEN, Complaint.Status.AWAITING_REPLY])
        .select_related("store")
        .annotate(
            urgency=Case(
                When(reply_due_at__lt=now, then=Value(URGENT)),
                When(Q(status=Complaint.Status.OPEN) | Q(waiting_for=Complaint.Side.STAFF), then=Value(HIGH)),
                default=Value(LOW),
                output_field=IntegerField(),
            ),
            since=F("created_at"),
        )
    )


def _complaint_row(kind, complaint):
    detail = f"{complaint.get_kind_display()} · {complaint.get_status_display()}"
    if complaint.urgency == URGENT:
        detail = gettext_lazy("%(detail)s · reply overdue") % {"detail": detail}
    elif complaint.waiting_for:
        detail = gettext_lazy("%(detail)s · waiting for: %(side)s") % {"detail": detail, "side": complaint.get_waiting_for_display()}
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=complaint.pk, title=f"{complaint.number} · {complaint.store.name}",
        url=_url("admin:moderation_complaint_change", complaint.pk), detail=detail,
        since=complaint.since, urgency=complaint.urgency,
    )


# Escalated returns ------------------------------------------------------------------------


def _returns(now):
    return (
        ReturnRequest.objects.filter(status=ReturnStatus.ESCALATED)
        .select_related("order", "store")
        .annotate(urgency=Value(HIGH, IntegerField()), since=Coalesce("escalated_at", "created_at"))
    )


def _return_row(kind, ret):
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=ret.pk,
        title=gettext_lazy("Order %(number)s · %(store)s") % {"number": ret.order.number, "store": ret.store.name},
        url=_url("admin:returns_returnrequest_decide", ret.pk),
        detail=f"{ret.get_reason_display()} · {_short(ret.escalation_text, 10)}".rstrip(" ·"),
        since=ret.since, urgency=ret.urgency,
    )


# Payment flags ----------------------------------------------------------------------------


def _flags(now):
    return PaymentFlag.objects.filter(resolved_at__isnull=True).annotate(
        urgency=Value(HIGH, IntegerField()), since=F("created_at")
    )


def _flag_row(kind, flag):
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=flag.pk, title=str(flag),
        url=_url("admin:payments_paymentflag_change", flag.pk), detail=_short(flag.detail),
        since=flag.since, urgency=flag.urgency, actionable=True,
    )


# Non-paying bidders -----------------------------------------------------------------------


def _blocks(now):
    unpaid = (
        PaymentViolation.objects.filter(buyer=OuterRef("user_id"))
        .order_by()
        .values("buyer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        BiddingBlock.objects.filter(lifted_at__isnull=True)
        .select_related("user")
        .annotate(unpaid=Coalesce(Subquery(unpaid, output_field=IntegerField()), 0), urgency=Value(LOW, IntegerField()), since=F("created_at"))
    )


def _block_row(kind, block):
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=block.pk, title=str(block.user),
        url=_url("admin:auctions_biddingblock_change", block.pk),
        detail=ngettext("%(count)s unpaid win · %(reason)s", "%(count)s unpaid wins · %(reason)s", block.unpaid)
        % {"count": block.unpaid, "reason": _short(block.reason, 10)},
        since=block.since, urgency=block.urgency,
    )


# Appeals ----------------------------------------------------------------------------------


def _appeals(now):
    return (
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .select_related("user", "action", "takedown__case")
        .annotate(urgency=Value(NORMAL, IntegerField()), since=F("created_at"))
    )


def _appeal_row(kind, appeal):
    return QueueRow(
        kind=kind.key, kind_label=kind.label, pk=appeal.pk, title=f"{appeal.user} · {appeal.appealed}",
        url=_url("admin:moderation_appeal_change", appeal.pk), detail=_short(appeal.text),
        since=appeal.since, urgency=appeal.urgency,
    )


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind("product", gettext_lazy("Product to review"), "catalog.change_product", _products, _product_row, ("approve", "reject")),
        Kind("case", gettext_lazy("Reported"), "moderation.decide_case", _cases, _case_row, ("dismiss",)),
        Kind("complaint", gettext_lazy("Complaint"), "moderation.resolve_complaint", _complaints, _complaint_row),
        Kind("return", gettext_lazy("Escalated return"), "returns.change_returnrequest", _returns, _return_row),
        Kind("flag", gettext_lazy("Payment flag"), "payments.change_paymentflag", _flags, _flag_row, ("resolve",)),
        Kind("bidder", gettext_lazy("Non-paying bidder"), "auctions.change_biddingblock", _blocks, _block_row),
        Kind("appeal", gettext_lazy("Appeal"), "moderation.act_on_account", _appeals, _appeal_row),
    ]
}


def queue_kinds_for_user(user) -> list[Kind]:
    """The kinds of item ``user`` may act on, in the queue's order."""
    return [kind for kind in KINDS.values() if user.has_perm(kind.permission)]


def queue_querysets_for_user(user, *, now=None) -> dict[str, QuerySet]:
    """Each kind ``user`` may act on, as a query ordered most urgent, then oldest, first."""
    now = now or timezone.now()
    return {kind.key: kind.queryset(now).order_by("urgency", "since", "pk") for kind in queue_kinds_for_user(user)}


def queue_counts_for_user(user) -> dict[str, int]:
    """How many items of each kind wait, for the kinds ``user`` may act on: one query each."""
    return {key: queryset.count() for key, queryset in queue_querysets_for_user(user).items()}


def queue_rows_for_user(user, *, kind: str | None = None, offset: int = 0, limit: int | None = None) -> list[QueueRow]:
    """The queue's rows, most urgent then oldest first: of every kind ``user`` may act on
    (the first ``limit``, by default ``QUEUE_LIMIT``), or of one kind (``limit`` from
    ``offset``). One query per kind."""
    limit = limit or QUEUE_LIMIT
    querysets = queue_querysets_for_user(user)
    if kind is not None:
        querysets = {kind: querysets[kind]} if kind in querysets else {}
    rows = []
    for key, queryset in querysets.items():
        spec = KINDS[key]
        rows.extend(spec.row(spec, item) for item in queryset[offset : offset + limit])
    rows.sort(key=lambda row: (row.urgency, row.since, row.kind, row.pk))
    return rows[:limit]
