"""Loyalty points: earned on completed orders, spent at checkout, taken back with refunds.

A shopper's points are kept per currency (points earned paying in shillings are spent
paying in shillings). Their history, ``LoyaltyEntry``, is append-only and the balance is its
sum. Each entry that adds points is a lot that expires ``SOKO_LOYALTY_EXPIRY_DAYS`` later;
spending, taking back and expiry use lots oldest-expiring first, so what expires is what was
not spent. Points taken back after they were spent leave the balance below zero: the next
points earned pay that back first.

What an order's points come to is settled by ``order_points_settle``, called when the order
completes, is cancelled, or has a refund recorded; it compares what the order should have
earned and given back with what its entries say and writes the difference, so calling it
again writes nothing:

- earned: 1 point per ``SOKO_LOYALTY_EARN_EVERY`` units paid for the items not refunded,
  once the order has completed;
- given back: the points spent on it, in proportion to the items refunded (all of them when
  the order is cancelled with nothing paid).

Spent points are a discount Soko pays for (``Order.platform_discount``), so the store's
share of the order is what it would have been and the ledger's ``platform:promotions``
account carries the cost when the order is paid (shop.payments.ledger).

Every write locks the shopper's row first: a checkout, a refund and the expiry job change a
shopper's points one at a time.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min, Sum
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import cash_unit, currency_places
from shop.payments.payouts.services import order_cancelled_unpaid
from shop.payments.refunds.services import refundable_units
from shop.payments.signals import refund_recorded
from shop.promotions.models import LoyaltyEntry

Kind = LoyaltyEntry.Kind


class PointsRefused(Exception):
    """The points cannot be spent; the message says why."""


def earn_every(currency: str) -> Decimal:
    table = settings.SOKO_LOYALTY_EARN_EVERY
    return table.get(currency, table["default"])


def point_value(currency: str) -> Decimal:
    table = settings.SOKO_LOYALTY_POINT_VALUE
    return table.get(currency, table["default"])


def points_for(amount: Decimal, currency: str) -> int:
    """The points an amount paid earns."""
    return max(int(amount // earn_every(currency)), 0)


def points_balance(*, user, currency: str) -> int:
    return LoyaltyEntry.objects.filter(user=user, currency=currency).aggregate(total=Sum("points"))["total"] or 0


def points_balances(*, user) -> dict[str, int]:
    """The shopper's balance in each currency they have points history in."""
    rows = LoyaltyEntry.objects.filter(user=user).values("currency").annotate(total=Sum("points")).order_by("currency")
    return {row["currency"]: row["total"] for row in rows}


def points_expiring(
    *, user, currency: str, within_days: int = 30, now: datetime | None = None
) -> tuple[int, datetime | None]:
    """How many of the shopper's points expire in the next ``within_days``, and the first date."""
    now = now or timezone.now()
    lots = LoyaltyEntry.objects.filter(
        user=user, currency=currency, remaining__gt=0, expires_at__lte=now + timedelta(days=within_days)
    )
    found = lots.aggregate(total=Sum("remaining"), first=Min("expires_at"))
    return found["total"] or 0, found["first"]


# Spending at checkout ------------------------------------------------------------------


@dataclass
class PointsQuote:
    """What spending points takes off a checkout's orders."""

    currency: str
    balance: int = 0
    points: dict[int, int] = field(default_factory=dict)  # store id -> points spent
    discounts: dict[int, Decimal] = field(default_factory=dict)  # store id -> amount off

    @property
    def total_points(self) -> int:
        return sum(self.points.values())

    @property
    def total(self) -> Decimal:
        return sum(self.discounts.values(), Decimal("0"))


def _step(currency: str) -> int:
    """The fewest points worth a whole cash unit of the currency (``cash_unit``: 10 points
    of 0.10 are one shilling), so points never put cents on what a shopper pays."""
    unit = cash_unit(currency)
    return max(int((unit / point_value(currency)).to_integral_value(rounding=ROUND_CEILING)), 1)


