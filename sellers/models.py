from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped
from shop.core.selectors.currencies import STORE_CURRENCIES, currency_choices
from shop.core.validators import phone_validator

from . import validators


def default_currency() -> str:
    return settings.SOKO_CURRENCY


def default_return_window_days() -> int:
    # A callable, so changing SOKO_RETURN_WINDOW_DAYS in the environment does not call for a migration.
    return settings.SOKO_RETURN_WINDOW_DAYS


def default_time_zone() -> str:
    # A callable, so changing TIME_ZONE in the environment does not call for a migration.
    return settings.TIME_ZONE


class Store(TimeStamped):
    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=80)
    slug = models.SlugField(verbose_name=gettext_lazy("slug"), max_length=60, unique=True, help_text=gettext_lazy("Your store's address: /s/<slug>/"))
    tagline = models.CharField(verbose_name=gettext_lazy("tagline"), max_length=120, blank=True, help_text=gettext_lazy("One line under your name, e.g. Handwoven baskets from Kisii."))
    description = models.TextField(verbose_name=gettext_lazy("description"), max_length=4000, blank=True)
    logo = models.ForeignKey(
        "media.StoredImage", verbose_name=gettext_lazy("logo"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cover = models.ForeignKey(
        "media.StoredImage", verbose_name=gettext_lazy("cover"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20, validators=[phone_validator])
    email = models.EmailField(verbose_name=gettext_lazy("email"), blank=True, help_text=gettext_lazy("Shown on your store page for shoppers' questions."))
    categories = models.ManyToManyField("catalog.Category", verbose_name=gettext_lazy("categories"), blank=True, related_name="stores")
    tags = models.CharField(verbose_name=gettext_lazy("tags"),
        max_length=400, blank=True, help_text=gettext_lazy("Comma separated, stored in lower case: kikoi, baskets, beadwork.")
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"),
        max_length=3, choices=currency_choices(STORE_CURRENCIES), default=default_currency,
        help_text=gettext_lazy("Prices are in this currency; it follows the store's country when the store opens."),
    )
    time_zone = models.CharField(verbose_name=gettext_lazy("time zone"),
        max_length=64, default=default_time_zone, validators=[validators.validate_time_zone],
        help_text=gettext_lazy("Your opening hours are in this time zone."),
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=gettext_lazy("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="stores",
        help_text=gettext_lazy("The neighbourhood (or the district, region or country) you sell from."),
    )
    area_label = models.CharField(
        gettext_lazy("street or landmark"), max_length=120, blank=True, help_text=gettext_lazy("Optional, e.g. Sarit Centre, 2nd floor.")
    )
    latitude = models.DecimalField(verbose_name=gettext_lazy("latitude"),
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(verbose_name=gettext_lazy("longitude"),
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Delivery scope: a store may offer several.
    delivers_local = models.BooleanField(gettext_lazy("Local delivery"), default=True)
    delivers_national = models.BooleanField(gettext_lazy("National delivery"), default=False)
    delivers_international = models.BooleanField(gettext_lazy("International delivery"), default=False)
    delivers_digital = models.BooleanField(gettext_lazy("Digital delivery"), default=False)
    courier_fee_payer = models.CharField(
        gettext_lazy("courier commission paid by"), max_length=10, default="seller",
        choices=[("seller", gettext_lazy("My store")), ("buyer", gettext_lazy("The buyer, in the delivery fee"))],
        help_text=gettext_lazy("When the buyer pays, checkout adds the courier's commission for the distance to the delivery fee."),
    )
    return_window_days = models.PositiveSmallIntegerField(
        gettext_lazy("return window (days)"), default=default_return_window_days,
        validators=[MaxValueValidator(365)],
        help_text=gettext_lazy("Buyers may ask to return items this many days after delivery. 0: this store accepts no returns."),
    )
    x_handle = models.CharField(gettext_lazy("X (Twitter)"), max_length=15, blank=True, validators=[validators.validate_x_handle])
    discord = models.CharField(verbose_name=gettext_lazy("discord"), max_length=60, blank=True, validators=[validators.validate_discord])
    telegram = models.CharField(verbose_name=gettext_lazy("telegram"), max_length=32, blank=True, validators=[validators.validate_telegram])
    ens_name = models.CharField(gettext_lazy("ENS name"), max_length=255, blank=True, validators=[validators.validate_ens_name])
    # When the address the name resolves to signed Soko's Sign-In with Ethereum message for this store.
    ens_verified_at = models.DateTimeField(gettext_lazy("ENS name verified"), null=True, blank=True, editable=False)
    ens_address = models.CharField(gettext_lazy("ENS name's verified address"), max_length=42, blank=True, editable=False)
    # Where the store's share of orders paid in the stablecoin is released (EIP-55 checksummed).
    wallet_address = models.CharField(
        gettext_lazy("stablecoin payout address"),
        max_length=42,
        blank=True,
        validators=[validators.validate_wallet_address],
    )
    rating_avg = models.DecimalField(verbose_name=gettext_lazy("rating avg"), max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(verbose_name=gettext_lazy("rating count"), default=0)
    orders_count = models.PositiveIntegerField(verbose_name=gettext_lazy("orders count"), default=0)
    verified = models.BooleanField(verbose_name=gettext_lazy("verified"), default=False, help_text=gettext_lazy("Set by staff once the store's identity is checked."))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("members"), through="StoreMember", related_name="stores")

    class Meta:
        verbose_name = gettext_lazy("store")
        verbose_name_plural = gettext_lazy("stores")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="store_latitude_range",
                violation_error_message=gettext_lazy("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="store_longitude_range",
                violation_error_message=gettext_lazy("Longitude must be between -180 and 180."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(", ") if tag]

    @property
    def delivery_scopes(self) -> list[tuple[str, str, str]]:
        """(key, label, icon) for each delivery scope the store offers."""
        scopes = [
            ("local", _("Local"), "bi-geo-alt", self.delivers_local),
            ("national", _("National"), "bi-truck", self.delivers_national),
            ("international", _("International"), "bi-globe2", self.delivers_international),
            ("digital", _("Digital"), "bi-cloud-arrow-down", self.delivers_digital),
        ]
        return [(key, label, icon) for key, label, icon, offered in scopes if offered]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def x_url(self) -> str:
        return f"https://x.com/{self.x_handle}" if self.x_handle else ""

    @property
    def telegram_url(self) -> str:
        return f"https://t.me/{self.telegram}" if self.telegram else ""

    @property
    def discord_url(self) -> str:
        return validators.discord_invite_url(self.discord) or ""

    @property
    def has_socials(self) -> bool:
        return bool(self.x_handle or self.discord or self.telegram or self.ens_name)


class Weekday(models.IntegerChoices):
    # Numbered as datetime.weekday() numbers them.
    MONDAY = 0, gettext_lazy("Monday")
    TUESDAY = 1, gettext_lazy("Tuesday")
    WEDNESDAY = 2, gettext_lazy("Wednesday")
    THURSDAY = 3, gettext_lazy("Thursday")
    FRIDAY = 4, gettext_lazy("Friday")
    SATURDAY = 5, gettext_lazy("Saturday")
    SUNDAY = 6, gettext_lazy("Sunday")


class StoreHours(models.Model):
    """When a store opens on one weekday, in the store's time zone.

    A closing time at or before the opening time runs past midnight into the next day
    (18:00–02:00); equal times mean open around the clock from then. A weekday without a
    row has no hours set.
    """

    Weekday = Weekday

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("weekday"), choices=Weekday.choices)
    opens = models.TimeField(verbose_name=gettext_lazy("opens"), null=True, blank=True)
    closes = models.TimeField(verbose_name=gettext_lazy("closes"), null=True, blank=True)
    closed = models.BooleanField(verbose_name=gettext_lazy("closed"), default=False)

    class Meta:
        verbose_name = gettext_lazy("store hours")
        ordering = ["weekday"]
        verbose_name_plural = gettext_lazy("store hours")
        constraints = [
            models.UniqueConstraint(fields=["store", "weekday"], name="store_hours_one_per_weekday"),
            models.CheckConstraint(
                condition=Q(closed=True) | Q(opens__isnull=False, closes__isnull=False),
                name="store_hours_open_days_have_times",
                violation_error_message=gettext_lazy("Give both opening and closing times, or mark the day closed."),
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="store_hours_weekday_range"),
        ]

    def __str__(self):
        if self.closed:
            return _("%(weekday)s: closed") % {"weekday": self.get_weekday_display()}
        return f"{self.get_weekday_display()}: {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def around_the_clock(self) -> bool:
        return not self.closed and self.opens == self.closes

    @property
    def past_midnight(self) -> bool:
        return not self.closed and self.closes is not None and self.closes < self.opens


class StoreMember(TimeStamped):
    class Role(models.TextChoices):
        OWNER = "owner", gettext_lazy("Owner")
        STAFF = "staff", gettext_lazy("Staff")

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="store_memberships")
    role = models.CharField(verbose_name=gettext_lazy("role"), max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = gettext_lazy("store member")
        verbose_name_plural = gettext_lazy("store members")
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="unique_store_member")]

    def __str__(self):
        return _("%(user)s (%(role)s) at %(store)s") % {"user": self.user, "role": self.get_role_display(), "store": self.store}

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class StoreInvite(TimeStamped):
    """An owner's invitation to an email address without an account yet.

    Only a hash of the token is stored: the link in the email is the one copy of it.
    """

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(verbose_name=gettext_lazy("email"))
    token_hash = models.CharField(verbose_name=gettext_lazy("token hash"), max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("invited by"), null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))
    accepted_at = models.DateTimeField(verbose_name=gettext_lazy("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("accepted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("store invite")
        verbose_name_plural = gettext_lazy("store invites")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "email"], condition=Q(accepted_at__isnull=True), name="store_invite_one_pending_per_email"
            ),
        ]

    def __str__(self):
        return _("Invite to %(email)s for %(store)s") % {"email": self.email, "store": self.store}


class EnsChallenge(models.Model):
    """A Sign-In with Ethereum (EIP-4361) message Soko issued for a store's ENS name: its nonce
    is good for one verification before ``expires_at``; ``spent_at`` burns it."""

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="ens_challenges")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("requested by"), on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(verbose_name=gettext_lazy("nonce"), max_length=32, unique=True)
    name = models.CharField(gettext_lazy("ENS name"), max_length=255)
    address = models.CharField(gettext_lazy("address"), max_length=42)
    message = models.TextField(verbose_name=gettext_lazy("message"))
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))
    spent_at = models.DateTimeField(verbose_name=gettext_lazy("used at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("ENS verification message")
        verbose_name_plural = gettext_lazy("ENS verification messages")
        indexes = [models.Index(fields=["expires_at"], name="ens_challenge_expires")]

    def __str__(self):
        return self.nonce


class SalesForecast(models.Model):
    """The units a store (``product`` empty) or one of its best sellers will likely sell in
    each of the coming weeks, as made on ``made_on`` (sellers.analytics.services.forecast).
    No weeks: too little history to forecast."""

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="forecasts")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=gettext_lazy("product"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    made_on = models.DateField(verbose_name=gettext_lazy("made on"))
    history_days = models.PositiveIntegerField(verbose_name=gettext_lazy("days with sales"))
    # [{"starts": "2026-11-24", "expected": "12.5", "low": "8.0", "high": "17.1"}, ...] in units
    weeks = models.JSONField(verbose_name=gettext_lazy("weeks"), default=list)

    class Meta:
        verbose_name = gettext_lazy("sales forecast")
        verbose_name_plural = gettext_lazy("sales forecasts")
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="sales_forecast_one_per_product"),
            models.UniqueConstraint(fields=["store"], condition=Q(product__isnull=True), name="sales_forecast_one_per_store"),
        ]

    def __str__(self):
        return f"{self.store} {self.product or ''} {self.made_on}"


