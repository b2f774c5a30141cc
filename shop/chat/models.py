"""Conversations between a shopper and a store (or a courier about one delivery).

A conversation has two sides: the **buyer**, and the **team**: every member of the store,
or the courier holding the delivery. Each message is numbered in its conversation
(``Message.seq``, from ``Conversation.seq`` under the conversation's row lock): a page
that sees a gap, or whose socket reopens, fetches what it has not shown. Unread counts and
read state are kept per side: a store's conversation is read when any member reads it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import EmailKept, TimeStamped
from shop.core.selectors.i18n import SITE_NAME, lazy_text

TEXT_MAX = 2000


class Side(models.TextChoices):
    BUYER = "buyer", gettext_lazy("Shopper")
    TEAM = "team", gettext_lazy("Store or courier")


class Conversation(TimeStamped):
    class Kind(models.TextChoices):
        STORE = "store", gettext_lazy("With a store")
        DELIVERY = "delivery", gettext_lazy("About a delivery")

    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.STORE)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("shopper"), on_delete=models.CASCADE, related_name="chats"
    )
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="chats"
    )
    # A delivery conversation: the courier of this job, while it lasts.
    job = models.OneToOneField(
        "couriers.DeliveryJob",
        verbose_name=gettext_lazy("delivery job"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat",
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("courier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courier_chats",
    )
    # What it is about, shown as cards at the top (the latest asked about).
    product = models.ForeignKey(
        "catalog.Product", verbose_name=gettext_lazy("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("sequence number"), default=0)
    last_message_at = models.DateTimeField(verbose_name=gettext_lazy("last message at"), null=True, blank=True)
    last_preview = models.CharField(verbose_name=gettext_lazy("last message"), max_length=120, blank=True)
    buyer_unread = models.PositiveIntegerField(verbose_name=gettext_lazy("unread by the shopper"), default=0)
    team_unread = models.PositiveIntegerField(verbose_name=gettext_lazy("unread by the store"), default=0)
    buyer_read_seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("read by the shopper up to"), default=0)
    team_read_seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("read by the store up to"), default=0)
    buyer_seen_at = models.DateTimeField(verbose_name=gettext_lazy("shopper last seen"), null=True, blank=True)
    team_seen_at = models.DateTimeField(verbose_name=gettext_lazy("store last seen"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("conversation")
        verbose_name_plural = gettext_lazy("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "store"], condition=Q(kind="store"), name="chat_one_conversation_per_store_pair"
            ),
            models.CheckConstraint(
                condition=Q(kind="store", job__isnull=True) | Q(kind="delivery", job__isnull=False, courier__isnull=False),
                name="chat_kind_matches_job",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="chat_buyer_recent_idx"),
            models.Index(fields=["store", "-last_message_at"], name="chat_store_recent_idx"),
            models.Index(fields=["courier", "-last_message_at"], name="chat_courier_recent_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.buyer} ↔ {self.courier if self.kind == self.Kind.DELIVERY else self.store}"

    @property
    def is_delivery(self) -> bool:
        return self.kind == self.Kind.DELIVERY

    def unread_for(self, side: str) -> int:
        return self.buyer_unread if side == Side.BUYER else self.team_unread

    def read_seq_of(self, side: str) -> int:
        return self.buyer_read_seq if side == Side.BUYER else self.team_read_seq

    def seen_at_of(self, side: str):
        return self.buyer_seen_at if side == Side.BUYER else self.team_seen_at


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", gettext_lazy("Text")
        IMAGE = "image", gettext_lazy("Picture")
        PRODUCT = "product", gettext_lazy("Product")
        ORDER = "order", gettext_lazy("Order")
        OFFER = "offer", gettext_lazy("Offer")
        SYSTEM = "system", gettext_lazy("Notice")

    conversation = models.ForeignKey(
        Conversation, verbose_name=gettext_lazy("conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("sequence number"))
    # The sender's own name for the message (an app's Idempotency-Key): the same key again
    # in the same conversation, while the API keeps keys, is the same message.
    client_key = models.CharField(verbose_name=gettext_lazy("client key"), max_length=255, blank=True, default="")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("sender"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_messages",
    )
    side = models.CharField(verbose_name=gettext_lazy("side"), max_length=5, choices=Side.choices)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(verbose_name=gettext_lazy("text"), max_length=TEXT_MAX, blank=True)
    image = models.ForeignKey(
        "media.StoredImage", verbose_name=gettext_lazy("picture"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=gettext_lazy("product"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(
        "chat.Offer", verbose_name=gettext_lazy("offer"), null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("sent at"), auto_now_add=True)
    # Taken down by Soko (reports or staff, see shop.moderation): shown as a notice instead.
    hidden_at = models.DateTimeField(
        verbose_name=lazy_text(gettext_lazy("hidden by %(site)s at"), site=SITE_NAME), null=True, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("message")
        verbose_name_plural = gettext_lazy("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_message_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["sender", "created_at"], name="chat_message_sender_idx"),
            models.Index(fields=["sender", "client_key"], condition=~models.Q(client_key=""), name="chat_message_client_key_idx"),
        ]

    def __str__(self):
        return f"{self.conversation_id}#{self.seq} {self.get_kind_display()}"


class Offer(TimeStamped):
    """Items a store offers one shopper at agreed prices. Accepting it makes an order that
    awaits payment (its stock reserved) until ``pay_by``; unpaid by then, the order is
    cancelled and the stock comes back."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        DECLINED = "declined", gettext_lazy("Declined")
        EXPIRED = "expired", gettext_lazy("Expired")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

    class DeliveryMode(models.TextChoices):
        DELIVERY = "delivery", gettext_lazy("Home delivery")
        PICKUP = "pickup", gettext_lazy("Pick up at the store")

    conversation = models.ForeignKey(
        Conversation, verbose_name=gettext_lazy("conversation"), on_delete=models.CASCADE, related_name="offers"
    )
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("shopper"), on_delete=models.CASCADE, related_name="chat_offers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("made by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    delivery_mode = models.CharField(
        verbose_name=gettext_lazy("delivery"), max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.DELIVERY
    )
    delivery_fee = models.DecimalField(
        verbose_name=gettext_lazy("delivery fee"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    items_total = models.DecimalField(verbose_name=gettext_lazy("items total"), max_digits=12, decimal_places=2)
    # What the lines cost at list price when offered: the discount the conversation won.
    list_total = models.DecimalField(verbose_name=gettext_lazy("list price total"), max_digits=12, decimal_places=2)
    note = models.CharField(verbose_name=gettext_lazy("note"), max_length=300, blank=True)
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"), db_index=True)
    answered_at = models.DateTimeField(verbose_name=gettext_lazy("answered at"), null=True, blank=True)
    order = models.OneToOneField(
        "orders.Order", verbose_name=gettext_lazy("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_offer"
    )

    class Meta:
        verbose_name = gettext_lazy("offer")
        verbose_name_plural = gettext_lazy("offers")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return gettext("Offer %(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}

    @property
    def total(self) -> Decimal:
        return self.items_total + self.delivery_fee


class OfferLine(models.Model):
    offer = models.ForeignKey(Offer, verbose_name=gettext_lazy("offer"), on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", verbose_name=gettext_lazy("option"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(verbose_name=gettext_lazy("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        verbose_name=gettext_lazy("agreed unit price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    list_price = models.DecimalField(verbose_name=gettext_lazy("list unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = gettext_lazy("offer line")
        verbose_name_plural = gettext_lazy("offer lines")
        constraints = [models.UniqueConstraint(fields=["offer", "variant"], name="chat_offer_line_unique")]

    def __str__(self):
        return gettext("%(quantity)s × %(variant)s at %(price)s") % {
            "quantity": self.quantity, "variant": self.variant_id, "price": self.unit_price
        }

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class QuickReply(TimeStamped):
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="quick_replies")
    text = models.CharField(verbose_name=gettext_lazy("text"), max_length=500)

    class Meta:
        verbose_name = gettext_lazy("quick reply")
        verbose_name_plural = gettext_lazy("quick replies")
        ordering = ["store", "created_at", "id"]

    def __str__(self):
        return self.text[:60]


class Block(TimeStamped):
    """No new messages between this shopper and this store, either way, while it stands.
    Only the side that blocked can lift it."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("shopper"), on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="+")
    by_side = models.CharField(verbose_name=gettext_lazy("blocked by"), max_length=5, choices=Side.choices)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("by user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("block")
        verbose_name_plural = gettext_lazy("blocks")
        constraints = [models.UniqueConstraint(fields=["buyer", "store", "by_side"], name="chat_block_unique")]

    def __str__(self):
        return gettext("%(buyer)s × %(store)s by %(side)s") % {
            "buyer": self.buyer_id, "store": self.store_id, "side": self.get_by_side_display()
        }


class Mute(models.Model):
    """A person who muted a conversation: no bell and no email for its messages."""

    conversation = models.ForeignKey(Conversation, verbose_name=gettext_lazy("conversation"), on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("mute")
        verbose_name_plural = gettext_lazy("mutes")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="chat_mute_unique")]

    def __str__(self):
        return gettext("%(user)s muted %(conversation)s") % {"user": self.user_id, "conversation": self.conversation_id}


class Digest(EmailKept):
    """When a person was last told by email about a conversation, and whether messages wait
    to be told: at most one email per ``SOKO_CHAT_EMAIL_MINUTES`` per conversation."""

    conversation = models.ForeignKey(Conversation, verbose_name=gettext_lazy("conversation"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="+")
    pending_since = models.DateTimeField(verbose_name=gettext_lazy("waiting since"), null=True, blank=True, db_index=True)
    emailed_seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("emailed up to"), default=0)

    class Meta:
        verbose_name = gettext_lazy("email digest")
        verbose_name_plural = gettext_lazy("email digests")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="chat_digest_unique")]

    def __str__(self):
        return gettext("digest %(conversation)s → %(user)s") % {"conversation": self.conversation_id, "user": self.user_id}


class Report(TimeStamped):
    class Reason(models.TextChoices):
        SCAM = "scam", gettext_lazy("Scam or fraud")
        ABUSE = "abuse", gettext_lazy("Abusive or offensive")
        SPAM = "spam", gettext_lazy("Spam")
        PROHIBITED = "prohibited", gettext_lazy("Prohibited item")
        OTHER = "other", gettext_lazy("Something else")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        RESOLVED = "resolved", gettext_lazy("Resolved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("reporter"), on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, verbose_name=gettext_lazy("conversation"), on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey(
        Message, verbose_name=gettext_lazy("message"), null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=12, choices=Reason.choices)
    text = models.CharField(verbose_name=gettext_lazy("details"), max_length=500, blank=True)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = gettext_lazy("chat report")
        verbose_name_plural = gettext_lazy("chat reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "conversation", "message"], condition=Q(status="open"), name="chat_report_open_once"
            ),
            # A message of NULL is distinct to the one above: one open report of the whole conversation too.
            models.UniqueConstraint(
                fields=["reporter", "conversation"],
                condition=Q(status="open", message__isnull=True),
                name="chat_report_conversation_open_once",
            ),
        ]

    def __str__(self):
        return gettext("report %(id)s: %(reason)s") % {"id": self.pk, "reason": self.get_reason_display()}
