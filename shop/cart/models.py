import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped


class Cart(TimeStamped):
    """A shopper's cart. A guest's cart is found by the token kept in their session and
    merges into the account's cart when they log in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="cart")
    token = models.UUIDField(verbose_name=gettext_lazy("token"), default=uuid.uuid4, unique=True, editable=False)

    def __str__(self):
        return _("Cart of %(value)s") % {"value": self.user or 'a guest'}

    class Meta:
        verbose_name = gettext_lazy("cart")
        verbose_name_plural = gettext_lazy("carts")


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, verbose_name=gettext_lazy("cart"), on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", verbose_name=gettext_lazy("variant"), on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(verbose_name=gettext_lazy("quantity"), default=1)
    # The price the shopper saw when adding: a later change is flagged, never silently charged.
    unit_price_seen = models.DecimalField(verbose_name=gettext_lazy("unit price seen"), max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(verbose_name=gettext_lazy("added at"), auto_now_add=True)
    # The key of the "Add to cart" click that last added to this line: the same click
    # sent twice (double click, resent form) adds once.
    last_click_key = models.UUIDField(verbose_name=gettext_lazy("last click key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = gettext_lazy("cart item")
        verbose_name_plural = gettext_lazy("cart items")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="unique_cart_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × variant {self.variant_id}"
