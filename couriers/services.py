"""Couriers' work: profiles reviewed by staff, delivery jobs made by stores and taken by
couriers, pickup and handover by scan, cash confirmed by both sides, return pickups
(the buyer's goods back to the store, by the buyer's and the store's codes), ratings and
hand-ins of cash.

Every move locks the job's row first (then the order's, through ``order_move``),
so two couriers, or a courier and a buyer, acting at once are served one after the other.
A scan that is refused is recorded and changes nothing else. Guessing codes is bounded
twice (``_scanning``): after ``SOKO_COURIER_BAD_SCANS_PER_MINUTE`` refused scans in a minute
a courier's scans are refused without being checked, and after
``SOKO_COURIER_WRONG_CODES_PER_JOB`` wrong codes over a job's life, whoever typed them, the
job's codes are refused too (the QR of the package label or of the buyer's page still works).
"""

import hmac
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import lazy_text
from shop.core.selectors.money import money_format, money_units_problem
from shop.core.services import realtime
from shop.core.services.ratelimit import limit_give_back, limit_take
from shop.core.services.realtime import push_html_on_commit, push_rendered_on_commit
from shop.notifications.services.notifications import notify
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.fares import commission_for, distance_between, point_of, rate_per_km
from shop.orders.selectors.orders import PACKAGE_TOKEN_SALT
from shop.orders.selectors.transitions import TERMINAL, Role, TransitionError
from shop.orders.services.handover import HandoverError, handover_code_check, handover_code_check_short
from shop.orders.services.orders import order_move, order_push, order_transition, package_short_code
from shop.payments.models import PaymentStatus
from shop.payments.payouts.couriers import remittance_post, return_commission_earned

from .models import CourierProfile, CourierRating, DeliveryJob, Remittance, ScanEvent
from .selectors import (
    RETURN_QR,
    areas_within,
    courier_area_ids,
    job_area_groups,
    return_code_matches,
    user_is_courier,
)
from .signals import return_job_delivered

J = DeliveryJob.Status
S = OrderStatus


class CourierError(Exception):
    """A refused courier action; ``str(error)`` is meant for the person who tried it.
    ``reason`` names the refusal for tests and the scan log."""

    def __init__(self, message: str, *, reason: str = "refused"):
        super().__init__(message)
        self.reason = reason


# Job moves -----------------------------------------------------------------------------

# Every status a job may go to from each status (``None``: a job being made). Only
# ``job_transition`` and ``job_transition_where`` set a job's status, and only along these.
JOB_MOVES: dict[str | None, frozenset[str]] = {
    None: frozenset({J.OPEN, J.ACCEPTED}),  # made: on the board, or given to a courier (job_create)
    J.OPEN: frozenset({J.ACCEPTED, J.CANCELLED}),  # taken from the board (job_accept); withdrawn
    # given back to the board (job_release); picked up (a package label, a return's pickup code); withdrawn
    J.ACCEPTED: frozenset({J.OPEN, J.PICKED_UP, J.CANCELLED}),
    # a delivery: the buyer's code at the door; a return: its goods reached the store
    J.PICKED_UP: frozenset({J.AT_DOOR, J.DELIVERED}),
    J.AT_DOOR: frozenset({J.DELIVERED}),  # paid online, or the cash confirmed by both sides
    J.DELIVERED: frozenset(),
    J.CANCELLED: frozenset({J.OPEN, J.ACCEPTED}),  # a withdrawn delivery made anew (job_create)
}


# A delivery job waiting for its pickup: on the board, or accepted by a courier.
WAITING = (J.OPEN, J.ACCEPTED)


def _job_move_refused(current: str | None, to: str) -> CourierError | None:
    if to in JOB_MOVES.get(current, frozenset()):
        return None
    return CourierError(
        _("This job cannot go from %(from)s to %(to)s.")
        % {"from": J(current).label if current else _("nothing"), "to": J(to).label},
        reason="status",
    )


def job_transition(job: DeliveryJob, to: str, *, whole_row: bool = False, **changes) -> DeliveryJob:
    """Move ``job`` to the status ``to``, with ``changes`` to its other fields, and save it:
    the one place a job's status is set (see ``JOB_MOVES``). A job not saved yet moves from
    ``None`` and is inserted; ``whole_row`` writes every column (a cancelled job made anew);
    else only the status, the changed fields and ``updated_at`` are written. A move
    ``JOB_MOVES`` does not allow raises ``CourierError`` (reason ``status``) and writes
    nothing: the callers refuse in their own words first, this is the backstop."""
    current = None if job._state.adding else job.status
    refused = _job_move_refused(current, to) or _order_ended_refused(job, to)
    if refused is not None:
        raise refused
    job.status = to
    for name, value in changes.items():
        setattr(job, name, value)
    if current is None or whole_row:
        job.save()
    else:
        job.save(update_fields=["status", *changes, "updated_at"])
    return job


def job_transition_where(jobs, source: str, to: str, **changes) -> int:
    """Move those of ``jobs`` (a queryset) still in ``source`` to ``to`` in one conditional
    UPDATE, with ``changes``: of two couriers racing for a job only one moves it. Returns
    how many moved; refused like ``job_transition``, except for the order's end: the caller
    checks that under the row lock the UPDATE took (a join here would make the UPDATE a
    subquery that PostgreSQL does not check again, and two couriers could both win)."""
    refused = _job_move_refused(source, to)
    if refused is not None:
        raise refused
    return jobs.filter(status=source).update(status=to, **changes)


def _order_ended(job: DeliveryJob) -> bool:
    """The job's order was cancelled or refunded: nothing is left to deliver (a return
    pickup follows its own order's life)."""
    return job.order_id is not None and job.order.status in TERMINAL


def _order_ended_refused(job: DeliveryJob, to: str) -> CourierError | None:
    """A job waits for pickup (``WAITING``) only while its order may still be delivered;
    the caller holds the job's row lock, and an ended order never comes back."""
    if to not in WAITING or not _order_ended(job):
        return None
    return CourierError(
        _("Order %(number)s was cancelled: there is nothing to deliver.") % {"number": job.order.number},
        reason="order_ended",
    )


# Profiles ------------------------------------------------------------------------------


@transaction.atomic
def courier_profile_review(*, profile: CourierProfile, reviewer, approve: bool) -> CourierProfile:
    profile = CourierProfile.objects.select_for_update().get(pk=profile.pk)
    new_status = CourierProfile.Status.APPROVED if approve else CourierProfile.Status.REJECTED
    if profile.status == new_status:
        return profile
    profile.status = new_status
    profile.reviewed_at = timezone.now()
    profile.reviewed_by = reviewer
    profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    if approve:
        notify(
            user=profile.user,
            kind="courier",
            text=lazy_text(gettext_lazy("You are approved to deliver with %(site)s."), site=settings.SOKO_SITE_NAME),
            url=reverse("couriers:home"),
        )
    else:
        notify(
            user=profile.user,
            kind="courier",
            text=gettext_lazy("Your courier application was not approved."),
            url=reverse("couriers:apply"),
        )
    return profile


