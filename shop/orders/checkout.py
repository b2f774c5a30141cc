"""Placing a checkout: one ``Checkout`` (one payment) and one ``Order`` per store.

Stock is reserved in the same transaction that creates the orders (Saleor's way): the
variants are locked with ``select_for_update()`` in primary-key order, availability and
prices are checked *under the lock*, and a failure raises before anything is written, so a
failed checkout creates nothing and leaves the cart as it was. The locks and the stock
itself belong to ``shop.inventory`` (variants, then products, each in primary-key order):
every writer of stock locks in that one order, so a checkout and a seller's edit queue
instead of deadlocking; a deadlock or a busy SQLite file is still retried a few times
(``shop.core.services.transactions``), so neither reaches the shopper.

On SQLite, select_for_update is a no-op, and the IMMEDIATE transaction mode
(settings.DATABASES) serialises writers instead.
"""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.selectors.standing import ensure_can_transact
from shop.cart.models import Cart, CartItem
from shop.cart.selectors.availability import line_problem
from shop.core.selectors.i18n import lazy_text
from shop.core.selectors.money import lazy_money, money_format
from shop.core.services.transactions import DatabaseBusy, atomic_retrying
from shop.geo.selectors.delivery import HomeDelivery, store_delivers_home, store_home_delivery
from shop.inventory.services import stock_lock, stock_reserve
from shop.notifications.services.notifications import notify
from shop.payments.gateways import gateway_get
from shop.payments.models import PaymentStatus
from shop.payments.services import attempts_expire
from shop.promotions.services.codes import Applied, PromoRefused, Subtotal, promo_apply, promo_redeem
from shop.promotions.services.loyalty import PointsQuote, PointsRefused, points_balance, points_quote, points_redeem

from .fares import Point, courier_fare, point_of
from .handover import handover_code_issue
from .models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from .numbers import order_number_new
from .services import order_push_new

log = logging.getLogger(__name__)

NUMBER_ATTEMPTS = 5


