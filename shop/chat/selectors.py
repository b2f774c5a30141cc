"""Reading conversations: who may read one and from which side, inboxes, message pages
and unread counts. Every read goes through ``conversation_for_user`` (or an inbox that
lists only the viewer's own conversations), so a page, a fragment and a socket apply the
same rule."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Case, Exists, Func, IntegerField, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from shop.catalog.models import Product
from shop.core.compiled import CompiledQuery
from shop.core.errors import NotFound
from shop.orders.models import Order

from .models import Block, Conversation, Message, Mute, Offer, QuickReply, Side

STAFF = "staff"  # reads a conversation (for a report) and never writes to it


def side_of(*, conversation: Conversation, user) -> str | None:
    """The side ``user`` writes from in ``conversation``, or None when they are not in it.
    The team is every member of the store (a delivery conversation: its courier)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if conversation.buyer_id == user.pk:
        return Side.BUYER
    if conversation.is_delivery:
        # The courier holding the job: one who handed it over reads no more of it.
        holds = conversation.courier_id == user.pk and conversation.job.courier_id == user.pk
        return Side.TEAM if holds else None
    if _MEMBER.value(user.pk, conversation.store_id) is not None:
        return Side.TEAM
    return None


@dataclass(frozen=True)
class Viewer:
    conversation: Conversation
    side: str  # Side.BUYER, Side.TEAM or STAFF

    @property
    def other_side(self) -> str:
        return Side.TEAM if self.side == Side.BUYER else Side.BUYER

    @property
    def can_write(self) -> bool:
        return self.side in (Side.BUYER, Side.TEAM)


# What a pushed message shows of its conversation (the inbox row): its people, its store
# with the logo, the product it is about.
PUSHED_WITH = ("buyer", "store__logo", "courier", "product")
# What its page shows: the same, the order it is about, and the delivery job.
SHOWN_WITH = (*PUSHED_WITH, "order", "job")


_CONVERSATION_QUERIES: dict[tuple[str, ...], CompiledQuery] = {}


def _conversation_query(related: tuple[str, ...]) -> CompiledQuery:
    """A conversation by its id with ``related``: read for every page, send, read and
    socket check, so compiled once for each set of joined rows (shop.core.compiled)."""
    query = _CONVERSATION_QUERIES.get(related)
    if query is None:
        query = _CONVERSATION_QUERIES.setdefault(
            related, CompiledQuery(Conversation, lambda pk: Conversation.objects.select_related(*related).filter(pk=pk))
        )
    return query


def conversation_for_user(*, user, pk, for_writing: bool = False, related: tuple[str, ...] = SHOWN_WITH) -> Viewer:
    """The conversation ``pk`` as ``user`` may see it; NotFound for anyone else (staff
    read every conversation, but never write to one). ``related``: the rows read with it
    (each joined row costs the ORM as much as the conversation's): ``PUSHED_WITH`` for a
    send, nothing for what shows nothing of it (a read, a socket's check)."""
    conversation = _conversation_query(related).first(pk) if isinstance(pk, int) else None
    if conversation is None:
        raise NotFound()
    side = side_of(conversation=conversation, user=user)
    if side is None and not for_writing and user.is_authenticated and user.is_active and user.is_staff:
        side = STAFF
    if side is None:
        raise NotFound()
    return Viewer(conversation=conversation, side=side)


def conversation_subject(*, buyer, store: dict | None = None, product: dict | None = None, order_number: str = ""):
    """What "Ask the store" is about: ``(store, product, order)`` from a store, a product on
    sale and the buyer's own order, each named by a look-up (``{"pk": 3}``, ``{"slug": …}``);
    the product's or the order's store wins. NotFound when a named one is not there or not
    theirs, or no store is named at all."""
    store_model = Conversation._meta.get_field("store").related_model
    found_store = store_model.objects.filter(**store).first() if store else None
    found_product = found_order = None
    if product:
        found_product = Product.objects.select_related("store").filter(status=Product.Status.ACTIVE, **product).first()
        if found_product is None:
            raise NotFound()
        found_store = found_product.store
    if order_number:
        found_order = Order.objects.select_related("store").filter(number=order_number[:20], buyer=buyer).first()
        if found_order is None:
            raise NotFound()
        found_store = found_order.store
    if found_store is None:
        raise NotFound()
    return found_store, found_product, found_order


def shareable_product(*, conversation: Conversation, product_id) -> Product | None:
    """A product card the store may share in ``conversation``: its own product, on sale."""
    return Product.objects.filter(pk=product_id, store_id=conversation.store_id, status=Product.Status.ACTIVE).first()


def offer_for_user(*, user, offer_id: int, for_writing: bool = True) -> tuple[Viewer, Offer]:
    """A conversation's offer with the viewer of its conversation; NotFound for anyone
    who may not see that conversation."""
    offer = Offer.objects.filter(pk=offer_id).first() if isinstance(offer_id, int) else None
    if offer is None:
        raise NotFound()
    return conversation_for_user(user=user, pk=offer.conversation_id, for_writing=for_writing), offer


PEOPLE_FIELDS = ("id", "language", "time_zone")


def _store_memberships():
    """Stores' members (the store–user table), without importing the sellers app."""
    return Conversation._meta.get_field("store").related_model.members.through.objects


def _people_of(buyer_id, other_id, store_id):
    """The buyer, a delivery's courier (``other_id``), a store's members: as the rows read."""
    members = _store_memberships().filter(store_id=store_id)
    ids = Q(pk__in=[buyer_id, other_id]) | Q(pk__in=members.values("user_id"))
    return get_user_model().objects.filter(ids).order_by().values_list(*PEOPLE_FIELDS)


