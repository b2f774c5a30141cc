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

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
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
from shop.geo.selectors.delivery import store_home_delivery
from shop.inventory.services import stock_lock, stock_reserve
from shop.notifications.services.notifications import notify
from shop.payments.gateways import gateway_get
from shop.payments.models import PaymentStatus
from shop.payments.services import attempts_expire
from shop.promotions.services.codes import Applied, PromoRefused, promo_redeem
from shop.promotions.services.loyalty import PointsQuote, PointsRefused, points_redeem

from ..models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from ..selectors.checkout import (
    REVIEW_SALT,
    ReviewedTotal,
    address_point,
    checkout_get_existing,
    checkout_points_quote,
    checkout_promo_apply,
    delivery_fee,
    review_address_key,
    review_total_read,
    won_order_delivery,
    won_orders_awaiting,
)
from .handover import handover_code_issue
from .numbers import order_number_new
from .orders import order_push_new

log = logging.getLogger(__name__)

NUMBER_ATTEMPTS = 5


class CheckoutError(Exception):
    """The checkout cannot be placed as it stands; ``problems`` says why, item by item, and
    ``code`` says it to an app: a line's problem (``out_of_stock``, ``not_enough_stock``,
    ``price_changed``…), a promo code's (``promo_expired``…), ``delivery_not_offered``,
    ``cart_empty``, ``total_changed``… (``checkout_refused`` otherwise)."""

    def __init__(self, problems: list[str] | str, *, code: str = "checkout_refused"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.code = code
        super().__init__(" ".join(self.problems))


class CheckoutBusy(CheckoutError):
    def __init__(self):
        super().__init__(
            _("Many people are checking out right now and we could not place your order. Please try again."),
            code="checkout_busy",
        )


class CheckoutTotalChanged(CheckoutError):
    """What would be placed is not what the buyer reviewed (a price, a fee, the code, the
    points, a won order…): nothing is placed; the page shows the new figures."""

    def __init__(self, *, total: Decimal, currency: str, reviewed_total: Decimal | None):
        self.total = total
        if reviewed_total is not None and reviewed_total == total:
            message = _("Your order changed since you reviewed it (the total is still %(total)s): check it and place again.")
        else:
            message = _("The total changed to %(total)s since you reviewed it: check it and place again.")
        super().__init__(message % {"total": money_format(total, currency)}, code="total_changed")
        self.currency = currency


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
    same = reviewed.get("f") == placing.figures_digest() and (
        not reviewed.get("a") or reviewed.get("a") == placing.address_digest()
    )
    if same:
        return None
    return CheckoutTotalChanged(total=placing.total, currency=placing.currency, reviewed_total=review_total_read(signed))


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


def checkout_place(*, buyer, cart: Cart, details: CheckoutDetails, idempotency_key: uuid.UUID) -> Checkout:
    """Place the cart: reserve stock and create the checkout, its orders, their items,
    handover codes and first events, and empty the bought lines, all or nothing.

    The same ``idempotency_key`` (the form's hidden field) placed again by the same buyer
    returns the first checkout and creates nothing more. Raises ``CheckoutError`` naming
    every item that cannot be bought (in ``line_problem``'s words), or ``CheckoutBusy``
    when the database stayed too busy after a few tries.
    """
    if cart.user_id != buyer.pk:
        raise CheckoutError(_("This cart is not yours."), code="not_your_cart")
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
            raise CheckoutError(
                _("This checkout page has expired: reload it and place your order again."), code="checkout_expired"
            ) from error
        raise
    except DatabaseBusy as error:
        raise CheckoutBusy() from error
    return checkout


@dataclass(frozen=True)
class Gathered:
    """What ``_gather`` read and checked under the locks: everything the writing steps
    need, so that nothing is written before every check passed."""

    items: list[CartItem]  # the bought lines (those priced in the checkout's currency), oldest first
    locked: dict  # variant id -> its locked row: stock and prices are read from these only
    by_store: dict[int, list[CartItem]]  # store id -> its lines
    stores: dict  # store id -> the store
    modes: dict[int, str]  # store id -> its delivery mode, offered to the address
    items_totals: dict[int, Decimal]  # store id -> its lines at the locked prices
    applied: Applied | None  # the promo code, when one was typed and applies
    points: PointsQuote | None  # the buyer's points spent on it, when asked


def _place(*, buyer, cart: Cart, details: CheckoutDetails, idempotency_key) -> Checkout:
    """One try of ``checkout_place``, inside its transaction (Saleor's ``complete_checkout``
    shape): queue on the cart's row, gather and validate under the stock locks (every
    refusal raises before anything is written), then write."""
    existing = _cart_lock(buyer=buyer, cart=cart, idempotency_key=idempotency_key)
    if existing is not None:
        existing.orders_created = False
        return existing
    gathered = _gather(buyer=buyer, cart=cart, details=details)
    checkout = _checkout_create(buyer=buyer, details=details, idempotency_key=idempotency_key)
    _stock_reserve_and_promo_redeem(buyer=buyer, checkout=checkout, gathered=gathered)
    orders = _orders_create(buyer=buyer, checkout=checkout, details=details, gathered=gathered)
    grand_total = sum((order.total for order in orders), Decimal("0"))
    _points_redeem(buyer=buyer, gathered=gathered, orders=orders)
    joined = []
    if details.won:
        joined = won_orders_join(
            checkout=checkout, numbers=details.won, address=details.address, delivery_modes=details.delivery_modes
        )
        grand_total += sum((order.total for order in joined), Decimal("0"))
    if details.review is not None:
        _review_check(buyer=buyer, details=details, gathered=gathered, orders=orders, joined=joined, total=grand_total)
    return _checkout_finish(checkout=checkout, gathered=gathered, orders=[*orders, *joined], total=grand_total)


# Gather and validate (nothing is written) --------------------------------------------------


def _cart_lock(*, buyer, cart: Cart, idempotency_key) -> Checkout | None:
    """Lock the cart's row first: two submits of one cart (two tabs, a double click) queue
    here. Then the checkout the first of them placed, if it did."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    return checkout_get_existing(buyer=buyer, idempotency_key=idempotency_key)


def _gather(*, buyer, cart: Cart, details: CheckoutDetails) -> Gathered:
    """Read the lines, lock their stock and check them, group them by store, check each
    store's delivery, and price the promo code and the points: raises ``CheckoutError``
    (naming every problem it can) before anything is written."""
    items = _lines_read(cart=cart, currency=details.currency)
    locked = _lines_lock(items)
    by_store: dict[int, list[CartItem]] = {}
    for item in items:
        by_store.setdefault(item.variant.product.store_id, []).append(item)
    stores = {items_[0].variant.product.store.pk: items_[0].variant.product.store for items_ in by_store.values()}
    modes = _delivery_modes(stores=stores, details=details)
    items_totals = {
        store_id: sum((locked[item.variant_id].price * item.quantity for item in lines), Decimal("0"))
        for store_id, lines in by_store.items()
    }
    applied = _promo_apply(buyer=buyer, details=details, items_totals=items_totals)
    points = (
        checkout_points_quote(buyer=buyer, currency=details.currency, items_totals=items_totals, applied=applied)
        if details.use_points
        else None
    )
    return Gathered(
        items=items,
        locked=locked,
        by_store=by_store,
        stores=stores,
        modes=modes,
        items_totals=items_totals,
        applied=applied,
        points=points,
    )


def _lines_read(*, cart: Cart, currency: str) -> list[CartItem]:
    """The cart's lines priced in ``currency``, oldest first; refused when there are none."""
    items = list(
        CartItem.objects.filter(cart=cart, variant__product__store__currency=currency)
        .select_related("variant__product__store__area__parent__parent__parent")
        .order_by("added_at", "id")
    )
    if not items:
        if CartItem.objects.filter(cart=cart).exists():
            raise CheckoutError(
                _("Nothing in your cart is priced in %(currency)s.") % {"currency": currency}, code="cart_empty"
            )
        raise CheckoutError(_("Your cart is empty."), code="cart_empty")
    return items


def _lines_lock(items: list[CartItem]) -> dict:
    """Lock the variants (then their products), and check every line against these rows
    only (stock, price seen): every problem is named at once."""
    locked = stock_lock(variant_ids={item.variant_id for item in items})
    problems = []
    for item in items:
        variant = locked[item.variant_id]
        variant.product = item.variant.product
        problem = line_problem(variant=variant, quantity=item.quantity, price_seen=item.unit_price_seen)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise CheckoutError([problem.message for problem in problems], code=problems[0].kind)
    return locked


def _delivery_modes(*, stores: dict, details: CheckoutDetails) -> dict[int, str]:
    """Each store's delivery mode (pick-up when not chosen), refused when the store does
    not deliver home to the address."""
    modes = {}
    for store_id, store in stores.items():
        mode = details.delivery_modes.get(store_id, Order.DeliveryMode.PICKUP)
        if mode not in Order.DeliveryMode.values:
            raise CheckoutError(
                _("Choose how to get your order from %(name)s.") % {"name": store.name}, code="delivery_not_offered"
            )
        if mode == Order.DeliveryMode.DELIVERY:
            home = store_home_delivery(store=store, area=details.address.area)
            if not home.offered:
                raise CheckoutError(
                    _("%(reason)s Choose pick-up at the store, or another address.") % {"reason": home.reason},
                    code="delivery_not_offered",
                )
        modes[store_id] = mode
    return modes


# Write (a refusal from here on undoes it all) -----------------------------------------------


def _checkout_create(*, buyer, details: CheckoutDetails, idempotency_key) -> Checkout:
    """The checkout row: one payment, to the address given."""
    address = details.address
    gateway = gateway_get(details.payment_method)
    online = gateway is not None and gateway.online
    return Checkout.objects.create(
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
        currency=details.currency,
    )


def _stock_reserve_and_promo_redeem(*, buyer, checkout: Checkout, gathered: Gathered) -> None:
    """Take the bought units from the locked stock, and use the promo code (its limits are
    checked again under its own lock)."""
    stock_reserve(locked=gathered.locked, quantities={item.variant_id: item.quantity for item in gathered.items})
    if gathered.applied is not None:
        try:
            promo_redeem(applied=gathered.applied, buyer=buyer, checkout=checkout)
        except PromoRefused as refused:
            raise CheckoutError(str(refused), code=refused.code) from refused


def _orders_create(*, buyer, checkout: Checkout, details: CheckoutDetails, gathered: Gathered) -> list[Order]:
    """One order per store (in store id order) with its items at the locked prices, its
    delivery fee and discounts, its first event and its handover code."""
    applied, points, locked = gathered.applied, gathered.points, gathered.locked
    orders = []
    for store_id in sorted(gathered.by_store):
        store, lines = gathered.stores[store_id], gathered.by_store[store_id]
        items_total = gathered.items_totals[store_id]
        fee = delivery_fee(store=store, mode=gathered.modes[store_id], dropoff=address_point(details.address))
        code_discount = applied.discounts.get(store_id, Decimal("0")) if applied else Decimal("0")
        points_discount = points.discounts.get(store_id, Decimal("0")) if points else Decimal("0")
        discount = code_discount + points_discount
        order = _order_create(
            checkout=checkout,
            store=store,
            buyer=buyer,
            delivery_mode=gathered.modes[store_id],
            items_total=items_total,
            delivery_fee=fee,
            discount=discount,
            platform_discount=(code_discount if applied and applied.platform_pays else Decimal("0")) + points_discount,
            promo_code=applied.code.code if code_discount else "",
            points_used=points.points.get(store_id, 0) if points else 0,
            points_discount=points_discount,
            total=items_total + fee - discount,
            currency=details.currency,
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
        orders.append(order)
    return orders


def _points_redeem(*, buyer, gathered: Gathered, orders: list[Order]) -> None:
    """Spend the buyer's points on the orders (checked again against their balance)."""
    points = gathered.points
    if points is not None and points.total_points:
        try:
            points_redeem(user=buyer, quote=points, orders={order.store_id: order for order in orders})
        except PointsRefused as refused:
            raise CheckoutError(str(refused), code="points_refused") from refused


def _review_check(
    *, buyer, details: CheckoutDetails, gathered: Gathered, orders: list[Order], joined: list[Order], total: Decimal
) -> None:
    """What is being written, against what the buyer confirmed: any difference undoes it all."""
    locked, applied, points = gathered.locked, gathered.applied, gathered.points
    placing = ReviewedTotal(
        buyer_id=buyer.pk,
        currency=details.currency,
        lines=tuple((item.variant_id, locked[item.variant_id].price, item.quantity) for item in gathered.items),
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
        ),
        won=tuple((order.number, order.delivery_mode, order.delivery_fee, order.total) for order in joined),
        promo_code=applied.code.code if applied is not None else "",
        points=points.total_points if points is not None else 0,
        total=total,
        address=review_address_key(details.address),
    )
    refusal = review_refusal(signed=details.review, placing=placing)
    if refusal is not None:
        raise refusal


def _checkout_finish(*, checkout: Checkout, gathered: Gathered, orders: list[Order], total: Decimal) -> Checkout:
    """The checkout's total, and the bought lines out of the cart."""
    checkout.total = total
    checkout.save(update_fields=["total", "updated_at"])
    CartItem.objects.filter(pk__in=[item.pk for item in gathered.items]).delete()
    checkout.orders_created = True
    checkout.placed_orders = orders
    if checkout.payment_status == PaymentStatus.ON_DELIVERY:
        _notify_stores(checkout)
    return checkout


def _promo_apply(*, buyer, details: CheckoutDetails, items_totals: dict[int, Decimal]) -> Applied | None:
    try:
        return checkout_promo_apply(
            buyer=buyer, promo_code=details.promo_code, currency=details.currency, items_totals=items_totals
        )
    except PromoRefused as refused:
        raise CheckoutError(str(refused), code=refused.code) from refused


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
    """Tell each store's owner and staff about their new order, in the transaction that
    placed or confirmed it: the notices stand or fall with the orders (a process dying after
    the commit cannot lose them); pushing them to open pages waits for the commit."""
    orders = getattr(checkout, "placed_orders", None) or list(checkout.orders.all())
    prefetch_related_objects(orders, "store__members")
    for order in orders:
        order_push_new(order=order)
        if order.delivery_mode == Order.DeliveryMode.PICKUP:
            template = gettext_lazy("New order %(number)s: %(total)s, pick-up.")
        else:
            template = gettext_lazy("New order %(number)s: %(total)s, delivery.")
        text = lazy_text(template, number=order.number, total=lazy_money(order.total, order.currency))
        url = reverse("sellers:order_detail", args=[order.number])
        for user in order.store.members.all():
            notify(user=user, kind="order", text=text, url=url, email=True)
