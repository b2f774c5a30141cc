"""Reading complaints. ``complaint_for_user`` fetches *and* authorizes: only the buyer and
the store's team see a complaint (staff read it in the admin); anyone else gets
``NotFound`` (a 404), never a peek."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from shop.auctions.models import Auction, Bid
from shop.core.errors import NotFound
from shop.core.ids import id_or_none
from shop.orders.models import Order

from ..models import Complaint, ComplaintMessage, ComplaintPhoto

C = Complaint
OPEN = (C.Status.OPEN, C.Status.AWAITING_REPLY)
RESOLVE_PERM = "moderation.resolve_complaint"
OVER_LIMIT_PERM = "moderation.refund_over_limit"
# Kinds each side may file (only a store complains that the buyer did not pay).
KINDS = {
    C.Side.BUYER: [C.Kind.NOT_RECEIVED, C.Kind.NOT_AS_DESCRIBED, C.Kind.ABUSE],
    C.Side.STORE: [C.Kind.NON_PAYMENT, C.Kind.NOT_RECEIVED, C.Kind.ABUSE],
}


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("store", "buyer", "order", "auction__product", "refund")


def _thread() -> Prefetch:
    photos = ComplaintPhoto.objects.select_related("image").order_by("position", "id")
    return Prefetch(
        "messages",
        queryset=ComplaintMessage.objects.select_related("author").prefetch_related(
            Prefetch("photos", queryset=photos)
        ),
    )


def complaint_with_thread(*, pk: int) -> Complaint:
    """For services and staff pages that already authorized."""
    return _complaints().prefetch_related(_thread()).get(pk=pk)


def complaint_for_user(*, user, number: str) -> Complaint:
    """A complaint the user is a party to (its buyer, or on its store's team)."""
    if not user.is_authenticated or not isinstance(number, str) or len(number) > 20:
        raise NotFound
    found = (
        _complaints()
        .prefetch_related(_thread())
        .filter(Q(buyer=user) | Q(store__memberships__user=user), number=number)
        .distinct()
        .first()
    )
    if found is None:
        raise NotFound
    return found


def complaint_side(complaint: Complaint, user) -> str:
    """Which party the user speaks for on this complaint: the buyer, or the store ("" for
    neither)."""
    if complaint.buyer_id == user.pk:
        return C.Side.BUYER
    if complaint.store.memberships.filter(user=user).exists():
        return C.Side.STORE
    return ""


def complaints_for_buyer(*, user) -> QuerySet[Complaint]:
    return _complaints().filter(buyer=user).order_by("-created_at", "-id")


def complaints_for_store(*, store, status: str = "") -> QuerySet[Complaint]:
    complaints = _complaints().filter(store=store)
    if status == "open":
        complaints = complaints.filter(status__in=OPEN)
    elif status in C.Status.values:
        complaints = complaints.filter(status=status)
    return complaints.order_by("-created_at", "-id")


def complaints_for_staff() -> QuerySet[Complaint]:
    """Staff's order: escalated first (a party let two deadlines pass), then those with a
    party's deadline passed, then the others still open, oldest first; settled ones last."""
    return (
        _complaints()
        .annotate(
            urgency=Case(
                When(status__in=OPEN, waiting_for=C.Side.STAFF, then=Value(0)),
                When(status=C.Status.OPEN, then=Value(1)),
                When(status=C.Status.AWAITING_REPLY, then=Value(2)),
                When(status=C.Status.RESOLVED, then=Value(3)),
                default=Value(4),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "created_at", "id")
    )


def complaint_is_escalated(complaint: Complaint) -> bool:
    return complaint.status in OPEN and complaint.waiting_for == C.Side.STAFF


# Who may file ----------------------------------------------------------------------------


def order_for_complaint(*, user, number: str) -> tuple[Order, str]:
    """An order the user may complain about, and as which side; 404 for anyone else."""
    if not user.is_authenticated or not isinstance(number, str) or len(number) > 20:
        raise NotFound
    order = Order.objects.select_related("store", "buyer").filter(number=number).first()
    if order is None:
        raise NotFound
    if order.buyer_id == user.pk:
        return order, C.Side.BUYER
    if order.store.memberships.filter(user=user).exists():
        return order, C.Side.STORE
    raise NotFound


def auction_for_complaint(*, user, auction_id) -> tuple[Auction, str]:
    """An ended auction the user may complain about: its winner or a bidder (as the buyer),
    or a member of its store (about the winner); 404 for anyone else."""
    pk = id_or_none(auction_id)
    if not user.is_authenticated or pk is None:
        raise NotFound
    auction = Auction.objects.select_related("store", "product", "winner", "order").filter(pk=pk).first()
    if auction is None or auction.status != Auction.Status.ENDED:
        raise NotFound
    side = auction_side(auction, user)
    if not side:
        raise NotFound
    return auction, side


def auction_side(auction: Auction, user) -> str:
    if not user.is_authenticated:
        return ""
    if auction.winner_id == user.pk or Bid.objects.filter(auction=auction, bidder=user).exists():
        return C.Side.BUYER
    if auction.winner_id is not None and auction.store.memberships.filter(user=user).exists():
        return C.Side.STORE
    return ""


def open_complaint_exists(*, filed_by, order=None, auction=None) -> bool:
    found = Complaint.objects.filter(filed_by=filed_by, status__in=OPEN)
    return found.filter(order=order).exists() if order is not None else found.filter(auction=auction).exists()


def order_complaints_for(*, order: Order, user, side: str) -> list[Complaint]:
    """The complaints about an order its page shows to one side."""
    found = Complaint.objects.filter(order=order).order_by("-created_at", "-id")
    if side == C.Side.BUYER:
        found = found.filter(buyer=user)
    return list(found)


# Staff -----------------------------------------------------------------------------------


def complaint_staff_recipients():
    """Active staff who may settle complaints (notified of new ones, replies and lapses)."""
    app_label, codename = RESOLVE_PERM.split(".")
    held = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label) | Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    )
    return (
        get_user_model()
        .objects.filter(held | Q(is_superuser=True), is_staff=True, is_active=True)
        .distinct()
        .order_by("id")[:50]
    )


def support_refund_limit(currency: str) -> Decimal:
    """The most support staff may refund in one complaint in ``currency``
    (``SOKO_SUPPORT_REFUND_LIMIT``; a currency it does not name: nothing)."""
    return settings.SOKO_SUPPORT_REFUND_LIMIT.get(currency.upper(), Decimal("0"))


def refund_amount(order: Order, lines: dict[int, int], *, delivery: bool = False) -> Decimal:
    """What refunding ``lines`` (order item id -> units) and maybe the delivery fee comes to."""
    prices = {item.pk: item.unit_price for item in order.items.all()}
    amount = sum((prices.get(item_id, Decimal("0")) * units for item_id, units in lines.items()), Decimal("0"))
    if delivery and order.delivery_fee:
        amount += order.delivery_fee
    return amount