class CheckoutError(Exception):
    """The checkout cannot be placed as it stands; ``problems`` says why, item by item."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


class CheckoutBusy(CheckoutError):
    def __init__(self):
        super().__init__("Many people are checking out right now and we could not place your order. Please try again.")


class CheckoutTotalChanged(CheckoutError):
    """What would be placed is not what the buyer reviewed (a price, a fee, the code, the
    points, a won order…): nothing is placed; the page shows the new figures."""

    def __init__(self, *, total: Decimal, currency: str, reviewed_total: Decimal | None):
        self.total = total
        if reviewed_total is not None and reviewed_total == total:
            message = _("Your order changed since you reviewed it (the total is still %(total)s): check it and place again.")
        else:
            message = _("The total changed to %(total)s since you reviewed it: check it and place again.")
        super().__init__(message % {"total": money_format(total, currency)})


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


def review_address_key(address) -> tuple | None:
    """What of an address (an ``Address``, a ``DeliveryAddress``) goes into the digest."""
    if address is None:
        return None
    area_id = getattr(address, "area_id", None)
    if area_id is None and getattr(address, "area", None) is not None:
        area_id = address.area.pk
    return (area_id, address.latitude, address.longitude)


def review_refusal(*, signed: str, placing: ReviewedTotal) -> CheckoutTotalChanged | None:
    """``None`` when ``signed`` (the review the buyer confirmed) is exactly what
    ``placing`` would write; else the refusal to raise. A review without its signature, or
    signed for someone else or with another key, never matches."""
    try:
        reviewed = signing.loads(signed or "", salt=REVIEW_SALT)
    except signing.BadSignature:
        reviewed = None
    if not isinstance(reviewed, dict):
        reviewed = {}
    shown_total = None
    try:
        shown_total = Decimal(str(reviewed.get("t")))
    except (ArithmeticError, ValueError, TypeError):
        shown_total = None
    same = reviewed.get("f") == placing.figures_digest() and (
        not reviewed.get("a") or reviewed.get("a") == placing.address_digest()
    )
    if same:
        return None
    return CheckoutTotalChanged(total=placing.total, currency=placing.currency, reviewed_total=shown_total)


@dataclass(frozen=True)
class DeliveryAddress:
    """Where the orders go (and who to call): copied onto the checkout, never linked."""

    recipient: str
    phone: str
    street: str
    area: object = None  # a geo.Area, or None
    area_label: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @classmethod
    def from_address(cls, address) -> "DeliveryAddress":
        return cls(
            recipient=address.recipient,
            phone=address.phone,
            street=address.street,
            area=address.area,
            area_label=address.area.full_name if address.area_id else "",
            latitude=address.latitude,
            longitude=address.longitude,
        )


@dataclass(frozen=True)
class CheckoutDetails:
    address: DeliveryAddress
    payment_method: str
    # Store id -> Order.DeliveryMode; a store left out is picked up.
    delivery_modes: dict[int, str] = field(default_factory=dict)
    instructions: str = ""
    # One checkout pays in one currency: only the cart's lines priced in it are bought.
    currency: str = field(default_factory=lambda: settings.SOKO_CURRENCY)
    # Numbers of won auction orders awaiting payment, paid with this checkout too.
    won: tuple[str, ...] = ()
    # A promo code the shopper typed (shop.promotions.services.codes); a refused one stops the checkout with its reason.
    promo_code: str = ""
    # Spend the buyer's loyalty points on it (as many as an order may take).
    use_points: bool = False
    # The signed digest of the review the buyer confirmed (``CheckoutPreview.review_token``):
    # placing refuses when what it would write differs. ``None``: not checked (a service
    # call with no review behind it, e.g. the demo data).
    review: str | None = None


def delivery_fee(*, store, mode: str, dropoff: Point | None = None) -> Decimal:
    """The fee for one store's order, in the store's currency: ``SOKO_DELIVERY_FEES`` (else
    ``SOKO_DELIVERY_FEE``) for home delivery, plus the courier's fare to ``dropoff`` when the
    store passes it on to the buyer (``shop.orders.fares``); 0 for pick-up."""
    if mode == Order.DeliveryMode.DELIVERY and store_delivers_home(store):
        base = settings.SOKO_DELIVERY_FEES.get(store.currency, settings.SOKO_DELIVERY_FEE)
        return base + courier_fare(store=store, dropoff=dropoff)
    return Decimal("0")


def address_point(address) -> Point | None:
    """Where an address (or a ``DeliveryAddress``) is: its pin, else its area's centroid."""
    if address is None:
        return None
    return point_of(latitude=address.latitude, longitude=address.longitude, area=address.area)


def home_delivery_by_store(*, stores, area, area_known: bool = True) -> dict[int, HomeDelivery]:
    """Whether each store delivers home to ``area`` (and why not). For a new address whose
    area is not known yet, by the stores' scopes alone: ``checkout_place`` checks the area."""
    if not area_known:
        return {store.pk: HomeDelivery(store_delivers_home(store)) for store in stores}
    return {store.pk: store_home_delivery(store=store, area=area) for store in stores}


def checkout_get_existing(*, buyer, idempotency_key) -> Checkout | None:
    """The checkout this buyer already placed with this form key, if any."""
    return Checkout.objects.filter(idempotency_key=idempotency_key, buyer=buyer).first()