def _tell_store(job: DeliveryJob, text) -> None:
    """Notify every member of the job's store, linking to the order."""
    url = reverse("sellers:order_detail", args=[job.for_order.number])
    for member in job.store.members.all():
        notify(user=member, kind="order", text=text, url=url)


# Jobs made by the store -----------------------------------------------------------------

# A store arranges a courier while it prepares the order or once it is ready.
ARRANGEABLE = (S.CONFIRMED, S.PREPARING, S.READY)


def _job_fields(*, order: Order, bonus: Decimal, to_store: bool = False) -> dict:
    """Where a job runs and what it pays: from the store to the buyer's delivery address,
    or the reverse for a return pickup (``to_store``); the commission is fixed here."""
    store, checkout = order.store, order.checkout
    at_store = point_of(latitude=store.latitude, longitude=store.longitude, area=store.area)
    at_buyer = point_of(latitude=checkout.latitude, longitude=checkout.longitude, area=checkout.area)
    pickup, dropoff = (at_buyer, at_store) if to_store else (at_store, at_buyer)
    distance = distance_between(pickup, dropoff)
    return {
        "store": store,
        "pickup_area": checkout.area if to_store else store.area,
        "dropoff_area": store.area if to_store else checkout.area,
        "pickup_latitude": pickup.latitude if pickup else None,
        "pickup_longitude": pickup.longitude if pickup else None,
        "dropoff_latitude": dropoff.latitude if dropoff else None,
        "dropoff_longitude": dropoff.longitude if dropoff else None,
        "distance_km": distance,
        "rate_per_km": rate_per_km(order.currency),
        "bonus": bonus,
        "commission": commission_for(distance_km=distance, currency=order.currency, bonus=bonus),
        "currency": order.currency,
        "commission_payer": store.courier_fee_payer,
    }


# Above what any store pays for one delivery, and within what a commission is stored in.
MAX_BONUS = Decimal("1e9")


def _bonus(value, currency: str) -> Decimal:
    """The bonus the store adds for the courier, in the order's ``currency``: refused (never
    rounded) when it has a fraction finer than the currency's minor unit."""
    try:
        bonus = Decimal(str(value or "0").strip() or "0")
    except InvalidOperation:
        raise CourierError(_("The bonus must be a number, e.g. 50."), reason="bonus") from None
    if not bonus.is_finite() or bonus < 0:
        raise CourierError(_("The bonus must be zero or more."), reason="bonus")
    if bonus >= MAX_BONUS:
        raise CourierError(
            _("The bonus must be below %(limit)s.") % {"limit": money_format(MAX_BONUS, currency)}, reason="bonus"
        )
    problem = money_units_problem(bonus, currency)
    if problem:
        raise CourierError(problem, reason="bonus")
    return bonus


@transaction.atomic
def job_create(*, order: Order, actor, courier_profile: CourierProfile | None = None, bonus="0") -> DeliveryJob:
    """The store gives a home-delivery order to a courier: to ``courier_profile`` when it
    names one (the job is that courier's at once), else to the job board. The commission
    is fixed now. Refused for a pick-up order, an order not being prepared or ready, or
    one that already has a courier job."""
    bonus = _bonus(bonus, order.currency)
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("store__area", "checkout__area").get(pk=order.pk)
    )
    if not order.store.members.filter(pk=actor.pk).exists():
        raise CourierError(_("Only the store's team can arrange its deliveries."), reason="not_member")
    if order.delivery_mode != Order.DeliveryMode.DELIVERY:
        raise CourierError(_("This is a pick-up order: the buyer collects it at the store."), reason="pickup")
    if order.status not in ARRANGEABLE:
        raise CourierError(
            _("Order %(number)s is %(status)s: arrange a courier while you prepare it or once it is ready.")
            % {"number": order.number, "status": order.get_status_display().lower()},
            reason="status",
        )
    job = DeliveryJob.objects.select_for_update().filter(order=order).first()
    if job is not None and job.status != J.CANCELLED:
        raise CourierError(_("Order %(number)s already has a courier job.") % {"number": order.number}, reason="exists")
    now = timezone.now()
    fields = _job_fields(order=order, bonus=bonus)
    if courier_profile is not None:
        profile = CourierProfile.objects.filter(pk=courier_profile.pk, status=CourierProfile.Status.APPROVED).first()
        if profile is None:
            raise CourierError(_("This courier is not approved to deliver."), reason="courier")
        serves = areas_within(courier_area_ids(user=profile.user)).filter(pk=order.store.area_id)
        if order.store.area_id is None or not serves.exists():
            raise CourierError(_("This courier does not serve your store's area."), reason="area")
        to = J.ACCEPTED
        fields |= {"courier": profile.user, "assigned": True, "accepted_at": now}
    else:
        if order.store.area is None:
            raise CourierError(
                _("Set your store's area in the settings so couriers nearby can see the job."), reason="area"
            )
        to = J.OPEN
        fields |= {"courier": None, "assigned": False, "accepted_at": None}
    fields |= {
        "published_at": now,
        "picked_up_at": None,
        "delivered_at": None,
        "flagged_at": None,
        "cash_amount": None,
        "cash_courier_confirmed_at": None,
        "cash_buyer_confirmed_at": None,
    }
    if job is None:
        job = job_transition(DeliveryJob(order=order), to, **fields)
    else:  # a cancelled job of this order is made anew
        job_transition(job, to, whole_row=True, **fields)
    if job.courier_id:
        notify(
            user=job.courier,
            kind="courier",
            text=lazy_text(
                gettext_lazy("%(store)s gave you the delivery of order %(number)s (%(commission)s)."),
                store=order.store.name,
                number=order.number,
                commission=money_format(job.commission, job.currency),
            ),
            url=reverse("couriers:job", args=[job.pk]),
        )
    else:
        job_board_push_new(job=job)
    order_push(order=order)
    return job


