from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

from shop.core.models import TimeStamped
from shop.core.validators import phone_validator


class CourierProfile(TimeStamped):
    """A person who delivers. Only an approved profile makes a courier."""

    class Vehicle(models.TextChoices):
        FOOT = "foot", gettext_lazy("On foot")
        BICYCLE = "bicycle", gettext_lazy("Bicycle")
        MOTORBIKE = "motorbike", gettext_lazy("Motorbike")
        CAR = "car", gettext_lazy("Car")
        VAN = "van", gettext_lazy("Van or truck")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Awaiting approval")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Not approved")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("user"),
        on_delete=models.CASCADE,
        related_name="courier_profile",
    )
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20, validators=[phone_validator])
    vehicle = models.CharField(verbose_name=gettext_lazy("vehicle"), max_length=12, choices=Vehicle.choices)
    service_area = models.CharField(
        verbose_name=gettext_lazy("where you deliver"),
        max_length=120,
        blank=True,
        help_text=gettext_lazy("In your words, e.g. Westlands and Parklands, Nairobi."),
    )

    class Availability(models.TextChoices):
        AVAILABLE = "available", gettext_lazy("Available")
        BUSY = "busy", pgettext_lazy("courier availability", "Busy")
        OFF = "off", gettext_lazy("Off duty")

    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    areas = models.ManyToManyField(
        "geo.Area",
        verbose_name=gettext_lazy("service areas"),
        blank=True,
        related_name="couriers",
        help_text=gettext_lazy("The job board shows jobs picked up in these areas (and the areas inside them)."),
    )
    availability = models.CharField(
        verbose_name=gettext_lazy("availability"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
    )
    share_location = models.BooleanField(
        verbose_name=gettext_lazy("share my location while delivering"),
        default=False,
        help_text=gettext_lazy("The buyer sees you on a map while their order is on its way."),
    )
    rating = models.DecimalField(
        verbose_name=gettext_lazy("rating"), max_digits=3, decimal_places=2, default=Decimal("0")
    )
    rating_count = models.PositiveIntegerField(verbose_name=gettext_lazy("ratings"), default=0)
    deliveries_count = models.PositiveIntegerField(verbose_name=gettext_lazy("completed deliveries"), default=0)
    reviewed_at = models.DateTimeField(verbose_name=gettext_lazy("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self):
        return f"{self.user} ({self.get_vehicle_display()}, {self.service_area})"

    class Meta:
        verbose_name = gettext_lazy("courier profile")
        verbose_name_plural = gettext_lazy("courier profiles")


class DeliveryJob(TimeStamped):
    """One courier job: a home delivery of an order (``kind`` delivery, ``order`` set), or
    a return pickup (``kind`` return, ``return_order`` set) that collects returned goods
    at the order's delivery address and brings them back to the store. Assigned by the
    store, or published to the job board for the first approved courier who accepts it.

    The commission is fixed when the job is made: ``distance_km × rate_per_km + bonus``,
    in the order's currency. ``commission_payer`` says who funds it. For a delivery: the
    buyer (it was added to the delivery fee at checkout) or the store; either way the
    store's share of the order pays the courier (``shop.payments.payouts.couriers``). For a return
    pickup: the buyer pays the courier in cash at pickup, or the store's share pays it
    once the goods reach the store.

    A return pickup's ``pickup_*`` fields are the buyer's address and its ``dropoff_*``
    fields the store's (the reverse of a delivery); its two codes (the buyer's pickup code
    and the store's drop-off code) are derived from ``code_nonce`` and ``SECRET_KEY``
    (``couriers.selectors.return_codes``).
    """

    class Kind(models.TextChoices):
        DELIVERY = "delivery", gettext_lazy("Delivery")
        RETURN = "return", gettext_lazy("Return pickup")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        PICKED_UP = "picked_up", gettext_lazy("Picked up")
        AT_DOOR = "at_door", gettext_lazy("At the door")
        DELIVERED = "delivered", gettext_lazy("Delivered")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    class Payer(models.TextChoices):
        BUYER = "buyer", gettext_lazy("The buyer (in the delivery fee)")
        SELLER = "seller", gettext_lazy("The store")

    kind = models.CharField(
        verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices, default=Kind.DELIVERY
    )
    # The order a delivery job takes to the buyer (one per order).
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delivery_job",
    )
    # The order whose returned goods a return pickup brings back (one open job at a time).
    return_order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("returned order"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="return_jobs",
    )
    note = models.CharField(
        verbose_name=gettext_lazy("what to collect"),
        max_length=300,
        blank=True,
        help_text=gettext_lazy("For a return pickup, e.g. 2 × Basket."),
    )
    code_nonce = models.CharField(verbose_name=gettext_lazy("code nonce"), max_length=32, blank=True, editable=False)
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="delivery_jobs"
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("courier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivery_jobs",
    )
    # Offered to one courier by the store (not on the board).
    assigned = models.BooleanField(verbose_name=gettext_lazy("assigned by the store"), default=False)
    pickup_area = models.ForeignKey(
        "geo.Area",
        verbose_name=gettext_lazy("pickup area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dropoff_area = models.ForeignKey(
        "geo.Area",
        verbose_name=gettext_lazy("drop-off area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pickup_latitude = models.DecimalField(
        verbose_name=gettext_lazy("pickup latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    pickup_longitude = models.DecimalField(
        verbose_name=gettext_lazy("pickup longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    dropoff_latitude = models.DecimalField(
        verbose_name=gettext_lazy("drop-off latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    dropoff_longitude = models.DecimalField(
        verbose_name=gettext_lazy("drop-off longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    distance_km = models.DecimalField(verbose_name=gettext_lazy("distance (km)"), max_digits=8, decimal_places=2)
    rate_per_km = models.DecimalField(verbose_name=gettext_lazy("rate per km"), max_digits=10, decimal_places=2)
    bonus = models.DecimalField(
        verbose_name=gettext_lazy("bonus"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    commission = models.DecimalField(verbose_name=gettext_lazy("commission"), max_digits=12, decimal_places=2)
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    commission_payer = models.CharField(
        verbose_name=gettext_lazy("commission paid by"), max_length=10, choices=Payer.choices, default=Payer.SELLER
    )
    published_at = models.DateTimeField(verbose_name=gettext_lazy("published at"), default=None, null=True, blank=True)
    accepted_at = models.DateTimeField(verbose_name=gettext_lazy("accepted at"), null=True, blank=True)
    picked_up_at = models.DateTimeField(verbose_name=gettext_lazy("picked up at"), null=True, blank=True)
    delivered_at = models.DateTimeField(verbose_name=gettext_lazy("delivered at"), null=True, blank=True)
    # Nobody took it in time: the store was told (once).
    flagged_at = models.DateTimeField(verbose_name=gettext_lazy("flagged as not taken at"), null=True, blank=True)
    # Cash at the door: both sides confirm before the order is delivered.
    cash_amount = models.DecimalField(
        verbose_name=gettext_lazy("cash received"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    cash_courier_confirmed_at = models.DateTimeField(
        verbose_name=gettext_lazy("cash confirmed by the courier at"), null=True, blank=True
    )
    cash_buyer_confirmed_at = models.DateTimeField(
        verbose_name=gettext_lazy("cash confirmed by the buyer at"), null=True, blank=True
    )
    # The courier's last shared position, while the order is on its way.
    courier_latitude = models.DecimalField(
        verbose_name=gettext_lazy("courier latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    courier_longitude = models.DecimalField(
        verbose_name=gettext_lazy("courier longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    courier_located_at = models.DateTimeField(verbose_name=gettext_lazy("courier located at"), null=True, blank=True)
    # Wrong codes checked for this job over its life, by every courier who held it: the cap
    # on guessing its codes (SOKO_COURIER_WRONG_CODES_PER_JOB). Never reset: the package code
    # of a delivery stays the same when the job is made anew.
    wrong_codes = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("wrong codes"), default=0, editable=False)

    class Meta:
        verbose_name = gettext_lazy("delivery job")
        verbose_name_plural = gettext_lazy("delivery jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "pickup_area"], name="courier_job_board_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="cancelled") | Q(courier__isnull=False),
                name="courier_job_held_has_courier",
                violation_error_message=gettext_lazy("A job that was accepted has a courier."),
            ),
            models.CheckConstraint(
                condition=Q(kind="delivery", order__isnull=False, return_order__isnull=True)
                | Q(kind="return", order__isnull=True, return_order__isnull=False),
                name="courier_job_kind_order",
                violation_error_message=gettext_lazy("A delivery has its order; a return pickup its returned order."),
            ),
            models.UniqueConstraint(
                fields=["return_order"],
                condition=Q(status__in=["open", "accepted", "picked_up"]),
                name="courier_one_open_return_job",
                violation_error_message=gettext_lazy("This order already has a return pickup under way."),
            ),
        ]

    def __str__(self):
        return f"{self.for_order} ({self.get_status_display()})"

    @property
    def is_return(self) -> bool:
        return self.kind == self.Kind.RETURN

    @property
    def for_order(self):
        """The order of the job, whichever its kind."""
        return self.return_order if self.kind == self.Kind.RETURN else self.order


class ScanEvent(models.Model):
    """Every scan or typed code a courier (or store) tries, good or refused: the audit of
    pickups and handovers (the limits count in the cache and on the job, not here)."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", gettext_lazy("Pickup")
        HANDOVER = "handover", gettext_lazy("Handover")
        DROPOFF = "dropoff", gettext_lazy("Return drop-off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("scanned by"), on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(
        DeliveryJob,
        verbose_name=gettext_lazy("job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scans",
    )
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    typed = models.BooleanField(verbose_name=gettext_lazy("typed"), default=False)
    accepted = models.BooleanField(verbose_name=gettext_lazy("accepted"), default=False)
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=20, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("scan")
        verbose_name_plural = gettext_lazy("scans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "accepted", "created_at"], name="courier_scan_rate_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user} · {self.reason or 'ok'}"


class CourierRating(models.Model):
    """The buyer's rating of the courier who delivered an order: once per order."""

    job = models.OneToOneField(
        DeliveryJob, verbose_name=gettext_lazy("job"), on_delete=models.CASCADE, related_name="rating"
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("courier"),
        on_delete=models.CASCADE,
        related_name="courier_ratings",
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.CASCADE, related_name="+"
    )
    stars = models.PositiveSmallIntegerField(
        verbose_name=gettext_lazy("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(verbose_name=gettext_lazy("comment"), max_length=300, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("courier rating")
        verbose_name_plural = gettext_lazy("courier ratings")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="courier_rating_stars_range")
        ]

    def __str__(self):
        return f"{self.stars}★ {self.courier}"


class Remittance(models.Model):
    """Cash a courier handed in, recorded by staff: to the platform, or to the store whose
    order it paid. Posted to the ledger once (``shop.payments.payouts.couriers``)."""

    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("courier"),
        on_delete=models.PROTECT,
        related_name="remittances",
    )
    store = models.ForeignKey(
        "sellers.Store",
        verbose_name=gettext_lazy("handed to store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("Empty when the cash was handed to the platform."),
    )
    amount = models.DecimalField(
        verbose_name=gettext_lazy("cash handed in"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    commission_kept = models.DecimalField(
        verbose_name=gettext_lazy("commission kept from the cash"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=gettext_lazy(
            "Commission the courier took out of the cash it held, settling what the platform owes it."
        ),
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    note = models.CharField(verbose_name=gettext_lazy("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("cash remittance")
        verbose_name_plural = gettext_lazy("cash remittances")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.courier} · {self.amount} {self.currency}"
