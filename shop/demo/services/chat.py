"""Demo conversations for `manage.py seed_demo`: the demo buyer and the two demo sellers'
stores talk through the chat services (``shop.chat``) over the last few days:

- with *Mama Njeri Crafts*, about a basket: "Is it available in blue?", answered by the
  owner (shown by name), who shares the listing's card; the buyer sends a photo, asks a
  price for two, and the store makes an offer she can still accept for a few days;
- with *Kaloum Électronique*, a deal done: the store offers a phone with a charger and a
  screen protector at agreed prices, the buyer accepts (an order at those prices, picked
  up at the shop), chooses to pay cash when she collects it, and the store confirms it;
- the two other demo buyers ask each store something that is not answered yet;

so the buyer's navbar badge and both store inboxes show unread messages. Each of the two
stores keeps two quick replies.

Each step happens now through the services and is then dated back to when the story says
it happened, with the rows it made (messages, notifications, the offer, the order): the
inboxes read as a few days of conversations.

Idempotent: a shopper has one conversation per store, so a story whose conversation
exists is not played again; quick replies are found by their text. Only an offer left
open that expired unanswered is made again (as the demo auctions are listed again), so the
buyer always finds one to accept; one the buyer declined or accepted is left as it is.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Sum
from django.urls import reverse
from django.utils import timezone

from sellers.models import Store
from shop.catalog.models import Product, Variant
from shop.chat.models import Conversation, Digest, Message, Offer, QuickReply, Side
from shop.chat.selectors import conversation_for_user, unread_total
from shop.chat.services.conversations import conversation_start, image_ready, message_send, quick_reply_add
from shop.chat.services.offers import LineAsked, offer_accept, offer_make, offers_expire
from shop.demo.services.catalog import PALETTE, demo_price
from shop.demo.services.deliveries import BUYER_EMAIL, _owner
from shop.demo.services.pictures import still_life_picture
from shop.notifications.models import Notification
from shop.orders.models import Checkout, HandoverCode, Order, OrderEvent, OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from shop.payments.services import checkout_pay_on_delivery

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
BUYER, TEAM = Side.BUYER, Side.TEAM
# What a step does besides writing: the buyer accepts the conversation's open offer, chooses
# to pay its order in cash, the store confirms that order.
ACCEPT, PAY_CASH, CONFIRM = "accept", "pay_cash", "confirm"

QUICK_REPLIES = ("Yes, it is in stock.", "We deliver tomorrow.")
PICKUP = Offer.DeliveryMode.PICKUP


@dataclass(frozen=True)
class Line:
    product: str  # the store's listing, by title
    option: str  # its variant, by name
    quantity: int
    price: int  # agreed unit price in shillings, converted as the demo catalog does (never above the list price)


@dataclass(frozen=True)
class Deal:
    lines: tuple[Line, ...]
    note: str
    days: int  # how long it stays open
    mode: str = PICKUP  # the demo buyer keeps no delivery address: she collects at the store


@dataclass(frozen=True)
class Say:
    ago: timedelta  # before seeding
    side: str  # BUYER or TEAM (the store's owner)
    text: str = ""
    card: str = ""  # the store shares this listing's card (by title)
    picture: str = ""  # the buyer sends a photo: a still life of these words, in blue
    deal: Deal | None = None  # the store makes this offer
    do: str = ""  # ACCEPT, PAY_CASH or CONFIRM


@dataclass(frozen=True)
class Chat:
    buyer: str  # email
    store: str  # slug
    about: str  # the listing the conversation starts from (by title)
    says: tuple[Say, ...]

    @property
    def open_deal(self) -> Deal | None:
        """The offer the story leaves open (nobody accepts it), if any."""
        if any(say.do == ACCEPT for say in self.says):
            return None
        return next((say.deal for say in self.says if say.deal), None)


BASKETS = Deal(
    lines=(Line("Kiondo sisal basket", "Blue", 2, 1600),),
    note="Two blue kiondo baskets at 1,600 each instead of 1,800, ready to collect at our shop in Sarit Centre.",
    days=3,
)
PHONE = Deal(
    lines=(
        Line("Samsung Galaxy A15, 128 GB", "Blue", 1, 18500),
        Line("Samsung 25 W USB-C charger", "Standard", 1, 1500),
        Line("Tempered glass screen protector", "Standard", 1, 150),
    ),
    note="The phone, its charger and a screen protector we fit for you, to collect at the shop.",
    days=2,
)

CHATS = [
    Chat(BUYER_EMAIL, "mama-njeri-crafts", "Kiondo sisal basket", (
        Say(2 * DAY + 5 * HOUR, BUYER, "Hello! Is the kiondo basket available in blue?"),
        Say(2 * DAY + 4 * HOUR + 30 * MINUTE, TEAM,
            "Hello Wanjiru, Amina here. Yes, it is in stock in blue: our weavers in Kitui dyed a new batch last week."),
        Say(2 * DAY + 4 * HOUR + 29 * MINUTE, TEAM, card="Kiondo sisal basket"),
        Say(2 * DAY + 3 * HOUR, BUYER, "My sister has this one. Is yours the same blue?", picture="kiondo sisal basket"),
        Say(2 * DAY + 2 * HOUR + 40 * MINUTE, TEAM,
            "Ours is a little deeper, with the same indigo dye and the same weave. Come and see them side by side."),
        Say(20 * HOUR, BUYER, "Lovely. I would take two, one for her. Can you make me a price for two?"),
        Say(3 * HOUR, TEAM, deal=BASKETS),
        Say(3 * HOUR - 2 * MINUTE, TEAM, "The offer is open for three days. We can also deliver in Nairobi if you prefer."),
    )),
    Chat(BUYER_EMAIL, "kaloum-electronique", "Samsung Galaxy A15, 128 GB", (
        Say(4 * DAY + 3 * HOUR, BUYER,
            "Hello! I will be in Conakry for work next week. Do you have the Samsung Galaxy A15 in blue?"),
        Say(4 * DAY + 2 * HOUR + 20 * MINUTE, TEAM,
            "Hello Wanjiru, welcome! Yes, we have it in blue, new in its box, with our six-month warranty."),
        Say(4 * DAY + 2 * HOUR + 19 * MINUTE, TEAM, card="Samsung Galaxy A15, 128 GB"),
        Say(4 * DAY + HOUR, BUYER,
            "I would take it with the 25 W charger and a screen protector. Can you make me a price for the three?"),
        Say(3 * DAY + 22 * HOUR, TEAM, deal=PHONE),
        Say(3 * DAY + 21 * HOUR, BUYER, do=ACCEPT),
        Say(3 * DAY + 21 * HOUR - 2 * MINUTE, BUYER, do=PAY_CASH),
        Say(3 * DAY + 21 * HOUR - 3 * MINUTE, BUYER, "Accepted! I will pay cash when I collect it on Tuesday."),
        Say(3 * DAY + 20 * HOUR, TEAM, do=CONFIRM),
        Say(DAY + 2 * HOUR, TEAM, "Your phone is set aside with your name on it. We open at 8:30, see you soon!"),
    )),
    Chat("buyer2@soko.test", "mama-njeri-crafts", "Beaded bracelet set", (
        Say(DAY + 6 * HOUR, BUYER, "Hi, do you make beaded bracelets with names on them? I need five for a wedding."),
        Say(DAY + 5 * HOUR, TEAM, "Hello Otieno! Yes, we do. Five name bracelets take about a week. Which colours?"),
        Say(40 * MINUTE, BUYER, "Red and white, like the Maasai ones. The names are Achieng, Baraka, Njoki, Tom and Zawadi."),
        Say(38 * MINUTE, BUYER, "Can they be ready in ten days?"),
    )),
    Chat("buyer3@soko.test", "kaloum-electronique", "Tecno Spark 20", (
        Say(5 * HOUR, BUYER, "Hello, do you replace a cracked screen on a Tecno Spark 20? How long does it take?"),
    )),
]

# Rows a step makes or changes, dated with it: created_at, and updated_at where they have it.
DATED = (Message, Offer, Notification, Order, Checkout, OrderEvent, HandoverCode)
TOUCHED = (Offer, Notification, Order, Checkout)


def seed_chats() -> dict:
    """The demo stores' quick replies and conversations; returns how many are new."""
    stores = {store.slug: store for store in Store.objects.filter(slug__in={chat.store for chat in CHATS})}
    buyers = {user.email: user for user in get_user_model().objects.filter(email__in={chat.buyer for chat in CHATS})}
    for store in stores.values():
        for text in QUICK_REPLIES:
            if not QuickReply.objects.filter(store=store, text=text).exists():
                quick_reply_add(store=store, text=text)
    now = timezone.now()
    new_conversations = 0
    marks = Message.objects.count()
    for chat in CHATS:
        store, buyer = stores.get(chat.store), buyers.get(chat.buyer)
        if store is None or buyer is None:
            continue
        conversation = Conversation.objects.filter(kind=Conversation.Kind.STORE, buyer=buyer, store=store).first()
        if conversation is None:
            new_conversations += _Story(chat, store=store, buyer=buyer, now=now).play()
        elif chat.open_deal is not None:
            _offer_again(chat.open_deal, conversation=conversation, store=store)
    return {"new_conversations": new_conversations, "new_messages": Message.objects.count() - marks}


