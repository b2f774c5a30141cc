"""Writing to conversations: starting one, sending, reading, muting, blocking, reporting,
quick replies, and the email digest.

A message is stored before it is pushed: ``message_send`` locks the conversation's row,
takes the next sequence number, stores the message and moves the unread count of the
other side on; after commit each participant's open pages get the message, their inbox
row and their unread badge (``_push_message``), rendered for that person's side, language
and time zone. A page that missed a push fetches what it has not shown (``messages_after``).

Links in messages are never made clickable (docs/decisions/0024-chat-sequence.md): text is shown as typed.
"""

import copy
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.models import Address
from shop.accounts.selectors.standing import ensure_can_transact
from shop.chat.models import TEXT_MAX, Block, Conversation, Digest, Message, Mute, QuickReply, Report, Side
from shop.chat.selectors import (
    PUSHED_WITH,
    Viewer,
    conversation_people,
    is_blocked,
    message_with_parts,
    side_of,
    unread_total,
)
from shop.core.client_keys import client_keys_kept_since
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.i18n import lazy_text, recipient_language, speaking_to
from shop.core.services import realtime
from shop.core.services.mail import email_once, mail_send, mail_subject, site_url
from shop.core.services.ratelimit import limit_give_back, limit_take
from shop.core.services.realtime import event_messages, user_group
from shop.media.services.images import image_store, images_pending
from shop.notifications.services.notifications import notify

log = logging.getLogger(__name__)

K = Message.Kind
PREVIEW = 120
QUICK_REPLIES_MAX = 30


class ChatError(Exception):
    """A chat action that cannot be done; the message says why, to the person who tried."""

    def __init__(self, message: str, *, code: str = "refused"):
        self.code = code
        super().__init__(message)


# --- Starting ----------------------------------------------------------------------------


def conversation_start(*, buyer, store, product=None, order=None) -> Conversation:
    """The shopper's conversation with ``store`` (one per pair, made on first use), about
    ``product`` or ``order`` when given: it becomes the conversation's context."""
    if not buyer.is_authenticated:
        raise ChatError(_("Log in to message a store."), code="login")
    if store.memberships.filter(user=buyer).exists():
        raise ChatError(_("This is your own store: its messages are in the store inbox."), code="own")
    if product is not None and product.store_id != store.pk:
        raise ChatError(_("This product is not sold by this store."))
    if order is not None and (order.store_id != store.pk or order.buyer_id != buyer.pk):
        raise ChatError(_("This order is not yours with this store."))
    conversation = Conversation.objects.filter(kind=Conversation.Kind.STORE, buyer=buyer, store=store).first()
    if conversation is None:
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(kind=Conversation.Kind.STORE, buyer=buyer, store=store)
        except IntegrityError:  # the same shopper started it in another tab at the same moment
            conversation = Conversation.objects.get(kind=Conversation.Kind.STORE, buyer=buyer, store=store)
    changed = []
    if product is not None and conversation.product_id != product.pk:
        conversation.product = product
        changed.append("product")
    if order is not None and conversation.order_id != order.pk:
        conversation.order = order
        changed.append("order")
    if changed:
        conversation.save(update_fields=[*changed, "updated_at"])
    return conversation


def delivery_job_active(job) -> bool:
    from couriers.models import DeliveryJob

    J = DeliveryJob.Status
    return job is not None and job.courier_id is not None and job.status in (J.ACCEPTED, J.PICKED_UP, J.AT_DOOR)


