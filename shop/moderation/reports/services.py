"""Reports on anything, the automatic take-down, and the staff decisions on a case.

A report weighs what the trust rule (``trust``) gives its reporter: fresh accounts,
and reporters staff mostly disagreed with, weigh nothing, and linked reporters count once.
It is counted inside one transaction that holds the row lock of its target's ``Case``: the
case's trusted weight is summed under that lock, so the report that reaches
``SOKO_REPORT_THRESHOLD`` is the only one that sees it, and the take-down happens once
(``Takedown``'s "one in force per target" constraint is the backstop). Only what
``taken_down_automatically`` allows is hidden that way; a store, an account or an auction
with bids stays up and its case goes to the top of the staff queue (``urgent_since``), as
does any case reported by ``SOKO_REPORT_URGENT_REPORTERS`` people whatever their weight.

A take-down records every field it changes (``Takedown.changes``); a reversal writes back
the ``before`` value of each, in reverse order, only where the row still holds ``after``,
so a change someone made meanwhile is never overwritten."""

from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.models import Standing
from shop.auctions.models import Auction
from shop.catalog.models import Product
from shop.chat.models import Message
from shop.core.selectors.i18n import lazy_text
from shop.core.services.ratelimit import limit_give_back, limit_take
from shop.core.services.transactions import DatabaseBusy, atomic_retrying
from shop.notifications.services.notifications import notify
from shop.reviews.models import Review
from shop.reviews.services import review_hide, review_unhide

from ..accounts.services import account_act
from ..models import REPORTABLE, AccountAction, Appeal, Case, LogEntry, Report, Takedown
from ..services.log import log_action
from .selectors import (
    DECIDE_PERM,
    content_type_of,
    moderators,
    reporter_links,
    reporter_weight_for,
    takedown_in_force,
    taken_down_automatically,
    target_label,
    target_owner,
    user_answers_for,
)
from .trust import case_weight, threshold_reached

TEXT_MAX = Report._meta.get_field("text").max_length
RATE_SECONDS = 3600
# What a staff decision resets on the case.
CASE_TALLY = ["open_reporters", "trusted_weight", "urgent_since"]


class ReportError(Exception):
    """A report or a decision that cannot be made; the message says why."""

    def __init__(self, message, *, code: str = "refused"):
        self.code = code
        super().__init__(message)


# --- Filing -------------------------------------------------------------------------------


def _rate_key(reporter) -> str:
    return f"moderation:reports:{reporter.pk}"


def report_file(*, reporter, target, reason: str, text: str = "") -> Report:
    """``reporter`` reports ``target`` (any of ``REPORTABLE``). When the case's trusted
    weight reaches ``SOKO_REPORT_THRESHOLD`` the target is taken down at once, if Soko may do
    that by itself; otherwise the case goes to the top of the staff queue."""
    if reporter is None or not reporter.is_authenticated:
        raise ReportError(_("Log in to report."), code="login")
    if target is None or target.pk is None or target._meta.label_lower not in REPORTABLE:
        raise ReportError(_("This cannot be reported."), code="kind")
    if reason not in Report.Reason.values:
        raise ReportError(_("Choose a reason."), code="reason")
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ReportError(_("Keep the details under %(n)s characters.") % {"n": TEXT_MAX}, code="text")
    if user_answers_for(user=reporter, target=target):
        raise ReportError(_("You cannot report yourself or your own store's things."), code="own")
    weight = reporter_weight_for(reporter=reporter, target=target)
    target_type = content_type_of(target)
    rate_key = _rate_key(reporter)
    if not limit_take(rate_key, limit=settings.SOKO_REPORTS_PER_HOUR, seconds=RATE_SECONDS, on_outage="closed"):
        raise ReportError(
            _("You have sent %(n)s reports in the last hour, the most we take. Please try again later.")
            % {"n": settings.SOKO_REPORTS_PER_HOUR},
            code="rate",
        )

    def work() -> Report:
        again = _("You already reported this. %(site)s's staff will look at it.") % {"site": settings.SOKO_SITE_NAME}
        case = Case.objects.select_for_update().get(pk=_case_of(target, target_type=target_type).pk)
        if Report.objects.filter(case=case, reporter=reporter, status=Report.Status.OPEN).exists():
            raise ReportError(again, code="again")
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    case=case, reporter=reporter, reason=reason, text=text, weight=weight, counts=weight > 0
                )
        except IntegrityError:
            raise ReportError(again, code="again") from None
        _tally(case)
        case.last_reported_at = report.created_at
        if case.status == Case.Status.CLOSED:
            case.status = Case.Status.OPEN
        case.save(update_fields=[*CASE_TALLY, "last_reported_at", "status", "updated_at"])
        if takedown_in_force(target_type=case.target_type, target_id=case.target_id) is None:
            _act_on_weight(case, target)
        return report

    try:
        return atomic_retrying(work, what="report")
    except DatabaseBusy as error:
        limit_give_back(rate_key, seconds=RATE_SECONDS)
        raise ReportError(_("Many people are reporting right now. Please try again."), code="busy") from error
    except Exception:
        limit_give_back(rate_key, seconds=RATE_SECONDS)  # nothing was filed
        raise