def checkout_place(*, buyer, cart: Cart, details: CheckoutDetails, idempotency_key: uuid.UUID) -> Checkout:
    """Place the cart: reserve stock and create the checkout, its orders, their items,
    handover codes and first events, and empty the bought lines, all or nothing.

    The same ``idempotency_key`` (the form's hidden field) placed again by the same buyer
    returns the first checkout and creates nothing more. Raises ``CheckoutError`` naming
    every item that cannot be bought (in ``line_problem``'s words), or ``CheckoutBusy``
    when the database stayed too busy after a few tries.
    """
    if cart.user_id != buyer.pk:
        raise CheckoutError(_("This cart is not yours."))
    ensure_can_transact(buyer)  # a suspended or deactivated account may not check out
    existing = checkout_get_existing(buyer=buyer, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    try:
        checkout = atomic_retrying(
            lambda: _place(buyer=buyer, cart=cart, details=details, idempotency_key=idempotency_key), what="checkout"
        )
    except IntegrityError as error:
        # Another request with this key got there first (the unique constraint).
        existing = checkout_get_existing(buyer=buyer, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
        if Checkout.objects.filter(idempotency_key=idempotency_key).exists():
            raise CheckoutError(_("This checkout page has expired: reload it and place your order again.")) from error
        raise
    except DatabaseBusy as error:
        raise CheckoutBusy() from error
    if checkout.orders_created and checkout.payment_status == PaymentStatus.ON_DELIVERY:
        transaction.on_commit(lambda placed=checkout: _notify_stores(placed))
    return checkout


def _place(*, buyer, cart: Cart, details: CheckoutDetails, idempotency_key) -> Checkout:
    # The cart row first: two submits of one cart (two tabs, a double click) queue here.
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    existing = checkout_get_existing(buyer=buyer, idempotency_key=idempotency_key)
    if existing is not None:
        existing.orders_created = False
        return existing

    items = list(
        CartItem.objects.filter(cart=cart, variant__product__store__currency=details.currency)
        .select_related("variant__product__store__area__parent__parent__parent")
        .order_by("added_at", "id")
    )
    if not items:
        if CartItem.objects.filter(cart=cart).exists():
            raise CheckoutError(_("Nothing in your cart is priced in %(currency)s.") % {"currency": details.currency})
        raise CheckoutError(_("Your cart is empty."))
    # Lock the variants (then their products), and read stock and price only from these rows.
    locked = stock_lock(variant_ids={item.variant_id for item in items})
    problems = []
    for item in items:
        variant = locked[item.variant_id]
        variant.product = item.variant.product
        problem = line_problem(variant=variant, quantity=item.quantity, price_seen=item.unit_price_seen)
        if problem is not None:
            problems.append(problem.message)
    if problems:
        raise CheckoutError(problems)

    by_store: dict[int, list[CartItem]] = {}
    for item in items:
        by_store.setdefault(item.variant.product.store_id, []).append(item)
    stores = {items_[0].variant.product.store.pk: items_[0].variant.product.store for items_ in by_store.values()}
    modes = {}
    for store_id, store in stores.items():
        mode = details.delivery_modes.get(store_id, Order.DeliveryMode.PICKUP)
        if mode not in Order.DeliveryMode.values:
            raise CheckoutError(_("Choose how to get your order from %(name)s.") % {"name": store.name})
        if mode == Order.DeliveryMode.DELIVERY:
            home = store_home_delivery(store=store, area=details.address.area)
            if not home.offered:
                raise CheckoutError(
                    _("%(reason)s Choose pick-up at the store, or another address.") % {"reason": home.reason}
                )
        modes[store_id] = mode

    currency = details.currency
    address = details.address
    items_totals = {
        store_id: sum((locked[item.variant_id].price * item.quantity for item in lines), Decimal("0"))
        for store_id, lines in by_store.items()
    }
    applied = _promo_apply(buyer=buyer, details=details, items_totals=items_totals)
    points = (
        _points_quote(buyer=buyer, currency=details.currency, items_totals=items_totals, applied=applied) if details.use_points else None
    )
    gateway = gateway_get(details.payment_method)
    online = gateway is not None and gateway.online
    checkout = Checkout.objects.create(
        # Paid online: the stock stays reserved until the deadline, the stores wait for the money.
        payment_status=PaymentStatus.AWAITING if online else PaymentStatus.ON_DELIVERY,
        payment_due_by=timezone.now() + timedelta(minutes=settings.SOKO_PAYMENT_DEADLINE_MINUTES) if online else None,
        buyer=buyer,
        idempotency_key=idempotency_key,
        payment_method=details.payment_method,
        recipient=address.recipient,
        phone=address.phone,
        area=address.area,
        area_label=address.area_label[:200],
        street=address.street,
        latitude=address.latitude,
        longitude=address.longitude,
        instructions=details.instructions[:300],
        currency=currency,
    )

    stock_reserve(locked=locked, quantities={item.variant_id: item.quantity for item in items})
    if applied is not None:
        try:
            promo_redeem(applied=applied, buyer=buyer, checkout=checkout)
        except PromoRefused as refused:
            raise CheckoutError(str(refused)) from refused

    grand_total = Decimal("0")
    orders = []
    for store_id in sorted(by_store):
        store, lines = stores[store_id], by_store[store_id]
        items_total = items_totals[store_id]
        fee = delivery_fee(store=store, mode=modes[store_id], dropoff=address_point(address))
        code_discount = applied.discounts.get(store_id, Decimal("0")) if applied else Decimal("0")
        points_discount = points.discounts.get(store_id, Decimal("0")) if points else Decimal("0")
        discount = code_discount + points_discount
        order = _order_create(
            checkout=checkout,
            store=store,
            buyer=buyer,
            delivery_mode=modes[store_id],
            items_total=items_total,
            delivery_fee=fee,
            discount=discount,
            platform_discount=(code_discount if applied and applied.platform_pays else Decimal("0")) + points_discount,
            promo_code=applied.code.code if code_discount else "",
            points_used=points.points.get(store_id, 0) if points else 0,
            points_discount=points_discount,
            total=items_total + fee - discount,
            currency=currency,
            buyer_note=details.instructions[:300],
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=order,
                    variant=locked[item.variant_id],
                    product_title=item.variant.product.title[:120],
                    variant_name=item.variant.name[:60],
                    sku=item.variant.sku[:40],
                    unit_price=locked[item.variant_id].price,
                    quantity=item.quantity,
                    line_total=locked[item.variant_id].price * item.quantity,
                )
                for item in lines
            ]
        )
        OrderEvent.objects.create(order=order, from_status="", to_status=OrderStatus.PENDING, actor=buyer)
        handover_code_issue(order=order)
        grand_total += order.total
        orders.append(order)

    if points is not None and points.total_points:
        try:
            points_redeem(user=buyer, quote=points, orders={order.store_id: order for order in orders})
        except PointsRefused as refused:
            raise CheckoutError(str(refused)) from refused

    joined = []
    if details.won:
        joined = won_orders_join(
            checkout=checkout, numbers=details.won, address=address, delivery_modes=details.delivery_modes
        )
        grand_total += sum((order.total for order in joined), Decimal("0"))
        orders.extend(joined)

    if details.review is not None:
        # What is being written, against what the buyer confirmed: any difference undoes it all.
        placing = ReviewedTotal(
            buyer_id=buyer.pk,
            currency=currency,
            lines=tuple((item.variant_id, locked[item.variant_id].price, item.quantity) for item in items),
            stores=tuple(
                (
                    order.store_id,
                    order.delivery_mode,
                    order.delivery_fee,
                    order.discount - order.points_discount,
                    order.points_used,
                    order.points_discount,
                )
                for order in orders
                if order not in joined
            ),
            won=tuple((order.number, order.delivery_mode, order.delivery_fee, order.total) for order in joined),
            promo_code=applied.code.code if applied is not None else "",
            points=points.total_points if points is not None else 0,
            total=grand_total,
            address=review_address_key(address),
        )
        refusal = review_refusal(signed=details.review, placing=placing)
        if refusal is not None:
            raise refusal

    checkout.total = grand_total
    checkout.save(update_fields=["total", "updated_at"])
    CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    checkout.orders_created = True
    checkout.placed_orders = orders
    return checkout


