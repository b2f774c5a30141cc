from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from shop.core.models import TimeStamped


class Category(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)
    icon = models.CharField(max_length=40, default="bi-tag", help_text="A Bootstrap Icons class, e.g. bi-basket.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """What shoppers may see and buy: active listings only."""
        return self.filter(status__in=Product.VISIBLE_STATUSES)


class Product(TimeStamped):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", "Physical item"
        DIGITAL = "digital", "Digital item"
        SERVICE = "service", "Service"

    class Condition(models.TextChoices):
        NEW = "new", "New"
        USED = "used", "Used"
        HANDMADE = "handmade", "Handmade"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        ACTIVE = "active", "Active"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"

    # "On sale to shoppers": the one rule, as a query (``visible()``) and for one row (``is_visible``).
    VISIBLE_STATUSES = (Status.ACTIVE,)

    store = models.ForeignKey("sellers.Store", on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=60, blank=True, db_index=True)
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.NEW)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    # The tag names as text, so full-text search indexes one row without a join.
    tags_text = models.CharField(max_length=400, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    featured = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Denormalised for listing and sorting: kept up to date by the services that change them.
    min_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, db_index=True)
    in_stock = models.BooleanField(default=False)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    orders_count = models.PositiveIntegerField(default=0)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "category"], name="product_status_category_idx")]

    def __str__(self):
        return self.title

    @property
    def is_visible(self) -> bool:
        """On sale to shoppers: the same rule as ``Product.objects.visible()``."""
        return self.status in self.VISIBLE_STATUSES


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=60, help_text="e.g. Red / M, or Basic, Premium, Express for a service.")
    sku = models.CharField("SKU", max_length=40, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text='e.g. {"colour": "red", "size": "M"}')
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    stock = models.IntegerField(default=0, help_text="Units on hand; for a service, concurrent bookings.")
    low_stock_threshold = models.PositiveIntegerField(default=3)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Services: estimated duration.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
        ]

    def __str__(self):
        return f"{self.product} — {self.name}"

    @property
    def is_low_stock(self) -> bool:
        return 0 < self.stock <= self.low_stock_threshold

    @property
    def on_sale(self) -> bool:
        """Discounted: a compare-at price above the price (not "listed": see ``Product.is_visible``)."""
        return bool(self.compare_at_price and self.compare_at_price > self.price)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ForeignKey("media.StoredImage", on_delete=models.PROTECT, related_name="+")
    # The variant this picture shows ("Blue"); none for a picture of the whole product.
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    alt = models.CharField(max_length=140, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or f"Picture {self.pk}"


class Favorite(TimeStamped):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("sellers.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, store__isnull=True) | Q(product__isnull=True, store__isnull=False),
                name="favorite_one_target",
            ),
            models.UniqueConstraint(fields=["user", "product"], condition=Q(product__isnull=False), name="unique_favorite_product"),
            models.UniqueConstraint(fields=["user", "store"], condition=Q(store__isnull=False), name="unique_favorite_store"),
        ]
