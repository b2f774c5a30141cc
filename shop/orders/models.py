import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from shop.core.models import TimeStamped
from shop.core.units import units_count


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Checkout(TimeStamped):
    """One payment: what the shopper placed in one go, across stores."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts")
    # From a hidden form field: a double submit or refresh finds the same checkout.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    payment_method = models.CharField(max_length=20)
    recipient = models.CharField(max_length=80)
    phone = models.CharField(max_length=20)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area_label = models.CharField(max_length=200)
    street = models.CharField(max_length=200)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    instructions = models.CharField(max_length=300, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3)


class Order(TimeStamped):
    """What one store must fulfil for one checkout."""

    class DeliveryMode(models.TextChoices):
        DELIVERY = "delivery", "Home delivery"
        PICKUP = "pickup", "Pick-up at the store"

    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey("sellers.Store", on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=20, unique=True, help_text="Human-friendly, e.g. SK-7F3K-9QX2")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True)
    delivery_mode = models.CharField(max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.DELIVERY)
    items_total = models.DecimalField(max_digits=12, decimal_places=2)
    delivery_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    buyer_note = models.CharField(max_length=300, blank=True)
    # Set when cancelling returns the stock, so it is returned exactly once.
    stock_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "status"], name="order_store_status_idx")]

    def __str__(self):
        return self.number

    @property
    def item_count(self) -> int:
        """Units ordered (2 necklaces are 2 items); pages prefetch ``items``."""
        return units_count(self.items.all())


class OrderItem(models.Model):
    """A snapshot of what was bought: later product edits never change it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", null=True, on_delete=models.SET_NULL, related_name="+")
    product_title = models.CharField(max_length=120)
    variant_name = models.CharField(max_length=60)
    sku = models.CharField(max_length=40, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.product_title} ({self.variant_name})"


class OrderEvent(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status or 'placed'} → {self.to_status}"
