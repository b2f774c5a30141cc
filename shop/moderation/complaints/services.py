"""Complaints: a buyer or a store complains about an order or an auction; the parties and
Soko staff write in one thread; staff ask a party to answer by a deadline, then settle it
(a refund through ``refund_order``, a warning or a suspension of the party complained
about, or no action); a settled complaint closes by itself after a while.

States: open (staff's turn) → awaiting_reply (a party's turn: ``waiting_for`` and
``reply_due_at``) → open again when that party answers → resolved → closed. Every change
locks the complaint's row and checks the state it leaves; each staff (or automatic) action
is logged once; both parties are notified at each step.

Deadlines (``complaint_deadlines_run``, every few minutes): a lapsed deadline reminds the
awaited party once (``reminded_at``) and gives them as long again; a second lapse hands the
complaint to staff (``waiting_for = "staff"``, staff's queue shows it first). Resolved
complaints close ``SOKO_COMPLAINT_CLOSE_DAYS`` after resolution, once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellers.models import StoreMember
from shop.core.selectors.i18n import lazy_text
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify
from shop.orders.models import Order
from shop.orders.services.numbers import ALPHABET
from shop.payments.models import Refund
from shop.payments.refunds.services import RefundError, refund_order

from ..accounts.services import AccountActionError, account_act
from ..models import PHOTOS_MAX, AccountAction, Complaint, ComplaintMessage, ComplaintPhoto, LogEntry
from ..services.log import log_action
from .selectors import (
    KINDS,
    OPEN,
    RESOLVE_PERM,
    complaint_staff_recipients,
    open_complaint_exists,
)

C = Complaint
TEXT_MAX = 4000


class ComplaintError(Exception):
    """The step is refused; the message says why, to the person who asked."""


def complaint_number_new() -> str:
    """Like an order's number, e.g. ``CP-7F3K-9QX2``; the database keeps it unique."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"CP-{chars[:4]}-{chars[4:]}"


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "buyer", "order", "auction")
        .get(pk=complaint.pk)
    )