@transaction.atomic
def job_withdraw(*, job: DeliveryJob, actor) -> DeliveryJob:
    """The store takes the job back before pickup (to deliver itself, or to publish it
    again with another bonus); the buyer of a return pickup calls it off with the return."""
    job = (
        DeliveryJob.objects.select_for_update(of=("self",))
        .select_related("order", "return_order", "store")
        .get(pk=job.pk)
    )
    by_buyer = job.is_return and job.return_order.buyer_id == actor.pk
    if not by_buyer and not job.store.members.filter(pk=actor.pk).exists():
        raise CourierError(_("Only the store's team can withdraw its jobs."), reason="not_member")
    if job.status not in WAITING:
        raise CourierError(_("The courier already picked this order up."), reason="status")
    told = lazy_text(
        gettext_lazy("The buyer called off the return pickup of order %(number)s.")
        if by_buyer
        else gettext_lazy("%(store)s withdrew the return pickup of order %(number)s.")
        if job.is_return
        else gettext_lazy("%(store)s withdrew the delivery of order %(number)s."),
        store=job.store.name,
        number=job.for_order.number,
    )
    _job_withdrawn(job, reason="withdrawn", told=told)
    return job


def _job_withdrawn(job: DeliveryJob, *, reason: str, told) -> None:
    """Cancel ``job``, waiting for pickup (the caller holds its row lock): an open job's
    card leaves every board, saying why (``GONE[reason]``); the courier who held an
    accepted one is told ``told``."""
    was_open, courier = job.status == J.OPEN, job.courier
    job_transition(job, J.CANCELLED, courier=None)
    if was_open:
        job_board_push_gone(job=job, reason=reason)
    elif courier is not None:
        notify(user=courier, kind="courier", text=told, url=reverse("couriers:home"))
    order_push(order=job.for_order)


# Orders that end before pickup ------------------------------------------------------------


def job_withdraw_for_ended_order(*, job_id: int) -> bool:
    """Withdraw the delivery job ``job_id`` if it still waits for pickup while its order has
    ended (cancelled or refunded), in a transaction of its own that locks the job's row
    (job, then order, as a courier's scan does): its card leaves every board and the
    courier who held it is told. Returns whether it did; a second run does nothing."""
    with transaction.atomic():
        job = (
            DeliveryJob.objects.select_for_update(of=("self",))
            .select_related("order", "store")
            .filter(pk=job_id, kind=DeliveryJob.Kind.DELIVERY, status__in=WAITING)
            .first()
        )
        if job is None or not _order_ended(job):
            return False
        told = lazy_text(
            gettext_lazy("Order %(number)s from %(store)s was cancelled: you no longer deliver it."),
            number=job.order.number,
            store=job.store.name,
        )
        _job_withdrawn(job, reason="order_ended", told=told)
        return True


def _jobs_of_ended_orders():
    return DeliveryJob.objects.filter(kind=DeliveryJob.Kind.DELIVERY, status__in=WAITING, order__status__in=TERMINAL)


def jobs_withdraw_for_order(*, order: Order) -> None:
    """After the commit that ended ``order`` (``order_changed``): withdraw its job if it
    still waits for pickup. Never inside the order's transaction: that holds the order's
    row and would lock the job second, the reverse of a courier's scan."""
    if order.status not in TERMINAL:
        return
    order_id = order.pk

    def withdraw() -> None:
        for job_id in _jobs_of_ended_orders().filter(order_id=order_id).values_list("pk", flat=True):
            job_withdraw_for_ended_order(job_id=job_id)

    transaction.on_commit(withdraw)


def jobs_of_ended_orders_withdraw() -> int:
    """The sweep: withdraw every job still waiting for pickup whose order has ended (its
    follow-up never ran, e.g. the process stopped after the order's commit). Returns how
    many it withdrew."""
    return sum(
        job_withdraw_for_ended_order(job_id=pk) for pk in list(_jobs_of_ended_orders().values_list("pk", flat=True))
    )


def jobs_flag_untaken() -> int:
    """Tell stores about their board jobs nobody accepted within SOKO_JOB_UNTAKEN_MINUTES,
    once per job; returns how many were flagged."""
    cutoff = timezone.now() - timedelta(minutes=settings.SOKO_JOB_UNTAKEN_MINUTES)
    flagged = 0
    ids = DeliveryJob.objects.filter(status=J.OPEN, flagged_at__isnull=True, published_at__lte=cutoff).values_list(
        "pk", flat=True
    )
    for job_id in list(ids):
        with transaction.atomic():
            job = (
                DeliveryJob.objects.select_for_update(of=("self",))
                .select_related("order", "return_order", "store")
                .filter(pk=job_id, status=J.OPEN, flagged_at__isnull=True)
                .first()
            )
            if job is None:
                continue
            job.flagged_at = timezone.now()
            job.save(update_fields=["flagged_at", "updated_at"])
            text = lazy_text(
                gettext_lazy(
                    "No courier has taken order %(number)s yet. Add a bonus, assign a courier or deliver it yourself."
                ),
                number=job.for_order.number,
            )
            _tell_store(job, text)
            order_push(order=job.for_order)
            flagged += 1
    return flagged


# The board ------------------------------------------------------------------------------


def _board_push_on_commit(*, job: DeliveryJob, render, event: str, data: dict) -> None:
    """After commit, ``render()``'s fragment to every board that shows ``job``, rendered
    once per language: the couriers of an area read different ones, none necessarily the
    one of whoever caused the push. ``html`` is the site's language's copy, ``languages``
    every copy; each board's socket takes its own (``JobBoardConsumer.html_push``), and
    apps' sockets get the event and ``data`` instead."""
    languages = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            languages[code] = render()
    message = {"type": "html.push", "html": languages[settings.LANGUAGE_CODE], "languages": languages}
    groups = job_area_groups(job=job)

    def send():
        for group in groups:  # numbered as they leave, as ``push_html_on_commit``'s are
            realtime.group_send(group, realtime.event_message(group, message, event, data))

    transaction.on_commit(send, robust=True)


def job_board_push_new(*, job: DeliveryJob) -> None:
    """After commit: the new job's card to the top of every board that shows it."""
    job = DeliveryJob.objects.select_related(
        "order__checkout", "return_order__checkout", "store", "pickup_area__parent", "dropoff_area__parent"
    ).get(pk=job.pk)
    _board_push_on_commit(
        job=job,
        render=lambda: render_to_string("couriers/_job_push.html", {"job": job}),
        event="job.listed",
        data={"job": job.pk},
    )


# Why a job left the boards, in the line its card gives way to (and the apps' ``reason``).
GONE = {
    "taken": gettext_lazy("Another courier took this job."),
    "withdrawn": gettext_lazy("The store withdrew this job."),
    "order_ended": gettext_lazy("This order was cancelled."),
}


