"""Reading a checkout before it is placed: the review's figures (``checkout_preview``),
the checkout page's data (``checkout_page_data``), and the digest that ties what the buyer
reviewed to what ``shop.orders.services.checkout.checkout_place`` writes (``ReviewedTotal``).

A checkout pays in one currency; delivery fees come from ``SOKO_DELIVERY_FEES`` and, when a
store passes its couriers' fares on, from the distance (``shop.orders.selectors.fares``).
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from shop.accounts.addresses.selectors import addresses_for_user
from shop.accounts.models import Address
from shop.geo.selectors.delivery import HomeDelivery, store_delivers_home, store_home_delivery
from shop.payments.models import PaymentStatus
from shop.promotions.services.codes import Applied, PromoRefused, Subtotal, code_normalise, promo_apply
from shop.promotions.services.loyalty import PointsQuote, points_balance, points_quote

from ..models import Checkout, Order, OrderStatus
from .fares import Point, courier_fare, point_of

# The review's digest: every input of the total, signed so that only a review this site
# rendered for this buyer can be confirmed.
REVIEW_SALT = "shop.orders.checkout.review"


def _amount(value) -> str:
    """A Decimal written one way whatever its exponent: 200, 200.0 and 2E+2 are "200"."""
    return format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class ReviewedTotal:
    """Every input of a checkout's total: as the review showed it (``CheckoutPreview``) or as
    ``checkout_place`` would write it. Two that differ in anything have different digests."""

    buyer_id: int
    currency: str
    lines: tuple  # (variant id, unit price, quantity), sorted
    stores: tuple  # (store id, delivery mode, fee, code's discount, points, points' discount), sorted
    won: tuple  # (order number, delivery mode, fee, total), sorted
    promo_code: str
    points: int
    total: Decimal
    # (area id, latitude, longitude); None when the review had no address yet (a new one
    # being typed): then only its effects on the figures (modes, fees) are compared.
    address: tuple | None = None

    def _digest(self, part) -> str:
        text = json.dumps(part, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def figures_digest(self) -> str:
        return self._digest(
            {
                "buyer": self.buyer_id,
                "currency": self.currency,
                "lines": [[v, _amount(p), q] for v, p, q in sorted(self.lines)],
                "stores": [[s, m, _amount(f), _amount(c), n, _amount(d)] for s, m, f, c, n, d in sorted(self.stores)],
                "won": [[o, m, _amount(f), _amount(t)] for o, m, f, t in sorted(self.won)],
                "code": self.promo_code,
                "points": self.points,
                "total": _amount(self.total),
            }
        )

    def address_digest(self) -> str:
        if self.address is None:
            return ""
        area_id, latitude, longitude = self.address
        return self._digest([area_id, None if latitude is None else _amount(latitude), None if longitude is None else _amount(longitude)])

    def sign(self) -> str:
        """The value of the review's hidden ``review`` field."""
        payload = {"f": self.figures_digest(), "a": self.address_digest(), "t": _amount(self.total)}
        return signing.dumps(payload, salt=REVIEW_SALT, compress=False)


def review_total_read(signed: str) -> Decimal | None:
    """The "To pay" a signed review showed (``ReviewedTotal.sign``); ``None`` when there is
    no review or it is not one this site signed."""
    try:
        reviewed = signing.loads(signed or "", salt=REVIEW_SALT)
        return Decimal(str(reviewed["t"]))
    except (signing.BadSignature, ArithmeticError, KeyError, TypeError, ValueError):
        return None


def review_address_key(address) -> tuple | None:
    """What of an address (an ``Address``, a ``DeliveryAddress``) goes into the digest."""
    if address is None:
        return None
    area_id = getattr(address, "area_id", None)
    if area_id is None and getattr(address, "area", None) is not None:
        area_id = address.area.pk
    return (area_id, address.latitude, address.longitude)


