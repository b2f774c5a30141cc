"""Chat-to-order: a store offers a shopper items at agreed prices in their conversation.

``offer_make`` checks each line against the stock the store has (never more), takes prices
and a fee with no finer fraction than the store's currency has (``money_units_problem``:
no GNF 1500.50), and records the list price beside the agreed one, so analytics can count
what conversations sell and at what discount. ``offer_accept`` locks the offer's row, then
reserves the stock through the inventory module and makes an order awaiting payment
(``agreed_order_create``): two accepts of one offer make one order, an expired offer cannot
be accepted, and a stock change racing the acceptance either leaves enough units or
refuses it — never oversells.
Unpaid within ``SOKO_CHAT_OFFER_PAY_HOURS``, the order's checkout expires and the stock
comes back (``checkouts_expire``). Declined, expired and withdrawn offers stay in the
conversation with their state.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.accounts.models import Address
from shop.catalog.models import Product, Variant
from shop.chat.models import Conversation, Message, Offer, OfferLine, Side
from shop.chat.selectors import Viewer, is_blocked
from shop.chat.services.conversations import ChatError, _push_message, message_send, sent_under_key, system_message
from shop.core.selectors.money import money_units_problem
from shop.core.services.transactions import atomic_retrying
from shop.inventory.services import StockShort
from shop.orders.models import Order
from shop.orders.services.won import AgreedLine, agreed_order_create

S = Offer.Status
LINES_MAX = 20


@dataclass(frozen=True)
class LineAsked:
    variant_id: int
    quantity: int
    unit_price: Decimal


def offer_make(
    *,
    viewer: Viewer,
    user,
    lines: list[LineAsked],
    delivery_mode: str,
    delivery_fee: Decimal,
    hours: int | None = None,
    note: str = "",
    client_key: str = "",
) -> Offer:
    """The store's offer to the shopper of its conversation, posted as an offer card. With a
    ``client_key`` this member sent before (an app's Idempotency-Key, after a lost answer),
    it is that earlier offer."""
    conversation = viewer.conversation
    if viewer.side != Side.TEAM or conversation.is_delivery:
        raise ChatError(_("Only the store makes offers."), code="forbidden")
    if not lines:
        raise ChatError(_("Add at least one item to the offer."), code="empty")
    if len(lines) > LINES_MAX:
        raise ChatError(_("An offer can have at most %(count)s items.") % {"count": LINES_MAX}, code="long")
    if delivery_mode not in Offer.DeliveryMode.values:
        raise ChatError(_("Choose how the items reach the shopper."))
    if delivery_fee is None or delivery_fee < 0:
        raise ChatError(_("The delivery fee cannot be negative."))
    currency = conversation.store.currency
    if delivery_mode == Offer.DeliveryMode.PICKUP:
        delivery_fee = Decimal("0")
    elif units := money_units_problem(delivery_fee, currency):
        raise ChatError(units, code="amount")
    hours = hours or settings.SOKO_CHAT_OFFER_HOURS
    if not 1 <= hours <= 24 * 14:
        raise ChatError(_("An offer stays open between 1 hour and 14 days."))
    ids = [line.variant_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ChatError(_("Each item can be in the offer once: set its quantity instead."))
    variants = {
        v.pk: v
        for v in Variant.objects.select_related("product").filter(
            pk__in=ids, product__store_id=conversation.store_id, product__status=Product.Status.ACTIVE,
            product__listing_type=Product.Listing.FIXED,
        )
    }
    problems = []
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None:
            raise ChatError(_("Only the store's own products on sale can be offered."))
        label = f"{variant.product.title} ({variant.name})"
        if line.quantity < 1:
            problems.append(_("%(item)s: the quantity must be at least 1.") % {"item": label})
        elif line.quantity > variant.stock:
            problems.append(
                _("%(item)s: only %(count)s in stock.") % {"item": label, "count": variant.stock}
            )
        if line.unit_price is None or line.unit_price <= 0:
            problems.append(_("%(item)s: the price must be more than zero.") % {"item": label})
        elif units := money_units_problem(line.unit_price, currency):
            if units not in problems:
                problems.append(units)
        elif line.unit_price > variant.price:
            problems.append(_("%(item)s: an offer cannot be above the list price.") % {"item": label})
    if problems:
        raise ChatError(" ".join(problems), code="lines")
    with transaction.atomic():
        if client_key:
            Conversation.objects.select_for_update().only("pk").get(pk=conversation.pk)  # one offer per key
            earlier = sent_under_key(conversation=conversation, sender=user, client_key=client_key)
            if earlier is not None and earlier.offer_id is not None:
                return earlier.offer
        offer = Offer.objects.create(
            conversation=conversation,
            store_id=conversation.store_id,
            buyer_id=conversation.buyer_id,
            created_by=user,
            currency=currency,
            delivery_mode=delivery_mode,
            delivery_fee=delivery_fee,
            items_total=sum((line.unit_price * line.quantity for line in lines), Decimal("0")),
            list_total=sum((variants[line.variant_id].price * line.quantity for line in lines), Decimal("0")),
            note=(note or "").strip()[:300],
            expires_at=timezone.now() + timedelta(hours=hours),
        )
        OfferLine.objects.bulk_create(
            OfferLine(
                offer=offer, variant=variants[line.variant_id], quantity=line.quantity, unit_price=line.unit_price,
                list_price=variants[line.variant_id].price,
            )
            for line in lines
        )
        message_send(conversation=conversation, user=user, text=offer.note, offer=offer, client_key=client_key)
    return offer


def _locked_offer(viewer: Viewer, offer_id: int) -> Offer:
    offer = Offer.objects.select_for_update().filter(pk=offer_id, conversation=viewer.conversation).first()
    if offer is None:
        raise ChatError(_("There is no such offer in this conversation."), code="not_found")
    return offer


def _answered(offer: Offer) -> str:
    if offer.status == S.ACCEPTED:
        return _("This offer was already accepted.")
    if offer.status == S.DECLINED:
        return _("This offer was declined.")
    if offer.status == S.WITHDRAWN:
        return _("The store withdrew this offer.")
    return _("This offer has expired.")


def _refresh_card(offer: Offer) -> None:
    """The offer card shows its new state on every open page of the conversation."""
    card = Message.objects.filter(offer=offer, kind=Message.Kind.OFFER).values_list("pk", flat=True).first()
    if card is not None:
        _push_message(conversation=offer.conversation, message_id=card, replace=True)


def offer_accept(*, viewer: Viewer, user, offer_id: int, address_id: int | None = None) -> Offer:
    """The shopper accepts: the offer's items are reserved and an order at the agreed prices
    awaits payment. Accepting an accepted offer again returns it (one order)."""
    if viewer.side != Side.BUYER:
        raise ChatError(_("Only the shopper can accept the offer."), code="forbidden")

    def work():
        offer = _locked_offer(viewer, offer_id)
        if offer.status == S.ACCEPTED and offer.order_id:
            return offer
        now = timezone.now()
        if offer.status == S.OPEN and offer.expires_at <= now:
            raise ChatError(_("This offer has expired."), code="expired")
        if offer.status != S.OPEN:
            raise ChatError(_answered(offer), code=offer.status)
        if is_blocked(buyer_id=offer.buyer_id, store_id=offer.store_id):
            raise ChatError(_("Messages between you are blocked."), code="blocked")
        lines = list(offer.lines.select_related("variant__product").order_by("pk"))
        if any(not line.variant.product.is_visible for line in lines):
            raise ChatError(_("An item of this offer is no longer on sale. Ask the store for a new offer."), code="off_sale")
        address = None
        if offer.delivery_mode == Offer.DeliveryMode.DELIVERY:
            addresses = Address.objects.filter(user=user).select_related("area").order_by("-is_default", "id")
            address = addresses.filter(pk=address_id).first() if address_id else addresses.first()
            if address is None:
                raise ChatError(_("Add a delivery address to your account first."), code="address")
        agreed = [AgreedLine(variant=line.variant, quantity=line.quantity, unit_price=line.unit_price) for line in lines]
        try:
            with transaction.atomic():
                order = agreed_order_create(
                    buyer=user,
                    store=offer.store,
                    lines=agreed,
                    delivery_mode=Order.DeliveryMode.DELIVERY if address else Order.DeliveryMode.PICKUP,
                    fee=offer.delivery_fee,
                    address=address,
                    due_by=now + timedelta(hours=settings.SOKO_CHAT_OFFER_PAY_HOURS),
                    note=_("Agreed in a conversation with the store"),
                )
        except StockShort as short:
            raise ChatError(
                _("The store no longer has enough stock for this offer. Ask them for a new one."), code="stock"
            ) from short
        offer.status = S.ACCEPTED
        offer.answered_at = now
        offer.order = order
        offer.save(update_fields=["status", "answered_at", "order", "updated_at"])
        Conversation.objects.filter(pk=offer.conversation_id).update(order=order)
        _refresh_card(offer)
        system_message(
            conversation=viewer.conversation,
            text=_("Offer accepted: order %(number)s awaits payment.") % {"number": order.number},
            side=Side.BUYER,
            offer=offer,
            order=order,
        )
        return offer

    return atomic_retrying(work, what="offer acceptance")


def offer_decline(*, viewer: Viewer, user, offer_id: int) -> Offer:
    """The shopper declines, or the store withdraws, an open offer."""
    if not viewer.can_write:
        raise ChatError(_("You are not in this conversation."), code="forbidden")
    with transaction.atomic():
        offer = _locked_offer(viewer, offer_id)
        if offer.status != S.OPEN or offer.expires_at <= timezone.now():
            raise ChatError(_answered(offer) if offer.status != S.OPEN else _("This offer has expired."), code="answered")
        offer.status = S.DECLINED if viewer.side == Side.BUYER else S.WITHDRAWN
        offer.answered_at = timezone.now()
        offer.save(update_fields=["status", "answered_at", "updated_at"])
        _refresh_card(offer)
        text = _("Offer declined.") if viewer.side == Side.BUYER else _("Offer withdrawn.")
        system_message(conversation=viewer.conversation, text=text, side=viewer.side, offer=offer)
    return offer


def offers_expire(*, now=None) -> int:
    """Mark open offers past their time as expired (their cards say so); nothing was reserved."""
    now = now or timezone.now()
    expired = 0
    for pk in list(Offer.objects.filter(status=S.OPEN, expires_at__lte=now).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().filter(pk=pk, status=S.OPEN, expires_at__lte=now).first()
            if offer is None:
                continue
            offer.status = S.EXPIRED
            offer.save(update_fields=["status", "updated_at"])
            _refresh_card(offer)
            expired += 1
    return expired