def _promo_apply(*, buyer, details: CheckoutDetails, items_totals: dict[int, Decimal]) -> Applied | None:
    if not details.promo_code.strip():
        return None
    try:
        return promo_apply(
            text=details.promo_code,
            buyer=buyer,
            subtotals=[Subtotal(store_id=store_id, items=total) for store_id, total in sorted(items_totals.items())],
            currency=details.currency,
            has_ordered=Order.objects.filter(buyer=buyer).exclude(status=OrderStatus.CANCELLED).exists(),
        )
    except PromoRefused as refused:
        raise CheckoutError(str(refused)) from refused


def _points_quote(*, buyer, currency: str, items_totals: dict[int, Decimal], applied: Applied | None) -> PointsQuote:
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


def won_order_delivery(*, order: Order, mode: str | None, address) -> tuple[str, Decimal]:
    """The delivery of a won order sent to ``address``: ``mode`` (else the order's) when the
    store delivers there, else pick-up; and its fee."""
    mode = mode or order.delivery_mode
    if mode == Order.DeliveryMode.DELIVERY and not store_home_delivery(store=order.store, area=address.area).offered:
        mode = Order.DeliveryMode.PICKUP
    return mode, delivery_fee(store=order.store, mode=mode, dropoff=address_point(address))


def won_orders_join(*, checkout: Checkout, numbers, address, delivery_modes: dict[int, str]) -> list[Order]:
    """Move the buyer's chosen won orders (by number) into ``checkout`` (being placed, in
    the caller's transaction), to its address. Their own checkouts go: deleted, or expired
    when a payment was already tried on them."""
    wanted = list(
        won_orders_awaiting(buyer=checkout.buyer, currency=checkout.currency).filter(number__in=list(numbers))
    )
    own = {order.checkout_id for order in wanted}
    locked = {c.pk: c for c in Checkout.objects.select_for_update().filter(pk__in=own).order_by("pk")}
    joined = []
    for order in wanted:
        old = locked[order.checkout_id]
        if old.payment_status != PaymentStatus.AWAITING:
            continue  # paid or expired meanwhile
        mode, fee = won_order_delivery(order=order, mode=delivery_modes.get(order.store_id), address=address)
        order.checkout, order.delivery_mode, order.delivery_fee = checkout, mode, fee
        order.total = order.items_total + fee
        order.save(update_fields=["checkout", "delivery_mode", "delivery_fee", "total", "updated_at"])
        if old.attempts.exists():
            old.payment_status = PaymentStatus.EXPIRED
            old.save(update_fields=["payment_status", "updated_at"])
            attempts_expire(checkout=old)
        else:
            old.delete()
        joined.append(order)
    return joined


