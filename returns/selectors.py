"""Reading returns. ``*_for_buyer`` / ``*_for_member`` fetch *and* authorize: anyone else
gets ``NotFound`` (a 404), never a peek."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from couriers.selectors import return_codes
from shop.core.errors import NotFound
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.payments.refunds.services import RefundError, refund_quote, refundable_units

from .models import HOLDING, OPEN, ReturnLine, ReturnMethod, ReturnRequest, ReturnStatus

RETURNABLE_ORDER_STATUSES = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
# Returns that were accepted: their units count as returned in the store's return rate.
ACCEPTED = [ReturnStatus.APPROVED, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED]


def _returns() -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.select_related("order", "store", "buyer", "job", "refund").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("item").order_by("id"))
    )


def return_with_details(*, pk: int) -> ReturnRequest:
    return _returns().prefetch_related("photos__image", "events__actor").get(pk=pk)


def return_get_for_buyer(*, user, pk) -> ReturnRequest:
    if not user.is_authenticated or not str(pk).isdigit():
        raise NotFound
    found = _returns().prefetch_related("photos__image", "events__actor").filter(pk=pk, buyer=user).first()
    if found is None:
        raise NotFound
    return found


def return_get_for_member(*, user, pk) -> ReturnRequest:
    if not user.is_authenticated or not str(pk).isdigit():
        raise NotFound
    found = (
        _returns()
        .prefetch_related("photos__image", "events__actor")
        .filter(pk=pk, store__memberships__user=user)
        .distinct()
        .first()
    )
    if found is None:
        raise NotFound
    return found


def return_member_user_ids(*, request: ReturnRequest) -> list[int]:
    return list(request.store.memberships.values_list("user_id", flat=True))


def returns_for_buyer(*, user) -> QuerySet[ReturnRequest]:
    return _returns().filter(buyer=user)


def returns_for_store(*, store, status: str = "", query: str = "") -> QuerySet[ReturnRequest]:
    returns = _returns().filter(store=store)
    if status == "open":
        returns = returns.filter(status__in=OPEN)
    elif status in ReturnStatus.values:
        returns = returns.filter(status=status)
    query = query.strip()
    if query:
        returns = returns.filter(
            Q(order__number__icontains=query)
            | Q(buyer__email__icontains=query)
            | Q(lines__item__product_title__icontains=query)
        ).distinct()
    return returns


def return_status_counts_for_store(*, store) -> dict[str, int]:
    rows = ReturnRequest.objects.filter(store=store).values("status").annotate(n=Count("id")).order_by()
    counts = {row["status"]: row["n"] for row in rows}
    counts["open"] = sum(counts.get(status, 0) for status in OPEN)
    counts["all"] = sum(row["n"] for row in rows)
    return counts


@dataclass
class ReturnRate:
    product_id: int
    title: str
    delivered: int
    returned: int

    @property
    def percent(self) -> float:
        return 100 * self.returned / self.delivered if self.delivered else 0.0


def return_rates_for_store(*, store, limit: int = 10) -> list[ReturnRate]:
    """Per product: units in accepted returns / units delivered, highest rate first (two
    queries, whatever the number of products)."""
    delivered = {
        row["variant__product_id"]: row
        for row in OrderItem.objects.filter(
            order__store=store, order__delivered_at__isnull=False, variant__isnull=False
        )
        .values("variant__product_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    }
    returned = {
        row["item__variant__product_id"]: row["units"]
        for row in ReturnLine.objects.filter(
            request__store=store, request__status__in=ACCEPTED, item__variant__isnull=False
        )
        .values("item__variant__product_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    }
    if not returned:
        return []
    titles = dict(
        OrderItem.objects.filter(order__store=store, variant__product_id__in=list(returned))
        .values_list("variant__product_id", "variant__product__title")
        .distinct()
    )
    rates = [
        ReturnRate(
            product_id=product_id,
            title=titles.get(product_id, ""),
            delivered=delivered[product_id]["units"] if product_id in delivered else 0,
            returned=units,
        )
        for product_id, units in returned.items()
    ]
    rates.sort(key=lambda rate: (-rate.percent, -rate.returned, rate.title))
    return rates[:limit]


# Asking for a return -----------------------------------------------------------------------


def return_deadline(order: Order) -> datetime | None:
    """The last moment the buyer may ask: the store's window counted from delivery. None
    when the store takes no returns or the order was not delivered."""
    days = order.store.return_window_days
    if not days or order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=days)


def return_window_open(order: Order, *, now: datetime | None = None) -> bool:
    deadline = return_deadline(order)
    return order.status in RETURNABLE_ORDER_STATUSES and deadline is not None and (now or timezone.now()) <= deadline


@dataclass
class LineLeft:
    item: OrderItem
    returnable: bool
    available: int  # units the buyer may still ask to return


def lines_left(order: Order) -> list[LineLeft]:
    """Each line of the order with the units still open to a return: bought, less the
    units in other returns (any but cancelled ones) and units refunded otherwise."""
    held: dict[int, int] = dict(
        ReturnLine.objects.filter(item__order=order, request__status__in=HOLDING)
        .values("item_id")
        .annotate(units=Sum("quantity"))
        .values_list("item_id", "units")
    )
    refundable = refundable_units(order)
    rows = []
    for item in order.items.select_related("variant__product").order_by("id"):
        returnable = item.variant is None or item.variant.product.returnable
        available = max(0, min(item.quantity - held.get(item.pk, 0), refundable.get(item.pk, 0)))
        rows.append(LineLeft(item=item, returnable=returnable, available=available))
    return rows


def order_returns_for_buyer(*, order: Order) -> list[ReturnRequest]:
    return list(_returns().filter(order=order).order_by("-created_at", "-id"))


def order_box_context(order: Order, *, oob: bool = False) -> dict:
    """The buyer's order page's returns box: the order's returns and, while the store's
    window is open and some units may still be returned, the "Return items" link."""
    window = return_window_open(order)
    can_return = window and any(row.returnable and row.available for row in lines_left(order))
    return {
        "order": order,
        "returns": order_returns_for_buyer(order=order),
        "can_return": can_return,
        "deadline": return_deadline(order) if window else None,
        "oob": oob,
    }


def escalate_deadline(request: ReturnRequest):
    if request.rejected_at is None:
        return None
    return request.rejected_at + timedelta(days=settings.SOKO_RETURN_ESCALATE_DAYS)


def return_can_escalate(request: ReturnRequest, *, now=None) -> bool:
    deadline = escalate_deadline(request)
    return (
        request.status == ReturnStatus.REJECTED
        and not request.staff_decision
        and deadline is not None
        and (now or timezone.now()) <= deadline
    )


def inspect_deadline(request: ReturnRequest):
    """When a received return the store leaves alone is refunded by itself."""
    if request.received_at is None:
        return None
    return request.received_at + timedelta(days=settings.SOKO_RETURN_INSPECTION_DAYS)


def awaiting_inspection(request: ReturnRequest) -> bool:
    """Back at the store, neither refunded (or being refunded) nor disputed yet."""
    refund = request.refund if request.refund_id else None
    return request.status == ReturnStatus.RECEIVED and (refund is None or refund.status == "failed")


def _codes(ret: ReturnRequest) -> dict:
    if ret.method == ReturnMethod.COURIER and ret.job is not None and ret.status == ReturnStatus.APPROVED:
        return return_codes(ret.job)
    return {}


def _job_waiting(ret: ReturnRequest) -> bool:
    """No courier job, or one that has not collected the goods yet."""
    return ret.job is None or ret.job.status in ("open", "accepted", "cancelled")


def buyer_context(ret: ReturnRequest) -> dict:
    """What the buyer's return page and its live part show (the pickup code only to them)."""
    codes = _codes(ret)
    return {
        "ret": ret,
        "events": list(ret.events.all()),
        "pickup_code": codes.get("pickup", ""),
        "pickup_qr": codes.get("pickup_qr", ""),
        "can_escalate": return_can_escalate(ret),
        "inspect_until": inspect_deadline(ret),
        "escalate_until": escalate_deadline(ret),
        "can_cancel": ret.status in (ReturnStatus.REQUESTED, ReturnStatus.ESCALATED)
        or (ret.status == ReturnStatus.APPROVED and _job_waiting(ret)),
    }


def return_refund_amount(ret: ReturnRequest):
    """What accepting the return refunds for its items (the delivery fee, when the store
    adds it, on top), as the refund will compute it; None when it cannot be refunded."""
    try:
        amount, *_rest = refund_quote(order=ret.order, lines=dict(ret.lines.values_list("item_id", "quantity")))
    except RefundError:
        return None
    return amount


def store_context(ret: ReturnRequest) -> dict:
    """What the store's return page and its live part show (the drop-off code only to it)."""
    codes = _codes(ret)
    inspecting = awaiting_inspection(ret)
    return {
        "ret": ret,
        "events": list(ret.events.all()),
        "dropoff_code": codes.get("dropoff", ""),
        "dropoff_qr": codes.get("dropoff_qr", ""),
        "courier_coming": ret.method == ReturnMethod.COURIER and ret.job is not None,
        "inspecting": inspecting,
        "refund_amount": return_refund_amount(ret) if inspecting else None,
        "inspect_until": inspect_deadline(ret),
        "inspection_days": settings.SOKO_RETURN_INSPECTION_DAYS,
        "job_waiting": _job_waiting(ret),
    }