def delivery_conversation_start(*, user, job) -> Conversation:
    """The conversation between the courier holding the delivery ``job`` and its buyer,
    opened by either of them while the delivery (or the return pickup) lasts."""
    order = job.for_order
    if user.pk not in (job.courier_id, order.buyer_id) or not delivery_job_active(job):
        raise ChatError(_("You can message about a delivery only while a courier holds it."), code="ended")
    conversation = Conversation.objects.filter(job=job).first()
    if conversation is None:
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    kind=Conversation.Kind.DELIVERY,
                    buyer_id=order.buyer_id,
                    store_id=job.store_id,
                    job=job,
                    courier_id=job.courier_id,
                    order=order,
                )
        except IntegrityError:
            conversation = Conversation.objects.get(job=job)
    if conversation.courier_id != job.courier_id:  # another courier took the job over
        conversation.courier_id = job.courier_id
        conversation.save(update_fields=["courier", "updated_at"])
    return conversation


# --- Sending -----------------------------------------------------------------------------


def _check_can_send(*, conversation: Conversation, user) -> str:
    side = side_of(conversation=conversation, user=user)
    if side is None:
        raise ChatError(_("You are not in this conversation."), code="forbidden")
    if conversation.is_delivery:
        job = conversation.job
        if job is None or not delivery_job_active(job) or job.courier_id != conversation.courier_id:
            raise ChatError(_("This delivery has ended: its conversation is closed."), code="ended")
    elif is_blocked(buyer_id=conversation.buyer_id, store_id=conversation.store_id):
        raise ChatError(_("Messages between you are blocked."), code="blocked")
    return side


def _sending_key(user) -> str:
    return f"chat-messages:{user.pk}"


def _sending_slot_take(user) -> None:
    """One of the sender's SOKO_CHAT_MESSAGES_PER_MINUTE slots, taken before the message is
    stored (so racing sends cannot all pass one count). An unreachable cache lets messages
    through: chat keeps working without it."""
    if not limit_take(_sending_key(user), limit=settings.SOKO_CHAT_MESSAGES_PER_MINUTE, seconds=60, on_outage="open"):
        raise ChatError(_("You are sending messages too fast. Wait a minute, then send again."), code="rate")


def message_send(
    *, conversation: Conversation, user, text: str = "", upload=None, product=None, order=None, offer=None, client_key: str = ""
) -> Message:
    """Store one message from ``user`` (text, a picture, a product card, an order card or an
    offer card) with the conversation's next sequence number; push it after commit. With a
    ``client_key`` the sender sent before (an app's Idempotency-Key, sent again after a lost
    answer), it is that earlier message, stored and pushed once."""
    ensure_can_transact(user)  # a suspended or deactivated account may not chat
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ChatError(_("A message can be at most %(count)s characters.") % {"count": TEXT_MAX}, code="long")
    if product is not None and product.store_id != conversation.store_id:
        raise ChatError(_("Only the store's own products can be shared here."))
    if order is not None and (order.buyer_id != conversation.buyer_id or order.store_id != conversation.store_id):
        raise ChatError(_("Only an order between you can be shared here."))
    kind = K.TEXT
    if offer is not None:
        kind = K.OFFER
    elif upload is not None:
        kind = K.IMAGE
    elif product is not None:
        kind = K.PRODUCT
    elif order is not None:
        kind = K.ORDER
    elif not text:
        raise ChatError(_("Write a message first."), code="empty")
    side = _check_can_send(conversation=conversation, user=user)
    if kind == K.PRODUCT and side != Side.TEAM:
        raise ChatError(_("Only the store shares product cards."))
    _sending_slot_take(user)
    try:
        # Validated (and stored) before the conversation's row is locked: it takes a while.
        image = image_store(upload=upload) if upload is not None else None
        with transaction.atomic():
            locked, message = _append(
                conversation=conversation,
                side=side,
                sender=user,
                kind=kind,
                text=text,
                image=image,
                product=product,
                order=order,
                offer=offer,
                client_key=client_key,
            )
            if getattr(message, "sent_before", False):
                limit_give_back(_sending_key(user), seconds=60)  # nothing new was sent
            elif image is not None and not image.is_ready:
                job_enqueue_on_commit("chat.image_ready", message.pk)
    except Exception:
        limit_give_back(_sending_key(user), seconds=60)  # not sent: it does not count
        raise
    conversation.__dict__.update(_columns(locked))
    return message


