import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import TimeStamped
from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.core.units import units_count
from shop.payments.models import PaymentStatus


class OrderStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    PREPARING = "preparing", gettext_lazy("Preparing")
    READY = "ready", gettext_lazy("Ready")
    OUT_FOR_DELIVERY = "out_for_delivery", gettext_lazy("Out for delivery")
    DELIVERED = "delivered", gettext_lazy("Delivered")
    COMPLETED = "completed", gettext_lazy("Completed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    REFUNDED = "refunded", gettext_lazy("Refunded")


class Checkout(TimeStamped):
    """One payment: what the shopper placed in one go, across stores."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.PROTECT, related_name="checkouts"
    )
    # From a hidden form field: a double submit or refresh finds the same checkout.
    idempotency_key = models.UUIDField(verbose_name=gettext_lazy("idempotency key"), default=uuid.uuid4, unique=True)
    payment_method = models.CharField(verbose_name=gettext_lazy("payment method"), max_length=20)
    recipient = models.CharField(verbose_name=gettext_lazy("recipient"), max_length=80)
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20)
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=gettext_lazy("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area_label = models.CharField(verbose_name=gettext_lazy("area label"), max_length=200)
    street = models.CharField(verbose_name=gettext_lazy("street"), max_length=200)
    latitude = models.DecimalField(
        verbose_name=gettext_lazy("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        verbose_name=gettext_lazy("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    instructions = models.CharField(verbose_name=gettext_lazy("instructions"), max_length=300, blank=True)
    total = models.DecimalField(
        verbose_name=gettext_lazy("total"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    payment_status = models.CharField(
        verbose_name=gettext_lazy("payment status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.ON_DELIVERY,
        db_index=True,
    )
    # An online payment not made by then releases the stock (shop.payments.services).
    payment_due_by = models.DateTimeField(verbose_name=gettext_lazy("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(verbose_name=gettext_lazy("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("checkout")
        verbose_name_plural = gettext_lazy("checkouts")

    def __str__(self):
        return gettext("Checkout %(id)s of %(buyer)s") % {"id": self.pk, "buyer": self.buyer_id and self.buyer}


class Order(TimeStamped):
    """What one store must fulfil for one checkout."""

    class DeliveryMode(models.TextChoices):
        DELIVERY = "delivery", gettext_lazy("Home delivery")
        PICKUP = "pickup", gettext_lazy("Pick-up at the store")

    checkout = models.ForeignKey(
        Checkout, verbose_name=gettext_lazy("checkout"), on_delete=models.PROTECT, related_name="orders"
    )
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.PROTECT, related_name="orders"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(
        verbose_name=gettext_lazy("number"),
        max_length=20,
        unique=True,
        help_text=gettext_lazy("Human-friendly, e.g. SK-7F3K-9QX2"),
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        db_index=True,
    )
    delivery_mode = models.CharField(
        verbose_name=gettext_lazy("delivery mode"),
        max_length=10,
        choices=DeliveryMode.choices,
        default=DeliveryMode.DELIVERY,
    )
    items_total = models.DecimalField(verbose_name=gettext_lazy("items total"), max_digits=12, decimal_places=2)
    delivery_fee = models.DecimalField(
        verbose_name=gettext_lazy("delivery fee"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # A promo code's reduction of the items (``total`` is items + delivery - discount), and
    # the part of it the platform pays for (the store's share counts it as paid).
    discount = models.DecimalField(verbose_name=gettext_lazy("discount"), max_digits=12, decimal_places=2, default=Decimal("0"))
    platform_discount = models.DecimalField(
        verbose_name=lazy_text(gettext_lazy("discount paid by %(site)s"), site=SITE_NAME),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    promo_code = models.CharField(verbose_name=gettext_lazy("promo code"), max_length=40, blank=True)
    # Loyalty points the buyer spent on this order and what they took off: part of
    # ``discount`` and of ``platform_discount`` (Soko pays for points).
    points_used = models.PositiveIntegerField(verbose_name=gettext_lazy("points spent"), default=0)
    points_discount = models.DecimalField(
        verbose_name=gettext_lazy("discount from points"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total = models.DecimalField(verbose_name=gettext_lazy("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    buyer_note = models.CharField(verbose_name=gettext_lazy("buyer note"), max_length=300, blank=True)
    # Set when cancelling returns the stock, so it is returned exactly once.
    stock_released_at = models.DateTimeField(verbose_name=gettext_lazy("stock released at"), null=True, blank=True)
    # The platform's fee on this order, fixed when it is paid (or delivered, for cash).
    fee = models.DecimalField(
        verbose_name=gettext_lazy("platform fee"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    delivered_at = models.DateTimeField(verbose_name=gettext_lazy("delivered at"), null=True, blank=True)
    # Won at auction: the order's own payment deadline, kept when it is paid together with
    # other orders in a checkout whose (shorter) deadline passes (``shop.orders.services.won``).
    pay_by = models.DateTimeField(verbose_name=gettext_lazy("pay by"), null=True, blank=True)
    # When the store's share stopped being held for buyer protection (shop.payments.services).
    funds_released_at = models.DateTimeField(verbose_name=gettext_lazy("funds released at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("order")
        verbose_name_plural = gettext_lazy("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status"], name="order_store_status_idx"),
            # The store's analytics: its orders over a period, and a shopper's orders after a chat.
            models.Index(fields=["store", "created_at"], name="order_store_created_idx"),
            models.Index(fields=["store", "buyer", "created_at"], name="order_store_buyer_created_idx"),
        ]

    @property
    def code_discount(self) -> Decimal:
        """What the promo code took off (``discount`` holds the points' part too)."""
        return self.discount - self.points_discount

    def __str__(self):
        return self.number

    @property
    def invoice_ready(self) -> bool:
        """Its PDF invoice exists (pages select the invoice with the order)."""
        try:
            return bool(self.invoice.pdf)
        except ObjectDoesNotExist:
            return False

    @property
    def to_pack(self) -> bool:
        """The store has still to pack it: its items head the store's page as a to-do."""
        return self.status in (OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING)

    @property
    def item_count(self) -> int:
        """Units ordered (2 necklaces are 2 items); pages prefetch ``items``."""
        return units_count(self.items.all())


class OrderItem(models.Model):
    """A snapshot of what was bought: later product edits never change it."""

    order = models.ForeignKey(Order, verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(
        "catalog.Variant", verbose_name=gettext_lazy("variant"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_title = models.CharField(verbose_name=gettext_lazy("product title"), max_length=120)
    variant_name = models.CharField(verbose_name=gettext_lazy("variant name"), max_length=60)
    sku = models.CharField(verbose_name=gettext_lazy("sku"), max_length=40, blank=True)
    unit_price = models.DecimalField(verbose_name=gettext_lazy("unit price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(verbose_name=gettext_lazy("quantity"))
    line_total = models.DecimalField(verbose_name=gettext_lazy("line total"), max_digits=12, decimal_places=2)
    # How it was sold ("fixed" price or "auction"): the platform fee depends on it.
    listing_type = models.CharField(verbose_name=gettext_lazy("listing type"), max_length=10, default="fixed")

    class Meta:
        verbose_name = gettext_lazy("order item")
        verbose_name_plural = gettext_lazy("order items")
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.product_title} ({self.variant_name})"


class OrderEvent(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(verbose_name=gettext_lazy("from status"), max_length=20, blank=True)
    to_status = models.CharField(verbose_name=gettext_lazy("to status"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(verbose_name=gettext_lazy("note"), max_length=300, blank=True)
    # The app's Idempotency-Key of the API request that made this move: its retry after a
    # lost answer finds the move made (shop.orders.services.orders.order_move).
    client_key = models.CharField(verbose_name=gettext_lazy("client key"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("order event")
        verbose_name_plural = gettext_lazy("order events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "client_key"], condition=~models.Q(client_key=""), name="order_event_client_key_idx")
        ]

    def __str__(self):
        def label(status):
            return OrderStatus(status).label if status in OrderStatus.values else status

        return f"{label(self.from_status) if self.from_status else gettext('Placed')} → {label(self.to_status)}"


class HandoverCode(models.Model):
    """The cash-on-delivery handover code shown as a QR on the buyer's order page.

    The code is HMAC(SECRET_KEY, nonce) with a 128-bit ``nonce`` from ``secrets``: the
    database alone (nonce, hash) reveals no code; only its SHA-256 is used to look it
    up. Single use, expiring, bound to one order, carrying no amount.
    """

    order = models.OneToOneField(
        Order, verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="handover_code"
    )
    nonce = models.BinaryField(verbose_name=gettext_lazy("nonce"), max_length=16)
    code_hash = models.CharField(verbose_name=gettext_lazy("code hash"), max_length=64, unique=True)
    short_code_hash = models.CharField(
        verbose_name=gettext_lazy("short code hash"),
        max_length=64,
        help_text=gettext_lazy("Hash of the numeric fallback, checked with the order number."),
    )
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))
    used_at = models.DateTimeField(verbose_name=gettext_lazy("used at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("failed attempts"), default=0)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        # Created by the couriers app, whose table it keeps.
        db_table = "couriers_handovercode"
        verbose_name = gettext_lazy("handover code")
        verbose_name_plural = gettext_lazy("handover codes")

    def __str__(self):
        return gettext("Handover code of order %(order_id)s") % {"order_id": self.order_id}
