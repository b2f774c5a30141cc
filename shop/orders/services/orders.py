"""Changing orders: status moves (the one way an order's status changes, returning a
cancelled order's stock through ``shop.inventory``), the buyer's delivery note,
reordering, and the package label token."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shop.cart.selectors.availability import gone, line_problem, variant_label
from shop.cart.services import CartError, cart_add
from shop.catalog.models import Product, Variant
from shop.core.client_keys import client_keys_kept_since
from shop.core.codes import keyed_digits
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.i18n import lazy_text
from shop.core.selectors.money import money_format
from shop.core.services.realtime import push_rendered_on_commit
from shop.core.services.transactions import DatabaseBusy, atomic_retrying
from shop.inventory.services import stock_release
from shop.notifications.services.notifications import notify
from shop.payments.invoices.services import invoice_issue_later
from shop.payments.models import PaymentStatus, Refund
from shop.payments.payouts.couriers import order_commission_earned
from shop.payments.payouts.services import order_cash_collected, order_funds_release, order_paid_online, order_transfer
from shop.payments.refunds.services import RefundError, refund_rest
from shop.payments.services import attempts_end_checkout_changed
from shop.promotions.services.codes import promo_use_return
from shop.promotions.services.loyalty import order_points_settle

from ..models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from ..selectors.orders import (
    PACKAGE_TOKEN_SALT,
    buyer_live_context,
    order_member_user_ids,
    order_with_details,
    orders_for_store,
    seller_live_context,
)
from ..selectors.transitions import (
    NOTE_EDITABLE,
    Role,
    TransitionError,
    cancel_restocks,
    order_courier_job,
    status_label,
    transition_check,
)
from ..signals import order_changed, order_counted

S = OrderStatus
log = logging.getLogger(__name__)


def _acts_as(*, order: Order, actor, role: str) -> bool:
    if role == Role.BUYER:
        return actor.pk == order.buyer_id
    if role == Role.SELLER:
        return order.store.members.filter(pk=actor.pk).exists()
    if role == Role.STAFF:
        return actor.is_staff
    if role == Role.COURIER:
        # A courier acts only on the orders of the delivery jobs it holds (couriers sit
        # above orders: the job is reached through its relation, never imported).
        job = getattr(order, "delivery_job", None)
        return job is not None and job.courier_id == actor.pk
    return False


def order_transition(
    *,
    order: Order,
    to: str,
    actor,
    role: str,
    note: str = "",
    goods_returned: bool = False,
    scanned: bool = False,
    client_key: str = "",
) -> Order:
    """Move ``order`` to ``to`` as ``actor`` acting as ``role``, in a transaction of its
    own (deadlocks are retried; never inside another transaction: ``order_move`` is the
    same move inside the caller's). Raises ``TransitionError`` and changes nothing when the
    move is refused, or when the database stayed busy after a few tries. With a
    ``client_key`` (an app's Idempotency-Key, sent again after a lost answer), a move
    ``actor`` already made under it is not made again: the order is answered as it is."""
    try:
        return atomic_retrying(
            lambda: order_move(
                order=order,
                to=to,
                actor=actor,
                role=role,
                note=note,
                goods_returned=goods_returned,
                scanned=scanned,
                client_key=client_key,
            ),
            what="order transition",
        )
    except DatabaseBusy as error:
        raise TransitionError(
            _("Order %(number)s is busy right now: nothing changed. Please try again.") % {"number": order.number},
            code="order_busy",
        ) from error


def moved_under_key(*, order: Order, actor, to: str, client_key: str) -> bool:
    """``actor`` moved ``order`` to ``to`` under ``client_key`` while the API still keeps
    that key (SOKO_API_IDEMPOTENCY_HOURS; after that an app may use it again)."""
    return order.events.filter(
        actor=actor, to_status=to, client_key=client_key, created_at__gte=client_keys_kept_since()
    ).exists()


def order_move(
    *,
    order: Order,
    to: str,
    actor,
    role: str,
    note: str = "",
    goods_returned: bool = False,
    scanned: bool = False,
    client_key: str = "",
) -> Order:
    """``order_transition`` inside the caller's transaction (a courier's scan, which locks
    its job first): lock the row, check the move, update, record one ``OrderEvent``, and
    on cancel return the order's money and stock (``order_cancelled``); after commit push
    the new timeline to the buyer's and the store's open pages and notify the buyer."""
    note = note.strip()[:300]
    if to == S.CANCELLED:
        # A cancel may change what the checkout costs: its row first, as a payment locks it.
        Checkout.objects.select_for_update().filter(pk=order.checkout_id).first()
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("store", "checkout", "buyer", "delivery_job")
        .get(pk=order.pk)
    )
    if not _acts_as(order=order, actor=actor, role=role):
        raise TransitionError(
            _("You cannot act on order %(number)s as %(get)s.")
            % {"number": order.number, "get": Role.LABELS.get(role, role)},
            code="not_your_order",
        )
    if client_key and moved_under_key(order=order, actor=actor, to=to, client_key=client_key):
        return order
    transition_check(order, to, role, note=note, scanned=scanned)
    restock = to == S.CANCELLED and cancel_restocks(order, goods_returned=goods_returned)
    source = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at"])
    if to == S.COMPLETED and not order.events.filter(to_status=S.COMPLETED).exists():
        order_popularity_count(order=order)
    order_payment_follow(order=order, to=to)
    OrderEvent.objects.create(order=order, from_status=source, to_status=to, actor=actor, note=note, client_key=client_key)
    if to == S.CANCELLED:
        order_cancelled(order=order, actor=actor, role=role, note=note, restock=restock)
    elif to == S.REFUNDED:
        order_refund_rest(order=order, actor=actor, role=role, note=note)
        order_points_settle(order=order)
    elif to == S.COMPLETED:
        order_points_settle(order=order)  # earned on completion
    order_push(order=order)
    _notify_status(order=order, role=role, note=note)
    return order


def order_cancelled(*, order: Order, actor, role: str, note: str, restock: bool = True, now=None) -> None:
    """What follows every cancellation, whoever or whatever cancelled (a move of the
    status machine, the payment deadline): the order's paid share goes back the way it
    came (``order_refund_rest``), its units back on sale when ``restock`` (once), the
    points spent on it back to the buyer, and the checkout's code use when the checkout
    placed nothing after all. The caller holds the order's row lock, has set the status
    and recorded its ``OrderEvent``."""
    order_refund_rest(order=order, actor=actor, role=role, note=note)
    if restock:
        order_restock(order=order)
    order_points_settle(order=order)  # the points spent on it come back
    promo_use_return(checkout=order.checkout, now=now)  # when the checkout placed nothing after all
    checkout_total_follow(order=order)


def checkout_total_follow(*, order: Order) -> None:
    """``order`` was cancelled before its checkout was paid: the checkout now costs what its
    other orders do, and a payment already under way for the old total ends (the buyer pays
    the new one); with every order cancelled it awaits no payment at all. The caller holds
    the order's lock; the checkout's is taken here (``order_move`` took it first)."""
    checkout = Checkout.objects.select_for_update().get(pk=order.checkout_id)
    if checkout.payment_status != PaymentStatus.AWAITING:
        return  # paid (the cancel refunds its share), on delivery, or expired
    live = Order.objects.filter(checkout=checkout).exclude(status=S.CANCELLED)
    checkout.total = live.aggregate(total=Sum("total"))["total"] or Decimal("0")
    if not live.exists():
        checkout.payment_status = PaymentStatus.CANCELLED
    checkout.save(update_fields=["total", "payment_status", "updated_at"])
    order.checkout = checkout
    attempts_end_checkout_changed(checkout=checkout)


CANCEL_REFUND_REASON = gettext_lazy("Order %(number)s cancelled")
REFUNDED_REASON = gettext_lazy("Order %(number)s refunded")
REFUND_EVENT = gettext_lazy("Refund of %(amount)s (%(provider)s): %(state)s.")


def order_refund_rest(*, order: Order, actor, role: str, note: str) -> None:
    """Give back everything the order took that is not refunded yet, the way it was paid
    (card and PayPal by their provider after commit; M-Pesa and cash as a refund staff
    send by hand, with its checklist), and record it on the timeline. The store's team
    and staff refund as themselves (staff within their refund limit); the buyer's own
    cancellation and Soko's jobs refund as Soko. Raises ``TransitionError`` when the
    person may not refund that much."""
    checker = actor if role in (Role.STAFF, Role.SELLER) else None
    reason = lazy_text(CANCEL_REFUND_REASON if order.status == S.CANCELLED else REFUNDED_REASON, number=order.number)
    if note:
        reason = f"{reason}: {note}"
    try:
        refund = refund_rest(
            order=order,
            reason=str(reason)[:300],
            key=f"order:{order.pk}:{order.status}",
            actor=checker,
            requested_by=actor,
        )
    except RefundError as error:
        raise TransitionError(str(error), code="refund_refused") from error
    if refund is None:
        return
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        actor=actor,
        note=str(
            REFUND_EVENT
            % {
                "amount": money_format(refund.amount, refund.currency),
                "provider": refund.get_provider_display(),
                # the refund's state now shows under the totals; the timeline keeps the event
                "state": _("started") if refund.status == Refund.Status.PENDING else refund.get_status_display().lower(),
            }
        )[:300],
    )


def order_payment_follow(*, order: Order, to: str) -> None:
    """Money that follows an order's move, inside the move's transaction: cash taken at the
    door is posted (and invoiced) on delivery, to the courier who took it when a courier
    delivered, and the courier's commission with it; a buyer confirming receipt of an
    order paid online ends the hold on its store's share."""
    if to == S.DELIVERED and order.delivered_at is None:
        order.delivered_at = timezone.now()
        Order.objects.filter(pk=order.pk).update(delivered_at=order.delivered_at)
        job = order_courier_job(order)
        courier_id = job.courier_id if job is not None else None
        if order.checkout.payment_status == PaymentStatus.ON_DELIVERY:
            fee = order_cash_collected(order, courier_id=courier_id)
            if fee is not None:
                Order.objects.filter(pk=order.pk).update(fee=fee)
            invoice_issue_later(order.pk)
        if courier_id is not None:
            order_commission_earned(order, courier_id=courier_id, commission=job.commission)
    if to == S.COMPLETED and order_paid_online(order) is not None:
        # The buyer confirmed receipt: no need to wait for the window to end.
        order_funds_release(order)
        job_enqueue_on_commit("orders.order_transfer", order.pk)  # Stripe, after commit


def order_transfer_safely(order_id: int) -> None:
    """Send the order's released share to its store now (after commit); a failure is
    logged and retried by the release job."""
    try:
        order_transfer(Order.objects.select_related("checkout").get(pk=order_id))
    except Exception:  # the release job retries transfers that did not go out
        log.exception("transfer for order %s failed", order_id)


def order_popularity_count(*, order: Order) -> None:
    """A completed order counts once towards its store's and products' popularity
    (the "popularity" sort); the caller skips orders completed before (staff may reopen
    a completion made by mistake)."""
    order_counted.send(sender=Order, order=order)  # the store's count: sellers owns its row
    product_ids = set(
        OrderItem.objects.filter(order=order, variant__isnull=False).values_list("variant__product_id", flat=True)
    )
    Product.objects.filter(pk__in=product_ids).update(orders_count=F("orders_count") + 1)


def order_restock(*, order: Order) -> bool:
    """Put the order's units back on sale, exactly once: the caller holds the order's row
    lock, and ``stock_released_at`` records that it happened."""
    if order.stock_released_at is not None:
        return False
    quantities: dict[int, int] = defaultdict(int)
    for variant_id, quantity in OrderItem.objects.filter(order=order, variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        quantities[variant_id] += quantity
    stock_release(quantities=quantities)
    order.stock_released_at = timezone.now()
    Order.objects.filter(pk=order.pk).update(stock_released_at=order.stock_released_at)
    return True


def order_push(*, order: Order) -> None:
    """After commit: the order's live fragments (timeline, status badge, actions) to the
    buyer's open pages and to those of the store's members, as htmx out-of-band swaps;
    the apps above hear ``order_changed`` for theirs (the courier's job page). Delivery
    over sockets is at most once; pages re-fetch these on reconnect."""
    order = order_with_details(pk=order.pk)
    event = {"event": "order.changed", "data": {"order": order.number, "status": order.status}}
    push_rendered_on_commit(
        [order.buyer_id],
        lambda: render_to_string("orders/_live.html", {**buyer_live_context(order=order), "oob": True}),
        **event,
    )
    member_ids = order_member_user_ids(order=order)
    if member_ids:
        push_rendered_on_commit(
            member_ids,
            lambda: render_to_string("sellers/orders/_live.html", {**seller_live_context(order=order), "oob": True}),
            **event,
        )
    order_changed.send(sender=Order, order=order)


def order_push_new(*, order: Order) -> None:
    """After commit: a newly placed order's row to the top of its store's order list, on
    the members' open pages that show new orders (other pages skip it)."""
    order = orders_for_store(store=order.store_id).get(pk=order.pk)
    push_rendered_on_commit(
        order_member_user_ids(order=order),
        lambda: render_to_string("sellers/orders/_push_new.html", {"order": order}),
        event="order.placed",
        data={"order": order.number, "status": order.status, "store": order.store_id},
    )


# The status in lower case, as it reads inside a sentence, when the sentence is read.
lazy_status_label = lazy(lambda status, order: str(status_label(status, order)).lower(), str)

STATUS_NEWS = {
    S.PENDING: gettext_lazy("Your order %(number)s from %(store)s is waiting for the store again."),
    S.CONFIRMED: gettext_lazy("%(store)s confirmed your order %(number)s."),
    S.PREPARING: gettext_lazy("%(store)s is preparing your order %(number)s."),
    S.READY: gettext_lazy("Your order %(number)s from %(store)s is ready."),
    S.OUT_FOR_DELIVERY: gettext_lazy("Your order %(number)s from %(store)s is on its way."),
    S.DELIVERED: gettext_lazy("Your order %(number)s from %(store)s was delivered."),
    S.COMPLETED: gettext_lazy("Order %(number)s is complete. Thank you for shopping at %(store)s!"),
    S.CANCELLED: gettext_lazy("Your order %(number)s from %(store)s was cancelled."),
    S.REFUNDED: gettext_lazy("Your order %(number)s from %(store)s was refunded."),
}
PICKUP_NEWS = {
    S.READY: gettext_lazy("Your order %(number)s is ready for pick-up at %(store)s."),
    S.DELIVERED: gettext_lazy("You collected your order %(number)s from %(store)s."),
}
CANCELLED_WITH_NOTE = gettext_lazy("Your order %(number)s from %(store)s was cancelled: %(note)s")


def _notify_status(*, order: Order, role: str, note: str) -> None:
    """The buyer hears of every change (live, and by email through Huey); the store's
    members hear, live, of the buyer's own moves. Each in their own language."""
    news = STATUS_NEWS
    if order.delivery_mode == Order.DeliveryMode.PICKUP:
        news = {**STATUS_NEWS, **PICKUP_NEWS}
    template = news[order.status]
    if order.status == S.CANCELLED and note and role != Role.BUYER:
        template = CANCELLED_WITH_NOTE
    text = lazy_text(template, store=order.store.name, number=order.number, note=note)
    notify(user=order.buyer, kind="order", text=text, url=reverse("orders:detail", args=[order.number]), email=True)
    if role == Role.BUYER:
        status = lazy_status_label(order.status, order)
        if note:
            member_text = lazy_text(
                gettext_lazy("%(buyer)s marked order %(number)s %(status)s: %(note)s"),
                buyer=order.buyer,
                number=order.number,
                status=status,
                note=note,
            )
        else:
            member_text = lazy_text(
                gettext_lazy("%(buyer)s marked order %(number)s %(status)s."),
                buyer=order.buyer,
                number=order.number,
                status=status,
            )
        url = reverse("sellers:order_detail", args=[order.number])
        for member in order.store.members.all():
            notify(user=member, kind="order", text=member_text, url=url)


@transaction.atomic
def order_note_save(*, order: Order, buyer, note: str) -> Order:
    """The buyer's delivery note (gate code, landmark…), editable until the order leaves."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.buyer_id != buyer.pk:
        raise TransitionError(_("Only the buyer can write the delivery note."))
    if order.status not in NOTE_EDITABLE:
        raise TransitionError(
            _("Order %(number)s is %(lower)s: the note can no longer change.")
            % {"number": order.number, "lower": status_label(order.status, order).lower()}
        )
    order.buyer_note = note.strip()[:300]
    order.save(update_fields=["buyer_note", "updated_at"])
    order_push(order=order)
    return order


@dataclass
class ReorderResult:
    added: list[tuple[OrderItem, int]] = field(default_factory=list)
    unavailable: list[tuple[OrderItem, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = []
        if self.added:
            count = sum(quantity for _, quantity in self.added)
            parts.append(
                ngettext("Added %(count)s item to your cart.", "Added %(count)s items to your cart.", count)
                % {"count": count}
            )
        parts += [why for _item, why in self.unavailable]
        return " ".join(parts) or _("Nothing to add.")


def order_reorder(*, order: Order, cart) -> ReorderResult:
    """Put the order's items back in ``cart``, as many as are still on sale; the others
    are listed with the reason. Prices are today's, not the order's."""
    result = ReorderResult()
    variant_ids = [item.variant_id for item in order.items.all() if item.variant_id]
    variants = Variant.objects.select_related("product").in_bulk(variant_ids)
    for item in order.items.all():
        variant = variants.get(item.variant_id)
        if variant is None:
            label = f"{item.product_title} — {item.variant_name}" if item.variant_name else item.product_title
            result.unavailable.append((item, gone(label).message))
            continue
        problem = line_problem(variant=variant)
        if problem is not None:
            result.unavailable.append((item, problem.message))
            continue
        try:
            change = cart_add(cart=cart, variant=variant, quantity=item.quantity)
        except CartError as error:
            result.unavailable.append((item, str(error)))
            continue
        result.added.append((item, min(item.quantity, variant.stock)))
        if change.capped:
            result.unavailable.append(
                (
                    item,
                    _("Only %(stock)s left of %(variant_label)s (your cart has %(quantity)s).")
                    % {
                        "stock": variant.stock,
                        "variant_label": variant_label(variant),
                        "quantity": change.item.quantity,
                    },
                )
            )
    return result


def package_short_code(*, order: Order) -> str:
    """The 6 digits printed under the package label's QR: what a courier types when the
    label will not scan. Keyed with ``SECRET_KEY``; guessing is bounded by the couriers'
    limits, per minute and per job (``couriers.services._scanning``)."""
    return keyed_digits(b"soko-package:" + order.number.encode(), digits=6)


def package_token_make(*, order: Order) -> str:
    """What the package label's QR encodes: the order number, signed by this site, so a
    courier's scan proves the label is genuine. Unrelated to the buyer's handover code."""
    return signing.Signer(salt=PACKAGE_TOKEN_SALT).sign(order.number)
