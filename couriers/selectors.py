"""Reading couriers and their jobs. ``*_for_courier`` fetch *and* authorize: a job the
courier may not see is a ``NotFound`` (404), never a peek."""

import hmac
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.codes import keyed_digits
from shop.core.errors import NotFound
from shop.geo.models import Area
from shop.geo.selectors.areas import area_path
from shop.geo.selectors.distance import HaversineKm
from shop.payments.models import PaymentStatus

from .models import CourierProfile, CourierRating, DeliveryJob

J = DeliveryJob.Status
ACTIVE = (J.ACCEPTED, J.PICKED_UP, J.AT_DOOR)


def user_is_courier_expression():
    """``user_is_courier`` as an expression over a user's row (a navbar figure)."""
    return Exists(CourierProfile.objects.filter(user=OuterRef("pk"), status=CourierProfile.Status.APPROVED))


def user_is_courier(*, user) -> bool:
    """Whether ``user`` is an approved courier: what courier pages and courier moves require."""
    return (
        user.is_authenticated
        and CourierProfile.objects.filter(user=user, status=CourierProfile.Status.APPROVED).exists()
    )


@dataclass(frozen=True)
class CourierRefusal:
    """Why someone may not use the courier pages: ``code`` for apps, ``message`` for people,
    ``action`` (label, url name) the way to become a courier."""

    code: str
    message: str
    action: tuple[str, str]


_COURIER_REFUSALS = {
    None: (
        "not_a_courier",
        gettext_lazy("Deliveries are for approved couriers. Apply to deliver, and staff will review your profile."),
        (gettext_lazy("Apply to deliver"), "couriers:apply"),
    ),
    CourierProfile.Status.PENDING: (
        "courier_pending",
        gettext_lazy(
            "Your courier application is awaiting approval. Staff review every new courier; "
            "we will notify you when the job board opens for you."
        ),
        (gettext_lazy("See my application"), "couriers:apply"),
    ),
    CourierProfile.Status.REJECTED: (
        "courier_rejected",
        gettext_lazy("Your courier application was not approved. Update your details and apply again."),
        (gettext_lazy("Update my application"), "couriers:apply"),
    ),
}


def courier_refusal(*, user) -> CourierRefusal:
    """Why ``user`` (not an approved courier) may not deliver: no application, one awaiting
    approval, or one that was not approved."""
    status = CourierProfile.objects.filter(user=user).values_list("status", flat=True).first()
    code, message, action = _COURIER_REFUSALS.get(status, _COURIER_REFUSALS[None])
    return CourierRefusal(code=code, message=str(message), action=(str(action[0]), action[1]))


def job_group(area_id: int) -> str:
    """The socket group of the job board for one area."""
    return f"jobs.{area_id}"


def job_area_groups(*, job: DeliveryJob) -> list[str]:
    """Every board that shows ``job``: its pickup area's and each area above it (a courier
    serving Conakry sees the jobs of Kaloum)."""
    return [job_group(area.pk) for area in area_path(area=job.pickup_area)]


def courier_area_ids(*, user) -> list[int]:
    return list(
        CourierProfile.areas.through.objects.filter(courierprofile__user=user).values_list("area_id", flat=True)
    )


def areas_within(area_ids) -> QuerySet[Area]:
    """The areas ``area_ids`` and every area inside them (the tree is four deep)."""
    ids = list(area_ids)
    return Area.objects.filter(
        Q(pk__in=ids) | Q(parent__in=ids) | Q(parent__parent__in=ids) | Q(parent__parent__parent__in=ids)
    )


def _jobs() -> QuerySet[DeliveryJob]:
    return DeliveryJob.objects.select_related(
        "order__checkout",
        "return_order__checkout",
        "store",
        "pickup_area__parent",
        "dropoff_area__parent",
        "courier",
    )


def jobs_open_for_courier(*, user, latitude=None, longitude=None) -> QuerySet[DeliveryJob]:
    """Open board jobs picked up in the courier's areas: nearest first when the courier
    shared where it is, else newest first."""
    jobs = _jobs().filter(
        status=J.OPEN, assigned=False, pickup_area__in=areas_within(courier_area_ids(user=user)).values("pk")
    )
    if latitude is not None and longitude is not None:
        return jobs.annotate(away_km=HaversineKm("pickup_latitude", "pickup_longitude", latitude, longitude)).order_by(
            "away_km", "-published_at", "-id"
        )
    return jobs.order_by("-published_at", "-id")


def jobs_of_courier(*, user) -> QuerySet[DeliveryJob]:
    return _jobs().filter(courier=user)


def jobs_active_for_courier(*, user) -> QuerySet[DeliveryJob]:
    """My deliveries: the jobs the courier holds and has not finished, the earliest taken first."""
    return jobs_of_courier(user=user).filter(status__in=ACTIVE).order_by("accepted_at", "id")


def jobs_delivered_today(*, user) -> QuerySet[DeliveryJob]:
    """The courier's jobs finished today (in the site's time zone), the latest first."""
    return jobs_of_courier(user=user).filter(status=J.DELIVERED, delivered_at__date=timezone.localdate()).order_by(
        "-delivered_at", "-id"
    )


def job_get_for_courier(*, user, job_id: int) -> DeliveryJob:
    """A job the courier holds, or an open board job in its areas; ``NotFound`` otherwise
    (another courier's job, another area's, a job that does not exist)."""
    job = _jobs().select_related("order__handover_code").filter(pk=job_id).first()
    if job is not None and job.courier_id == user.pk:
        return job
    if (
        job is not None
        and job.status == J.OPEN
        and not job.assigned
        and areas_within(courier_area_ids(user=user)).filter(pk=job.pickup_area_id).exists()
    ):
        return job
    raise NotFound(_("No such delivery job for you."))