def _text(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ComplaintError(_("Write what happened."))
    if len(text) > TEXT_MAX:
        raise ComplaintError(_("Write at most %(count)s characters.") % {"count": TEXT_MAX})
    return text


def _images(photos) -> list:
    """Pictures validated and stored before any lock: a bad file refuses the message."""
    photos = list(photos or ())
    if len(photos) > PHOTOS_MAX:
        raise ComplaintError(_("Add at most %(count)s pictures.") % {"count": PHOTOS_MAX})
    return [image_store(upload=upload) for upload in photos]


def _message(complaint: Complaint, *, author, side: str, text: str, images=()) -> ComplaintMessage:
    message = ComplaintMessage.objects.create(complaint=complaint, author=author, side=side, text=text)
    ComplaintPhoto.objects.bulk_create(
        [ComplaintPhoto(message=message, image=image, position=n) for n, image in enumerate(images)]
    )
    return message


def _state(complaint: Complaint) -> dict:
    due = complaint.reply_due_at.isoformat() if complaint.reply_due_at else None
    return {"status": complaint.status, "waiting_for": complaint.waiting_for, "reply_due_at": due}


# Who hears of what ------------------------------------------------------------------------

NEWS = {
    "filed": gettext_lazy("%(who)s filed complaint %(number)s about %(about)s. %(site)s staff will look at it."),
    "message": gettext_lazy("New message on complaint %(number)s."),
    "asked": gettext_lazy("%(site)s staff need your answer on complaint %(number)s by %(due)s."),
    "staff": gettext_lazy("%(site)s staff wrote on complaint %(number)s."),
    "resolved": gettext_lazy("Complaint %(number)s is resolved: %(resolution)s. %(note)s"),
    "closed": gettext_lazy("Complaint %(number)s is closed."),
    "reminder": gettext_lazy(
        "Reminder: %(site)s staff are still waiting for your answer on complaint %(number)s, now by %(due)s."
    ),
}
STAFF_NEWS = {
    "filed": gettext_lazy("New complaint %(number)s: %(kind)s."),
    "answered": gettext_lazy("The %(side)s answered on complaint %(number)s."),
    "lapsed": gettext_lazy("The %(side)s did not answer on complaint %(number)s in time; reminded once."),
    "escalated": gettext_lazy("Complaint %(number)s waits for staff: the %(side)s let two deadlines pass."),
}


def _party_users(complaint: Complaint, side: str) -> list:
    if side == C.Side.BUYER:
        return [complaint.buyer]
    return list(complaint.store.members.all())


def _tell(complaint: Complaint, news: str, *, sides=(C.Side.BUYER, C.Side.STORE), **params) -> None:
    url = reverse("complaints:detail", args=[complaint.number])
    values = {
        "number": complaint.number,
        "resolution": complaint.get_resolution_display(),
        "note": "",
        "site": settings.SOKO_SITE_NAME,
        **params,
    }
    for side in sides:
        for user in _party_users(complaint, side):
            notify(user=user, kind="complaint", text=lazy_text(NEWS[news], **values), url=url, email=True)


def _tell_staff(complaint: Complaint, news: str, **params) -> None:
    url = reverse("admin:moderation_complaint_change", args=[complaint.pk])
    values = {"number": complaint.number, "kind": complaint.get_kind_display(), **params}
    for user in complaint_staff_recipients():
        notify(user=user, kind="complaint", text=lazy_text(STAFF_NEWS[news], **values), url=url)


def _side_word(side: str):
    return C.Side(side).label if side in C.Side.values else ""


def _due_text(complaint: Complaint) -> str:
    return timezone.localtime(complaint.reply_due_at).strftime("%Y-%m-%d %H:%M") if complaint.reply_due_at else ""


# The parties ------------------------------------------------------------------------------


def complaint_file(
    *, user, side: str, kind: str, text: str, photos=(), order: Order | None = None, auction=None
) -> Complaint:
    """A party files a complaint about ``order`` or ``auction`` (the caller found the side
    with ``order_for_complaint`` / ``auction_for_complaint``). One open complaint per order
    (or auction) per person, counted under the order's (or auction's) row lock."""
    if side not in (C.Side.BUYER, C.Side.STORE) or (order is None) == (auction is None):
        raise ComplaintError(_("Choose what the complaint is about."))
    if kind not in KINDS[side]:
        raise ComplaintError(_("Choose what went wrong."))
    text = _text(text)
    images = _images(photos)
    with transaction.atomic():
        if order is not None:
            order = Order.objects.select_for_update(of=("self",)).select_related("store", "buyer").get(pk=order.pk)
            store, buyer = order.store, order.buyer
            if side == C.Side.BUYER and buyer.pk != user.pk or side == C.Side.STORE and not _member(store, user):
                raise ComplaintError(_("Only the buyer and the store can complain about this order."))
        else:
            auction = (
                type(auction)
                .objects.select_for_update(of=("self",))
                .select_related("store", "winner", "order")
                .get(pk=auction.pk)
            )
            store = auction.store
            if side == C.Side.STORE:
                if auction.winner is None or not _member(store, user):
                    raise ComplaintError(_("Only the store can complain about this auction's winner."))
                buyer = auction.winner
            else:
                buyer = user
            # The winner's order comes with it, so a refund can settle it.
            if auction.order_id is not None and auction.order.buyer_id == buyer.pk:
                order = auction.order
        if open_complaint_exists(filed_by=user, order=order, auction=auction if order is None else None):
            raise ComplaintError(_("You already have an open complaint about this. Write in its thread instead."))
        if side == C.Side.BUYER and user.pk == buyer.pk and _member(store, user):
            raise ComplaintError(_("You cannot complain about your own store."))
        complaint = _create(
            kind=kind, filed_by=user, filed_as=side, order=order, auction=auction, store=store, buyer=buyer
        )
        _message(complaint, author=user, side=side, text=text, images=images)
        about = order.number if order is not None else str(auction)
        who = buyer if side == C.Side.BUYER else store.name
        other = C.Side.STORE if side == C.Side.BUYER else C.Side.BUYER
        _tell(complaint, "filed", sides=[other], who=str(who), about=about)
        _tell_staff(complaint, "filed")
    return complaint


def _member(store, user) -> bool:
    return StoreMember.objects.filter(store=store, user=user).exists()


def _create(**fields) -> Complaint:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Complaint.objects.create(number=complaint_number_new(), **fields)
        except IntegrityError:
            continue
    raise ComplaintError(_("Please try again."))


def complaint_post(*, complaint: Complaint, user, text: str, photos=()) -> ComplaintMessage:
    """A party writes in the thread. The awaited party's answer clears the deadline and
    hands the complaint back to staff."""
    text = _text(text)
    images = _images(photos)
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.buyer_id == user.pk:
            side = C.Side.BUYER
        elif _member(complaint.store, user):
            side = C.Side.STORE
        else:
            raise ComplaintError(_("Only the buyer and the store can write here."))
        if complaint.status == C.Status.CLOSED:
            raise ComplaintError(_("This complaint is closed."))
        message = _message(complaint, author=user, side=side, text=text, images=images)
        fields = ["updated_at"]
        if complaint.status == C.Status.AWAITING_REPLY and complaint.waiting_for == side:
            complaint.status, complaint.waiting_for = C.Status.OPEN, ""
            complaint.reply_due_at = complaint.reminded_at = None
            fields += ["status", "waiting_for", "reply_due_at", "reminded_at"]
            _tell_staff(complaint, "answered", side=_side_word(side))
        complaint.save(update_fields=fields)
        other = C.Side.STORE if side == C.Side.BUYER else C.Side.BUYER
        _tell(complaint, "message", sides=[other])
    return message


# Staff ------------------------------------------------------------------------------------


def _check_staff(staff) -> None:
    if staff is None or not staff.is_staff or not staff.has_perm(RESOLVE_PERM):
        raise ComplaintError(_("Only %(site)s staff who settle complaints can do this.") % {"site": settings.SOKO_SITE_NAME})


def complaint_staff_reply(*, complaint: Complaint, staff, text: str, ask: str = "", photos=()) -> ComplaintMessage:
    """Staff write in the thread, and may ask one party to answer by
    ``SOKO_COMPLAINT_REPLY_DAYS`` from now (awaiting reply)."""
    _check_staff(staff)
    text = _text(text)
    if ask not in ("", C.Side.BUYER, C.Side.STORE):
        raise ComplaintError(_("Choose whom to ask."))
    images = _images(photos)
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status == C.Status.CLOSED:
            raise ComplaintError(_("This complaint is closed."))
        if ask and complaint.status not in OPEN:
            raise ComplaintError(_("Only an unresolved complaint can wait for an answer."))
        before = _state(complaint)
        message = _message(complaint, author=staff, side=C.Side.STAFF, text=text, images=images)
        if ask:
            complaint.status, complaint.waiting_for = C.Status.AWAITING_REPLY, ask
            complaint.reply_due_at = timezone.now() + timedelta(days=settings.SOKO_COMPLAINT_REPLY_DAYS)
            complaint.reminded_at = None
        elif complaint.waiting_for == C.Side.STAFF:
            complaint.waiting_for = ""  # staff took up the escalated complaint
        complaint.save(update_fields=["status", "waiting_for", "reply_due_at", "reminded_at", "updated_at"])
        log_action(
            actor=staff, action=LogEntry.Action.COMPLAINT_REPLY, target=complaint, reason=text[:500],
            before=before, after=_state(complaint),
        )  # fmt: skip
        if ask:
            _tell(complaint, "asked", sides=[ask], due=_due_text(complaint))
            _tell(complaint, "staff", sides=[C.Side.STORE if ask == C.Side.BUYER else C.Side.BUYER])
        else:
            _tell(complaint, "staff")
    return message


def _answerable(complaint: Complaint) -> list:
    """The people complained about: the store's owners, or the buyer."""
    if complaint.filed_as == C.Side.STORE:
        return [complaint.buyer]
    owners = [m.user for m in complaint.store.memberships.select_related("user").filter(role=StoreMember.Role.OWNER)]
    return owners or [m.user for m in complaint.store.memberships.select_related("user")]


def complaint_resolve(
    *,
    complaint: Complaint,
    staff,
    resolution: str,
    note: str,
    lines: dict[int, int] | None = None,
    delivery: bool = False,
    suspend_days: int = 7,
) -> Complaint:
    """Staff settle the complaint with a note both parties read: a refund of ``lines`` of
    the order (support staff up to ``SOKO_SUPPORT_REFUND_LIMIT`` unless they hold
    ``moderation.refund_over_limit``), a warning or a suspension of the party complained
    about, or no action."""
    _check_staff(staff)
    if resolution not in C.Resolution.values:
        raise ComplaintError(_("Choose a resolution."))
    note = _text(note) if note and note.strip() else ""
    if not note:
        raise ComplaintError(_("Write a note for the buyer and the store: they read it."))
    complaint = Complaint.objects.select_related("order", "store", "buyer").get(pk=complaint.pk)
    if complaint.status not in OPEN:
        raise ComplaintError(_("This complaint is already settled."))
    refund = None
    if resolution == C.Resolution.REFUND:
        refund = _refund(complaint, staff=staff, lines=lines or {}, delivery=delivery)
    until = None
    if resolution == C.Resolution.SUSPENSION:
        if not 1 <= int(suspend_days) <= 365:
            raise ComplaintError(_("Suspend for 1 to 365 days."))
        until = timezone.now() + timedelta(days=int(suspend_days))
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status not in OPEN:
            raise ComplaintError(_("This complaint is already settled."))
        before = _state(complaint)
        if resolution in (C.Resolution.WARNING, C.Resolution.SUSPENSION):
            kind = AccountAction.Kind.WARN if resolution == C.Resolution.WARNING else AccountAction.Kind.SUSPEND
            reason = _("Complaint %(number)s: %(note)s") % {"number": complaint.number, "note": note}
            try:
                for user in _answerable(complaint):
                    account_act(user=user, kind=kind, reason=reason[:500], actor=staff, until=until)
            except AccountActionError as error:
                raise ComplaintError(str(error)) from error
        now = timezone.now()
        complaint.status, complaint.resolution, complaint.resolution_note = C.Status.RESOLVED, resolution, note
        complaint.refund = refund
        complaint.resolved_at, complaint.resolved_by = now, staff
        complaint.waiting_for, complaint.reply_due_at = "", None
        complaint.save()
        after = {**_state(complaint), "resolution": resolution}
        if refund is not None:
            after["refund"] = {"id": refund.pk, "amount": str(refund.amount), "currency": refund.currency}
        log_action(
            actor=staff,
            action=LogEntry.Action.COMPLAINT_RESOLVED,
            target=complaint,
            reason=note,
            before=before,
            after=after,
        )
        _tell(complaint, "resolved", note=note)
    return complaint


def _refund(complaint: Complaint, *, staff, lines: dict[int, int], delivery: bool) -> Refund:
    order = complaint.order
    if order is None:
        raise ComplaintError(_("There is no paid order to refund for this complaint."))
    wanted = {int(item_id): int(units) for item_id, units in lines.items() if int(units) > 0}
    if not wanted and not delivery:
        raise ComplaintError(_("Choose what to refund."))
    try:  # refund_order checks the staff member's refund limit
        refund = refund_order(
            order=order,
            lines=wanted,
            reason=_("Complaint %(number)s") % {"number": complaint.number},
            actor=staff,
            delivery=delivery,
            key=f"complaint:{complaint.pk}",
        )
    except RefundError as error:
        raise ComplaintError(str(error)) from error
    if refund.status == Refund.Status.FAILED:
        raise ComplaintError(_("The provider refused the refund; try again later."))
    return refund


def complaint_close(*, complaint: Complaint, staff=None, now=None) -> bool:
    """Close a resolved complaint, once: by staff at any time, or by Soko (``staff`` None)
    ``SOKO_COMPLAINT_CLOSE_DAYS`` after resolution. False when it was not resolved (any
    more)."""
    if staff is not None:
        _check_staff(staff)
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status != C.Status.RESOLVED:
            if staff is not None:
                raise ComplaintError(_("Only a resolved complaint can be closed."))
            return False
        if staff is None and complaint.resolved_at > now - timedelta(days=settings.SOKO_COMPLAINT_CLOSE_DAYS):
            return False
        before = _state(complaint)
        complaint.status, complaint.closed_at = C.Status.CLOSED, now
        complaint.save(update_fields=["status", "closed_at", "updated_at"])
        reason = (
            ""
            if staff is not None
            else _("Closed %(days)s days after resolution.") % {"days": settings.SOKO_COMPLAINT_CLOSE_DAYS}
        )
        log_action(
            actor=staff, action=LogEntry.Action.COMPLAINT_CLOSED, target=complaint, reason=reason,
            before=before, after=_state(complaint),
        )  # fmt: skip
        _tell(complaint, "closed")
    return True


# Deadlines ----------------------------------------------------------------------------------


def complaint_deadline_lapse(*, pk: int, now=None) -> str:
    """One lapsed deadline, under the complaint's row lock (a complaint another worker holds
    is skipped, and the state is checked again once locked): the first lapse reminds the
    awaited party and gives them as long again, the second hands the complaint to staff.
    Returns "reminded", "escalated" or "" (nothing was due any more)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("store", "buyer")
            .filter(pk=pk, status=C.Status.AWAITING_REPLY, reply_due_at__lte=now)
            .exclude(waiting_for__in=["", C.Side.STAFF])
            .first()
        )
        if complaint is None:
            return ""
        side = complaint.waiting_for
        if complaint.reminded_at is None:
            complaint.reminded_at = now
            complaint.reply_due_at = now + timedelta(days=settings.SOKO_COMPLAINT_REPLY_DAYS)
            complaint.save(update_fields=["reminded_at", "reply_due_at", "updated_at"])
            log_action(
                actor=None, action=LogEntry.Action.COMPLAINT_REMINDED, target=complaint,
                reason=f"deadline passed; waiting for {side}", after={"reply_due_at": complaint.reply_due_at.isoformat()},
            )
            _tell(complaint, "reminder", sides=[side], due=_due_text(complaint))
            _tell_staff(complaint, "lapsed", side=_side_word(side))
            return "reminded"
        complaint.status, complaint.waiting_for, complaint.reply_due_at = C.Status.OPEN, C.Side.STAFF, None
        complaint.save(update_fields=["status", "waiting_for", "reply_due_at", "updated_at"])
        log_action(
            actor=None, action=LogEntry.Action.COMPLAINT_ESCALATED, target=complaint,
            reason=f"second deadline passed; was waiting for {side}", before={"waiting_for": side}, after={"waiting_for": "staff"},
        )
        _tell_staff(complaint, "escalated", side=_side_word(side))
        return "escalated"


def complaint_deadlines_run(*, now=None) -> dict:
    """The periodic sweep: lapsed deadlines, then resolved complaints due to close. Safe to
    run any number of times, in any number of workers at once."""
    now = now or timezone.now()
    done = {"reminded": 0, "escalated": 0, "closed": 0}
    lapsed = list(
        Complaint.objects.filter(status=C.Status.AWAITING_REPLY, reply_due_at__lte=now)
        .order_by("reply_due_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in lapsed:
        outcome = complaint_deadline_lapse(pk=pk, now=now)
        if outcome:
            done[outcome] += 1
    closing = list(
        Complaint.objects.filter(
            status=C.Status.RESOLVED, resolved_at__lte=now - timedelta(days=settings.SOKO_COMPLAINT_CLOSE_DAYS)
        )
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in closing:
        if complaint_close(complaint=Complaint(pk=pk), now=now):
            done["closed"] += 1
    return done