def delivery_fee(*, store, mode: str, dropoff: Point | None = None) -> Decimal:
    """The fee for one store's order, in the store's currency: ``SOKO_DELIVERY_FEES`` (else
    ``SOKO_DELIVERY_FEE``) for home delivery, plus the courier's fare to ``dropoff`` when the
    store passes it on to the buyer (``shop.orders.selectors.fares``); 0 for pick-up."""
    if mode == Order.DeliveryMode.DELIVERY and store_delivers_home(store):
        base = settings.SOKO_DELIVERY_FEES.get(store.currency, settings.SOKO_DELIVERY_FEE)
        return base + courier_fare(store=store, dropoff=dropoff)
    return Decimal("0")


def address_point(address) -> Point | None:
    """Where an address (or a ``DeliveryAddress``) is: its pin, else its area's centroid."""
    if address is None:
        return None
    return point_of(latitude=address.latitude, longitude=address.longitude, area=address.area)


def home_delivery_by_store(*, stores, area) -> dict[int, HomeDelivery]:
    """Whether each store delivers home to ``area`` (and why not), as ``checkout_place``
    will check it: a saved address's area, or the one chosen for an address being typed
    (none yet: only an international store delivers)."""
    return {store.pk: store_home_delivery(store=store, area=area) for store in stores}


def checkout_get_existing(*, buyer, idempotency_key) -> Checkout | None:
    """The checkout this buyer already placed with this form key, if any."""
    return Checkout.objects.filter(idempotency_key=idempotency_key, buyer=buyer).first()


def checkout_promo_apply(*, buyer, promo_code: str, currency: str, items_totals: dict[int, Decimal]) -> Applied | None:
    """What the promo code the shopper typed takes off each store's items (``None`` when
    none was typed); raises ``PromoRefused`` with the reason it does not apply."""
    if not promo_code.strip():
        return None
    return promo_apply(
        text=promo_code,
        buyer=buyer,
        subtotals=[Subtotal(store_id=store_id, items=total) for store_id, total in sorted(items_totals.items())],
        currency=currency,
        has_ordered=Order.objects.filter(buyer=buyer).exclude(status=OrderStatus.CANCELLED).exists(),
    )


def checkout_points_quote(*, buyer, currency: str, items_totals: dict[int, Decimal], applied: Applied | None) -> PointsQuote:
    """What the buyer's points take off these orders, after any promo code's reduction."""
    code = applied.discounts if applied else {}
    return points_quote(
        user=buyer, currency=currency, items={store_id: total - code.get(store_id, Decimal("0")) for store_id, total in items_totals.items()}
    )


def won_orders_awaiting(*, buyer, currency: str) -> QuerySet[Order]:
    """The buyer's won orders that still await payment in a checkout of their own."""
    return (
        Order.objects.filter(
            buyer=buyer,
            currency=currency,
            status=OrderStatus.PENDING,
            pay_by__gt=timezone.now(),
            checkout__payment_status=PaymentStatus.AWAITING,
            checkout__payment_method="",
        )
        .select_related("store__area__parent__parent__parent", "checkout")
        .prefetch_related("items")
        .order_by("pay_by", "id")
    )


@dataclass(frozen=True)
class WonDelivery:
    """How a win would reach its buyer: to ``address`` (their default) or picked up, and the fee."""

    mode: str
    fee: Decimal
    address: Address | None


def won_delivery(*, buyer, store) -> WonDelivery:
    """The delivery a win from ``store`` gets (``won_order_create``), so that what the buyer
    confirms names it: home delivery to the buyer's default address (else their first) when
    the store delivers there, else pick-up at the store."""
    address = (
        Address.objects.filter(user=buyer).select_related("area__parent__parent__parent").order_by("-is_default", "id").first()
    )
    mode = Order.DeliveryMode.PICKUP
    if address is not None and store_home_delivery(store=store, area=address.area).offered:
        mode = Order.DeliveryMode.DELIVERY
    return WonDelivery(mode=mode, fee=delivery_fee(store=store, mode=mode, dropoff=address_point(address)), address=address)