def _preview(message: Message) -> str:
    if message.kind == K.IMAGE:
        return "📷 " + message.text if message.text else "📷"
    if message.kind == K.PRODUCT and message.product is not None:
        return "🏷 " + message.product.title
    if message.kind == K.ORDER and message.order is not None:
        return "🧾 " + message.order.number
    if message.kind == K.OFFER:
        return "🤝 " + (message.text or "")
    return " ".join(message.text.split())


def system_message(*, conversation: Conversation, text: str, side: str, offer=None, order=None) -> Message:
    """A notice in the conversation (an offer answered, a delivery ended), numbered like
    any message; ``side`` is the side it speaks for (the other side's unread count moves).
    It starts an unread run like any message, bell included: without it, the next message
    of the run would not ring it either."""
    with transaction.atomic():
        _locked, message = _append(
            conversation=conversation, side=side, kind=K.SYSTEM, text=text[:TEXT_MAX], offer=offer, order=order
        )
    return message


def sent_under_key(*, conversation: Conversation, sender, client_key: str) -> Message | None:
    """The message ``sender`` sent to the conversation under ``client_key`` while the API
    still keeps that key (SOKO_API_IDEMPOTENCY_HOURS; after that an app may use it again)."""
    return (
        Message.objects.filter(
            conversation=conversation, sender=sender, client_key=client_key, created_at__gte=client_keys_kept_since()
        )
        .order_by("-seq")
        .first()
    )


def _append(*, conversation: Conversation, side: str, sender=None, **fields) -> tuple[Conversation, Message]:
    """In the caller's transaction: lock the conversation, store the message with the next
    sequence number, move the other side's unread count on (a sender has read everything up
    to their own message), ring the bell of anyone away from the conversation's page (in the
    same transaction, so a message is never stored without its bell); after commit, push it.
    Nothing is rendered while the row is locked, and when everyone is on the page nothing
    more is written."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if fields.get("client_key") and sender is not None:
        earlier = sent_under_key(conversation=locked, sender=sender, client_key=fields["client_key"])
        if earlier is not None:
            earlier.sent_before = True
            return locked, earlier
    now = timezone.now()
    seq = locked.seq + 1
    message = Message.objects.create(conversation=locked, seq=seq, sender=sender, side=side, **fields)
    other = Side.TEAM if side == Side.BUYER else Side.BUYER
    read = {f"{side}_unread": 0, f"{side}_read_seq": seq, f"{side}_seen_at": now} if sender is not None else {}
    changes = {
        "seq": seq,
        "last_message_at": now,
        "last_preview": _preview(message)[:PREVIEW],
        "updated_at": now,
        **read,
    }
    Conversation.objects.filter(pk=locked.pk).update(**changes, **{f"{other}_unread": F(f"{other}_unread") + 1})
    # The row is locked: what the update wrote is known without reading it back.
    changes[f"{other}_unread"] = locked.unread_for(other) + 1
    for name, value in changes.items():
        setattr(locked, name, value)
    people = conversation_people(conversation=locked)
    _push_message(conversation=locked, message_id=message.pk, shown=_shown_as_sent(conversation, locked, message), people=people)
    _notify_offline(conversation=locked, message=message, unread_now=locked.unread_for(other), people=people)
    return locked, message


# --- Pushing -----------------------------------------------------------------------------


def _viewer_context(conversation: Conversation, side: str) -> dict:
    return {"conversation": conversation, "viewer": Viewer(conversation=conversation, side=side), "oob": True}


def _shown_as_sent(conversation: Conversation, locked: Conversation, message: Message):
    """The message and its conversation as a push shows them, from what the sender has in
    hand: the conversation with its people and subject as the sender's request read them,
    and its columns as the locked update left them. None for a message with parts of its
    own (a picture, a card, an offer), or a conversation read without what the push shows
    (``PUSHED_WITH``): both are read again after the commit."""
    if message.sender_id is None or message.image_id or message.product_id or message.order_id or message.offer_id:
        return None
    if not all(_joined(conversation, path) for path in PUSHED_WITH):
        return None
    shown = copy.copy(conversation)
    shown.__dict__.update(_columns(locked))
    return message, shown


def _columns(locked: Conversation) -> dict:
    """The locked row's columns as its update left them, to copy onto another instance."""
    return {name: value for name, value in locked.__dict__.items() if not name.startswith("_")}