def job_board_push_gone(*, job: DeliveryJob, reason: str) -> None:
    """After commit: on every board that shows the job, its card gives way to a short line
    saying why it went (``GONE``)."""
    _board_push_on_commit(
        job=job,
        render=lambda: render_to_string(
            "couriers/_job_gone.html#card", {"job_id": job.pk, "reason": GONE[reason], "oob": True}
        ),
        event="job.gone",
        data={"job": job.pk, "reason": reason},
    )


TAKEN = gettext_lazy("Sorry, another courier already took this job.")


def job_accept(*, job_id: int, courier) -> DeliveryJob:
    """The first approved courier to accept an open board job in its areas gets it: one
    conditional UPDATE decides, so two couriers accepting at once cannot both win; every
    other gets "already taken"."""
    if not user_is_courier(user=courier):
        raise CourierError(_("Only approved couriers can take jobs."), reason="not_courier")
    profile = CourierProfile.objects.get(user=courier)
    if profile.availability == CourierProfile.Availability.OFF:
        raise CourierError(_("You are off duty. Set yourself available to take jobs."), reason="off")
    with transaction.atomic():
        visible = DeliveryJob.objects.filter(
            pk=job_id, assigned=False, pickup_area__in=areas_within(courier_area_ids(user=courier)).values("pk")
        )
        if not visible.exists():
            raise CourierError(_("This job is not on your board."), reason="not_visible")
        won = job_transition_where(
            visible, J.OPEN, J.ACCEPTED, courier=courier, accepted_at=timezone.now(), updated_at=timezone.now()
        )
        job = DeliveryJob.objects.select_related("order", "return_order", "store").get(pk=job_id)
        # Checked again under the row lock the UPDATE took (a cancel may have committed
        # since it read the order): raising rolls the acceptance back.
        refused = _order_ended_refused(job, J.ACCEPTED)
        if refused is not None:
            raise refused
        if not won:
            raise CourierError(str(TAKEN), reason="taken")
        job_board_push_gone(job=job, reason="taken")
        if job.is_return:
            _return_accepted(job=job, courier=courier)
        else:
            text = lazy_text(
                gettext_lazy("%(courier)s will deliver order %(number)s."), courier=courier, number=job.order.number
            )
            _tell_store(job, text)
        order_push(order=job.for_order)
    return job


@transaction.atomic
def job_release(*, job: DeliveryJob, courier) -> DeliveryJob:
    """The courier gives a job back before pickup: it returns to the board."""
    job = (
        DeliveryJob.objects.select_for_update(of=("self",))
        .select_related("order", "return_order", "store")
        .get(pk=job.pk)
    )
    if job.courier_id != courier.pk or job.status != J.ACCEPTED:
        raise CourierError(_("You can give a job back only before you pick it up."), reason="status")
    job_transition(job, J.OPEN, courier=None, accepted_at=None, assigned=False, published_at=timezone.now())
    job_board_push_new(job=job)
    text = lazy_text(
        gettext_lazy("The courier gave back order %(number)s: it is on the job board again."),
        number=job.for_order.number,
    )
    _tell_store(job, text)
    order_push(order=job.for_order)
    return job


# Scans ----------------------------------------------------------------------------------


def _bad_scans_key(user) -> str:
    return f"courier-bad-scans:{user.pk}"


def _scan_slot_take(user) -> None:
    """Every scan takes one of the scanner's SOKO_COURIER_BAD_SCANS_PER_MINUTE slots first
    (a good scan gives it back): past the limit a scan is refused unchecked. An unreachable
    cache refuses too: these are guesses at codes."""
    if not limit_take(
        _bad_scans_key(user), limit=settings.SOKO_COURIER_BAD_SCANS_PER_MINUTE, seconds=60, on_outage="closed"
    ):
        raise CourierError(_("Too many refused scans. Wait a minute, then try again."), reason="rate")


def _scan_slot_give_back(user) -> None:
    limit_give_back(_bad_scans_key(user), seconds=60)


def _job_codes_locked(job: DeliveryJob) -> CourierError:
    if job.is_return:
        text = _(
            "Too many wrong codes for the return of order %(number)s. Ask the store to confirm it has the goods, "
            "or to arrange a new pickup with new codes."
        )
    elif job.status == J.ACCEPTED:
        text = _("Too many wrong codes for order %(number)s. Scan the QR code on the package label instead.")
    else:
        text = _("Too many wrong codes for order %(number)s. Scan the QR code on the buyer's page instead.")
    return CourierError(text % {"number": job.for_order.number}, reason="job_locked")


def _job_code_slot_take(job: DeliveryJob) -> None:
    """A code about to be checked for ``job`` takes one of its SOKO_COURIER_WRONG_CODES_PER_JOB
    slots first, in one conditional UPDATE committed at once (so however many race, that
    many are checked, and a wrong one stays counted); a code that was not wrong gives it
    back. With the slots gone the job's codes are refused unchecked."""
    taken = DeliveryJob.objects.filter(pk=job.pk, wrong_codes__lt=settings.SOKO_COURIER_WRONG_CODES_PER_JOB).update(
        wrong_codes=F("wrong_codes") + 1
    )
    if not taken:
        raise _job_codes_locked(job)


def _job_code_slot_give_back(job: DeliveryJob) -> None:
    DeliveryJob.objects.filter(pk=job.pk, wrong_codes__gt=0).update(wrong_codes=F("wrong_codes") - 1)


def _scan_log(*, user, kind: str, typed: bool, job=None, error: Exception | None = None) -> None:
    ScanEvent.objects.create(
        user=user,
        job=job,
        kind=kind,
        typed=typed,
        accepted=error is None,
        reason=getattr(error, "reason", "") if error else "",
    )


def _scanning(user, kind: str, typed: bool, work, *, guessing: DeliveryJob | None = None):
    """Run one scan, recorded either way. It takes a slot of the scanner's per-minute limit
    and, when it checks a code of the job ``guessing`` (a code a person could type), a slot
    of that job's lifetime limit; an accepted scan gives both back, a refused one gives
    back the job's unless its code was wrong.

    The bound this gives on guessing: whoever types, and over any length of time, at most
    SOKO_COURIER_WRONG_CODES_PER_JOB (10) wrong codes are ever checked for a job. Guessing
    its 6-digit package code therefore succeeds with a chance of at most 10 in 10^6 (1 in
    100,000); an 8-digit return code, at most 10 in 10^8. The buyer's 8-digit handover code
    is capped per code as well (by shop.orders.services.handover: 5 in 10^8). The per-minute limit
    only slows a courier down; a crash keeps the slots it took."""
    _scan_slot_take(user)
    job_slot = False
    try:
        if guessing is not None:
            _job_code_slot_take(guessing)
            job_slot = True
        job = work()
    except (CourierError, HandoverError, TransitionError) as error:
        reason = getattr(error, "reason", "refused")
        if job_slot and reason != "wrong":
            _job_code_slot_give_back(guessing)
        _scan_log(user=user, kind=kind, typed=typed, error=error)
        if isinstance(error, CourierError):
            raise
        raise CourierError(str(error), reason=reason) from error
    if job_slot:
        _job_code_slot_give_back(guessing)
    _scan_slot_give_back(user)
    # A store handing an order over itself has no job: it is logged without one.
    _scan_log(user=user, kind=kind, typed=typed, job=job if isinstance(job, DeliveryJob) else None)
    return job


