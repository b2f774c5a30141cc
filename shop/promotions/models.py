from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped


class Sale(TimeStamped):
    """A store's scheduled sale: an amount or a percentage off chosen products, or off every
    product of a category, from ``starts_at`` to ``ends_at``. While it runs, the variants'
    prices are the sale prices and their struck-through prices the prices before (see
    shop.promotions.services.sales)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", gettext_lazy("Percentage off")
        FIXED = "fixed", gettext_lazy("Amount off")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        RUNNING = "running", gettext_lazy("Running")
        ENDED = "ended", gettext_lazy("Ended")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="sales")
    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=80)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    amount = models.DecimalField(verbose_name=gettext_lazy("amount"), max_digits=12, decimal_places=2)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=gettext_lazy("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    products = models.ManyToManyField("catalog.Product", verbose_name=gettext_lazy("products"), blank=True, related_name="+")
    starts_at = models.DateTimeField(verbose_name=gettext_lazy("starts at"))
    ends_at = models.DateTimeField(verbose_name=gettext_lazy("ends at"))
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("created by"), null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("sale")
        verbose_name_plural = gettext_lazy("sales")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="sale_ends_after_start"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sale_amount_positive"),
            models.CheckConstraint(condition=~Q(kind="percent") | Q(amount__lt=100), name="sale_percent_below_100"),
        ]

    def __str__(self):
        return self.name


class SaleItem(models.Model):
    """A variant's prices before its sale started, and the sale price it was given: the end
    puts the old prices back only where the price is still the sale price."""

    sale = models.ForeignKey(Sale, verbose_name=gettext_lazy("sale"), on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey("catalog.Variant", verbose_name=gettext_lazy("variant"), on_delete=models.CASCADE, related_name="+")
    price_before = models.DecimalField(verbose_name=gettext_lazy("price before"), max_digits=12, decimal_places=2)
    compare_at_before = models.DecimalField(verbose_name=gettext_lazy("struck-through price before"), max_digits=12, decimal_places=2, null=True, blank=True)
    sale_price = models.DecimalField(verbose_name=gettext_lazy("sale price"), max_digits=12, decimal_places=2)
    running = models.BooleanField(verbose_name=gettext_lazy("running"), default=True)

    class Meta:
        verbose_name = gettext_lazy("sale item")
        verbose_name_plural = gettext_lazy("sale items")
        constraints = [
            models.UniqueConstraint(fields=["sale", "variant"], name="sale_item_once"),
            # A variant is in one running sale at a time.
            models.UniqueConstraint(fields=["variant"], condition=Q(running=True), name="sale_item_one_running_per_variant"),
        ]

    def __str__(self):
        return f"{self.sale}: {self.variant_id} {self.price_before} → {self.sale_price}"


class PromoCode(TimeStamped):
    """A code a shopper types at checkout for a reduction: a store's (``store`` set, on that
    store's items) or Soko's (``store`` empty, made by staff, on the whole checkout). Who pays
    for Soko's codes is ``SOKO_PLATFORM_CODES_PAID_BY``. ``uses`` counts placed orders and
    never passes ``max_uses`` (shop.promotions.services.codes)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", gettext_lazy("Percentage off")
        FIXED = "fixed", gettext_lazy("Amount off")

    code = models.CharField(verbose_name=gettext_lazy("code"), max_length=40, unique=True, help_text=gettext_lazy("Letters and digits; shoppers may type it in any case."))
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="promo_codes")
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    amount = models.DecimalField(verbose_name=gettext_lazy("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3, help_text=gettext_lazy("Of the amount off and the minimum order; the code works only in this currency."))
    min_order = models.DecimalField(verbose_name=gettext_lazy("minimum order"), max_digits=12, decimal_places=2, default=0)
    starts_at = models.DateTimeField(verbose_name=gettext_lazy("valid from"))
    ends_at = models.DateTimeField(verbose_name=gettext_lazy("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(verbose_name=gettext_lazy("uses in all"), null=True, blank=True, help_text=gettext_lazy("Empty: no limit."))
    max_uses_per_customer = models.PositiveIntegerField(verbose_name=gettext_lazy("uses per shopper"), default=1)
    first_order_only = models.BooleanField(verbose_name=gettext_lazy("first order only"), default=False)
    uses = models.PositiveIntegerField(verbose_name=gettext_lazy("uses"), default=0)
    active = models.BooleanField(verbose_name=gettext_lazy("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("promo code")
        verbose_name_plural = gettext_lazy("promo codes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promo_code_amount_positive"),
            models.CheckConstraint(condition=~Q(kind="percent") | Q(amount__lt=100), name="promo_code_percent_below_100"),
            models.CheckConstraint(condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")), name="promo_code_uses_within_limit"),
        ]

    def __str__(self):
        return self.code


class PromoRedemption(models.Model):
    """One use of a code: a placed checkout's reduction (given back when the checkout
    placed nothing after all)."""

    code = models.ForeignKey(PromoCode, verbose_name=gettext_lazy("code"), on_delete=models.PROTECT, related_name="redemptions")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.CASCADE, related_name="+")
    checkout = models.OneToOneField("orders.Checkout", verbose_name=gettext_lazy("checkout"), on_delete=models.CASCADE, related_name="promo_redemption")
    amount = models.DecimalField(verbose_name=gettext_lazy("amount"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)
    # Set when the checkout placed nothing after all (shop.promotions.services.codes.promo_use_return):
    # the use counts no more, towards the code's uses or the shopper's.
    returned_at = models.DateTimeField(verbose_name=gettext_lazy("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("promo code use")
        verbose_name_plural = gettext_lazy("promo code uses")

    def __str__(self):
        return f"{self.code} {self.amount}"


class LoyaltyEntry(models.Model):
    """One line of a shopper's points history, in one currency's points (points earned on
    orders in a currency are spent on orders in that currency). Append-only: a shopper's
    balance is the sum of ``points``. An entry that adds points (earned, given back) is a
    lot that expires at ``expires_at``; ``remaining`` is what is left of it to spend, taken
    oldest-expiring first (shop.promotions.services.loyalty)."""

    class Kind(models.TextChoices):
        EARNED = "earned", gettext_lazy("Earned")
        REDEEMED = "redeemed", gettext_lazy("Spent")
        RESTORED = "restored", gettext_lazy("Given back")
        REVERSED = "reversed", gettext_lazy("Taken back")
        EXPIRED = "expired", gettext_lazy("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("shopper"),
        on_delete=models.CASCADE,
        related_name="loyalty_entries",
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(verbose_name=gettext_lazy("points"))
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loyalty_entries",
    )
    remaining = models.PositiveIntegerField(verbose_name=gettext_lazy("left to spend"), default=0)
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("date"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("loyalty points entry")
        verbose_name_plural = gettext_lazy("loyalty points history")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "currency", "created_at"], name="loyalty_history"),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="loyalty_lots_to_expire"),
        ]
        constraints = [
            # Points are earned once per order and spent once per order.
            models.UniqueConstraint(fields=["order"], condition=Q(kind="earned"), name="loyalty_earned_once_per_order"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="redeemed"), name="loyalty_redeemed_once_per_order"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="loyalty_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(points__gt=0, remaining__lte=F("points")) | Q(points__lt=0, remaining=0),
                name="loyalty_remaining_within_lot",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.points:+d} {self.currency} points ({self.kind})"