def _joined(instance, path: str) -> bool:
    """Whether the related rows ``path`` ("store__logo") were read with ``instance``."""
    for name in path.split("__"):
        field = instance._meta.get_field(name)
        if not field.is_cached(instance):
            return False
        instance = field.get_cached_value(instance)
        if instance is None:
            return True
    return True


def _push_message(
    *, conversation: Conversation, message_id: int, replace: bool = False, shown=None, people: list | None = None
) -> None:
    """After commit, to every participant's open pages: the message (appended, or replacing
    its earlier copy), their inbox row and their unread badge. The message is rendered once
    per side, language and time zone among them; every copy leaves in one batch. ``shown``:
    the message and its conversation as they are to be shown, and ``people``, who reads
    it (``conversation_people``), when the caller has them."""

    def send():
        if shown is not None:
            message, fresh = shown
        else:
            message = message_with_parts(pk=message_id)
            # Apart from the message's parts: one query joining both takes PostgreSQL's planner
            # far longer (11 ms against 4 for the two, measured by bench/chat.py).
            fresh = Conversation.objects.select_related(*PUSHED_WITH).get(pk=conversation.pk)

        addresses = []
        if message.kind == K.OFFER:
            addresses = list(
                Address.objects.filter(user_id=fresh.buyer_id).select_related("area").order_by("-is_default", "id")
            )
        copies: dict[tuple, str] = {}
        sends = []
        for user in people if people is not None else conversation_people(conversation=fresh):
            side = user.chat_side
            key = (side, recipient_language(user), user.time_zone)
            if key not in copies:
                with speaking_to(user):
                    copies[key] = render_to_string(
                        "chat/_push.html",
                        {
                            **_viewer_context(fresh, side),
                            "messages": [message],
                            "replace": replace,
                            # An offer card lets the shopper choose where it is delivered.
                            "addresses": addresses if side == Side.BUYER else [],
                            # Rendered without a request: no context processor gives the site's name.
                            "site_name": settings.SOKO_SITE_NAME,
                        },
                    )
            unread = unread_total(user=user)
            data = {
                "conversation": fresh.pk,
                "message": message.pk,
                "seq": message.seq,
                "side": message.side,
                "unread": unread,
            }
            html = copies[key] + _badge(user, unread=unread)
            sends.append((user.pk, html, "message.changed" if replace else "message.new", data))
        _send_all_to(sends)

    transaction.on_commit(send, robust=True)


def _send_all_to(sends: list[tuple[int, str, str, dict]]) -> None:
    """Each ``(user id, html, event, data)`` to that user's pages, all in one batch."""
    try:
        realtime.group_send_many(
            event_messages([(user_group(user_id), {"type": "html.push", "html": html}, event, data) for user_id, html, event, data in sends])
        )
    except Exception:  # best effort: pages re-read on reconnect
        log.exception("chat push to users %s failed", [user_id for user_id, *_rest in sends])


def _badge(user, *, unread: int | None = None) -> str:
    """The navbar's unread messages badge of ``user``, in their language."""
    if unread is None:
        unread = unread_total(user=user)
    with speaking_to(user):
        return render_to_string("chat/_badge.html", {"chat_unread": unread, "oob": True})


