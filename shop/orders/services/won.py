"""An order for something won at auction (or bought from a second-chance offer).

The auction's closing calls ``won_order_create`` inside its own transaction, so the order
exists exactly when the auction is recorded as sold. It is a checkout of its own that
awaits payment until ``due_by`` (the auction's payment deadline, in hours, not the cart's
minutes): the winner pays it from the payment page with any method offered there, cash on
delivery included. Its one line is sold as ``auction`` (the platform's auction fee). It
goes to the winner's default address when the store delivers there, else it is picked up
at the store. Unpaid at the deadline, ``checkouts_expire`` cancels it like any checkout
and puts the unit back; the auctions app then deals with the unpaid winner.

Or the winner pays it together with the cart: the checkout page offers the won orders
still awaiting payment, and ``won_orders_join`` (``shop.orders.services.checkout``) moves the chosen ones into the new checkout
(to its address and delivery choices). The order keeps its own deadline (``pay_by``): if
that checkout expires first, ``won_order_detach`` gives the order a checkout of its own
again, awaiting payment until ``pay_by``, instead of cancelling it.
"""

import contextlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from shop.catalog.models import Variant
from shop.inventory.services import StockShort, stock_lock, stock_reserve
from shop.payments.models import PaymentStatus

from ..models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from ..selectors.checkout import won_delivery
from .checkout import _order_create
from .handover import handover_code_issue


def won_order_create(*, buyer, variant: Variant, price: Decimal, due_by: datetime, note: str = "") -> Order:
    """The winner's order for one unit of ``variant`` at ``price``, payable until ``due_by``.
    Runs in the caller's transaction; the unit is reserved when the store still counts one."""
    store = variant.product.store
    delivery = won_delivery(buyer=buyer, store=store)
    locked = stock_lock(variant_ids=[variant.pk])
    # The seller may have counted it out meanwhile: the unit sold is the one the auction showed.
    with contextlib.suppress(StockShort):
        stock_reserve(locked=locked, quantities={variant.pk: 1})
    checkout = _own_checkout(buyer=buyer, address=delivery.address, currency=store.currency, due_by=due_by)
    line = AgreedLine(variant=variant, quantity=1, unit_price=price)
    return _order_with_lines(
        checkout=checkout, store=store, buyer=buyer, mode=delivery.mode, fee=delivery.fee, lines=[line], note=note,
        pay_by=due_by,
        listing_type="auction",
    )


def _own_checkout(*, buyer, address, currency: str, due_by: datetime) -> Checkout:
    """A checkout of its own for an order made outside the cart, awaiting payment until ``due_by``."""
    return Checkout.objects.create(
        buyer=buyer,
        payment_method="",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=due_by,
        recipient=(address.recipient if address else buyer.get_full_name() or buyer.email)[:80],
        phone=(address.phone if address else "")[:20],
        area=address.area if address else None,
        area_label=(address.area.full_name if address else "")[:200],
        street=(address.street if address else "")[:200],
        latitude=address.latitude if address else None,
        longitude=address.longitude if address else None,
        currency=currency,
    )


@dataclass(frozen=True)
class AgreedLine:
    variant: Variant
    quantity: int
    unit_price: Decimal


def agreed_order_create(
    *, buyer, store, lines: list[AgreedLine], delivery_mode: str, fee: Decimal, address, due_by: datetime, note: str = ""
) -> Order:
    """An order at prices agreed with the store (an offer made in a chat), in a checkout of
    its own awaiting payment until ``due_by``. Runs in the caller's transaction: every
    line's stock is reserved under the inventory lock, or ``StockShort`` is raised and
    nothing is written. Unpaid by ``due_by``, ``checkouts_expire`` cancels it and the
    stock comes back."""
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.variant.pk] = wanted.get(line.variant.pk, 0) + line.quantity
    locked = stock_lock(variant_ids=list(wanted))
    if set(locked) != set(wanted):
        raise StockShort([pk for pk in wanted if pk not in locked])
    stock_reserve(locked=locked, quantities=wanted)
    if delivery_mode != Order.DeliveryMode.DELIVERY:
        address = None
    checkout = _own_checkout(buyer=buyer, address=address, currency=store.currency, due_by=due_by)
    return _order_with_lines(
        checkout=checkout, store=store, buyer=buyer, mode=delivery_mode, fee=fee, lines=lines, note=note
    )


def _order_with_lines(
    *, checkout: Checkout, store, buyer, mode: str, fee: Decimal, lines: list["AgreedLine"], note: str,
    pay_by: datetime | None = None, listing_type: str = "fixed",
) -> Order:
    """The order in ``checkout`` for ``lines`` (their stock already reserved), pending, with
    its handover code; the checkout's total follows."""
    items_total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    order = _order_create(
        checkout=checkout,
        store=store,
        buyer=buyer,
        delivery_mode=mode,
        items_total=items_total,
        delivery_fee=fee,
        total=items_total + fee,
        currency=store.currency,
        buyer_note=note[:300],
        pay_by=pay_by,
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            variant=line.variant,
            product_title=line.variant.product.title[:120],
            variant_name=line.variant.name[:60],
            sku=line.variant.sku[:40],
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.unit_price * line.quantity,
            listing_type=listing_type,
        )
        for line in lines
    )
    OrderEvent.objects.create(order=order, from_status="", to_status=OrderStatus.PENDING, actor=buyer, note=note[:300])
    handover_code_issue(order=order)
    checkout.total = order.total
    checkout.save(update_fields=["total", "updated_at"])
    return order


def won_order_detach(*, order: Order, expiring: Checkout, now=None) -> bool:
    """When ``expiring`` (a checkout the won order was paid with) runs out before the
    order's own deadline: the order awaits payment again in a checkout of its own."""
    now = now or timezone.now()
    if order.pay_by is None or order.pay_by <= now:
        return False
    fields = (
        "buyer", "recipient", "phone", "area", "area_label", "street", "latitude", "longitude", "instructions", "currency"
    )
    own = Checkout.objects.create(
        payment_method="",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=order.pay_by,
        total=order.total,
        **{name: getattr(expiring, name) for name in fields},
    )
    order.checkout = own
    order.save(update_fields=["checkout", "updated_at"])
    return True