def _case_of(target, *, target_type=None) -> Case:
    """The one case about ``target``, opened now if it has none."""
    case, _created = Case.objects.get_or_create(
        target_type=target_type or content_type_of(target),
        target_id=target.pk,
        defaults={"target_label": target_label(target), "owner": target_owner(target)},
    )
    return case


def _tally(case: Case) -> None:
    """Count the case's open reporters and sum their trusted weight (``case_weight``: linked
    reporters count once)."""
    weights: dict[int, int] = {}
    for reporter_id, weight in Report.objects.filter(case=case, status=Report.Status.OPEN).values_list("reporter_id", "weight"):
        weights[reporter_id] = max(weights.get(reporter_id, 0), weight)
    case.open_reporters = len(weights)
    case.trusted_weight = case_weight(weights, reporter_links(user_ids=list(weights))) if any(weights.values()) else 0


def _lock_open_auctions(target) -> None:
    """Hold the open auctions the take-down would stop, so no bid lands between the check
    that none has bids and the take-down."""
    label = target._meta.label_lower
    if label in ("catalog.product", "auctions.auction"):
        product_id = target.pk if label == "catalog.product" else target.product_id
        list(Auction.objects.select_for_update().filter(product_id=product_id, status__in=Auction.OPEN).order_by("pk"))


def _act_on_weight(case: Case, target) -> None:
    """The automatic step after a report (the caller holds the case's row lock, and no
    take-down is in force): hide the target, or put the case at the top of the queue."""
    heavy = threshold_reached(case.trusted_weight, threshold=settings.SOKO_REPORT_THRESHOLD)
    if heavy:
        _lock_open_auctions(target)
        if taken_down_automatically(target):
            _take_down(case, actor=None, reason=_automatic_reason(case))
            return
    if case.urgent_since is None and (heavy or case.open_reporters >= settings.SOKO_REPORT_URGENT_REPORTERS):
        case.urgent_since = timezone.now()
        case.save(update_fields=["urgent_since", "updated_at"])
        kind = REPORTABLE[case.target_type.app_label + "." + case.target_type.model]
        text = lazy_text(
            gettext_lazy("Reports on a %(kind)s, “%(target)s”, wait for a decision: it stays up until staff decide."),
            kind=kind, target=case.target_label,
        )
        url = reverse("admin:moderation_case_change", args=[case.pk])
        for person in moderators():
            notify(user=person, kind="moderation", text=text, url=url, email=True)


def _automatic_reason(case: Case) -> str:
    reasons = (
        Report.objects.filter(case=case, status=Report.Status.OPEN, counts=True)
        .values_list("reason", flat=True)
        .distinct()
        .order_by("reason")
    )
    labels = ", ".join(str(Report.Reason(value).label).lower() for value in reasons)
    return _("Reported by %(n)s people (%(reasons)s); hidden until %(site)s's staff look at it.") % {
        "n": case.open_reporters,
        "reasons": labels,
        "site": settings.SOKO_SITE_NAME,
    }


# --- Taking down and putting back ---------------------------------------------------------


def _change(row, field: str, before, after) -> dict:
    return {"model": row._meta.label_lower, "pk": row.pk, "field": field, "before": before, "after": after}


def _hide_product(product: Product) -> list[dict]:
    changes = []
    product = Product.objects.select_for_update(of=("self",)).get(pk=product.pk)
    if product.status != Product.Status.HIDDEN:
        changes.append(_change(product, "status", product.status, Product.Status.HIDDEN.value))
    # Its open auctions stop too, so none closes (and sells) while it is hidden.
    for auction in Auction.objects.select_for_update().filter(product=product, status__in=Auction.OPEN).order_by("pk"):
        changes.append(_change(auction, "status", auction.status, Auction.Status.CANCELLED.value))
    return changes