def image_ready(*, message_id: int) -> bool:
    """Once a message's picture has its renditions, show them on the open pages."""
    from shop.media.services.images import image_process

    message = Message.objects.select_related("image", "conversation").filter(pk=message_id).first()
    if message is None or message.image is None:
        return False
    image = image_process(image_id=message.image_id)
    _push_message(conversation=message.conversation, message_id=message.pk, replace=True)
    return image.is_ready


# A message's picture whose job was lost is queued again sooner than the media's own sweep
# would, so the open pages still get the picture pushed.
IMAGE_LOST_AFTER = timedelta(minutes=1)


def images_ready_resume(*, limit: int = 100) -> int:
    """Queue ``chat.image_ready`` again for messages whose picture is still pending after
    its job must have been lost; how many were queued. Safe to repeat (``image_ready``
    processes a picture once and pushes the message again)."""
    pending = images_pending(lost_after=IMAGE_LOST_AFTER).values("pk")
    ids = list(Message.objects.filter(image__in=pending).order_by("pk").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        job_enqueue_on_commit("chat.image_ready", message_id)
    return len(ids)


# --- Reading, presence, typing -----------------------------------------------------------


def conversation_read(*, viewer: Viewer, user) -> bool:
    """``user`` read the conversation up to its last message: their side's unread count goes
    to zero (a store's, for every member), and the other side sees "read" live."""
    if not viewer.can_write:
        return False
    conversation = viewer.conversation
    mine = viewer.side
    now = timezone.now()
    row = Conversation.objects.filter(pk=conversation.pk)
    changed = row.exclude(**{f"{mine}_unread": 0, f"{mine}_read_seq": F("seq")}).update(
        **{f"{mine}_unread": 0, f"{mine}_read_seq": F("seq"), f"{mine}_seen_at": now}
    )
    if not changed:
        row.update(**{f"{mine}_seen_at": now})
        return False
    conversation.refresh_from_db(fields=["seq", f"{mine}_unread", f"{mine}_read_seq", f"{mine}_seen_at"])
    people = conversation_people(conversation=conversation)
    readers = [person for person in people if person.chat_side == mine]
    Digest.objects.filter(conversation=conversation, user__in=[reader.pk for reader in readers]).update(pending_since=None)
    other = viewer.other_side

    def send():
        # The readers' badges and the other side's read state, in one batch.
        sends = []
        for reader in readers:
            unread = unread_total(user=reader)
            sends.append((reader.pk, _badge(reader, unread=unread), "chat.unread", {"unread": unread}))
        for user in people:
            if user.chat_side != other:
                continue
            with speaking_to(user):
                html = render_to_string("chat/_read_state.html", {**_viewer_context(conversation, other)})
            data = {
                "conversation": conversation.pk,
                "side": mine,
                "read_seq": getattr(conversation, f"{mine}_read_seq"),
            }
            sends.append((user.pk, html, "conversation.read", data))
        _send_all_to(sends)

    transaction.on_commit(send, robust=True)
    return True


def _presence_key(conversation_id: int, user_id: int) -> str:
    return f"soko:chat:here:{conversation_id}:{user_id}"


def _presence_seconds() -> int:
    # Open sockets refresh the mark at every re-check: one of a process that died without
    # disconnecting lasts only until then.
    return 2 * settings.SOKO_SOCKET_RECHECK_SECONDS + 60


def presence_refresh(*, conversation_id: int, user_id: int) -> None:
    cache.touch(_presence_key(conversation_id, user_id), _presence_seconds())


def presence_set(*, conversation_id: int, user_id: int, here: bool) -> None:
    """A socket of ``user_id`` is open on the conversation's page (counted across tabs).
    With the cache unreachable nobody counts as here: messages notify as if away."""
    key = _presence_key(conversation_id, user_id)
    try:
        _presence_count(key, 1 if here else -1)
    except Exception:
        log.warning("chat presence not recorded: %s", key, exc_info=True)
    if not here:
        mine = "buyer"
        conversation = Conversation.objects.filter(pk=conversation_id).only("buyer_id").first()
        if conversation is not None:
            mine = "buyer" if conversation.buyer_id == user_id else "team"
            Conversation.objects.filter(pk=conversation_id).update(**{f"{mine}_seen_at": timezone.now()})


def _presence_count(key: str, step: int) -> None:
    if step > 0:
        cache.add(key, 0, _presence_seconds())
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, _presence_seconds())
        cache.touch(key, _presence_seconds())
        return
    try:
        if cache.decr(key) <= 0:
            cache.delete(key)
    except ValueError:
        pass


