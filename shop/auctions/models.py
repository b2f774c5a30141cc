"""Auctions: one unit of a product sold to the highest bidder.

Every bidder has one maximum (``ProxyBid``); Soko bids for them, one increment at a time,
as far as their maximum (eBay's proxy bidding). ``Bid`` rows are the visible steps of the
price, the bid history; their amounts are unique per auction, a backstop behind the lock
on the auction row that every bid takes. ``Auction.seq`` counts the changes a watcher's
page shows: each push carries it, so a page that sees a gap reads the state again.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import TimeStamped

POSITIVE = [MinValueValidator(Decimal("0.01"))]


class Auction(TimeStamped):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        LIVE = "live", gettext_lazy("Live")
        ENDED = "ended", gettext_lazy("Ended")
        CANCELLED = "cancelled", gettext_lazy("Cancelled by staff")

    class Outcome(models.TextChoices):
        NONE = "", gettext_lazy("Not ended")
        SOLD = "sold", gettext_lazy("Sold")
        RESERVE_NOT_MET = "reserve_not_met", gettext_lazy("Reserve not met")
        NO_BIDS = "no_bids", gettext_lazy("No bids")

    # Open for bids between its start and end (``status`` follows the clock, see selectors).
    OPEN = (Status.SCHEDULED, Status.LIVE)

    product = models.ForeignKey(
        "catalog.Product", verbose_name=gettext_lazy("product"), on_delete=models.PROTECT, related_name="auctions"
    )
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.PROTECT, related_name="auctions"
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    start_price = models.DecimalField(
        verbose_name=gettext_lazy("start price"), max_digits=12, decimal_places=2, validators=POSITIVE
    )
    # Hidden from bidders: below it the item is not sold (the page says only "met" or "not met").
    reserve_price = models.DecimalField(
        verbose_name=gettext_lazy("reserve price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    buy_now_price = models.DecimalField(
        verbose_name=gettext_lazy("buy-it-now price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    starts_at = models.DateTimeField(verbose_name=gettext_lazy("starts at"), db_index=True)
    ends_at = models.DateTimeField(verbose_name=gettext_lazy("ends at"), db_index=True)
    soft_close_minutes = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("soft close (minutes)"), default=2)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    outcome = models.CharField(
        verbose_name=gettext_lazy("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.NONE, blank=True
    )
    # The state a page shows, kept by the bidding service under the row lock.
    current_price = models.DecimalField(
        verbose_name=gettext_lazy("current price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    bid_count = models.PositiveIntegerField(verbose_name=gettext_lazy("bids"), default=0)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("leading bidder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reserve_met = models.BooleanField(verbose_name=gettext_lazy("reserve met"), default=False)
    watchers_count = models.PositiveIntegerField(verbose_name=gettext_lazy("watchers"), default=0)
    seq = models.PositiveBigIntegerField(verbose_name=gettext_lazy("sequence number"), default=0)
    ending_soon_sent_at = models.DateTimeField(verbose_name=gettext_lazy("ending-soon sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(verbose_name=gettext_lazy("closed at"), null=True, blank=True)
    # Who bought it, and the order to pay: the winner, or later a second-chance buyer.
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("winner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="auctions_won",
    )
    final_price = models.DecimalField(
        verbose_name=gettext_lazy("final price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The app's Idempotency-Key of the API request that bought it now (shop.auctions.services.buy_now).
    buy_now_key = models.CharField(verbose_name=gettext_lazy("buy-it-now client key"), max_length=255, blank=True, default="")
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    relisted_from = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("relisted from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relists",
    )
    cancel_reason = models.CharField(verbose_name=gettext_lazy("why cancelled"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("auction")
        verbose_name_plural = gettext_lazy("auctions")
        ordering = ["ends_at", "id"]
        indexes = [models.Index(fields=["status", "ends_at"], name="auction_status_ends_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="auction_ends_after_start"),
            models.CheckConstraint(condition=Q(start_price__gt=0), name="auction_start_price_positive"),
        ]

    def __str__(self):
        return gettext("Auction %(id)s: %(title)s") % {"id": self.pk, "title": self.product.title if self.product_id else ""}


class ProxyBid(TimeStamped):
    """A bidder's maximum on one auction. Raised, never lowered; ``created_at`` breaks a
    tie between equal maximums (the earlier bidder leads)."""

    auction = models.ForeignKey(
        Auction, verbose_name=gettext_lazy("auction"), on_delete=models.CASCADE, related_name="proxies"
    )
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("bidder"), on_delete=models.CASCADE, related_name="+"
    )
    max_amount = models.DecimalField(verbose_name=gettext_lazy("maximum bid"), max_digits=12, decimal_places=2)
    # When this maximum was set: an equal maximum set later loses to it.
    raised_at = models.DateTimeField(verbose_name=gettext_lazy("raised at"))
    # The app's Idempotency-Key of the API request that set this maximum: its retry after a
    # lost answer is answered, not bid again (shop.auctions.services.bid_place).
    client_key = models.CharField(verbose_name=gettext_lazy("client key"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = gettext_lazy("maximum bid")
        verbose_name_plural = gettext_lazy("maximum bids")
        constraints = [models.UniqueConstraint(fields=["auction", "bidder"], name="proxy_one_per_bidder")]

    def __str__(self):
        return f"{self.bidder_id} ≤ {self.max_amount}"


class Bid(models.Model):
    """One step of the price, as the bid history shows it."""

    auction = models.ForeignKey(Auction, verbose_name=gettext_lazy("auction"), on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("bidder"), on_delete=models.CASCADE, related_name="bids"
    )
    amount = models.DecimalField(verbose_name=gettext_lazy("amount"), max_digits=12, decimal_places=2)
    # Placed by Soko for the bidder, from their maximum.
    automatic = models.BooleanField(verbose_name=gettext_lazy("automatic"), default=False)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("placed at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("bid")
        verbose_name_plural = gettext_lazy("bids")
        ordering = ["-amount"]
        constraints = [models.UniqueConstraint(fields=["auction", "amount"], name="bid_amount_unique_per_auction")]

    def __str__(self):
        return f"{self.amount} ({self.bidder_id})"


class Watch(models.Model):
    auction = models.ForeignKey(Auction, verbose_name=gettext_lazy("auction"), on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("watch")
        verbose_name_plural = gettext_lazy("watches")
        constraints = [models.UniqueConstraint(fields=["auction", "user"], name="watch_once")]

    def __str__(self):
        return f"{self.user_id} watches {self.auction_id}"


class SecondChanceOffer(TimeStamped):
    """The item offered to a bidder who did not win: the runner-up after an unpaid win (at
    their own highest bid), or the top bidder at the reserve when it was not met."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        DECLINED = "declined", gettext_lazy("Declined")
        EXPIRED = "expired", gettext_lazy("Expired")

    class Reason(models.TextChoices):
        UNPAID = "unpaid", gettext_lazy("The winner did not pay")
        RESERVE = "reserve", gettext_lazy("Offered at the reserve price")

    auction = models.ForeignKey(Auction, verbose_name=gettext_lazy("auction"), on_delete=models.CASCADE, related_name="offers")
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("bidder"), on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(verbose_name=gettext_lazy("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=10, choices=Reason.choices)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))

    class Meta:
        verbose_name = gettext_lazy("second-chance offer")
        verbose_name_plural = gettext_lazy("second-chance offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "bidder"], name="offer_once_per_bidder"),
            models.UniqueConstraint(fields=["auction"], condition=Q(status="open"), name="offer_one_open_per_auction"),
        ]

    def __str__(self):
        return gettext("Offer of auction %(auction)s to %(bidder)s") % {"auction": self.auction_id, "bidder": self.bidder_id}


class PaymentViolation(models.Model):
    """A won auction (or an accepted offer) not paid by its deadline."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.CASCADE, related_name="payment_violations"
    )
    auction = models.ForeignKey(Auction, verbose_name=gettext_lazy("auction"), on_delete=models.CASCADE, related_name="violations")
    order = models.OneToOneField(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="payment_violation"
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("payment violation")
        verbose_name_plural = gettext_lazy("payment violations")
        ordering = ["-created_at"]

    def __str__(self):
        return gettext("Unpaid order %(order)s") % {"order": self.order_id}


class BiddingBlock(models.Model):
    """A buyer who may not bid, after too many unpaid wins; staff lift it (kept as history)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="bidding_blocks"
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=300)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("blocked at"), auto_now_add=True)
    lifted_at = models.DateTimeField(verbose_name=gettext_lazy("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("bidding block")
        verbose_name_plural = gettext_lazy("bidding blocks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(lifted_at__isnull=True), name="one_active_bidding_block")
        ]

    def __str__(self):
        return gettext("Bidding block of %(user)s") % {"user": self.user_id}