# Read for each message and each read: compiled once (shop.core.compiled).
_PEOPLE = CompiledQuery(get_user_model(), _people_of)
# Whether a user is a member of a store: asked for each message a member sends or reads.
_MEMBER = CompiledQuery(
    Conversation,
    lambda user_id, store_id: _store_memberships().filter(user_id=user_id, store_id=store_id).values_list("pk")[:1],
)


def conversation_people(*, conversation: Conversation) -> list:
    """Everyone who reads the conversation, from both sides, in one query: each user with
    what a push to them needs (language, time zone; the rest is read if asked for) and
    ``chat_side``, the side they read."""
    if conversation.is_delivery:
        rows = _PEOPLE.rows(conversation.buyer_id, conversation.courier_id, 0)
    else:
        rows = _PEOPLE.rows(conversation.buyer_id, 0, conversation.store_id)
    model = get_user_model()
    people = [model.from_db(router.db_for_read(model), PEOPLE_FIELDS, row) for row in rows]
    for person in people:
        person.chat_side = Side.BUYER if person.pk == conversation.buyer_id else Side.TEAM
    return people


def _unread_of(user_id):
    stores = _store_memberships().filter(user_id=user_id).values("store_id")
    mine = Q(buyer_id=user_id) | Q(kind=Conversation.Kind.STORE, store_id__in=stores) | Q(courier_id=user_id)
    unread = Case(When(buyer_id=user_id, then="buyer_unread"), default="team_unread", output_field=IntegerField())
    # SUM as a plain function: an aggregate would make the ORM group by the row.
    return Conversation.objects.filter(mine).order_by().values_list(Func(unread, function="SUM", output_field=IntegerField()))


# Asked for each recipient of each message: compiled once (shop.core.compiled).
_UNREAD = CompiledQuery(Conversation, _unread_of)


def unread_total(*, user) -> int:
    """Unread messages across every conversation ``user`` is in, from either side."""
    if user is None or not user.is_authenticated:
        return 0
    return _UNREAD.value(user.pk) or 0


def store_unread_total(*, store) -> int:
    return Conversation.objects.filter(kind=Conversation.Kind.STORE, store=store).aggregate(
        total=Coalesce(Sum("team_unread"), 0)
    )["total"]


def store_unread_totals(*, store_ids) -> dict[int, int]:
    rows = (
        Conversation.objects.filter(kind=Conversation.Kind.STORE, store_id__in=list(store_ids), team_unread__gt=0)
        .values("store_id")
        .annotate(total=Sum("team_unread"))
    )
    return {row["store_id"]: row["total"] for row in rows}


def _matching(conversations: QuerySet, q: str) -> QuerySet:
    q = (q or "").strip()[:100]
    if not q:
        return conversations
    in_messages = Message.objects.filter(conversation=OuterRef("pk"), text__icontains=q)
    return conversations.filter(
        Q(Exists(in_messages))
        | Q(store__name__icontains=q)
        | Q(buyer__display_name__icontains=q)
        | Q(product__title__icontains=q)
        | Q(order__number__icontains=q)
    )


def _listed(conversations: QuerySet) -> QuerySet:
    return (
        conversations.filter(last_message_at__isnull=False)
        .select_related("buyer", "store__logo", "courier", "product", "order")
        .order_by("-last_message_at", "-id")
    )


def inbox_personal(*, user, q: str = "") -> QuerySet[Conversation]:
    """The user's own conversations: with stores as a shopper, and about deliveries they
    hold as a courier. Newest message first."""
    return _listed(_matching(Conversation.objects.filter(Q(buyer=user) | Q(courier=user)), q))


def inbox_store(*, store, q: str = "") -> QuerySet[Conversation]:
    """A store's conversations with shoppers, newest message first."""
    return _listed(_matching(Conversation.objects.filter(kind=Conversation.Kind.STORE, store=store), q))


def _with_parts(messages: QuerySet) -> QuerySet:
    return messages.select_related("sender", "image", "product__store", "order", "offer__order").prefetch_related(
        "product__images__image", "product__variants", "offer__lines__variant__product"
    )


def messages_before(
    *, conversation: Conversation, before: int | None = None, limit: int | None = None
) -> list[Message]:
    """The latest messages (before ``before`` when given), oldest first."""
    limit = limit or settings.SOKO_CHAT_PAGE_SIZE
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(reversed(_with_parts(messages.order_by("-seq"))[:limit]))


def messages_after(*, conversation: Conversation, after: int, limit: int = 200) -> list[Message]:
    """Messages with a sequence number above ``after`` (what a page has not shown), oldest first."""
    return list(_with_parts(Message.objects.filter(conversation=conversation, seq__gt=after).order_by("seq"))[:limit])


def message_with_parts(*, pk: int) -> Message:
    return _with_parts(Message.objects.filter(pk=pk)).get()


_BLOCKED = CompiledQuery(Block, lambda buyer_id, store_id: Block.objects.filter(buyer_id=buyer_id, store_id=store_id).values_list("pk")[:1])


def is_blocked(*, buyer_id: int, store_id: int) -> bool:
    """Whether the store or the shopper blocked messages between them (asked for each
    message sent: compiled once)."""
    return _BLOCKED.value(buyer_id, store_id) is not None


def blocks_between(*, conversation: Conversation) -> list[Block]:
    return list(Block.objects.filter(buyer_id=conversation.buyer_id, store_id=conversation.store_id))


def is_muted(*, conversation: Conversation, user) -> bool:
    return Mute.objects.filter(conversation=conversation, user=user).exists()


def quick_replies(*, store) -> list[QuickReply]:
    return list(QuickReply.objects.filter(store=store))