def is_present(*, conversation_id: int, user_id: int) -> bool:
    return bool(cache.get(_presence_key(conversation_id, user_id)))


# --- Notifying the absent ----------------------------------------------------------------


def _notify_offline(*, conversation: Conversation, message: Message, unread_now: int, people: list) -> None:
    """With the message, to someone of ``people`` (``conversation_people``) on the other
    side whose page of this conversation is not open: the bell, once per unread run
    (``unread_now``, the other side's count with this message, is 1), and an email digest
    later."""
    other = Side.TEAM if message.side == Side.BUYER else Side.BUYER
    away = [
        person.pk
        for person in people
        if person.chat_side == other and not is_present(conversation_id=conversation.pk, user_id=person.pk)
    ]
    if not away:  # the usual case while chatting: nothing more to read
        return
    muted = set(Mute.objects.filter(conversation=conversation, user_id__in=away).values_list("user_id", flat=True))
    sender_name = _sender_label(conversation, message)
    url = reverse("chat:conversation", args=[conversation.pk])
    for user_id in away:
        if user_id in muted:
            continue
        if unread_now == 1:
            notify(
                user=get_user_model().objects.get(pk=user_id),
                kind="chat",
                text=lazy_text(gettext_lazy("New message from %(name)s"), name=sender_name),
                url=url,
            )
        digest, _created = Digest.objects.get_or_create(conversation=conversation, user_id=user_id)
        if digest.pending_since is None:
            Digest.objects.filter(pk=digest.pk).update(pending_since=timezone.now())


def _sender_label(conversation: Conversation, message: Message) -> str:
    if message.side == Side.BUYER:
        return conversation.buyer.short_name
    if conversation.is_delivery:
        return conversation.courier.short_name
    return conversation.store.name


def digests_send(*, now=None) -> int:
    """Email each person waiting on unread messages for ``SOKO_CHAT_EMAIL_MINUTES``, at most
    once per that many minutes per conversation, in their language. Claimed with a
    conditional update first, so two workers never send the same digest."""
    now = now or timezone.now()
    every = timedelta(minutes=settings.SOKO_CHAT_EMAIL_MINUTES)
    due = Digest.objects.filter(pending_since__lte=now - every).exclude(emailed_at__gt=now - every)
    sent = 0
    for digest in due.select_related("conversation__buyer", "conversation__store", "conversation__courier", "user")[
        :200
    ]:
        sent += bool(
            email_once(
                Digest,
                digest.pk,
                unsent=Q(pending_since=digest.pending_since),
                send=lambda digest=digest: _digest_email(digest),
                sent={"pending_since": None, "emailed_at": now},
            )
        )
    return sent