def _order_create(**fields) -> Order:
    """An order with a fresh number; a clash with an existing number draws another."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return Order.objects.create(number=order_number_new(), **fields)
        except IntegrityError:
            if attempt + 1 == NUMBER_ATTEMPTS:
                raise
    raise AssertionError("not reached")


def _notify_stores(checkout: Checkout) -> None:
    """Tell each store's owner and staff about their new order (after commit)."""
    orders = getattr(checkout, "placed_orders", None) or list(checkout.orders.all())
    prefetch_related_objects(orders, "store__members")
    for order in orders:
        try:
            order_push_new(order=order)
        except Exception:  # best effort, like the notifications below: the list re-reads on load
            log.exception("could not push new order %s", order.number)
        if order.delivery_mode == Order.DeliveryMode.PICKUP:
            template = gettext_lazy("New order %(number)s: %(total)s, pick-up.")
        else:
            template = gettext_lazy("New order %(number)s: %(total)s, delivery.")
        text = lazy_text(template, number=order.number, total=lazy_money(order.total, order.currency))
        url = reverse("sellers:order_detail", args=[order.number])
        for user in order.store.members.all():
            try:
                notify(user=user, kind="order", text=text, url=url, email=True)
            except Exception:  # the order stands; a missed notification must not undo it
                log.exception("could not notify %s of order %s", user.pk, order.number)


@dataclass
class StoreReview:
    """One store's part of the checkout as it would be placed now."""

    group: object  # shop.cart.selectors.summary.StoreGroup
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
    details = CheckoutDetails(
        address=None, payment_method="", currency=summary.currency, promo_code=promo_code
    )
    items_totals = {review.store.pk: review.items_total for review in stores}
    applied = None
    if promo_code.strip() and stores:
        preview.promo_code = promo_code.strip().upper()
        try:
            applied = _promo_apply(buyer=buyer, details=details, items_totals=items_totals)
        except CheckoutError as refused:
            preview.promo_problem = " ".join(str(problem) for problem in refused.problems)
        else:
            preview.discount = applied.total
            preview.applied = applied
    if buyer.is_authenticated and stores:
        preview.points_balance = points_balance(user=buyer, currency=summary.currency)
        preview.use_points = use_points
        if preview.points_balance > 0:  # what they would take off, offered when not chosen
            preview.points = _points_quote(buyer=buyer, currency=summary.currency, items_totals=items_totals, applied=applied)
            if use_points:
                preview.discount += preview.points.total
    return preview