def _hide(target, *, actor, reason: str) -> list[dict]:
    """Take ``target`` out of sight; the changes made, field by field (applied here, except
    for reviews and accounts, whose own services make them)."""
    label = target._meta.label_lower
    if label == "catalog.product":
        changes = _hide_product(target)
    elif label == "auctions.auction":
        changes = _hide_product(target.product)
    elif label == "sellers.store":
        changes = []
        products = Product.objects.filter(store_id=target.pk).exclude(status=Product.Status.HIDDEN).order_by("pk")
        for product in products:
            changes += _hide_product(product)
    elif label == "chat.message":
        message = Message.objects.select_for_update().get(pk=target.pk)
        changes = [] if message.hidden_at else [_change(message, "hidden_at", None, timezone.now().isoformat())]
    elif label == "reviews.review":
        if target.hidden_at is not None:
            return []
        # The author's notice leads to the standing page, where the take-down is appealed.
        review = review_hide(review=target, staff=actor, reason=reason[:300], notice_url=reverse("moderation:standing"))
        return [_change(review, "hidden_at", None, review.hidden_at.isoformat())]
    elif label == "accounts.user":
        user = get_user_model().objects.get(pk=target.pk)
        if user.standing == Standing.DEACTIVATED:
            return []
        until = user.suspended_until.isoformat() if user.suspended_until else None
        account_act(user=user, kind=AccountAction.Kind.DEACTIVATE, reason=reason[:500], actor=actor)
        return [
            _change(user, "standing", user.standing, Standing.DEACTIVATED.value)
            | {"suspended_until": until, "reason": user.standing_reason}
        ]
    else:
        raise ReportError(_("This cannot be taken down."), code="kind")
    now = timezone.now()
    for change in changes:
        model = apps.get_model(change["model"])
        fields = {change["field"]: change["after"]}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields["updated_at"] = now
        model.objects.filter(pk=change["pk"]).update(**fields)
    return changes


def _as_stored(model, field: str, value):
    if value is not None and model._meta.get_field(field).get_internal_type() == "DateTimeField":
        return parse_datetime(value) if not isinstance(value, datetime) else value
    return value


def _restore(takedown: Takedown, *, actor, reason: str) -> list[dict]:
    """Write back what ``takedown`` changed, newest change first, only where the row still
    holds what the take-down wrote. The changes actually restored."""
    restored = []
    now = timezone.now()
    for change in reversed(takedown.changes):
        model = apps.get_model(change["model"])
        field, before, after = change["field"], change["before"], change["after"]
        if change["model"] == "reviews.review":
            review = Review.objects.filter(pk=change["pk"], hidden_at=_as_stored(model, field, after)).first()
            if review is not None:
                review_unhide(review=review)
                restored.append(change)
        elif change["model"] == "accounts.user":
            user = get_user_model().objects.filter(pk=change["pk"], standing=after).first()
            if user is None:
                continue
            until = parse_datetime(change["suspended_until"]) if change.get("suspended_until") else None
            if before == Standing.SUSPENDED and until is not None and until > now:
                account_act(user=user, kind=AccountAction.Kind.SUSPEND, reason=change.get("reason") or reason, until=until, actor=actor)
            else:
                account_act(user=user, kind=AccountAction.Kind.REINSTATE, reason=reason, actor=actor)
            restored.append(change)
        else:
            fields = {field: _as_stored(model, field, before)}
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                fields["updated_at"] = now
            if model.objects.filter(pk=change["pk"], **{field: _as_stored(model, field, after)}).update(**fields):
                restored.append(change)
    return restored


def _summary(changes: list[dict], key: str) -> dict:
    return {f'{change["model"]}:{change["pk"]}:{change["field"]}': change[key] for change in changes}


def _notify_owner(case: Case, target, text) -> None:
    """The owner hears of it, unless the service that changed the target told them already
    (a hidden review tells its author, an account action its holder)."""
    if case.owner_id is None or target._meta.label_lower in ("reviews.review", "accounts.user"):
        return
    # The standing page lists what is hidden and takes the owner's appeal.
    notify(user=case.owner, kind="moderation", text=text, url=reverse("moderation:standing"), email=True)


