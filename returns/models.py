"""Returns: a buyer asks to send back some units of a delivered order, the store approves
(drop-off at the store, or a courier pickup) or rejects with a reason, the buyer may
escalate a rejection to staff, and once the goods are back the return's lines are
refunded through payments (``shop.payments.refunds.services.refund_order``, key ``return:<id>``).

States: requested → approved → received (the goods are at the store; it inspects them) →
refunded, or received → disputed (the store refuses the goods; staff refund or reject);
an untouched received return is refunded after ``SOKO_RETURN_INSPECTION_DAYS``;
requested → rejected → escalated → approved or rejected by staff; cancelled by the buyer
before the goods leave. Every change is a ``ReturnEvent`` (the timeline both sides see).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import TimeStamped
from shop.core.selectors.i18n import SITE_NAME, lazy_text

PHOTOS_MAX = 4
TEXT_MAX = 1000


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", gettext_lazy("Requested")
    APPROVED = "approved", gettext_lazy("Approved")
    RECEIVED = "received", gettext_lazy("Received by the store")
    REFUNDED = "refunded", gettext_lazy("Refunded")
    DISPUTED = "disputed", gettext_lazy("Disputed by the store")
    REJECTED = "rejected", gettext_lazy("Rejected")
    ESCALATED = "escalated", lazy_text(gettext_lazy("With %(site)s staff"), site=SITE_NAME)
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


# What a staff ruling on a disputed or escalated return decides, by the status it moves to.
STAFF_RULES_ON = (ReturnStatus.DISPUTED, ReturnStatus.ESCALATED)
STAFF_DECISION_LABELS = {
    ReturnStatus.RECEIVED: lazy_text(gettext_lazy("Decided by %(site)s staff: refund"), site=SITE_NAME),
    ReturnStatus.APPROVED: lazy_text(gettext_lazy("Decided by %(site)s staff: approve"), site=SITE_NAME),
    ReturnStatus.REJECTED: lazy_text(gettext_lazy("Decided by %(site)s staff: reject"), site=SITE_NAME),
}


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", gettext_lazy("Arrived damaged")
    WRONG_ITEM = "wrong_item", gettext_lazy("Wrong item")
    NOT_AS_DESCRIBED = "not_as_described", gettext_lazy("Not as described")
    DOES_NOT_FIT = "does_not_fit", gettext_lazy("Doesn't fit")
    CHANGED_MIND = "changed_mind", gettext_lazy("Changed my mind")
    OTHER = "other", gettext_lazy("Other")


class ReturnMethod(models.TextChoices):
    DROP_OFF = "drop_off", gettext_lazy("The buyer drops it off at the store")
    COURIER = "courier", gettext_lazy("A courier picks it up from the buyer")


class CourierPayer(models.TextChoices):
    BUYER = "buyer", gettext_lazy("The buyer, in cash at pickup")
    SELLER = "seller", gettext_lazy("The store")


# Units in these returns are spoken for: a new request cannot ask for them again.
HOLDING = [s for s in ReturnStatus.values if s != ReturnStatus.CANCELLED]
# Still moving: the store's queue counts them as open.
OPEN = [
    ReturnStatus.REQUESTED,
    ReturnStatus.APPROVED,
    ReturnStatus.RECEIVED,
    ReturnStatus.ESCALATED,
    ReturnStatus.DISPUTED,
]


class ReturnRequest(TimeStamped):
    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.PROTECT, related_name="returns"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.PROTECT, related_name="returns"
    )
    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=12,
        choices=ReturnStatus.choices,
        default=ReturnStatus.REQUESTED,
        db_index=True,
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=20, choices=ReturnReason.choices)
    text = models.TextField(verbose_name=gettext_lazy("details"), max_length=TEXT_MAX, blank=True)
    # The buyer's own name for the request (an app's Idempotency-Key): the same key again
    # for the same order, while the API keeps keys, is the same request.
    client_key = models.CharField(verbose_name=gettext_lazy("client key"), max_length=255, blank=True, default="")
    # Set by the store when it approves.
    method = models.CharField(
        verbose_name=gettext_lazy("how it comes back"), max_length=10, choices=ReturnMethod.choices, blank=True
    )
    courier_payer = models.CharField(
        verbose_name=gettext_lazy("courier paid by"), max_length=10, choices=CourierPayer.choices, blank=True
    )
    instructions = models.TextField(verbose_name=gettext_lazy("instructions"), max_length=TEXT_MAX, blank=True)
    job = models.ForeignKey(
        "couriers.DeliveryJob",
        verbose_name=gettext_lazy("courier pickup"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="return_requests",
    )
    reject_reason = models.TextField(verbose_name=gettext_lazy("why it was rejected"), max_length=TEXT_MAX, blank=True)
    escalation_text = models.TextField(
        verbose_name=gettext_lazy("why the buyer escalated"), max_length=TEXT_MAX, blank=True
    )
    staff_decision = models.CharField(
        verbose_name=gettext_lazy("staff decision"),
        max_length=12,
        blank=True,
        choices=[("approved", gettext_lazy("Approved")), ("rejected", gettext_lazy("Rejected"))],
    )
    staff_note = models.TextField(verbose_name=gettext_lazy("staff note"), max_length=TEXT_MAX, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the store found when it inspected the goods, and why it disputes them.
    inspection_note = models.TextField(verbose_name=gettext_lazy("inspection note"), max_length=TEXT_MAX, blank=True)
    dispute_text = models.TextField(
        verbose_name=gettext_lazy("why the store disputes"), max_length=TEXT_MAX, blank=True
    )
    dispute_decision = models.CharField(
        verbose_name=gettext_lazy("staff decision on the dispute"),
        max_length=12,
        blank=True,
        choices=[("refund", gettext_lazy("Refund the buyer")), ("reject", gettext_lazy("Reject the return"))],
    )
    resellable = models.BooleanField(verbose_name=gettext_lazy("back on sale"), default=False)
    refund_delivery = models.BooleanField(verbose_name=gettext_lazy("delivery fee refunded"), default=False)
    # One refund per return, ever: retries reuse it (key ``return:<id>``).
    refund = models.OneToOneField(
        "payments.Refund",
        verbose_name=gettext_lazy("refund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_request",
    )
    refund_error = models.CharField(verbose_name=gettext_lazy("refund error"), max_length=300, blank=True)
    approved_at = models.DateTimeField(verbose_name=gettext_lazy("approved at"), null=True, blank=True)
    rejected_at = models.DateTimeField(verbose_name=gettext_lazy("rejected at"), null=True, blank=True)
    escalated_at = models.DateTimeField(verbose_name=gettext_lazy("escalated at"), null=True, blank=True)
    decided_at = models.DateTimeField(verbose_name=gettext_lazy("decided at"), null=True, blank=True)
    received_at = models.DateTimeField(verbose_name=gettext_lazy("received at"), null=True, blank=True)
    disputed_at = models.DateTimeField(verbose_name=gettext_lazy("disputed at"), null=True, blank=True)
    restocked_at = models.DateTimeField(verbose_name=gettext_lazy("back in stock at"), null=True, blank=True)
    refunded_at = models.DateTimeField(verbose_name=gettext_lazy("refunded at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(verbose_name=gettext_lazy("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("return")
        verbose_name_plural = gettext_lazy("returns")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status"], name="return_store_status_idx"),
            models.Index(fields=["buyer", "client_key"], condition=~Q(client_key=""), name="return_client_key_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.REJECTED) | ~Q(reject_reason=""), name="return_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.REFUNDED) | Q(refund__isnull=False), name="return_refunded_has_refund"
            ),
            models.CheckConstraint(
                condition=Q(staff_decision="") | ~Q(staff_note=""), name="return_staff_decision_has_note"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.DISPUTED) | ~Q(dispute_text=""), name="return_disputed_has_reason"
            ),
        ]

    def __str__(self):
        return gettext("Return %(id)s of order %(number)s") % {"id": self.pk, "number": self.order.number}

    @property
    def is_courier(self) -> bool:
        return self.method == ReturnMethod.COURIER and self.job_id is not None


class ReturnLine(models.Model):
    request = models.ForeignKey(
        ReturnRequest, verbose_name=gettext_lazy("return"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(
        "orders.OrderItem",
        verbose_name=gettext_lazy("order line"),
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    quantity = models.PositiveIntegerField(verbose_name=gettext_lazy("units"))

    class Meta:
        verbose_name = gettext_lazy("returned line")
        verbose_name_plural = gettext_lazy("returned lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="return_line_once_per_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.item.product_title}"


class ReturnPhoto(models.Model):
    request = models.ForeignKey(
        ReturnRequest, verbose_name=gettext_lazy("return"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ForeignKey(
        "media.StoredImage", verbose_name=gettext_lazy("picture"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("return picture")
        verbose_name_plural = gettext_lazy("return pictures")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="return_photo_position_unique"),
            models.CheckConstraint(condition=Q(position__lt=PHOTOS_MAX), name="return_photo_at_most_four"),
        ]

    def __str__(self):
        return gettext("Picture %(n)s") % {"n": self.position + 1}


class ReturnEvent(models.Model):
    class Role(models.TextChoices):
        BUYER = "buyer", gettext_lazy("Buyer")
        STORE = "store", gettext_lazy("Store")
        STAFF = "staff", lazy_text(gettext_lazy("%(site)s staff"), site=SITE_NAME)
        COURIER = "courier", gettext_lazy("Courier")
        SYSTEM = "system", lazy_text(gettext_lazy("%(site)s (automatic)"), site=SITE_NAME)

    request = models.ForeignKey(
        ReturnRequest, verbose_name=gettext_lazy("return"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(verbose_name=gettext_lazy("role"), max_length=10, choices=Role.choices)
    from_status = models.CharField(verbose_name=gettext_lazy("from status"), max_length=12, blank=True)
    to_status = models.CharField(verbose_name=gettext_lazy("to status"), max_length=12)
    note = models.TextField(verbose_name=gettext_lazy("note"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("return event")
        verbose_name_plural = gettext_lazy("return events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def status_label(self) -> str:
        return ReturnStatus(self.to_status).label if self.to_status in ReturnStatus.values else self.to_status

    @property
    def label(self) -> str:
        """The step as a timeline names it: a staff ruling on a disputed or escalated return
        reads as the staff's decision, not as the status it moves to (a refund ruling moves
        to "received" only so that the refund can follow)."""
        if self.role == self.Role.STAFF and self.from_status in STAFF_RULES_ON and self.from_status != self.to_status:
            return STAFF_DECISION_LABELS.get(self.to_status, self.status_label)
        return self.status_label