def job_held_for_order(*, user, number: str) -> DeliveryJob:
    """The job the courier holds for order ``number`` (a delivery, or the return pickup of
    that order); ``NotFound`` when the courier holds none."""
    number = number.strip().upper()
    job = (
        _jobs()
        .filter(Q(order__number=number) | Q(return_order__number=number), courier=user)
        .exclude(status=J.CANCELLED)
        .order_by("-created_at", "-id")
        .first()
    )
    if job is None:
        raise NotFound(_("No such delivery job for you."))
    return job


def job_cash_to_collect(job: DeliveryJob):
    """The cash the courier collects on ``job``: a cash-on-delivery order's total from the
    buyer at the door, a buyer-paid return pickup's commission at pickup; else None."""
    if job.is_return:
        return return_cash_to_collect(job)
    if job.order.checkout.payment_status == PaymentStatus.ON_DELIVERY:
        return job.order.total
    return None


def job_get_for_buyer(*, user, number: str) -> DeliveryJob:
    job = _jobs().filter(order__number=number, order__buyer=user).first() if user.is_authenticated else None
    if job is None:
        raise NotFound(_("No such delivery."))
    return job


def couriers_for_job(*, store, area) -> QuerySet[CourierProfile]:
    """Approved couriers a store may assign: serving the pickup area or an area above it,
    and not off duty."""
    ids = [place.pk for place in area_path(area=area)]
    return (
        CourierProfile.objects.filter(status=CourierProfile.Status.APPROVED, areas__in=ids)
        .exclude(availability=CourierProfile.Availability.OFF)
        .select_related("user")
        .distinct()
        .order_by("-rating", "user__display_name", "pk")
    )


@dataclass
class EarningsWeek:
    start: date
    jobs: list[DeliveryJob] = field(default_factory=list)
    # Plain dicts: a template looking up ``.items`` on a defaultdict would create that key.
    commission: dict[str, Decimal] = field(default_factory=dict)
    cash: dict[str, Decimal] = field(default_factory=dict)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def earnings_by_week(*, user, weeks: int = 8) -> list[EarningsWeek]:
    """Delivered jobs of the last ``weeks`` weeks, newest week first, with the commission
    earned and the cash collected in each (per currency)."""
    today = timezone.localdate()
    since = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    by_week: dict[date, EarningsWeek] = {}
    delivered = (
        jobs_of_courier(user=user)
        .filter(status=J.DELIVERED, delivered_at__date__gte=since)
        .order_by("-delivered_at", "-id")
    )
    for job in delivered:
        day = timezone.localdate(job.delivered_at)
        start = day - timedelta(days=day.weekday())
        week = by_week.setdefault(start, EarningsWeek(start))
        week.jobs.append(job)
        week.commission[job.currency] = week.commission.get(job.currency, Decimal("0")) + job.commission
        if job.cash_amount is not None:
            week.cash[job.currency] = week.cash.get(job.currency, Decimal("0")) + job.cash_amount
    return [by_week[start] for start in sorted(by_week, reverse=True)]


def ratings_recent(*, user, limit: int = 5) -> list[CourierRating]:
    """The courier's latest ratings from buyers, newest first (one query)."""
    return list(CourierRating.objects.filter(courier=user).order_by("-created_at", "-id")[:limit])


# Return pickups' codes --------------------------------------------------------------------

RETURN_CODE_DIGITS = 8
# What the QR of a return code encodes: the job and the code.
RETURN_QR = re.compile(r"^SOKO-RETURN-(\d{1,12})-(\d{6,10})$")


def _return_code(*, job: DeliveryJob, which: str, key: str) -> str:
    return keyed_digits(f"soko-return:{which}:{job.pk}:{job.code_nonce}".encode(), digits=RETURN_CODE_DIGITS, key=key)


def return_codes(job: DeliveryJob) -> dict[str, str]:
    """A return pickup's two codes, the same every time they are shown: ``pickup`` (the
    buyer shows it to the courier who collects the goods) and ``dropoff`` (the store shows
    it to the courier who brings them), 8 digits each, with ``pickup_qr`` and
    ``dropoff_qr``, the text of their QR codes for the courier's scanner. Empty for a
    delivery job. Show ``pickup`` to the buyer only and ``dropoff`` to the store only."""
    if not job.is_return or not job.code_nonce:
        return {}
    pickup = _return_code(job=job, which="pickup", key=settings.SECRET_KEY)
    dropoff = _return_code(job=job, which="dropoff", key=settings.SECRET_KEY)
    return {
        "pickup": pickup,
        "dropoff": dropoff,
        "pickup_qr": f"SOKO-RETURN-{job.pk}-{pickup}",
        "dropoff_qr": f"SOKO-RETURN-{job.pk}-{dropoff}",
    }


def return_code_matches(*, job: DeliveryJob, which: str, code: str) -> bool:
    """Whether ``code`` (digits; spaces and dashes ignored) is the job's ``which`` code,
    compared in constant time under the current key and each fallback key."""
    digits = "".join(ch for ch in str(code) if ch in "0123456789")
    if not job.is_return or not job.code_nonce or len(digits) != RETURN_CODE_DIGITS:
        return False
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(digits.encode(), _return_code(job=job, which=which, key=key).encode())
    return matched


def return_cash_to_collect(job: DeliveryJob):
    """What the courier collects in cash from the buyer at a return pickup the buyer pays
    (its commission), else None."""
    if job.is_return and job.commission_payer == DeliveryJob.Payer.BUYER and job.commission > 0:
        return job.commission
    return None