def _take_down(case: Case, *, actor, reason: str) -> Takedown:
    """Hide the case's target (the caller holds the case's row lock and has checked that no
    take-down is in force)."""
    target = case.target
    if target is None:
        raise ReportError(_("What was reported no longer exists."), code="gone")
    changes = _hide(target, actor=actor, reason=reason)
    now = timezone.now()
    takedown = Takedown.objects.create(
        case=case,
        target_type=case.target_type,
        target_id=case.target_id,
        reason=reason[:500],
        automatic=actor is None,
        changes=changes,
        created_by=actor,
        confirmed_at=now if actor is not None else None,
        decided_by=actor,
    )
    case.status = Case.Status.TAKEN_DOWN if actor is None else Case.Status.CONFIRMED
    case.save(update_fields=["status", "updated_at"])
    log_action(
        actor=actor, action=LogEntry.Action.TAKEDOWN, target=target, reason=reason,
        before=_summary(changes, "before"), after=_summary(changes, "after"),
    )
    kind = REPORTABLE[case.target_type.app_label + "." + case.target_type.model]
    staff_text = lazy_text(
        gettext_lazy("%(site)s took down a %(kind)s, “%(target)s”: %(reason)s"),
        kind=kind,
        target=case.target_label,
        reason=reason,
        site=settings.SOKO_SITE_NAME,
    )
    if actor is None:
        url = reverse("admin:moderation_case_change", args=[case.pk])
        for person in moderators():
            notify(user=person, kind="moderation", text=staff_text, url=url, email=True)
    _notify_owner(
        case, target,
        lazy_text(gettext_lazy("Your %(kind)s “%(target)s” was hidden: %(reason)s"), kind=kind, target=case.target_label, reason=reason),
    )
    return takedown


# --- Staff decisions ----------------------------------------------------------------------