def points_quote(*, user, currency: str, items: dict[int, Decimal]) -> PointsQuote:
    """The most of the shopper's points these orders can take (``items``: store id -> its
    items still to pay after any promo code): at most ``SOKO_LOYALTY_MAX_ORDER_PERCENT`` of
    the items, shared between the orders in proportion, in steps worth whole minor units."""
    quote = PointsQuote(currency=currency, balance=points_balance(user=user, currency=currency))
    value, step = point_value(currency), _step(currency)
    whole = sum(items.values(), Decimal("0"))
    if quote.balance <= 0 or whole <= 0:
        return quote
    cap = int((whole * settings.SOKO_LOYALTY_MAX_ORDER_PERCENT / 100 / value).to_integral_value(rounding=ROUND_DOWN))
    steps = min(quote.balance, cap) // step
    if steps <= 0:
        return quote
    shares = {store_id: int(steps * amount // whole) for store_id, amount in items.items() if amount > 0}
    largest = max(shares, key=lambda store_id: (items[store_id], -store_id))
    shares[largest] += steps - sum(shares.values())
    unit = Decimal(1).scaleb(-currency_places(currency))
    for store_id, count in shares.items():
        if count:
            quote.points[store_id] = count * step
            quote.discounts[store_id] = (count * step * value).quantize(unit, rounding=ROUND_DOWN)
    return quote


def points_redeem(*, user, quote: PointsQuote, orders: dict[int, object]) -> None:
    """Spend the quoted points on ``orders`` (store id -> the order just created, inside the
    checkout's transaction), or ``PointsRefused`` when the balance went down meanwhile."""
    _lock(user.pk)
    if points_balance(user=user, currency=quote.currency) < quote.total_points:
        raise PointsRefused(_("Your points changed meanwhile: look at the new total and place the order again."))
    for store_id, points in sorted(quote.points.items()):
        _take(user_id=user.pk, currency=quote.currency, points=points)
        LoyaltyEntry.objects.create(
            user=user, currency=quote.currency, kind=Kind.REDEEMED, points=-points, order=orders[store_id]
        )


# Settling an order ---------------------------------------------------------------------


def order_points_settle(*, order, now: datetime | None = None) -> None:
    """Bring the order's earned and given-back points to what it now deserves (see the
    module's docstring); writes nothing when they are there already."""
    if order.buyer_id is None:
        return
    with transaction.atomic():
        _lock(order.buyer_id)
        entries = dict.fromkeys(Kind.values, 0)
        for row in LoyaltyEntry.objects.filter(order=order).values("kind").annotate(total=Sum("points")):
            entries[row["kind"]] = row["total"]
        kept = _kept_share(order)
        nothing_paid = order_cancelled_unpaid(order)
        completed = order.events.filter(to_status="completed").exists()

        earned_now = entries[Kind.EARNED] + entries[Kind.REVERSED]
        target = (
            0
            if nothing_paid or not completed
            else points_for((order.items_total - order.discount) * kept, order.currency)
        )
        if target > earned_now and not entries[Kind.EARNED]:
            _give(user_id=order.buyer_id, currency=order.currency, order=order, kind=Kind.EARNED, points=target - earned_now, now=now)
        elif target < earned_now:
            _take(user_id=order.buyer_id, currency=order.currency, points=earned_now - target)
            LoyaltyEntry.objects.create(
                user_id=order.buyer_id,
                currency=order.currency,
                kind=Kind.REVERSED,
                points=target - earned_now,
                order=order,
            )

        spent = -entries[Kind.REDEEMED]
        back = spent if nothing_paid else spent - int((spent * kept).to_integral_value(rounding=ROUND_CEILING))
        if back > entries[Kind.RESTORED]:
            _give(
                user_id=order.buyer_id, currency=order.currency, order=order, kind=Kind.RESTORED, points=back - entries[Kind.RESTORED], now=now
            )


@receiver(refund_recorded)
def _refund_recorded(sender, order, refund, **kwargs) -> None:
    order_points_settle(order=order)


def _kept_share(order) -> Decimal:
    """The share of the order's items (by listed price) not refunded."""
    if not order.items_total:
        return Decimal(1)
    left = refundable_units(order)
    kept = sum((item.unit_price * left[item.pk] for item in order.items.all()), Decimal("0"))
    return kept / order.items_total


# Expiry --------------------------------------------------------------------------------


def points_expire(*, now: datetime | None = None) -> int:
    """Expire what is left of every lot past its date; returns how many lots expired."""
    now = now or timezone.now()
    expired = 0
    due = LoyaltyEntry.objects.filter(remaining__gt=0, expires_at__lte=now).values_list("pk", "user_id")
    for lot_id, user_id in list(due[:5000]):
        with transaction.atomic():
            _lock(user_id)
            lot = LoyaltyEntry.objects.filter(pk=lot_id, remaining__gt=0).first()
            if lot is None:
                continue
            LoyaltyEntry.objects.create(
                user_id=user_id, currency=lot.currency, kind=Kind.EXPIRED, points=-lot.remaining
            )
            LoyaltyEntry.objects.filter(pk=lot_id).update(remaining=0)
            expired += 1
    return expired


# The lots ------------------------------------------------------------------------------


def _lock(user_id: int) -> None:
    get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


def _give(*, user_id: int, currency: str, kind: str, points: int, order=None, now: datetime | None = None) -> None:
    """A new lot of ``points`` for the shopper; it first pays back any points taken back
    after they were spent (a balance below zero)."""
    now = now or timezone.now()
    debt = max(-points_balance(user=user_id, currency=currency), 0)
    LoyaltyEntry.objects.create(
        user_id=user_id,
        currency=currency,
        kind=kind,
        points=points,
        order=order,
        remaining=max(points - debt, 0),
        expires_at=now + timedelta(days=settings.SOKO_LOYALTY_EXPIRY_DAYS),
    )


def _take(*, user_id: int, currency: str, points: int) -> None:
    """Use ``points`` from the shopper's lots, the soonest to expire first."""
    lots = LoyaltyEntry.objects.filter(user_id=user_id, currency=currency, remaining__gt=0).order_by("expires_at", "pk")
    for lot in lots:
        if points <= 0:
            break
        used = min(lot.remaining, points)
        LoyaltyEntry.objects.filter(pk=lot.pk).update(remaining=lot.remaining - used)
        points -= used