def _digest_email(digest: Digest) -> dict | bool:
    """The digest's email, of the messages its person has not read (False: none, nothing sent)."""
    conversation = digest.conversation
    side = side_of(conversation=conversation, user=digest.user)
    if side is None or conversation.read_seq_of(side) >= conversation.seq:
        return False
    after = max(conversation.read_seq_of(side), digest.emailed_seq)
    unread = list(
        Message.objects.filter(conversation=conversation, seq__gt=after)
        .exclude(side=side)
        .select_related("sender", "product", "order")
        .order_by("seq")[:10]
    )
    if not unread:
        return False
    with speaking_to(digest.user):
        other = Side.TEAM if side == Side.BUYER else Side.BUYER
        name = (
            conversation.buyer.short_name
            if other == Side.BUYER
            else (conversation.courier.short_name if conversation.is_delivery else conversation.store.name)
        )
        body = render_to_string(
            "chat/email_digest.txt",
            {
                "conversation": conversation,
                "messages": unread,
                "name": name,
                "site_name": settings.SOKO_SITE_NAME,
                "url": site_url(reverse("chat:conversation", args=[conversation.pk])),
            },
        )
        subject = mail_subject(_("%(site)s: new messages from %(name)s") % {"site": settings.SOKO_SITE_NAME, "name": name})
    mail_send(subject=subject, body=body, to=[digest.user.email])
    return {"emailed_seq": unread[-1].seq}


# --- Muting, blocking, reporting ----------------------------------------------------------


def mute_set(*, viewer: Viewer, user, muted: bool) -> None:
    if not viewer.can_write:
        raise ChatError(_("You are not in this conversation."), code="forbidden")
    if muted:
        Mute.objects.get_or_create(conversation=viewer.conversation, user=user)
        # Messages already waiting for the digest are not emailed either.
        Digest.objects.filter(conversation=viewer.conversation, user=user).update(pending_since=None)
    else:
        Mute.objects.filter(conversation=viewer.conversation, user=user).delete()


def block_set(*, viewer: Viewer, user, blocked: bool) -> None:
    """The shopper blocks the store, or the store (any member) blocks the shopper: no new
    messages either way. Only the side that blocked lifts it; history stays."""
    conversation = viewer.conversation
    if not viewer.can_write or conversation.is_delivery:
        raise ChatError(_("This conversation cannot be blocked."), code="forbidden")
    if blocked:
        Block.objects.get_or_create(
            buyer_id=conversation.buyer_id,
            store_id=conversation.store_id,
            by_side=viewer.side,
            defaults={"by_user": user},
        )
    else:
        Block.objects.filter(
            buyer_id=conversation.buyer_id, store_id=conversation.store_id, by_side=viewer.side
        ).delete()


def report_create(*, viewer: Viewer, user, reason: str, text: str = "", message: Message | None = None) -> Report:
    """Store a participant's report of the conversation or one of its messages (once while
    open); staff read the conversation from the report."""
    if not viewer.can_write:
        raise ChatError(_("You are not in this conversation."), code="forbidden")
    if reason not in Report.Reason.values:
        raise ChatError(_("Choose a reason."), code="reason")
    if message is not None and message.conversation_id != viewer.conversation.pk:
        raise ChatError(_("This message is not in this conversation."))
    existing = Report.objects.filter(
        reporter=user, conversation=viewer.conversation, message=message, status=Report.Status.OPEN
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=user, conversation=viewer.conversation, message=message, reason=reason, text=(text or "")[:500]
            )
    except IntegrityError:
        return Report.objects.get(
            reporter=user, conversation=viewer.conversation, message=message, status=Report.Status.OPEN
        )


# --- Quick replies -----------------------------------------------------------------------


def quick_reply_add(*, store, text: str) -> QuickReply:
    text = (text or "").strip()
    if not text:
        raise ChatError(_("Write the reply first."), code="empty")
    if len(text) > 500:
        raise ChatError(_("A quick reply can be at most 500 characters."), code="long")
    if QuickReply.objects.filter(store=store).count() >= QUICK_REPLIES_MAX:
        raise ChatError(
            _("A store can keep at most %(count)s quick replies.") % {"count": QUICK_REPLIES_MAX}, code="full"
        )
    return QuickReply.objects.create(store=store, text=text)


def quick_reply_delete(*, store, pk: int) -> bool:
    deleted, _rows = QuickReply.objects.filter(store=store, pk=pk).delete()
    return bool(deleted)
