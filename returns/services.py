"""Changing returns. Each move locks the return's row, checks the status it leaves, writes
one ``ReturnEvent``, notifies the other side and, after commit, pushes the return's live
parts to the buyer's pages and the store members' pages.

Receiving is not accepting: the goods reach the store (its "we have them" or the courier
typing the store's drop-off code), the store inspects them, then refunds or disputes them
to staff; a received return the store leaves alone for ``SOKO_RETURN_INSPECTION_DAYS`` is
refunded by ``returns_refund_overdue`` (a periodic job, acting as the system).

The money rule: a return refunds its own lines, once. ``return_request_create`` counts the
units still open to a return under the order's row lock (never more than bought, less
other returns and other refunds); the refund goes through ``refund_order`` with the key
``return:<id>`` (which checks refundable units under the same lock again), and a return
holds at most one refund (a one-to-one column). A refund the provider refused leaves the
return "received" with the error; asking again reuses the key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from couriers import services as courier_services
from couriers.models import DeliveryJob
from shop.core.client_keys import client_keys_kept_since
from shop.core.selectors.i18n import lazy_text, speaking_to
from shop.core.selectors.money import money_format
from shop.core.services.realtime import push_rendered_on_commit
from shop.core.signals import staff_acted
from shop.inventory.services import stock_release
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify
from shop.orders.models import Order
from shop.payments.models import Refund
from shop.payments.refunds.services import RefundError, refund_order

from .models import (
    PHOTOS_MAX,
    TEXT_MAX,
    CourierPayer,
    ReturnEvent,
    ReturnLine,
    ReturnMethod,
    ReturnPhoto,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from .selectors import (
    buyer_context,
    lines_left,
    order_box_context,
    return_can_escalate,
    return_member_user_ids,
    return_window_open,
    return_with_details,
    store_context,
)

S = ReturnStatus
Role = ReturnEvent.Role
# The goods have not left the buyer yet while a courier job is in one of these.
JOB_NOT_PICKED_UP = (DeliveryJob.Status.OPEN, DeliveryJob.Status.ACCEPTED, DeliveryJob.Status.CANCELLED)


class ReturnError(Exception):
    """The move is refused; the message says why, to the person who asked, and ``code``
    names the refusal for programs (the API's problem ``code``)."""

    def __init__(self, message: str, *, code: str = "return_refused"):
        super().__init__(message)
        self.code = code


# Said by the order page's "return" link and by the request itself once the window closed.
WINDOW_CLOSED = gettext_lazy("Items of this order can no longer be returned.")


def _lock(request: ReturnRequest) -> ReturnRequest:
    return (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("order", "store", "buyer")
        .get(pk=request.pk)
    )


def _move(request: ReturnRequest, *, to: str, actor, role: str, note: str = "", fields: dict | None = None) -> None:
    """Set the status (and ``fields``) of a locked return and record the event."""
    previous = request.status
    request.status = to
    for name, value in (fields or {}).items():
        setattr(request, name, value)
    request.save()
    ReturnEvent.objects.create(
        request=request, actor=actor, role=role, from_status=previous, to_status=to, note=note[:TEXT_MAX]
    )


# Who hears of what -------------------------------------------------------------------------

BUYER_NEWS = {
    S.APPROVED: gettext_lazy("%(store)s approved your return for order %(number)s."),
    S.REJECTED: gettext_lazy("%(store)s rejected your return for order %(number)s: %(note)s"),
    S.RECEIVED: gettext_lazy(
        "%(store)s received the items you returned from order %(number)s. It checks them, then refunds you, "
        "at the latest in %(note)s days."
    ),
    S.REFUNDED: gettext_lazy("Your return for order %(number)s was refunded: %(note)s"),
    S.DISPUTED: gettext_lazy(
        "%(store)s disputes the items you returned from order %(number)s; %(site)s staff will decide: %(note)s"
    ),
}
STORE_NEWS = {
    S.REQUESTED: gettext_lazy("%(buyer)s asked to return items from order %(number)s."),
    S.CANCELLED: gettext_lazy("%(buyer)s cancelled the return for order %(number)s."),
    S.ESCALATED: gettext_lazy("%(buyer)s asked %(site)s staff to look at the rejected return for order %(number)s."),
    S.RECEIVED: gettext_lazy("The courier brought back the items of the return for order %(number)s."),
    S.REFUNDED: gettext_lazy("The return for order %(number)s was refunded."),
}
STAFF_NEWS = {
    S.REFUNDED: gettext_lazy("%(site)s staff decided the buyer is refunded for the return of order %(number)s: %(note)s"),
    S.APPROVED: gettext_lazy("%(site)s staff approved the return for order %(number)s: %(note)s"),
    S.REJECTED: gettext_lazy("%(site)s staff rejected the return for order %(number)s: %(note)s"),
}
REFUND_FAILED = gettext_lazy("The refund of the return for order %(number)s failed: %(note)s")
DISPUTE_FOR_STAFF = gettext_lazy("%(store)s disputes a return of order %(number)s: %(note)s")
OVERDUE_NOTE = gettext_lazy("The store neither refunded nor disputed the return within %(days)s days of receiving it.")
REFUND_SUMMARY = gettext_lazy("%(amount)s (%(state)s). Paid for the order after refunds: %(net)s.")


def _tell(request: ReturnRequest, *, to_buyer=None, to_store=None, note: str = "") -> None:
    params = {
        "store": request.store.name,
        "number": request.order.number,
        "buyer": request.buyer,
        "note": note,
        "site": settings.SOKO_SITE_NAME,
    }
    if to_buyer is not None:
        notify(
            user=request.buyer,
            kind="return",
            text=lazy_text(to_buyer, **params),
            url=reverse("returns:detail", args=[request.pk]),
            email=True,
        )
    if to_store is not None:
        url = reverse("sellers:return_detail", args=[request.pk])
        for member in request.store.members.all():
            notify(user=member, kind="return", text=lazy_text(to_store, **params), url=url)


def _tell_staff(request: ReturnRequest, text, *, note: str) -> None:
    """Staff hear of a dispute, with the link to its decision page."""
    params = {"store": request.store.name, "number": request.order.number, "note": note}
    url = reverse("admin:returns_returnrequest_decide", args=[request.pk])
    for staff in get_user_model().objects.filter(is_staff=True, is_active=True):
        notify(user=staff, kind="return", text=lazy_text(text, **params), url=url)


def _refund_summary(request: ReturnRequest) -> str:
    """The refund, its state and what the order cost after every refund, for the buyer's email."""
    refund, order = request.refund, request.order
    given_back = sum((made.amount for made in order.refunds.exclude(status=Refund.Status.FAILED)), Decimal("0"))
    with speaking_to(request.buyer):
        return str(REFUND_SUMMARY) % {
            "amount": money_format(refund.amount, refund.currency),
            "state": refund.get_status_display(),
            "net": money_format(order.total - given_back, order.currency),
        }


def return_push(*, request: ReturnRequest) -> None:
    """After commit: the return's live parts (status, timeline, actions; its row in lists;
    the order page's returns box) to the buyer's pages and the store members' pages, as
    htmx out-of-band swaps. Pages re-read them when their socket reopens."""
    pk = request.pk

    def buyer_html():
        fresh = return_with_details(pk=pk)
        context = {**order_box_context(fresh.order, oob=True), **buyer_context(fresh), "oob": True}
        # Rendered without a request: no context processor gives the site's name.
        return render_to_string("returns/_push_buyer.html", {**context, "site_name": settings.SOKO_SITE_NAME})

    def member_html():
        fresh = return_with_details(pk=pk)
        context = {**store_context(fresh), "oob": True, "site_name": settings.SOKO_SITE_NAME}
        return render_to_string("returns/_push_store.html", context)

    push_rendered_on_commit([request.buyer_id], buyer_html)
    members = return_member_user_ids(request=request)
    if members:
        push_rendered_on_commit(members, member_html)


# The buyer ------------------------------------------------------------------------------


def return_request_create(
    *, order: Order, buyer, lines: dict[int, int], reason: str, text: str = "", photos=(), client_key: str = ""
) -> ReturnRequest:
    """The buyer asks to return ``lines`` (order item id -> units) of a delivered order. With
    a ``client_key`` the buyer sent before (an app's Idempotency-Key, after a lost answer),
    it is that earlier request."""
    if order.buyer_id != buyer.pk:
        raise ReturnError(_("Only the buyer of an order can return its items."), code="not_your_order")
    if reason not in ReturnReason.values:
        raise ReturnError(_("Choose why you are returning the items."), code="reason_required")
    text = text.strip()
    if reason == ReturnReason.OTHER and not text:
        raise ReturnError(_("Tell the store what is wrong."), code="text_required")
    photos = list(photos)
    if len(photos) > PHOTOS_MAX:
        raise ReturnError(_("Add at most %(count)s pictures.") % {"count": PHOTOS_MAX}, code="too_many_photos")
    wanted = {int(item_id): int(units) for item_id, units in lines.items() if int(units) > 0}
    if not wanted:
        raise ReturnError(_("Choose at least one item to return."), code="no_items")
    # Pictures are validated and stored before the lock: a bad file refuses the request.
    images = [image_store(upload=upload) for upload in photos]
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("store", "checkout").get(pk=order.pk)
        if client_key:
            earlier = ReturnRequest.objects.filter(
                order=order, buyer=buyer, client_key=client_key, created_at__gte=client_keys_kept_since()
            ).first()
            if earlier is not None:
                return earlier
        if not return_window_open(order):
            raise ReturnError(str(WINDOW_CLOSED), code="return_window_closed")
        left = {row.item.pk: row for row in lines_left(order)}
        for item_id, units in wanted.items():
            row = left.get(item_id)
            if row is None:
                raise ReturnError(_("That item is not part of this order."), code="not_in_order")
            if not row.returnable:
                raise ReturnError(
                    _("“%(title)s” cannot be returned.") % {"title": row.item.product_title}, code="not_returnable"
                )
            if units > row.available:
                raise ReturnError(
                    _("You can return at most %(count)s of “%(title)s”.")
                    % {"count": row.available, "title": row.item.product_title},
                    code="too_many_units",
                )
        request = ReturnRequest.objects.create(
            order=order, buyer=buyer, store=order.store, reason=reason, text=text[:TEXT_MAX], client_key=client_key
        )
        ReturnLine.objects.bulk_create(
            [ReturnLine(request=request, item_id=item_id, quantity=units) for item_id, units in sorted(wanted.items())]
        )
        ReturnPhoto.objects.bulk_create(
            [ReturnPhoto(request=request, image=image, position=n) for n, image in enumerate(images)]
        )
        ReturnEvent.objects.create(request=request, actor=buyer, role=Role.BUYER, to_status=S.REQUESTED, note=text)
        _tell(request, to_store=STORE_NEWS[S.REQUESTED])
        return_push(request=request)
    return request


def _goods_left_the_buyer(request: ReturnRequest) -> bool:
    if request.job_id is None:
        return False
    return DeliveryJob.objects.filter(pk=request.job_id).exclude(status__in=JOB_NOT_PICKED_UP).exists()


@transaction.atomic
def return_cancel(*, request: ReturnRequest, buyer) -> ReturnRequest:
    request = _lock(request)
    if request.buyer_id != buyer.pk:
        raise ReturnError(_("Only the buyer can cancel this return."))
    if request.status not in (S.REQUESTED, S.APPROVED, S.ESCALATED) or _goods_left_the_buyer(request):
        raise ReturnError(_("This return can no longer be cancelled."))
    if request.job_id is not None:
        job = DeliveryJob.objects.get(pk=request.job_id)
        if job.status != DeliveryJob.Status.CANCELLED:
            courier_services.job_withdraw(job=job, actor=buyer)
    _move(request, to=S.CANCELLED, actor=buyer, role=Role.BUYER, fields={"cancelled_at": timezone.now()})
    _tell(request, to_store=STORE_NEWS[S.CANCELLED])
    return_push(request=request)
    return request


@transaction.atomic
def return_escalate(*, request: ReturnRequest, buyer, text: str = "") -> ReturnRequest:
    request = _lock(request)
    if request.buyer_id != buyer.pk:
        raise ReturnError(_("Only the buyer can escalate this return."))
    if not return_can_escalate(request):
        raise ReturnError(
            _("A rejected return can be sent to %(site)s staff within %(days)s days of the rejection, once.")
            % {"days": settings.SOKO_RETURN_ESCALATE_DAYS, "site": settings.SOKO_SITE_NAME}
        )
    text = text.strip()[:TEXT_MAX]
    _move(
        request,
        to=S.ESCALATED,
        actor=buyer,
        role=Role.BUYER,
        note=text,
        fields={"escalated_at": timezone.now(), "escalation_text": text},
    )
    _tell(request, to_store=STORE_NEWS[S.ESCALATED])
    return_push(request=request)
    return request


# The store ------------------------------------------------------------------------------


def _is_member(request: ReturnRequest, user) -> bool:
    return request.store.memberships.filter(user=user).exists()


def _approve(
    request: ReturnRequest,
    *,
    actor,
    role: str,
    method: str,
    instructions: str,
    payer: str,
    refund_delivery: bool,
    note: str = "",
    extra: dict | None = None,
) -> None:
    if method not in ReturnMethod.values:
        raise ReturnError(_("Choose how the items come back."))
    instructions = instructions.strip()[:TEXT_MAX]
    fields = {
        "method": method,
        "instructions": instructions,
        "approved_at": timezone.now(),
        "refund_delivery": refund_delivery,
        **(extra or {}),
    }
    if method == ReturnMethod.COURIER:
        if payer not in CourierPayer.values:
            raise ReturnError(_("Choose who pays the courier."))
        summary = ", ".join(f"{line.quantity} × {line.item.product_title}" for line in request.lines.all())
        try:
            job = courier_services.return_job_create(
                order=request.order,
                actor=actor,
                payer=DeliveryJob.Payer.BUYER if payer == CourierPayer.BUYER else DeliveryJob.Payer.SELLER,
                note=summary[:300],
            )
        except courier_services.CourierError as error:
            raise ReturnError(str(error)) from error
        fields.update(job=job, courier_payer=payer)
    _move(request, to=S.APPROVED, actor=actor, role=role, note=note or instructions, fields=fields)


@transaction.atomic
def return_approve(
    *,
    request: ReturnRequest,
    actor,
    method: str,
    instructions: str = "",
    payer: str = "",
    refund_delivery: bool = False,
) -> ReturnRequest:
    """The store approves: the buyer drops the items off at the store, or a courier job
    (paid by the buyer in cash at pickup, or by the store) collects them."""
    request = _lock(request)
    if not _is_member(request, actor):
        raise ReturnError(_("Only the store's team can approve this return."))
    if request.status != S.REQUESTED:
        raise ReturnError(_("Only a new return can be approved."))
    _approve(
        request,
        actor=actor,
        role=Role.STORE,
        method=method,
        instructions=instructions,
        payer=payer,
        refund_delivery=refund_delivery,
    )
    _tell(request, to_buyer=BUYER_NEWS[S.APPROVED])
    return_push(request=request)
    return request


@transaction.atomic
def return_reject(*, request: ReturnRequest, actor, reason: str) -> ReturnRequest:
    request = _lock(request)
    if not _is_member(request, actor):
        raise ReturnError(_("Only the store's team can reject this return."))
    if request.status != S.REQUESTED:
        raise ReturnError(_("Only a new return can be rejected."))
    reason = reason.strip()[:TEXT_MAX]
    if not reason:
        raise ReturnError(_("Say why the return is rejected: the buyer reads it."))
    _move(
        request,
        to=S.REJECTED,
        actor=actor,
        role=Role.STORE,
        note=reason,
        fields={"reject_reason": reason, "rejected_at": timezone.now()},
    )
    _tell(request, to_buyer=BUYER_NEWS[S.REJECTED], note=reason)
    return_push(request=request)
    return request


def _restock(request: ReturnRequest) -> None:
    """The returned units back on sale, once (``restocked_at`` under the return's lock)."""
    if request.restocked_at is not None:
        return
    quantities: dict[int, int] = defaultdict(int)
    for line in request.lines.select_related("item"):
        if line.item.variant_id is not None:
            quantities[line.item.variant_id] += line.quantity
    stock_release(quantities=quantities)
    request.restocked_at = timezone.now()
    request.resellable = True


def return_receive(
    *,
    request: ReturnRequest,
    actor,
    resellable: bool = False,
    refund_delivery: bool | None = None,
    role: str = Role.STORE,
) -> ReturnRequest:
    """The goods are back at the store (the store says so, or the courier typed its
    drop-off code): received, not yet accepted. Units go back in stock when resellable;
    the store then inspects them and refunds (``return_accept``) or disputes
    (``return_dispute``), or the refund comes by itself after
    ``SOKO_RETURN_INSPECTION_DAYS``. Receiving twice receives once."""
    with transaction.atomic():
        request = _lock(request)
        if role == Role.STORE and not _is_member(request, actor):
            raise ReturnError(_("Only the store's team can receive this return."))
        if request.status != S.APPROVED:
            raise ReturnError(_("Only an approved return can be received."))
        fields = {"received_at": timezone.now()}
        if refund_delivery is not None:
            fields["refund_delivery"] = request.refund_delivery or refund_delivery
        if role == Role.STORE and request.job_id is not None:
            # The store has the goods: a picked-up pickup ends here, one not picked up is withdrawn.
            try:
                courier_services.return_job_received_by_store(job=request.job, actor=actor)
            except courier_services.CourierError as error:
                raise ReturnError(str(error)) from error
        if resellable:
            _restock(request)
        _move(request, to=S.RECEIVED, actor=actor, role=role, fields=fields)
        days = str(settings.SOKO_RETURN_INSPECTION_DAYS)
        if role == Role.COURIER:
            _tell(request, to_buyer=BUYER_NEWS[S.RECEIVED], to_store=STORE_NEWS[S.RECEIVED], note=days)
        else:
            _tell(request, to_buyer=BUYER_NEWS[S.RECEIVED], note=days)
        return_push(request=request)
    return request


def _inspectable(request: ReturnRequest, actor) -> None:
    if not _is_member(request, actor):
        raise ReturnError(_("Only the store's team can decide on the returned items."))
    if request.status != S.RECEIVED:
        raise ReturnError(_("Only a return whose items are back can be inspected."))
    if request.refund_id is not None and request.refund.status != Refund.Status.FAILED:
        raise ReturnError(_("This return is already being refunded."))


def return_accept(
    *,
    request: ReturnRequest,
    actor,
    note: str = "",
    resellable: bool = False,
    refund_delivery: bool | None = None,
) -> ReturnRequest:
    """The store inspected the received goods and accepts them: its note is kept, the
    units go back on sale when resellable, and the return is refunded."""
    with transaction.atomic():
        request = _lock(request)
        _inspectable(request, actor)
        request.inspection_note = note.strip()[:TEXT_MAX]
        if refund_delivery is not None:
            request.refund_delivery = request.refund_delivery or refund_delivery
        if resellable:
            _restock(request)
        request.save()
    return return_refund(request=request, actor=actor)


@transaction.atomic
def return_dispute(*, request: ReturnRequest, actor, text: str) -> ReturnRequest:
    """The store inspected the received goods and refuses them (not what was sold, used,
    damaged by the buyer…): disputed, for Soko staff to decide. Nothing is refunded until
    they do."""
    request = _lock(request)
    _inspectable(request, actor)
    if request.dispute_decision:
        raise ReturnError(_("%(site)s staff already decided on this return.") % {"site": settings.SOKO_SITE_NAME})
    text = text.strip()[:TEXT_MAX]
    if not text:
        raise ReturnError(
            _("Say what is wrong with the items: the buyer and %(site)s staff read it.") % {"site": settings.SOKO_SITE_NAME}
        )
    _move(
        request,
        to=S.DISPUTED,
        actor=actor,
        role=Role.STORE,
        note=text,
        fields={"dispute_text": text, "inspection_note": text, "disputed_at": timezone.now()},
    )
    _tell(request, to_buyer=BUYER_NEWS[S.DISPUTED], note=text)
    _tell_staff(request, DISPUTE_FOR_STAFF, note=text)
    return_push(request=request)
    return request


def return_dispute_decide(*, request: ReturnRequest, staff, refund: bool, note: str) -> ReturnRequest:
    """Staff rule on a disputed return, with a note both sides read: the buyer is refunded
    (through ``refund_order`` as staff), or the return is rejected (final)."""
    with transaction.atomic():
        request = _lock(request)
        if not staff.is_staff:
            raise ReturnError(_("Only %(site)s staff decide disputed returns.") % {"site": settings.SOKO_SITE_NAME})
        if request.status != S.DISPUTED:
            raise ReturnError(_("Only a disputed return waits for this decision."))
        note = note.strip()[:TEXT_MAX]
        if not note:
            raise ReturnError(_("Write a note for the buyer and the store."))
        decided = {
            "decided_by": staff,
            "decided_at": timezone.now(),
            "dispute_decision": "refund" if refund else "reject",
        }
        if refund:
            _move(request, to=S.RECEIVED, actor=staff, role=Role.STAFF, note=note, fields=decided)
        else:
            _move(
                request,
                to=S.REJECTED,
                actor=staff,
                role=Role.STAFF,
                note=note,
                fields={
                    **decided,
                    "staff_decision": "rejected",
                    "staff_note": note,
                    "reject_reason": note,
                    "rejected_at": timezone.now(),
                },
            )
            _tell(request, to_buyer=STAFF_NEWS[S.REJECTED], to_store=STAFF_NEWS[S.REJECTED], note=note)
        staff_acted.send(
            sender=ReturnRequest, actor=staff, action="return_decided", target=request, reason=note,
            before={"status": S.DISPUTED}, after={"status": request.status, "dispute_decision": decided["dispute_decision"]},
        )  # fmt: skip
        if refund:
            _tell(request, to_store=STAFF_NEWS[S.REFUNDED], note=note)
        return_push(request=request)
    if not refund:
        return request
    return return_refund(request=request, actor=staff)


@transaction.atomic
def return_restock(*, request: ReturnRequest, actor) -> ReturnRequest:
    """Put the units of a return that is back at the store on sale (once), e.g. after a
    courier brought them."""
    request = _lock(request)
    if not _is_member(request, actor):
        raise ReturnError(_("Only the store's team can put these items back on sale."))
    if request.status not in (S.RECEIVED, S.REFUNDED):
        raise ReturnError(_("The items are not back at the store yet."))
    if request.restocked_at is not None:
        raise ReturnError(_("These items are already back on sale."))
    _restock(request)
    request.save(update_fields=["restocked_at", "resellable", "updated_at"])
    ReturnEvent.objects.create(
        request=request,
        actor=actor,
        role=Role.STORE,
        from_status=request.status,
        to_status=request.status,
        note=_("Back on sale"),
    )
    return_push(request=request)
    return request


def return_refund(*, request: ReturnRequest, actor) -> ReturnRequest:
    """Refund a received return's lines (and the delivery fee when decided) through the
    way the order was paid, under the key ``return:<id>``: a repeat (double click, retry
    after a provider error) refunds at most once. ``actor`` None: the system (the
    inspection deadline). The provider is asked after commit: a refund it refuses later is
    asked again here, under the same key, on a refunded return too."""
    request = ReturnRequest.objects.select_related("order", "refund").get(pk=request.pk)
    refused_later = (
        request.status == S.REFUNDED and request.refund is not None and request.refund.status == Refund.Status.FAILED
    )
    if request.status != S.RECEIVED and not refused_later:
        raise ReturnError(_("Only a return whose items are back can be refunded."))
    lines = dict(request.lines.values_list("item_id", "quantity"))
    key = f"return:{request.pk}"
    try:
        refund = refund_order(
            order=request.order,
            lines=lines,
            reason=_("Return %(id)s") % {"id": request.pk},
            actor=actor,
            delivery=request.refund_delivery,
            key=key,
        )
        if refund.status == Refund.Status.FAILED:
            raise RefundError(_("The provider refused the refund."))
    except RefundError as error:
        message = str(error)[:300]
        with transaction.atomic():
            request = _lock(request)
            failed = Refund.objects.filter(idempotency_key=key).first()
            if request.status == S.RECEIVED:
                request.refund_error = message
                if failed is not None:
                    request.refund = failed
                request.save(update_fields=["refund_error", "refund", "updated_at"])
                _tell(request, to_store=REFUND_FAILED, note=message)
                return_push(request=request)
        raise ReturnError(message) from error
    with transaction.atomic():
        request = _lock(request)
        if request.status != S.RECEIVED:
            return request
        if actor is None:
            role = Role.SYSTEM
        elif actor.is_staff and not _is_member(request, actor):
            role = Role.STAFF
        else:
            role = Role.STORE
        _move(
            request,
            to=S.REFUNDED,
            actor=actor,
            role=role,
            note=str(OVERDUE_NOTE % {"days": settings.SOKO_RETURN_INSPECTION_DAYS}) if actor is None else "",
            fields={"refund": refund, "refund_error": "", "refunded_at": timezone.now()},
        )
        _tell(request, to_buyer=BUYER_NEWS[S.REFUNDED], to_store=STORE_NEWS[S.REFUNDED], note=_refund_summary(request))
        return_push(request=request)
    return request


# Staff ----------------------------------------------------------------------------------


@transaction.atomic
def return_decide(
    *, request: ReturnRequest, staff, approve: bool, note: str, refund_delivery: bool = False
) -> ReturnRequest:
    """Staff rule on an escalated return, with a note both sides read. Approved: the buyer
    drops the items off at the store (the note is the instructions); rejected: final."""
    request = _lock(request)
    if not staff.is_staff:
        raise ReturnError(_("Only %(site)s staff decide escalated returns.") % {"site": settings.SOKO_SITE_NAME})
    if request.status != S.ESCALATED:
        raise ReturnError(_("Only an escalated return waits for a decision."))
    note = note.strip()[:TEXT_MAX]
    if not note:
        raise ReturnError(_("Write a note for the buyer and the store."))
    decided = {"staff_note": note, "decided_by": staff, "decided_at": timezone.now()}
    if approve:
        _approve(
            request,
            actor=staff,
            role=Role.STAFF,
            method=ReturnMethod.DROP_OFF,
            instructions=note,
            payer="",
            refund_delivery=refund_delivery,
            note=note,
            extra={**decided, "staff_decision": "approved"},
        )
        status = S.APPROVED
    else:
        _move(
            request,
            to=S.REJECTED,
            actor=staff,
            role=Role.STAFF,
            note=note,
            fields={**decided, "staff_decision": "rejected"},
        )
        status = S.REJECTED
    staff_acted.send(
        sender=ReturnRequest, actor=staff, action="return_decided", target=request, reason=note,
        before={"status": S.ESCALATED}, after={"status": status, "staff_decision": "approved" if approve else "rejected"},
    )
    _tell(request, to_buyer=STAFF_NEWS[status], to_store=STAFF_NEWS[status], note=note)
    return_push(request=request)
    return request


# Couriers --------------------------------------------------------------------------------


def return_job_delivered(*, job: DeliveryJob) -> ReturnRequest | None:
    """The courier brought a return's goods to the store (typed or scanned its drop-off
    code): received, which proves they arrived, not that the store accepts them."""
    request = ReturnRequest.objects.filter(job=job, status=S.APPROVED).first()
    if request is None:
        return None
    return return_receive(request=request, actor=job.courier, role=Role.COURIER)


# The inspection deadline -----------------------------------------------------------------


def returns_refund_overdue(*, now=None) -> int:
    """Refund every return received more than ``SOKO_RETURN_INSPECTION_DAYS`` ago that the
    store neither refunded nor disputed, as the system. Each refund is keyed by its return,
    so a second run (or a run racing the store's own click) refunds nothing twice; a return
    whose refund the provider refused is left to the store's "Try again". Returns how many
    were refunded."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SOKO_RETURN_INSPECTION_DAYS)
    due = ReturnRequest.objects.filter(status=S.RECEIVED, received_at__lte=cutoff, refund__isnull=True).order_by("id")
    refunded = 0
    for request in due:
        try:
            done = return_refund(request=request, actor=None)
        except ReturnError:
            continue
        refunded += done.status == S.REFUNDED
    return refunded