def won_order_delivery(*, order: Order, mode: str | None, address) -> tuple[str, Decimal]:
    """The delivery of a won order sent to ``address``: ``mode`` (else the order's) when the
    store delivers there, else pick-up; and its fee."""
    mode = mode or order.delivery_mode
    if mode == Order.DeliveryMode.DELIVERY and not store_home_delivery(store=order.store, area=address.area).offered:
        mode = Order.DeliveryMode.PICKUP
    return mode, delivery_fee(store=order.store, mode=mode, dropoff=address_point(address))


@dataclass
class StoreReview:
    """One store's part of the checkout as it would be placed now."""

    group: object  # shop.cart.selectors.StoreGroup
    mode: str
    fee: Decimal

    @property
    def store(self):
        return self.group.store

    @property
    def items_total(self) -> Decimal:
        return self.group.subtotal

    @property
    def total(self) -> Decimal:
        return self.items_total + self.fee

    @property
    def is_pickup(self) -> bool:
        return self.mode == Order.DeliveryMode.PICKUP


@dataclass
class WonReview:
    """A won auction order paid with this checkout, as it would go to the chosen address."""

    order: Order
    mode: str
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.order.items_total + self.fee

    @property
    def is_pickup(self) -> bool:
        return self.mode == Order.DeliveryMode.PICKUP


