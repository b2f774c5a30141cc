import uuid

from django.conf import settings
from django.db import models

from shop.core.models import TimeStamped


class Cart(TimeStamped):
    """A shopper's cart. A guest's cart is found by the token kept in their session and
    merges into the account's cart when they log in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self):
        return f"Cart of {self.user or 'a guest'}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    # The price the shopper saw when adding: a later change is flagged, never silently charged.
    unit_price_seen = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)
    # The key of the "Add to cart" click that last added to this line: the same click
    # sent twice (double click, resent form) adds once.
    last_click_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="unique_cart_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × variant {self.variant_id}"