def _holding(courier, job: DeliveryJob | None) -> DeliveryJob | None:
    """``job`` when ``courier`` holds it: only then is a code checked against it (anyone
    else is refused before, so their tries cost the job nothing)."""
    return job if job is not None and job.courier_id == courier.pk else None


def _held_job(*, courier, order: Order, statuses) -> DeliveryJob:
    job = DeliveryJob.objects.select_for_update().filter(order=order).first()
    if job is None or job.status == J.CANCELLED or job.courier_id != courier.pk:
        raise CourierError(
            _("Order %(number)s is not one of your deliveries.") % {"number": order.number}, reason="not_yours"
        )
    if job.status not in statuses:
        raise CourierError(
            _("Order %(number)s is already %(status)s.")
            % {"number": order.number, "status": job.get_status_display().lower()},
            reason="status",
        )
    return job


def _pickup(*, courier, order: Order) -> DeliveryJob:
    with transaction.atomic():
        job = _held_job(courier=courier, order=order, statuses=(J.ACCEPTED,))
        if order.status != S.READY:
            raise CourierError(
                _("Order %(number)s is not ready yet: the store is still preparing it.") % {"number": order.number},
                reason="not_ready",
            )
        order_move(order=order, to=S.OUT_FOR_DELIVERY, actor=courier, role=Role.COURIER, scanned=True)
        job_transition(job, J.PICKED_UP, picked_up_at=timezone.now())
        CourierProfile.objects.filter(user=courier).update(availability=CourierProfile.Availability.BUSY)
    return job


def is_package_label(text: str) -> bool:
    """Whether scanned text is a package label's (the signed order number), not a code."""
    return ":" in text


def pickup_scan(*, courier, token: str, job: DeliveryJob | None = None) -> DeliveryJob:
    """The courier scanned a package label: the order leaves the store with it. With
    ``job``, the label must be that job's order's."""

    def work():
        try:
            number = signing.Signer(salt=PACKAGE_TOKEN_SALT).unsign(token.strip())
        except signing.BadSignature:
            raise CourierError(_("This is not a %(site)s package label.") % {"site": settings.SOKO_SITE_NAME}, reason="unknown") from None
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise CourierError(_("This is not a %(site)s package label.") % {"site": settings.SOKO_SITE_NAME}, reason="unknown")
        if job is not None and order.pk != job.order_id:
            raise CourierError(
                _("This label is for order %(number)s, not for this job.") % {"number": order.number},
                reason="other_order",
            )
        return _pickup(courier=courier, order=order)

    return _scanning(courier, ScanEvent.Kind.PICKUP, False, work)


def pickup_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """The courier typed the 6-digit pickup code printed under the label's QR."""

    def work():
        _delivery_only(job)
        digits = "".join(ch for ch in code if ch in "0123456789")
        order = job.order
        if job.courier_id != courier.pk:
            raise CourierError(
                _("Order %(number)s is not one of your deliveries.") % {"number": order.number}, reason="not_yours"
            )
        if not digits or not constant_time_equal(digits, package_short_code(order=order)):
            raise CourierError(_("Wrong pickup code for order %(number)s.") % {"number": order.number}, reason="wrong")
        return _pickup(courier=courier, order=order)

    return _scanning(courier, ScanEvent.Kind.PICKUP, True, work, guessing=_holding(courier, job))


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def _holder_check(courier):
    def accept(order: Order) -> None:
        job = DeliveryJob.objects.filter(order=order).exclude(status=J.CANCELLED).first()
        if job is None or job.courier_id != courier.pk:
            raise HandoverError(
                _("Order %(number)s is not one of your deliveries.") % {"number": order.number}, reason="not_yours"
            )

    return accept


def _at_door(*, courier, order: Order) -> DeliveryJob:
    """The buyer's code was accepted: a paid order is delivered now; a cash order waits
    for the courier and the buyer to confirm the cash."""
    job = DeliveryJob.objects.select_for_update().get(order=order)
    job_transition(job, J.AT_DOOR)
    if order.checkout.payment_status == PaymentStatus.ON_DELIVERY:
        order_push(order=order)
        notify(
            user=order.buyer,
            kind="order",
            text=lazy_text(
                gettext_lazy(
                    "The courier is at your door with order %(number)s. Pay %(total)s in cash, then confirm it."
                ),
                number=order.number,
                total=money_format(order.total, order.currency),
            ),
            url=reverse("orders:detail", args=[order.number]),
        )
        return job
    return _deliver(job=job, courier=courier)


def _deliver(*, job: DeliveryJob, courier) -> DeliveryJob:
    order_move(order=job.order, to=S.DELIVERED, actor=courier, role=Role.COURIER, scanned=True)
    job_transition(job, J.DELIVERED, delivered_at=timezone.now())
    _job_live_push(courier.pk, job)
    busy = DeliveryJob.objects.filter(courier=courier, status__in=(J.PICKED_UP, J.AT_DOOR)).exclude(pk=job.pk).exists()
    CourierProfile.objects.filter(user=courier).update(
        deliveries_count=F("deliveries_count") + 1,
        **({} if busy else {"availability": CourierProfile.Availability.AVAILABLE}),
    )
    return job


def handover_scan(*, courier, code: str) -> DeliveryJob:
    """The courier scanned the buyer's QR code at the door."""

    def work():
        with transaction.atomic():
            order = handover_code_check(code=code, accept=_holder_check(courier))
            order = Order.objects.select_related("checkout", "buyer", "store").get(pk=order.pk)
            return _at_door(courier=courier, order=order)

    return _scanning(courier, ScanEvent.Kind.HANDOVER, False, work)


def handover_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """The courier typed the buyer's 8-digit code for the order of ``job``."""

    def work():
        _delivery_only(job)
        if job.courier_id != courier.pk:
            raise CourierError(
                _("Order %(number)s is not one of your deliveries.") % {"number": job.order.number}, reason="not_yours"
            )
        # Checked in its own transaction, so a wrong code's count is kept.
        order = handover_code_check_short(order_number=job.order.number, short_code=code, accept=_holder_check(courier))
        with transaction.atomic():
            order = Order.objects.select_related("checkout", "buyer", "store").get(pk=order.pk)
            return _at_door(courier=courier, order=order)

    return _scanning(courier, ScanEvent.Kind.HANDOVER, True, work, guessing=_holding(courier, job))