@dataclass
class CheckoutPreview:
    """The review step's figures, from the cart at current prices (``checkout_place``
    recomputes them from the locked rows)."""

    buyer: object
    stores: list[StoreReview]
    currency: str
    won: list[WonReview] = field(default_factory=list)
    # A promo code the shopper typed: what it takes off, or why it does not apply.
    promo_code: str = ""
    discount: Decimal = Decimal("0")  # the promo code's and the points' together
    promo_problem: str = ""
    promo_problem_code: str = ""  # ``PromoRefused.code``, for an app
    # The buyer's loyalty points in this currency, and what spending them takes off.
    points_balance: int = 0
    points: PointsQuote | None = None
    use_points: bool = False
    applied: Applied | None = None
    # The address the figures were worked out for (None: not known yet).
    address: object = None

    def reviewed(self) -> ReviewedTotal:
        """What the buyer sees, as ``checkout_place`` compares it with what it would write."""
        code = self.applied.discounts if self.applied is not None else {}
        points = self.points if self.use_points and self.points is not None else None
        return ReviewedTotal(
            buyer_id=self.buyer.pk,
            currency=self.currency,
            lines=tuple(
                (line.variant.pk, line.unit_price, line.quantity)
                for review in self.stores
                for line in review.group.lines
                if line.buyable
            ),
            stores=tuple(
                (
                    review.store.pk,
                    review.mode,
                    review.fee,
                    code.get(review.store.pk, Decimal("0")),
                    points.points.get(review.store.pk, 0) if points else 0,
                    points.discounts.get(review.store.pk, Decimal("0")) if points else Decimal("0"),
                )
                for review in self.stores
            ),
            won=tuple((review.order.number, review.mode, review.fee, review.total) for review in self.won),
            promo_code=self.applied.code.code if self.applied is not None else "",
            points=points.total_points if points else 0,
            total=self.total,
            address=review_address_key(self.address),
        )

    @property
    def review_token(self) -> str:
        """The signed digest the page carries in its ``review`` field, for ``CheckoutDetails.review``."""
        return self.reviewed().sign()

    @property
    def items_total(self) -> Decimal:
        return sum((review.items_total for review in self.stores), Decimal("0")) + sum(
            (review.order.items_total for review in self.won), Decimal("0")
        )

    @property
    def delivery_total(self) -> Decimal:
        return sum((review.fee for review in [*self.stores, *self.won]), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.items_total + self.delivery_total - self.discount

    @property
    def order_count(self) -> int:
        """The orders this checkout pays: one per store in the cart, and each won order."""
        return len(self.stores) + len(self.won)

    @property
    def points_discount(self) -> Decimal:
        return self.points.total if self.use_points and self.points else Decimal("0")

    @property
    def code_discount(self) -> Decimal:
        return self.discount - self.points_discount


def checkout_preview(
    *,
    buyer,
    summary,
    delivery_modes: dict[int, str],
    dropoff: Point | None = None,
    won=(),
    address=None,
    promo_code="",
    use_points: bool = False,
) -> CheckoutPreview:
    """``won``: won auction orders paid with it, sent to ``address`` (when known);
    ``promo_code``: the code the shopper typed, applied as checkout will; ``use_points``:
    the shopper's points spent as checkout will."""
    stores = []
    for group in summary.groups:
        mode = delivery_modes.get(group.store.pk, Order.DeliveryMode.PICKUP)
        fee = delivery_fee(store=group.store, mode=mode, dropoff=dropoff)
        stores.append(StoreReview(group=group, mode=mode, fee=fee))
    won_reviews = []
    for order in won:
        if address is None:
            mode, fee = order.delivery_mode, order.delivery_fee
        else:
            mode, fee = won_order_delivery(order=order, mode=delivery_modes.get(order.store_id), address=address)
        won_reviews.append(WonReview(order=order, mode=mode, fee=fee))
    preview = CheckoutPreview(buyer=buyer, stores=stores, currency=summary.currency, won=won_reviews, address=address)
    items_totals = {review.store.pk: review.items_total for review in stores}
    applied = None
    if promo_code.strip() and stores:
        preview.promo_code = code_normalise(promo_code)  # as it is looked up: "njeri 15" is NJERI15
        try:
            applied = checkout_promo_apply(
                buyer=buyer, promo_code=promo_code, currency=summary.currency, items_totals=items_totals
            )
        except PromoRefused as refused:
            preview.promo_problem = str(refused)
            preview.promo_problem_code = refused.code
        else:
            preview.discount = applied.total
            preview.applied = applied
    if buyer.is_authenticated and stores:
        preview.points_balance = points_balance(user=buyer, currency=summary.currency)
        preview.use_points = use_points
        if preview.points_balance > 0:  # what they would take off, offered when not chosen
            preview.points = checkout_points_quote(buyer=buyer, currency=summary.currency, items_totals=items_totals, applied=applied)
            if use_points:
                preview.discount += preview.points.total
    return preview


# The checkout page -------------------------------------------------------------------

NEW_ADDRESS = "new"


def delivery_field_name(store) -> str:
    return f"delivery_{store.pk}"


def chosen_address_key(data, addresses) -> str:
    """The address radio's value: from ``data`` when it names one, else the default
    address, else the first, else "a new address"."""
    keys = [str(address.pk) for address in addresses]
    chosen = (data or {}).get("address")
    if chosen in keys or chosen == NEW_ADDRESS:
        return chosen
    default = next((str(address.pk) for address in addresses if address.is_default), None)
    return default or next(iter(keys), NEW_ADDRESS)


def delivery_wanted_name(store) -> str:
    """The field that carries the buyer's delivery choice for ``store`` while the address
    chosen gets only pick-up from it (its one radio is no choice): home delivery, or the
    default, comes back with an address the store delivers to."""
    return f"{delivery_field_name(store)}_wanted"


def delivery_asked(data, store) -> str | None:
    """The delivery mode the buyer chose for ``store`` (``None``: none yet)."""
    data = data or {}
    if delivery_wanted_name(store) in data:
        return data[delivery_wanted_name(store)] or None
    return data.get(delivery_field_name(store))


def delivery_modes_from(data, groups, homes: dict[int, HomeDelivery]) -> dict[int, str]:
    """Each store's chosen delivery mode from request data; home delivery by default where
    the store offers it to the chosen address, else pick-up. Anything not offered falls
    back to the default."""
    modes = {}
    for group in groups:
        offered = [Order.DeliveryMode.PICKUP]
        if homes[group.store.pk].offered:
            offered.insert(0, Order.DeliveryMode.DELIVERY)
        chosen = delivery_asked(data, group.store)
        modes[group.store.pk] = chosen if chosen in offered else offered[0]
    return modes


def home_delivery_withdrawn(data, groups, modes: dict[int, str]) -> set[int]:
    """The stores whose home delivery the buyer chose and the chosen address does not get:
    their order is picked up instead, and the page says so."""
    return {
        group.store.pk
        for group in groups
        if delivery_asked(data, group.store) == Order.DeliveryMode.DELIVERY
        and modes[group.store.pk] != Order.DeliveryMode.DELIVERY
    }


@dataclass
class CheckoutPageData:
    """What the checkout page shows besides its forms, as the buyer's choices make it."""

    addresses: list[Address]
    chosen: str  # the address radio's value: an address's pk, or NEW_ADDRESS
    homes: dict[int, HomeDelivery]  # store id -> whether it delivers home to the chosen address
    modes: dict[int, str]  # store id -> the delivery mode chosen (or offered first)
    home_withdrawn: set[int]  # stores whose home delivery was chosen but is not offered here
    wanted: dict[int, str]  # store id -> the delivery mode the buyer chose, "" for none yet
    dropoff: Point | None  # where the chosen address is, for the couriers' fares
    won_orders: list[Order]  # won auctions awaiting payment in this currency
    won_chosen: list[Order]  # those the buyer ticked: paid with this checkout
    promo_code: str
    use_points: bool
    preview: CheckoutPreview
    # The rest of the cart, paid in another checkout each: (currency, total, units).
    other_currencies: list
    delivery_fee: Decimal  # the home delivery fee in this currency, before any fare


def checkout_page_data(*, user, whole, summary, currency: str, asked, new_address=None) -> CheckoutPageData:
    """The checkout page's figures for ``summary`` (the cart's lines in ``currency``; ``whole``
    is the whole cart) from ``asked``: the POST, else the query string (htmx refreshes send
    every input of the total along). ``new_address``: called when "a new address" is chosen,
    it gives the address as typed so far once its place is chosen (an unsaved ``Address``
    with its area and pin; else ``None``): the delivery options and the fees follow it as
    they follow a saved one."""
    addresses = list(addresses_for_user(user=user))
    chosen = chosen_address_key(asked, addresses)
    if chosen == NEW_ADDRESS:
        chosen_address = new_address() if new_address is not None else None
    else:
        chosen_address = next((address for address in addresses if str(address.pk) == chosen), None)
    homes = home_delivery_by_store(
        stores=[group.store for group in summary.groups], area=chosen_address.area if chosen_address else None
    )
    modes = delivery_modes_from(asked, summary.groups, homes)
    # Stores that pass couriers' fares on charge by the distance to the chosen address.
    dropoff = address_point(chosen_address)
    # Won auctions awaiting payment are offered; one goes with this checkout only when ticked.
    won_orders = list(won_orders_awaiting(buyer=user, currency=currency))
    ticked = set(asked.getlist("won"))
    won_chosen = [order for order in won_orders if order.number in ticked]
    promo_code = asked.get("promo_code", "")[:40]
    use_points = asked.get("use_points") == "1"
    preview = checkout_preview(
        buyer=user,
        summary=summary,
        delivery_modes=modes,
        dropoff=dropoff,
        won=won_chosen,
        address=chosen_address,
        promo_code=promo_code,
        use_points=use_points,
    )
    return CheckoutPageData(
        addresses=addresses,
        chosen=chosen,
        homes=homes,
        modes=modes,
        home_withdrawn=home_delivery_withdrawn(asked, summary.groups, modes),
        wanted={group.store.pk: delivery_asked(asked, group.store) or "" for group in summary.groups},
        dropoff=dropoff,
        won_orders=won_orders,
        won_chosen=won_chosen,
        promo_code=promo_code,
        use_points=use_points,
        preview=preview,
        other_currencies=[row for row in whole.totals if row[0] != currency],
        delivery_fee=settings.SOKO_DELIVERY_FEES.get(currency, settings.SOKO_DELIVERY_FEE),
    )