def demo_chats() -> dict:
    """What the demo buyer and the demo stores find in their inboxes, read back from the database."""
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    conversations = Conversation.objects.filter(kind=Conversation.Kind.STORE, store__slug__in={chat.store for chat in CHATS})
    mine = Conversation.objects.filter(buyer=buyer) if buyer else Conversation.objects.none()
    return {
        "buyer_conversations": mine.count(),
        "buyer_unread": unread_total(user=buyer) if buyer else 0,
        "open_offers": Offer.objects.filter(
            conversation__in=mine, status=Offer.Status.OPEN, expires_at__gt=timezone.now()
        ).count(),
        "store_conversations": conversations.count(),
        "store_unread": conversations.aggregate(total=Sum("team_unread"))["total"] or 0,
    }


def _lines(deal: Deal, store: Store) -> list[LineAsked] | None:
    """The offer's lines for the store's variants at the agreed prices; None when a listing
    is missing or has too few in stock (the offer is then not made)."""
    asked = []
    for line in deal.lines:
        variant = Variant.objects.filter(
            product__store=store,
            product__title=line.product,
            product__status=Product.Status.ACTIVE,
            product__listing_type=Product.Listing.FIXED,
            name=line.option,
        ).first()
        if variant is None or variant.stock < line.quantity:
            return None
        price = min(demo_price(line.price, store.currency), variant.price)
        asked.append(LineAsked(variant_id=variant.pk, quantity=line.quantity, unit_price=price))
    return asked