def handover_read(*, courier, text: str) -> DeliveryJob:
    """A code scanned at the end of a job: the buyer's QR at the door, or the store's
    drop-off QR of a return pickup (``SOKO-RETURN-…``)."""
    text = text.strip()
    if text.startswith("SOKO-RETURN-"):
        return return_code_scan(courier=courier, text=text)
    return handover_scan(courier=courier, code=text)


def scan_read(*, courier, text: str) -> DeliveryJob:
    """Whatever the courier's scanner read: a package label picks its order up, a buyer's
    QR hands an order over, a return code's QR collects or drops off a return."""
    text = text.strip()
    if is_package_label(text) and not text.startswith("SOKO-RETURN-"):
        return pickup_scan(courier=courier, token=text)
    return handover_read(courier=courier, text=text)


def job_pickup(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """Pick ``job`` up by the code the courier scanned or typed: a delivery's package
    label (its QR text) or the 6 digits under it; a return pickup's 8-digit buyer's code."""
    if job.is_return:
        return return_pickup_typed(courier=courier, job=job, code=code)
    if is_package_label(code):
        return pickup_scan(courier=courier, token=code, job=job)
    return pickup_typed(courier=courier, job=job, code=code)


def job_handover_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """The code typed at the end of ``job``: the buyer's 8 digits at the door, or the
    store's drop-off code of a return pickup."""
    if job.is_return:
        return return_dropoff_typed(courier=courier, job=job, code=code)
    return handover_typed(courier=courier, job=job, code=code)


def job_code_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """The typed code on a job's page: its pickup code while the job is accepted (the
    package code, or the buyer's code of a return pickup), else the code that ends it."""
    if job.status == J.ACCEPTED:
        if job.is_return:
            return return_pickup_typed(courier=courier, job=job, code=code)
        return pickup_typed(courier=courier, job=job, code=code)
    return job_handover_typed(courier=courier, job=job, code=code)


def store_handover(*, order: Order, actor, code: str) -> Order:
    """The store delivered the order itself and typed (or scanned) the buyer's code."""

    def accept(checked: Order) -> None:
        if not checked.store.members.filter(pk=actor.pk).exists():
            raise HandoverError(_("This order is not from your store."), reason="not_yours")
        job = DeliveryJob.objects.filter(order=checked).exclude(status=J.CANCELLED).first()
        if job is not None:
            raise HandoverError(_("A courier holds this order: the courier scans the buyer's code."), reason="courier")

    def accept_this(checked: Order) -> None:
        if checked.pk != order.pk:
            raise HandoverError(_("This code is for another order."), reason="other_order")
        accept(checked)

    def work():
        text = code.strip()
        # The QR's text is 32 letters and digits; the typed fallback is 8 digits.
        if len("".join(ch for ch in text if ch.isalnum())) > 12:
            checked = handover_code_check(code=text, accept=accept_this)
        else:
            checked = handover_code_check_short(order_number=order.number, short_code=text, accept=accept_this)
        return order_transition(order=checked, to=S.DELIVERED, actor=actor, role=Role.SELLER, scanned=True)

    return _scanning(actor, ScanEvent.Kind.HANDOVER, True, work)


# Cash at the door ------------------------------------------------------------------------


def _cash_done(job: DeliveryJob) -> bool:
    return job.cash_courier_confirmed_at is not None and job.cash_buyer_confirmed_at is not None


@transaction.atomic
def cash_confirm_courier(*, job: DeliveryJob, courier, amount) -> DeliveryJob:
    """The courier confirms the cash it received; the order is delivered once the buyer
    has confirmed too. The amount must be the order's total."""
    job = (
        DeliveryJob.objects.select_for_update(of=("self",))
        .select_related("order__checkout", "order__buyer")
        .get(pk=job.pk)
    )
    _delivery_only(job)
    order = job.order
    if job.courier_id != courier.pk:
        raise CourierError(
            _("Order %(number)s is not one of your deliveries.") % {"number": order.number}, reason="not_yours"
        )
    if job.status != J.AT_DOOR:
        raise CourierError(_("Scan the buyer's code before confirming the cash."), reason="status")
    try:
        received = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise CourierError(
            _("Enter the amount you received, e.g. %(total)s.") % {"total": order.total}, reason="amount"
        ) from None
    if received != order.total:
        raise CourierError(
            _("The buyer pays exactly %(total)s for order %(number)s. Count the cash again.")
            % {"total": money_format(order.total, order.currency), "number": order.number},
            reason="amount",
        )
    if job.cash_courier_confirmed_at is None:
        job.cash_amount, job.cash_courier_confirmed_at = received, timezone.now()
        job.save(update_fields=["cash_amount", "cash_courier_confirmed_at", "updated_at"])
    if _cash_done(job):
        return _deliver(job=job, courier=job.courier)
    order_push(order=order)
    return job


@transaction.atomic
def cash_confirm_buyer(*, job: DeliveryJob, buyer) -> DeliveryJob:
    """The buyer confirms, on their own order page, that they paid the courier."""
    job = (
        DeliveryJob.objects.select_for_update(of=("self",)).select_related("order__checkout", "courier").get(pk=job.pk)
    )
    _delivery_only(job)
    if job.order.buyer_id != buyer.pk:
        raise CourierError(_("No such delivery."), reason="not_yours")
    if job.status != J.AT_DOOR:
        raise CourierError(_("There is no cash to confirm for this order now."), reason="status")
    if job.cash_buyer_confirmed_at is None:
        job.cash_buyer_confirmed_at = timezone.now()
        job.save(update_fields=["cash_buyer_confirmed_at", "updated_at"])
    if _cash_done(job):
        return _deliver(job=job, courier=job.courier)
    order_push(order=job.order)
    return job


def job_live_push_for_order(*, order: Order) -> None:
    """After commit: the live part of each job of ``order`` (its delivery, its return
    pickups) to the courier who holds it, so the job page follows the order (ready,
    cancelled, refunded) as the buyer's and the store's pages do."""
    jobs = DeliveryJob.objects.filter(Q(order=order) | Q(return_order=order), courier__isnull=False)
    for job in jobs.exclude(status=J.CANCELLED):
        _job_live_push(job.courier_id, job)


def _job_live_push(courier_id: int, job: DeliveryJob) -> None:
    """After commit: the job's live part to its courier's open pages (``job.changed``)."""
    push_rendered_on_commit(
        [courier_id], lambda: _job_live(job), event="job.changed", data={"job": job.pk, "status": job.status}
    )


def _job_live(job: DeliveryJob) -> str:
    job = DeliveryJob.objects.select_related(
        "order__checkout",
        "return_order__checkout",
        "store",
        "pickup_area",
        "dropoff_area",
        "courier__courier_profile",
    ).get(pk=job.pk)
    context = {"job": job, "order": job.for_order, "user": job.courier, "oob": True}
    return render_to_string("couriers/job.html#live", context)


# Return pickups -----------------------------------------------------------------------------

# A store sends a courier for returned goods of an order that reached its buyer.
RETURNABLE = (S.DELIVERED, S.COMPLETED)
RETURN_UNDER_WAY = (J.OPEN, J.ACCEPTED, J.PICKED_UP)


def _delivery_only(job: DeliveryJob) -> None:
    if job.is_return:
        raise CourierError(_("This is a return pickup, not a delivery."), reason="return")


@transaction.atomic
def return_job_create(*, order: Order, actor, payer: str, note: str, bonus="0") -> DeliveryJob:
    """The store sends a courier to collect returned goods (``note``: what to collect,
    e.g. "2 × Basket") at the buyer's delivery address and bring them to the store: a
    return pickup on the job board of the buyer's area (else the store's). The commission
    is fixed now, as for a delivery; ``payer`` is ``Payer.BUYER`` (the buyer pays it to
    the courier in cash at pickup) or ``Payer.SELLER`` (the store's share pays it once the
    goods reach the store). Refused for a pick-up order, an order not delivered (or
    completed), or one with a return pickup under way."""
    bonus = _bonus(bonus, order.currency)
    if payer not in DeliveryJob.Payer.values:
        raise CourierError(_("Choose who pays the courier: the buyer or the store."), reason="payer")
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("store__area", "checkout__area").get(pk=order.pk)
    )
    if not order.store.members.filter(pk=actor.pk).exists():
        raise CourierError(_("Only the store's team can arrange its return pickups."), reason="not_member")
    if order.delivery_mode != Order.DeliveryMode.DELIVERY:
        raise CourierError(
            _("This is a pick-up order: the buyer brings returned goods back to the store."), reason="pickup"
        )
    if order.status not in RETURNABLE:
        raise CourierError(
            _("Order %(number)s is %(status)s: a courier collects returns of delivered orders only.")
            % {"number": order.number, "status": order.get_status_display().lower()},
            reason="status",
        )
    if DeliveryJob.objects.filter(return_order=order, status__in=RETURN_UNDER_WAY).exists():
        raise CourierError(
            _("A courier is already arranged to collect the return of order %(number)s.") % {"number": order.number},
            reason="exists",
        )
    fields = _job_fields(order=order, bonus=bonus, to_store=True)
    # On the board of the buyer's area (else the store's).
    fields["pickup_area"] = fields["pickup_area"] or fields["dropoff_area"]
    if fields["pickup_area"] is None:
        raise CourierError(
            _("Set your store's area in the settings so couriers nearby can see the job."), reason="area"
        )
    fields |= {
        "kind": DeliveryJob.Kind.RETURN,
        "return_order": order,
        "note": note.strip()[:300],
        "code_nonce": secrets.token_hex(16),
        "commission_payer": payer,
        "published_at": timezone.now(),
    }
    job = job_transition(DeliveryJob(), J.OPEN, **fields)
    job_board_push_new(job=job)
    return job