class StockAlert(models.Model):
    """A product's stock crossed below what the store needs: a variant fell to its own
    threshold, or a best seller's stock below its forecast demand (``variant`` empty). Open
    until the stock is back above; one open alert per variant or product and reason, so each
    crossing tells the store once."""

    class Reason(models.TextChoices):
        THRESHOLD = "threshold", gettext_lazy("At the low-stock threshold")
        FORECAST = "forecast", gettext_lazy("Below the forecast demand")

    store = models.ForeignKey(Store, verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="stock_alerts")
    product = models.ForeignKey("catalog.Product", verbose_name=gettext_lazy("product"), on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        "catalog.Variant", verbose_name=gettext_lazy("variant"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=10, choices=Reason.choices)
    stock = models.IntegerField(verbose_name=gettext_lazy("stock when raised"))
    needed = models.DecimalField(verbose_name=gettext_lazy("needed"), max_digits=10, decimal_places=1)
    opened_at = models.DateTimeField(verbose_name=gettext_lazy("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(verbose_name=gettext_lazy("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("stock alert")
        verbose_name_plural = gettext_lazy("stock alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "reason"], condition=Q(closed_at__isnull=True, variant__isnull=False), name="stock_alert_one_open_per_variant"
            ),
            models.UniqueConstraint(
                fields=["product", "reason"], condition=Q(closed_at__isnull=True, variant__isnull=True), name="stock_alert_one_open_per_product"
            ),
        ]

    def __str__(self):
        return f"{self.product} {self.reason} {self.opened_at:%Y-%m-%d}"