def _offer(deal: Deal, *, conversation: Conversation, store: Store, lines: list[LineAsked]) -> Offer:
    seller = _owner(store)
    viewer = conversation_for_user(user=seller, pk=conversation.pk, for_writing=True)
    return offer_make(
        viewer=viewer, user=seller, lines=lines, delivery_mode=deal.mode, delivery_fee=Decimal("0"),
        hours=deal.days * 24, note=deal.note,
    )


@transaction.atomic
def _offer_again(deal: Deal, *, conversation: Conversation, store: Store) -> None:
    """The story's open offer expired unanswered: the store makes it again."""
    offers_expire()  # as the periodic job would
    last = Offer.objects.filter(conversation=conversation).order_by("-created_at", "-id").first()
    if last is None or last.status != Offer.Status.EXPIRED:
        return
    lines = _lines(deal, store)
    if lines is not None:
        _offer(deal, conversation=conversation, store=store, lines=lines)


class _Story:
    """One conversation of a demo shopper with a demo store, played as its steps say."""

    def __init__(self, chat: Chat, *, store: Store, buyer, now: datetime):
        self.chat, self.store, self.buyer, self.now = chat, store, buyer, now
        self.seller = _owner(store)
        self.products = {product.title: product for product in Product.objects.filter(store=store)}
        self.offer: Offer | None = None

    def play(self) -> int:
        """1 when the conversation was made; 0 when a listing it needs is missing or short.
        Not one transaction: what the services do after commit (a store told of its new
        order, the buyer of its confirmation) happens within its step, and is dated with it."""
        deals = {say.deal: _lines(say.deal, self.store) for say in self.chat.says if say.deal}
        names = {self.chat.about} | {say.card for say in self.chat.says if say.card}
        if None in deals.values() or not names <= set(self.products):
            return 0
        self.notified = Notification.objects.aggregate(mark=Max("pk"))["mark"] or 0
        self.conversation = conversation_start(buyer=self.buyer, store=self.store, product=self.products[self.chat.about])
        for say in self.chat.says:
            self._step(say, lines=deals.get(say.deal))
        self._date()
        return 1

    def _step(self, say: Say, *, lines) -> None:
        """Do the step now, then date what it made and changed to when the story says."""
        started = timezone.now()
        when = min(self.now - say.ago, self.now)
        self._do(say, lines=lines)
        for model in DATED:
            fields = {"created_at": when} | ({"updated_at": when} if model in TOUCHED else {})
            model.objects.filter(created_at__gte=started).update(**fields)
        for model in TOUCHED:
            model.objects.filter(updated_at__gte=started).update(updated_at=when)
        Offer.objects.filter(answered_at__gte=started).update(answered_at=when)

    def _do(self, say: Say, *, lines) -> None:
        user = self.buyer if say.side == BUYER else self.seller
        conversation = self.conversation
        if say.deal is not None:
            self.offer = _offer(say.deal, conversation=conversation, store=self.store, lines=lines)
        elif say.do == ACCEPT:
            viewer = conversation_for_user(user=user, pk=conversation.pk, for_writing=True)
            self.offer = offer_accept(viewer=viewer, user=user, offer_id=self.offer.pk)
        elif say.do == PAY_CASH:
            checkout_pay_on_delivery(checkout=self.offer.order.checkout)
        elif say.do == CONFIRM:
            order_transition(order=self.offer.order, to=OrderStatus.CONFIRMED, actor=user, role=Role.SELLER)
        elif say.picture:
            content = still_life_picture(
                words=say.picture, colour=PALETTE["blue"], top_slug="crafts", seed=f"demo-chat-{say.picture}"
            )
            upload = ContentFile(content, name=f"{say.picture.replace(' ', '-')}.jpg")
            message = message_send(conversation=conversation, user=user, text=say.text, upload=upload)
            image_ready(message_id=message.pk)  # shown at once rather than when a worker gets to it
        elif say.card:
            message_send(conversation=conversation, user=user, text=say.text, product=self.products[say.card])
        else:
            message_send(conversation=conversation, user=user, text=say.text)

    def _date(self) -> None:
        """The conversation as its messages date it: begun with the first, each side last seen
        when it last wrote. The bell notices of what a side saw since are read, other news
        older than a day was read long ago, and a side waits for an email about what it has
        not read since the first of it. The offer stays open its days from when it was made."""
        conversation = self.conversation
        conversation.refresh_from_db()
        messages = Message.objects.filter(conversation=conversation).order_by("seq")
        first, last = messages.first(), messages.last()
        seen = {
            side: messages.filter(side=side).exclude(kind=Message.Kind.SYSTEM).values_list("created_at", flat=True).last()
            for side in (BUYER, TEAM)
        }
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=first.created_at,
            updated_at=last.created_at,
            last_message_at=last.created_at,
            buyer_seen_at=seen[BUYER],
            team_seen_at=seen[TEAM],
        )
        url = reverse("chat:conversation", args=[conversation.pk])
        for side, user in ((BUYER, self.buyer), (TEAM, self.seller)):
            if seen[side] is not None:
                Notification.objects.filter(
                    user=user, kind="chat", url=url, created_at__lte=seen[side], read_at__isnull=True
                ).update(read_at=seen[side])
            unread = messages.filter(seq__gt=conversation.read_seq_of(side)).exclude(side=side).first()
            Digest.objects.filter(conversation=conversation, user=user).update(
                pending_since=unread.created_at if unread else None
            )
        Notification.objects.filter(pk__gt=self.notified, created_at__lt=self.now - DAY, read_at__isnull=True).exclude(
            kind="chat"
        ).update(read_at=F("created_at") + HOUR)
        if self.offer is not None:
            deal = next(say.deal for say in self.chat.says if say.deal)
            Offer.objects.filter(pk=self.offer.pk).update(expires_at=F("created_at") + timedelta(days=deal.days))