def _return_accepted(*, job: DeliveryJob, courier) -> None:
    order = job.return_order
    _tell_store(
        job,
        lazy_text(
            gettext_lazy("%(courier)s will collect the return of order %(number)s."),
            courier=courier,
            number=order.number,
        ),
    )
    notify(
        user=order.buyer,
        kind="order",
        text=lazy_text(
            gettext_lazy("A courier will collect your return of order %(number)s. Have your pickup code ready."),
            number=order.number,
        ),
        url=reverse("orders:detail", args=[order.number]),
    )


def _return_held(*, courier, job_id: int, statuses) -> DeliveryJob:
    job = (
        DeliveryJob.objects.select_for_update(of=("self",))
        .select_related("return_order", "store")
        .filter(pk=job_id, kind=DeliveryJob.Kind.RETURN)
        .first()
    )
    if job is None or job.status == J.CANCELLED or job.courier_id != courier.pk:
        raise CourierError(_("This return pickup is not one of your jobs."), reason="not_yours")
    if job.status not in statuses:
        raise CourierError(
            _("The return of order %(number)s is already %(status)s.")
            % {"number": job.return_order.number, "status": job.get_status_display().lower()},
            reason="status",
        )
    return job


def _return_picked_up(*, courier, job_id: int) -> DeliveryJob:
    with transaction.atomic():
        job = _return_held(courier=courier, job_id=job_id, statuses=(J.ACCEPTED,))
        job_transition(job, J.PICKED_UP, picked_up_at=timezone.now())
        CourierProfile.objects.filter(user=courier).update(availability=CourierProfile.Availability.BUSY)
        _tell_store(
            job,
            lazy_text(
                gettext_lazy("The courier collected the return of order %(number)s and is bringing it to you."),
                number=job.return_order.number,
            ),
        )
        order_push(order=job.return_order)
    return job


def _return_deliver(*, job: DeliveryJob) -> DeliveryJob:
    """The goods of a picked-up return reached the store (the caller holds the job's row
    lock): the job is delivered, a store-paid commission posted, and
    ``return_job_delivered`` sent after commit."""
    job_transition(job, J.DELIVERED, delivered_at=timezone.now())
    if job.commission_payer == DeliveryJob.Payer.SELLER:
        return_commission_earned(job)
    courier_id = job.courier_id
    busy = (
        DeliveryJob.objects.filter(courier_id=courier_id, status__in=(J.PICKED_UP, J.AT_DOOR))
        .exclude(pk=job.pk)
        .exists()
    )
    CourierProfile.objects.filter(user_id=courier_id).update(
        deliveries_count=F("deliveries_count") + 1,
        **({} if busy else {"availability": CourierProfile.Availability.AVAILABLE}),
    )
    _tell_store(
        job,
        lazy_text(
            gettext_lazy("The returned goods of order %(number)s reached your store."), number=job.return_order.number
        ),
    )
    order_push(order=job.return_order)
    transaction.on_commit(lambda: return_job_delivered.send(sender=DeliveryJob, job=job))
    return job


