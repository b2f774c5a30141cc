"""Demo deliveries for `manage.py seed_demo`: the demo courier's service areas and a dozen
home-delivery orders of the demo buyer from the two Nairobi stores, carried through the
real services (checkout, payment, the store's moves, the job board, scans, cash confirmed
by both sides, a rating) to every state a delivery job has:

- open on the board (three fresh ones, and one nobody took in time, flagged to its store);
- held by the courier: accepted, picked up, at the door (cash not confirmed yet), and
  delivered over the last weeks (cash and paid by card), so the earnings page shows weeks;
- cancelled: accepted, then withdrawn by the store.

Each step happens now and is then dated back to when the story says it happened (the
rows it made with it: order events, scans, notifications). The ledger is append-only and
keeps the dates its entries were posted.

Idempotent: each order comes from a checkout with a fixed idempotency key; when any of
them exists the deliveries were seeded before and nothing is done.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from couriers.models import CourierProfile, CourierRating, DeliveryJob, ScanEvent
from couriers.services import (
    cash_confirm_buyer,
    cash_confirm_courier,
    courier_location_share,
    courier_rate,
    handover_typed,
    job_accept,
    job_create,
    job_withdraw,
    jobs_flag_untaken,
    pickup_typed,
)
from sellers.models import Store, StoreMember
from sellers.selectors import area_match_label
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.catalog.models import Product, Variant
from shop.notifications.models import Notification
from shop.orders.models import Checkout, HandoverCode, Order, OrderEvent, OrderStatus
from shop.orders.selectors.handover import handover_code_reveal
from shop.orders.selectors.transitions import Role
from shop.orders.services.checkout import CheckoutDetails, DeliveryAddress, checkout_place
from shop.orders.services.orders import order_transition, package_short_code
from shop.payments.models import PaymentAttempt, Provider
from shop.payments.services import attempt_create, attempt_succeeded

COURIER_EMAIL = "courier@soko.test"
BUYER_EMAIL = "buyer@soko.test"
BUYER_PHONE = "+254 722 404 118"
# The courier rides in Nairobi: it serves the towns these stores are in.
COURIER_STORES = ("mama-njeri-crafts", "kilimani-fixit")

# Where the buyer has her orders delivered: neighbourhood of Nairobi -> (street, latitude, longitude).
DROP_OFFS = {
    "Kileleshwa": ("Othaya Road, Mandera Court, flat B4", "-1.279500", "36.786200"),
    "Lavington": ("James Gichuru Road, house 17", "-1.276800", "36.770000"),
    "Parklands": ("3rd Parklands Avenue, Mayfair Apartments 6C", "-1.261100", "36.818000"),
    "Karen": ("Karen Road, Hardy Estate, house 9", "-1.323500", "36.710200"),
    "Kilimani": ("Argwings Kodhek Road, Elgon Court, flat 2A", "-1.290500", "36.786800"),
    "CBD": ("Moi Avenue, Kenya Cinema Plaza, 5th floor", "-1.284100", "36.825100"),
    "South B": ("Mchumbi Road, Golden Gate Estate, house 31", "-1.310300", "36.837200"),
}

OPEN, FLAGGED, ACCEPTED, CANCELLED = "open", "flagged", "accepted", "cancelled"
PICKED_UP, AT_DOOR, DELIVERED = "picked_up", "at_door", "delivered"


@dataclass(frozen=True)
class Delivery:
    key: str  # names the order's checkout (its idempotency key), so a second run finds it
    store: str
    drop_off: str  # a key of DROP_OFFS
    pay: str  # "cod" (cash at the door) or "card"
    reach: str  # the job's state once seeded
    ago: timedelta  # when the buyer placed the order
    order_status: str = OrderStatus.READY  # for a job left on the board: how far the store got
    bonus: str = "0"
    quantity: int = 1
    stars: int | None = None  # the buyer's rating of the courier, once delivered


DELIVERIES = [
    Delivery("delivered-1", "mama-njeri-crafts", "Kileleshwa", "cod", DELIVERED, timedelta(days=19, hours=5), bonus="50", stars=5),
    Delivery("delivered-2", "kilimani-fixit", "Lavington", "card", DELIVERED, timedelta(days=12, hours=2), quantity=2, stars=4),
    Delivery("delivered-3", "mama-njeri-crafts", "Parklands", "card", DELIVERED, timedelta(days=6, hours=8), bonus="100"),
    Delivery("delivered-4", "mama-njeri-crafts", "Karen", "cod", DELIVERED, timedelta(days=1, hours=3), bonus="150", stars=5),
    Delivery("withdrawn", "mama-njeri-crafts", "South B", "cod", CANCELLED, timedelta(hours=5)),
    Delivery("at-door", "mama-njeri-crafts", "Lavington", "cod", AT_DOOR, timedelta(hours=2)),
    Delivery("picked-up", "kilimani-fixit", "Kileleshwa", "card", PICKED_UP, timedelta(hours=1, minutes=30), bonus="40"),
    Delivery("accepted", "mama-njeri-crafts", "CBD", "cod", ACCEPTED, timedelta(hours=1)),
    # Published within SOKO_JOB_UNTAKEN_MINUTES (30 by default) of seeding.
    Delivery("open-1", "mama-njeri-crafts", "Kilimani", "cod", OPEN, timedelta(minutes=40), bonus="60"),
    Delivery("open-2", "kilimani-fixit", "Karen", "card", OPEN, timedelta(minutes=30), order_status=OrderStatus.PREPARING, bonus="80"),
    Delivery("open-3", "mama-njeri-crafts", "Parklands", "cod", OPEN, timedelta(minutes=15), order_status=OrderStatus.CONFIRMED, quantity=2),
    Delivery("untaken", "mama-njeri-crafts", "South B", "cod", FLAGGED, timedelta(hours=3)),
]

# Minutes each step takes after the one before (the order's story, from being placed).
GAPS = {
    "paid": 1,
    OrderStatus.CONFIRMED: 5,
    OrderStatus.PREPARING: 6,
    "published": 3,
    "accepted": 6,
    "withdrawn": 7,
    OrderStatus.READY: 14,
    "picked_up": 9,
    "located": 8,
    "at_door": 11,
    "cash_courier": 2,
    "cash_buyer": 1,
    "rated": 90,
}
# Rows made by a step, dated with it.
STAMPED = (Notification, OrderEvent, ScanEvent, PaymentAttempt, CourierRating)


def checkout_key(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://soko.test/demo/deliveries/{key}")


def seed_deliveries() -> dict:
    """Give the demo courier its areas and its jobs, once; returns how many jobs are new."""
    profile = CourierProfile.objects.select_related("user").filter(
        user__email=COURIER_EMAIL, status=CourierProfile.Status.APPROVED
    ).first()
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    stores = {store.slug: store for store in Store.objects.filter(slug__in=COURIER_STORES, area__isnull=False)}
    if profile is None or buyer is None or len(stores) != len(COURIER_STORES):
        return {"new_jobs": 0}
    _courier_areas(profile, stores.values())
    if Checkout.objects.filter(idempotency_key__in=[checkout_key(d.key) for d in DELIVERIES]).exists():
        return {"new_jobs": 0}
    # On duty and sharing its position for its first rounds.
    CourierProfile.objects.filter(pk=profile.pk).update(
        availability=CourierProfile.Availability.AVAILABLE, share_location=True
    )
    now = timezone.now()
    made = 0
    for delivery in DELIVERIES:
        _Story(delivery, store=stores[delivery.store], courier=profile.user, buyer=buyer, now=now).play(made)
        made += 1
    # Shown available, as a courier on shift sets itself (the services mark it busy while it carries parcels).
    CourierProfile.objects.filter(pk=profile.pk).update(availability=CourierProfile.Availability.AVAILABLE)
    return {"new_jobs": made}


def _courier_areas(profile: CourierProfile, stores) -> None:
    """The districts of the Nairobi stores (their neighbourhoods' parents), set the first time
    (later changes in the demo are kept)."""
    if not profile.areas.exists():
        profile.areas.set({store.area.parent_id if store.area.parent_id else store.area_id for store in stores})


def _owner(store: Store):
    return store.memberships.filter(role=StoreMember.Role.OWNER).select_related("user").first().user


def _variant(store: Store, nth: int, quantity: int) -> Variant:
    """A physical listing of the store with stock to spare, a different one for each order."""
    firsts: dict[int, Variant] = {}
    for variant in (
        Variant.objects.filter(
            product__in=Product.objects.visible(),
            product__store=store,
            product__kind=Product.Kind.PHYSICAL,
            stock__gte=quantity + 4,
        )
        .select_related("product")
        .order_by("product_id", "position", "pk")
    ):
        firsts.setdefault(variant.product_id, variant)
    choices = list(firsts.values())
    return choices[nth % len(choices)]


class _Story:
    """One order of the demo buyer, taken as far as its delivery says."""

    def __init__(self, delivery: Delivery, *, store: Store, courier, buyer, now: datetime):
        self.delivery, self.store, self.courier, self.buyer = delivery, store, courier, buyer
        self.seller = _owner(store)
        self.now = now
        self.clock = now - delivery.ago
        self.times: dict[str, datetime] = {"placed": self.clock}
        self.order: Order | None = None
        self.job: DeliveryJob | None = None

    # Steps --------------------------------------------------------------------------------

    def _step(self, name: str, work: Callable, *, at: datetime | None = None):
        """Do ``work`` now, then date it (and the rows it made) ``GAPS[name]`` minutes after
        the previous step, or ``at``."""
        self.clock = at or self.clock + timedelta(minutes=GAPS[name])
        when = self.times[name] = min(self.clock, self.now)
        marks = {model: model.objects.aggregate(mark=Max("pk"))["mark"] or 0 for model in STAMPED}
        result = work()
        for model, mark in marks.items():
            made = model.objects.filter(pk__gt=mark)
            fields = {"created_at": when}
            if model in (Notification, PaymentAttempt):
                fields["updated_at"] = when
            if model is Notification and when < self.now - timedelta(days=1):
                fields["read_at"] = when + timedelta(hours=2)  # old news, seen long ago
            made.update(**fields)
            if model is PaymentAttempt:
                made.filter(finished_at__isnull=False).update(finished_at=when)
        return result

    def _fresh_job(self) -> DeliveryJob:
        return DeliveryJob.objects.select_related("order__checkout", "order__handover_code").get(pk=self.job.pk)

    def _move(self, to: str) -> None:
        self._step(to, lambda: order_transition(order=self.order, to=to, actor=self.seller, role=Role.SELLER))

    def play(self, nth: int) -> None:
        d = self.delivery
        self._step("placed", lambda: self._place(nth), at=self.clock)
        if d.pay == "card":
            self._step("paid", self._pay)
        self._move(OrderStatus.CONFIRMED)
        if d.reach in (OPEN, FLAGGED) and d.order_status == OrderStatus.CONFIRMED:
            self._publish()
            return self._date()
        self._move(OrderStatus.PREPARING)
        self._publish()
        if d.reach in (OPEN, FLAGGED):
            if d.order_status == OrderStatus.READY:
                self._move(OrderStatus.READY)
            if d.reach == FLAGGED:
                self._flag()
            return self._date()
        self._step("accepted", lambda: job_accept(job_id=self.job.pk, courier=self.courier))
        if d.reach == CANCELLED:
            self._step("withdrawn", lambda: job_withdraw(job=self._fresh_job(), actor=self.seller))
            return self._date()
        self._move(OrderStatus.READY)
        if d.reach == ACCEPTED:
            return self._date()
        job = self._fresh_job()
        self._step("picked_up", lambda: pickup_typed(courier=self.courier, job=job, code=package_short_code(order=job.order)))
        self._step("located", self._locate)
        if d.reach == PICKED_UP:
            return self._date()
        job = self._fresh_job()
        short_code = handover_code_reveal(handover=job.order.handover_code)[1]
        self._step("at_door", lambda: handover_typed(courier=self.courier, job=job, code=short_code))
        if d.reach == DELIVERED and d.pay == "cod":
            total = job.order.total
            self._step("cash_courier", lambda: cash_confirm_courier(job=job, courier=self.courier, amount=total))
            self._step("cash_buyer", lambda: cash_confirm_buyer(job=job, buyer=self.buyer))
        if d.reach == DELIVERED and d.stars:
            self._step("rated", lambda: courier_rate(job=job, buyer=self.buyer, stars=d.stars, comment=_comment(d.stars)))
        return self._date()

    def _place(self, nth: int) -> None:
        """The buyer checks out one listing of the store for home delivery, from a cart of
        its own (whatever the demo buyer keeps in her cart stays there)."""
        d = self.delivery
        street, latitude, longitude = DROP_OFFS[d.drop_off]
        area = area_match_label(label=f"{d.drop_off}, Nairobi")
        cart = Cart.objects.create()
        try:
            cart_add(cart=cart, variant=_variant(self.store, nth, d.quantity), quantity=d.quantity)
            cart.user_id = self.buyer.pk  # checkout_place buys only the buyer's cart
            details = CheckoutDetails(
                address=DeliveryAddress(
                    recipient=self.buyer.display_name,
                    phone=BUYER_PHONE,
                    street=street,
                    area=area,
                    area_label=area.full_name if area else f"{d.drop_off}, Nairobi",
                    latitude=Decimal(latitude),
                    longitude=Decimal(longitude),
                ),
                payment_method=d.pay,
                delivery_modes={self.store.pk: Order.DeliveryMode.DELIVERY},
                instructions="Call when you reach the gate." if d.pay == "cod" else "",
                currency=self.store.currency,
            )
            checkout = checkout_place(
                buyer=self.buyer, cart=cart, details=details, idempotency_key=checkout_key(d.key)
            )
        finally:
            Cart.objects.filter(pk=cart.pk).delete()
        self.order = checkout.orders.get()

    def _pay(self) -> None:
        """Paid by card on the development gateway (no real money in the demo)."""
        checkout = self.order.checkout
        attempt = attempt_create(checkout=checkout, gateway="card", provider=Provider.DEV)
        attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=attempt.amount_minor,
            currency=attempt.currency,
            payment_reference=f"demo_{self.order.number}",
        )

    def _publish(self) -> None:
        self.job = self._step(
            "published", lambda: job_create(order=self.order, actor=self.seller, bonus=self.delivery.bonus)
        )

    def _locate(self) -> None:
        """The courier shares where it is: halfway from the store to the buyer."""
        job = self._fresh_job()
        latitude = (job.pickup_latitude + job.dropoff_latitude) / 2
        longitude = (job.pickup_longitude + job.dropoff_longitude) / 2
        courier_location_share(job=job, courier=self.courier, latitude=latitude, longitude=longitude)

    def _flag(self) -> None:
        """Nobody took it within SOKO_JOB_UNTAKEN_MINUTES: the store is told."""
        DeliveryJob.objects.filter(pk=self.job.pk).update(published_at=self.times["published"])
        untaken = timedelta(minutes=settings.SOKO_JOB_UNTAKEN_MINUTES + 1)
        self._step("flagged", jobs_flag_untaken, at=self.times["published"] + untaken)

    # Dating the story ---------------------------------------------------------------------

    def _date(self) -> None:
        """Date the order, its checkout, job and handover code as the story says."""
        t = self.times
        placed = t["placed"]
        last = max(when for name, when in t.items() if name != "rated")
        delivered = (t.get("cash_buyer") or t.get("at_door")) if self.delivery.reach == DELIVERED else None
        Order.objects.filter(pk=self.order.pk).update(
            created_at=placed, updated_at=last, **({"delivered_at": delivered} if delivered else {})
        )
        Checkout.objects.filter(pk=self.order.checkout_id).update(
            created_at=placed, updated_at=t.get("paid", placed), **({"paid_at": t["paid"]} if "paid" in t else {})
        )
        HandoverCode.objects.filter(order=self.order).update(created_at=placed)
        if "at_door" in t:
            HandoverCode.objects.filter(order=self.order, used_at__isnull=False).update(used_at=t["at_door"])
        optional = {
            "accepted_at": "accepted",
            "picked_up_at": "picked_up",
            "courier_located_at": "located",
            "cash_courier_confirmed_at": "cash_courier",
            "cash_buyer_confirmed_at": "cash_buyer",
            "flagged_at": "flagged",
        }
        DeliveryJob.objects.filter(pk=self.job.pk).update(
            created_at=t["published"],
            published_at=t["published"],
            updated_at=last,
            delivered_at=delivered,
            **{field: t[step] for field, step in optional.items() if step in t},
        )


def _comment(stars: int) -> str:
    return "Fast and friendly, called from the gate." if stars == 5 else "Came on time, the parcel was fine."
