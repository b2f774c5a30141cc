from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy

from shop.core.models import TimeStamped
from shop.core.selectors.i18n import SITE_NAME, lazy_text


class Category(models.Model):
    """A shelf of the catalog. ``name`` is the English name; ``name_fr``, ``name_sw`` and
    ``name_ur`` are what shoppers reading those languages see (``label``), falling back to
    the English name where staff left one empty."""

    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=60, help_text=gettext_lazy("In English."))
    name_fr = models.CharField(verbose_name=gettext_lazy("name in French"), max_length=60, blank=True)
    name_sw = models.CharField(verbose_name=gettext_lazy("name in Swahili"), max_length=60, blank=True)
    name_ur = models.CharField(verbose_name=gettext_lazy("name in Urdu"), max_length=60, blank=True)
    TRANSLATED = ("fr", "sw", "ur")
    slug = models.SlugField(verbose_name=gettext_lazy("slug"), max_length=60, unique=True)
    icon = models.CharField(verbose_name=gettext_lazy("icon"), max_length=40, default="bi-tag", help_text=gettext_lazy("A Bootstrap Icons class, e.g. bi-basket."))
    parent = models.ForeignKey("self", verbose_name=gettext_lazy("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("category")
        ordering = ["position", "name"]
        verbose_name_plural = gettext_lazy("categories")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        language = (get_language() or "").split("-")[0]
        translated = getattr(self, f"name_{language}", "") if language in self.TRANSLATED else ""
        return translated or self.name

    @property
    def names(self) -> list[str]:
        """Every name it has, for searches typed in any language."""
        return [name for name in (self.name, self.name_fr, self.name_sw, self.name_ur) if name]


class Tag(models.Model):
    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = gettext_lazy("tag")
        verbose_name_plural = gettext_lazy("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """What shoppers may see and buy: active listings only."""
        return self.filter(status__in=Product.VISIBLE_STATUSES)


class Product(TimeStamped):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", gettext_lazy("Physical item")
        DIGITAL = "digital", gettext_lazy("Digital item")
        SERVICE = "service", gettext_lazy("Service")

    class Condition(models.TextChoices):
        NEW = "new", gettext_lazy("New")
        USED = "used", gettext_lazy("Used")
        HANDMADE = "handmade", gettext_lazy("Handmade")

    class Listing(models.TextChoices):
        """How it is sold: at a fixed price from the cart, or by auction (one unit), never both."""

        FIXED = "fixed", gettext_lazy("Fixed price")
        AUCTION = "auction", gettext_lazy("Auction")

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        PENDING = "pending", gettext_lazy("Pending review")
        ACTIVE = "active", gettext_lazy("Active")
        REJECTED = "rejected", gettext_lazy("Rejected")
        ARCHIVED = "archived", gettext_lazy("Archived")
        # Taken down by Soko (reports or staff, see shop.moderation): only a staff reversal
        # brings back the status it had; seller edits leave it hidden.
        HIDDEN = "hidden", lazy_text(gettext_lazy("Hidden by %(site)s"), site=SITE_NAME)

    # "On sale to shoppers": the one rule, as a query (``visible()``) and for one row (``is_visible``).
    VISIBLE_STATUSES = (Status.ACTIVE,)

    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(Category, verbose_name=gettext_lazy("category"), on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    listing_type = models.CharField(verbose_name=gettext_lazy("sold by"), max_length=10, choices=Listing.choices, default=Listing.FIXED)
    title = models.CharField(verbose_name=gettext_lazy("title"), max_length=120)
    slug = models.SlugField(verbose_name=gettext_lazy("slug"), max_length=140, unique=True)
    description = models.TextField(verbose_name=gettext_lazy("description"), blank=True)
    brand = models.CharField(verbose_name=gettext_lazy("brand"), max_length=60, blank=True, db_index=True)
    condition = models.CharField(verbose_name=gettext_lazy("condition"), max_length=10, choices=Condition.choices, default=Condition.NEW)
    returnable = models.BooleanField(
        verbose_name=gettext_lazy("returnable"), default=True,
        help_text=gettext_lazy("Buyers may return it within your store's return window. Untick for items that cannot be returned (food, cosmetics, made to measure)."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=gettext_lazy("tags"), blank=True, related_name="products")
    # The tag names as text, so full-text search indexes one row without a join.
    tags_text = models.CharField(verbose_name=gettext_lazy("tags text"), max_length=400, blank=True, editable=False)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.CharField(verbose_name=gettext_lazy("rejection reason"), max_length=300, blank=True)
    featured = models.BooleanField(verbose_name=gettext_lazy("featured"), default=False)
    published_at = models.DateTimeField(verbose_name=gettext_lazy("published at"), null=True, blank=True, db_index=True)
    # Denormalised for listing and sorting: kept up to date by the services that change them.
    min_price = models.DecimalField(verbose_name=gettext_lazy("min price"), max_digits=12, decimal_places=2, null=True, blank=True, db_index=True)
    in_stock = models.BooleanField(verbose_name=gettext_lazy("in stock"), default=False)
    rating_avg = models.DecimalField(verbose_name=gettext_lazy("rating avg"), max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(verbose_name=gettext_lazy("rating count"), default=0)
    orders_count = models.PositiveIntegerField(verbose_name=gettext_lazy("orders count"), default=0)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("product")
        verbose_name_plural = gettext_lazy("products")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "category"], name="product_status_category_idx")]

    def __str__(self):
        return self.title

    @property
    def is_visible(self) -> bool:
        """On sale to shoppers: the same rule as ``Product.objects.visible()``."""
        return self.status in self.VISIBLE_STATUSES

    @property
    def is_auction(self) -> bool:
        return self.listing_type == self.Listing.AUCTION

    @property
    def sold_at_auction(self) -> bool:
        """Its one unit went to a winner: shown as sold, never at its starting price."""
        return self.is_auction and not self.in_stock


class Variant(models.Model):
    product = models.ForeignKey(Product, verbose_name=gettext_lazy("product"), on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=60, help_text=gettext_lazy("e.g. Red / M, or Basic, Premium, Express for a service."))
    sku = models.CharField(gettext_lazy("SKU"), max_length=40, blank=True)
    attributes = models.JSONField(verbose_name=gettext_lazy("attributes"), default=dict, blank=True, help_text=gettext_lazy('e.g. {"colour": "red", "size": "M"}'))
    price = models.DecimalField(verbose_name=gettext_lazy("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    compare_at_price = models.DecimalField(verbose_name=gettext_lazy("compare at price"), max_digits=12, decimal_places=2, null=True, blank=True)
    stock = models.IntegerField(verbose_name=gettext_lazy("stock"), default=0, help_text=gettext_lazy("Units on hand; for a service, concurrent bookings."))
    low_stock_threshold = models.PositiveIntegerField(verbose_name=gettext_lazy("low stock threshold"), default=3)
    duration_minutes = models.PositiveIntegerField(verbose_name=gettext_lazy("duration minutes"), null=True, blank=True, help_text=gettext_lazy("Services: estimated duration."))
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("variant")
        verbose_name_plural = gettext_lazy("variants")
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
    product = models.ForeignKey(Product, verbose_name=gettext_lazy("product"), on_delete=models.CASCADE, related_name="images")
    image = models.ForeignKey("media.StoredImage", verbose_name=gettext_lazy("image"), on_delete=models.PROTECT, related_name="+")
    # The variant this picture shows ("Blue"); none for a picture of the whole product.
    variant = models.ForeignKey(Variant, verbose_name=gettext_lazy("variant"), null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    alt = models.CharField(verbose_name=gettext_lazy("alt"), max_length=140, blank=True)
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("product image")
        verbose_name_plural = gettext_lazy("product images")
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or f"Picture {self.pk}"


class Favorite(TimeStamped):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="favorites")
    product = models.ForeignKey(Product, verbose_name=gettext_lazy("product"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # What the shopper was last told of a favourite product (shop.catalog.services.favorite_alerts):
    # its lowest price and whether it was in stock, and the last change told.
    price_seen = models.DecimalField(verbose_name=gettext_lazy("price seen"), max_digits=12, decimal_places=2, null=True, blank=True)
    in_stock_seen = models.BooleanField(verbose_name=gettext_lazy("in stock seen"), null=True, blank=True)
    change = models.CharField(
        verbose_name=gettext_lazy("last change"), max_length=12, blank=True,
        choices=[("price_drop", gettext_lazy("Price dropped")), ("back", gettext_lazy("Back in stock"))],
    )
    price_before = models.DecimalField(verbose_name=gettext_lazy("price before"), max_digits=12, decimal_places=2, null=True, blank=True)
    changed_at = models.DateTimeField(verbose_name=gettext_lazy("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("favorite")
        verbose_name_plural = gettext_lazy("favorites")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, store__isnull=True) | Q(product__isnull=True, store__isnull=False),
                name="favorite_one_target",
            ),
            models.UniqueConstraint(fields=["user", "product"], condition=Q(product__isnull=False), name="unique_favorite_product"),
            models.UniqueConstraint(fields=["user", "store"], condition=Q(store__isnull=False), name="unique_favorite_store"),
        ]


class CatalogChange(models.Model):
    """One row per statement that changed what catalog pages show, written by database
    triggers on the tables those pages read (migration catalog 0007), never by Python: a
    bulk update, an ``F()`` price change, the admin and raw SQL all count alike. An update
    of sale counters alone (``SALE_COUNTERS``: stock, orders counts) is not a change; the
    pages that show them key their copies by them. The catalog's stamp is the count and the
    highest id of these rows (``catalog_stamp``), so it changes with every committed
    change; cached pages carry it in their key. A change to one listing's rows names the
    listing's category (``CATEGORY_SCOPED``), a change that only one store's pages show
    (its rating, its reviews) names the store (``STORE_SCOPED``): a product page is keyed by
    its category's and its store's changes and the shared ones, those naming neither
    (``product_page_key``), a category page by those of the categories under it and the
    shared ones (``category_page_key``)."""

    id = models.BigAutoField(primary_key=True)
    category_id = models.BigIntegerField(null=True, editable=False)
    store_id = models.BigIntegerField(null=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["category_id", "id"], name="catalog_change_category_idx"),
            models.Index(fields=["store_id", "id"], name="catalog_change_store_idx"),
            models.Index(fields=["id"], condition=Q(category_id__isnull=True, store_id__isnull=True), name="catalog_change_shared_idx"),
        ]
        verbose_name = gettext_lazy("catalog change")
        verbose_name_plural = gettext_lazy("catalog changes")

    def __str__(self):
        return f"Catalog change {self.pk}"


class ProductDayStats(models.Model):
    """How often a product's page was seen and its "Add to cart" used on one day (the
    store's own calendar day). Written only by ``product_activity_flush``, which adds the
    counts buffered in the cache; pages never write here on the request path."""

    product = models.ForeignKey(Product, verbose_name=gettext_lazy("product"), on_delete=models.CASCADE, related_name="day_stats")
    day = models.DateField(verbose_name=gettext_lazy("day"))
    views = models.PositiveIntegerField(verbose_name=gettext_lazy("page views"), default=0)
    cart_adds = models.PositiveIntegerField(verbose_name=gettext_lazy("added to cart"), default=0)

    class Meta:
        verbose_name = gettext_lazy("product day figures")
        verbose_name_plural = gettext_lazy("product day figures")
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="product_day_stats_once")]

    def __str__(self):
        return f"{self.product_id} {self.day}: {self.views} views, {self.cart_adds} added"