def _return_dropped_off(*, courier, job_id: int) -> DeliveryJob:
    with transaction.atomic():
        job = _return_held(courier=courier, job_id=job_id, statuses=(J.PICKED_UP,))
        return _return_deliver(job=job)


def _return_code_move(*, courier, job: DeliveryJob | None, code: str, which: str, typed: bool) -> DeliveryJob:
    kind = ScanEvent.Kind.PICKUP if which == "pickup" else ScanEvent.Kind.DROPOFF

    def work():
        if job is None or not job.is_return or job.courier_id != courier.pk:
            raise CourierError(_("This return pickup is not one of your jobs."), reason="not_yours")
        if not return_code_matches(job=job, which=which, code=code):
            if which == "pickup":
                raise CourierError(
                    _("Wrong pickup code: ask the buyer for the 8 digits on their page."), reason="wrong"
                )
            raise CourierError(_("Wrong drop-off code: ask the store for the 8 digits on its page."), reason="wrong")
        if which == "pickup":
            return _return_picked_up(courier=courier, job_id=job.pk)
        return _return_dropped_off(courier=courier, job_id=job.pk)

    # A return code's QR holds the same digits as the typed code: scanned or typed, it is a guess.
    return _scanning(courier, kind, typed, work, guessing=_holding(courier, job))


def return_pickup_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """At the buyer's, the courier types the buyer's pickup code: the return is picked up
    (accepted → picked up). A wrong code counts towards the bad-scan limit."""
    return _return_code_move(courier=courier, job=job, code=code, which="pickup", typed=True)


def return_dropoff_typed(*, courier, job: DeliveryJob, code: str) -> DeliveryJob:
    """At the store, the courier types the store's drop-off code: the return is delivered
    (picked up → delivered) and ``return_job_delivered`` is sent. The code proves the goods
    arrived, not that the store accepts them: the return is received, and refunded only
    once the store inspected them (or its inspection deadline passed)."""
    return _return_code_move(courier=courier, job=job, code=code, which="dropoff", typed=True)


def return_code_scan(*, courier, text: str) -> DeliveryJob:
    """The courier's scanner read a return code's QR (``SOKO-RETURN-<job>-<code>``): the
    buyer's before pickup, the store's after."""
    match = RETURN_QR.match(text.strip())
    job = DeliveryJob.objects.filter(pk=int(match[1]), kind=DeliveryJob.Kind.RETURN).first() if match else None
    code = match[2] if match else ""
    which = "dropoff" if job is not None and job.status == J.PICKED_UP else "pickup"
    return _return_code_move(courier=courier, job=job, code=code, which=which, typed=False)


@transaction.atomic
def return_job_received_by_store(*, job: DeliveryJob, actor) -> DeliveryJob:
    """The store confirms it has the returned goods. A picked-up return is delivered (and
    ``return_job_delivered`` sent); one not picked up yet is withdrawn (the goods came
    back another way); a delivered or cancelled one is left as it is."""
    job = DeliveryJob.objects.select_for_update(of=("self",)).select_related("return_order", "store").get(pk=job.pk)
    if not job.store.members.filter(pk=actor.pk).exists():
        raise CourierError(_("Only the store's team can confirm its returns."), reason="not_member")
    if not job.is_return:
        raise CourierError(_("This is a delivery, not a return pickup."), reason="not_return")
    if job.status == J.PICKED_UP:
        return _return_deliver(job=job)
    if job.status in (J.OPEN, J.ACCEPTED):
        return job_withdraw(job=job, actor=actor)
    return job


# Location, ratings, cash hand-ins ---------------------------------------------------------


def _coordinate(value, limit: int) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise CourierError(_("Your phone sent no usable location."), reason="location") from None
    if not number.is_finite() or abs(number) > limit:
        raise CourierError(_("Your phone sent no usable location."), reason="location")
    return number


@transaction.atomic
def courier_location_share(*, job: DeliveryJob, courier, latitude, longitude) -> DeliveryJob:
    """The courier's position while the order is on its way, shown live to the buyer;
    only from a courier who chose to share it."""
    job = DeliveryJob.objects.select_for_update(of=("self",)).select_related("order").get(pk=job.pk)
    _delivery_only(job)
    if job.courier_id != courier.pk or job.status not in (J.PICKED_UP, J.AT_DOOR):
        raise CourierError(_("You share your location only while delivering this order."), reason="status")
    if not CourierProfile.objects.filter(user=courier, share_location=True).exists():
        raise CourierError(_("Location sharing is off in your profile."), reason="off")
    job.courier_latitude = _coordinate(latitude, 90)
    job.courier_longitude = _coordinate(longitude, 180)
    job.courier_located_at = timezone.now()
    job.save(update_fields=["courier_latitude", "courier_longitude", "courier_located_at", "updated_at"])
    html = render_to_string("couriers/_courier_position.html", {"job": job, "oob": True})
    position = {"latitude": job.courier_latitude, "longitude": job.courier_longitude, "at": job.courier_located_at}
    push_html_on_commit(
        f"user.{job.order.buyer_id}", html, event="courier.position", data={"order": job.order.number, **position}
    )
    return job


@transaction.atomic
def courier_rate(*, job: DeliveryJob, buyer, stars, comment: str = "") -> CourierRating:
    """The buyer rates the courier who delivered their order, once; the courier's average
    is recomputed in the same transaction."""
    job = DeliveryJob.objects.select_for_update(of=("self",)).select_related("order").get(pk=job.pk)
    _delivery_only(job)
    if job.order.buyer_id != buyer.pk:
        raise CourierError(_("No such delivery."), reason="not_yours")
    if job.status != J.DELIVERED or job.courier_id is None:
        raise CourierError(_("You can rate the courier once your order is delivered."), reason="status")
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise CourierError(_("Choose from 1 to 5 stars."), reason="stars")
    if CourierRating.objects.filter(job=job).exists():
        raise CourierError(_("You already rated this delivery."), reason="rated")
    rating = CourierRating.objects.create(
        job=job, courier_id=job.courier_id, buyer=buyer, stars=stars, comment=comment.strip()[:300]
    )
    figures = CourierRating.objects.filter(courier_id=job.courier_id).aggregate(avg=Avg("stars"), n=Count("id"))
    CourierProfile.objects.filter(user_id=job.courier_id).update(
        rating=Decimal(figures["avg"]).quantize(Decimal("0.01")), rating_count=figures["n"]
    )
    return rating


@transaction.atomic
def remittance_record(*, remittance: Remittance, recorded_by) -> Remittance:
    """Staff record cash a courier handed in; it is posted to the ledger once."""
    remittance.recorded_by = recorded_by
    remittance.save()
    remittance_post(remittance)
    return remittance