def _decided(case: Case, *, actor, reason: str, decide):
    if actor is None or not actor.is_authenticated or not actor.has_perm(DECIDE_PERM):
        raise ReportError(_("You may not decide reports."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("Give the reason for the decision."), code="reason")

    def work():
        locked = Case.objects.select_for_update(of=("self",)).select_related("target_type").get(pk=case.pk)
        return decide(locked, reason)

    try:
        return atomic_retrying(work, what="case decision")
    except DatabaseBusy as error:
        raise ReportError(_("The database is busy. Please try again."), code="busy") from error


def _close_reports(case: Case, *, status: str, actor) -> int:
    closed = Report.objects.filter(case=case, status=Report.Status.OPEN).update(
        status=status, decided_at=timezone.now(), decided_by=actor
    )
    case.open_reporters, case.trusted_weight, case.urgent_since = 0, 0, None
    return closed


def case_confirm(*, case: Case, actor, reason: str) -> Case:
    """Staff keep the take-down in force; its open reports are upheld."""

    def decide(case, reason):
        takedown = takedown_in_force(target_type=case.target_type, target_id=case.target_id)
        if takedown is None:
            raise ReportError(_("Nothing is taken down: take it down instead."), code="state")
        if takedown.confirmed_at is not None and not case.reports.filter(status=Report.Status.OPEN).exists():
            raise ReportError(_("This take-down is confirmed already."), code="state")
        takedown.confirmed_at, takedown.decided_by = timezone.now(), actor
        takedown.save(update_fields=["confirmed_at", "decided_by"])
        upheld = _close_reports(case, status=Report.Status.UPHELD, actor=actor)
        case.status = Case.Status.CONFIRMED
        case.save(update_fields=["status", *CASE_TALLY, "updated_at"])
        log_action(
            actor=actor, action=LogEntry.Action.TAKEDOWN_CONFIRMED, target=_target_or_case(case), reason=reason,
            after={"reports_upheld": upheld},
        )
        return case

    return _decided(case, actor=actor, reason=reason, decide=decide)


def _reverse(case: Case, *, actor, reason: str) -> Case:
    """Put back what the take-down in force on ``case`` hid (the caller holds the case's row
    lock); its open reports are rejected, and open appeals against it granted."""
    takedown = takedown_in_force(target_type=case.target_type, target_id=case.target_id)
    if takedown is None:
        raise ReportError(_("Nothing is taken down."), code="state")
    takedown = Takedown.objects.select_for_update().get(pk=takedown.pk)
    restored = _restore(takedown, actor=actor, reason=reason)
    now = timezone.now()
    takedown.reversed_at, takedown.decided_by = now, actor
    takedown.save(update_fields=["reversed_at", "decided_by"])
    Appeal.objects.filter(takedown=takedown, status=Appeal.Status.OPEN).update(
        status=Appeal.Status.GRANTED, response=reason[:1000], decided_at=now, decided_by=actor, updated_at=now
    )
    rejected = _close_reports(case, status=Report.Status.REJECTED, actor=actor)
    case.status = Case.Status.CLOSED
    case.save(update_fields=["status", *CASE_TALLY, "updated_at"])
    target = _target_or_case(case)
    log_action(
        actor=actor, action=LogEntry.Action.TAKEDOWN_REVERSED, target=target, reason=reason,
        before=_summary(restored, "after"), after=_summary(restored, "before") | {"reports_rejected": rejected},
    )
    kind = REPORTABLE[case.target_type.app_label + "." + case.target_type.model]
    _notify_owner(
        case, target,
        lazy_text(gettext_lazy("Your %(kind)s “%(target)s” is shown again: %(reason)s"), kind=kind, target=case.target_label, reason=reason),
    )
    return case


def case_reverse(*, case: Case, actor, reason: str) -> Case:
    """Staff put back what the take-down hid; its open reports are rejected."""
    return _decided(case, actor=actor, reason=reason, decide=lambda case, reason: _reverse(case, actor=actor, reason=reason))


def takedown_appeal_decide(*, appeal: Appeal, actor, grant: bool, response: str) -> Appeal:
    """Staff grant (the take-down is reversed, as by ``case_reverse``) or refuse the owner's
    appeal against a take-down, with a response the owner reads. Logged once; the owner is
    told."""
    takedown = appeal.takedown
    if takedown is None or takedown.case_id is None:
        raise ReportError(_("This appeal is not about a take-down."), code="kind")

    def decide(case, response):
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != Appeal.Status.OPEN:
            raise ReportError(_("This appeal has been decided already."), code="state")
        if actor.pk == locked.user_id:
            raise ReportError(_("You cannot decide your own appeal."), code="forbidden")
        in_force = Takedown.objects.filter(pk=takedown.pk, reversed_at__isnull=True).exists()
        now = timezone.now()
        locked.status = Appeal.Status.GRANTED if grant else Appeal.Status.REFUSED
        locked.response, locked.decided_at, locked.decided_by = response[:1000], now, actor
        locked.save(update_fields=["status", "response", "decided_at", "decided_by", "updated_at"])
        log_action(
            actor=actor, action=LogEntry.Action.APPEAL_DECIDED, target=_target_or_case(case), reason=response,
            before={"appeal": locked.pk, "takedown": takedown.pk, "status": Appeal.Status.OPEN.value},
            after={"appeal": locked.pk, "takedown": takedown.pk, "status": locked.status},
        )
        if grant and in_force:
            _reverse(case, actor=actor, reason=response)  # tells the owner, with the response
        else:
            text = gettext_lazy("Your appeal was granted: %(response)s") if grant else gettext_lazy("Your appeal was refused: %(response)s")
            notify(user=locked.user, kind="moderation", text=lazy_text(text, response=response), url=reverse("moderation:standing"), email=True)
        return locked

    return _decided(takedown.case, actor=actor, reason=response, decide=decide)


def case_dismiss(*, case: Case, actor, reason: str) -> Case:
    """Staff find nothing wrong and nothing is taken down: the open reports are rejected."""

    def decide(case, reason):
        if takedown_in_force(target_type=case.target_type, target_id=case.target_id) is not None:
            raise ReportError(_("It is taken down: reverse the take-down instead."), code="state")
        if not case.reports.filter(status=Report.Status.OPEN).exists():
            raise ReportError(_("No report is waiting."), code="state")
        rejected = _close_reports(case, status=Report.Status.REJECTED, actor=actor)
        case.status = Case.Status.CLOSED
        case.save(update_fields=["status", *CASE_TALLY, "updated_at"])
        log_action(
            actor=actor, action=LogEntry.Action.REPORT_REJECTED, target=_target_or_case(case), reason=reason,
            after={"reports_rejected": rejected},
        )
        return case

    return _decided(case, actor=actor, reason=reason, decide=decide)


def case_take_down(*, case: Case, actor, reason: str) -> Case:
    """Staff take the target down before the threshold; the open reports are upheld."""

    def decide(case, reason):
        if takedown_in_force(target_type=case.target_type, target_id=case.target_id) is not None:
            raise ReportError(_("It is taken down already: confirm it instead."), code="state")
        _take_down(case, actor=actor, reason=reason)
        _close_reports(case, status=Report.Status.UPHELD, actor=actor)
        case.save(update_fields=[*CASE_TALLY, "updated_at"])
        return case

    return _decided(case, actor=actor, reason=reason, decide=decide)


def target_take_down(*, target, actor, reason: str) -> Case:
    """Staff take ``target`` down from its own admin page, reported or not: the same case,
    take-down record, notice and appeal as a take-down decided on reports."""
    return case_take_down(case=_case_of(target), actor=actor, reason=reason)


def target_show_again(*, target, actor, reason: str) -> Case | None:
    """Staff reverse the take-down in force on ``target`` (as ``case_reverse``); None when
    nothing of Soko's is hiding it."""
    takedown = takedown_in_force(target_type=content_type_of(target), target_id=target.pk)
    if takedown is None or takedown.case is None:
        return None
    return case_reverse(case=takedown.case, actor=actor, reason=reason)


def _target_or_case(case: Case):
    """What the log entry is about: the target, or the case when the target is gone."""
    return case.target or case
