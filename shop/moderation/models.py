"""Trust and safety: reports on anything, the cases they gather into, what was taken down and
how to put it back, account actions and appeals, complaints about orders and auctions, staff
exports, and the append-only log of every staff and automatic action.

A report's target is any of ``REPORTABLE`` (a generic relation: product, store, user,
review, chat message, auction). Reports on one target gather into one ``Case``, whose row is
locked while a report is counted, so the automatic action happens exactly once."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import TimeStamped
from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.media.services.storage import private_storage

# app_label.model of what can be reported, with the word shown to people.
REPORTABLE = {
    "catalog.product": gettext_lazy("product"),
    "sellers.store": gettext_lazy("store"),
    "accounts.user": gettext_lazy("user"),
    "reviews.review": gettext_lazy("review"),
    "chat.message": gettext_lazy("chat message"),
    "auctions.auction": gettext_lazy("auction"),
}
PHOTOS_MAX = 4


def reportable_types():
    return Q(app_label="catalog", model="product") | Q(app_label="sellers", model="store") | Q(
        app_label="accounts", model="user"
    ) | Q(app_label="reviews", model="review") | Q(app_label="chat", model="message") | Q(
        app_label="auctions", model="auction"
    )


class Case(TimeStamped):
    """Everything reported about one target: the unit of the staff queue."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Waiting for staff")
        TAKEN_DOWN = "taken_down", gettext_lazy("Taken down, waiting for staff")
        CONFIRMED = "confirmed", gettext_lazy("Taken down, confirmed by staff")
        CLOSED = "closed", gettext_lazy("Closed")

    target_type = models.ForeignKey(
        ContentType, verbose_name=gettext_lazy("kind"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to=reportable_types,
    )
    target_id = models.PositiveBigIntegerField(verbose_name=gettext_lazy("target id"))
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(verbose_name=gettext_lazy("target"), max_length=200, blank=True)
    # The person answerable for the target (the seller, the author, the user themself).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # Distinct reporters with an open report, whatever their weight.
    open_reporters = models.PositiveIntegerField(verbose_name=gettext_lazy("reporters"), default=0)
    # The open reports' weight under the trust rule (reports.trust.case_weight): what the
    # automatic take-down compares with SOKO_REPORT_THRESHOLD.
    trusted_weight = models.PositiveIntegerField(verbose_name=gettext_lazy("trusted weight"), default=0)
    # Set when the case must reach staff first (enough reporters, or the trusted weight of a
    # target Soko never takes down by itself); cleared by a staff decision.
    urgent_since = models.DateTimeField(verbose_name=gettext_lazy("urgent since"), null=True, blank=True)
    last_reported_at = models.DateTimeField(verbose_name=gettext_lazy("last reported at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("case")
        verbose_name_plural = gettext_lazy("cases")
        permissions = [("decide_case", gettext_lazy("Can uphold or reject reports and confirm or reverse take-downs"))]
        ordering = ["-trusted_weight", "-open_reporters", "created_at"]
        constraints = [models.UniqueConstraint(fields=["target_type", "target_id"], name="moderation_case_per_target")]

    def __str__(self):
        return self.target_label or f"{self.target_type_id}:{self.target_id}"


class Report(TimeStamped):
    class Reason(models.TextChoices):
        SCAM = "scam", gettext_lazy("Scam or fraud")
        COUNTERFEIT = "counterfeit", gettext_lazy("Counterfeit")
        PROHIBITED = "prohibited", gettext_lazy("Prohibited item")
        OFFENSIVE = "offensive", gettext_lazy("Offensive or abusive")
        SPAM = "spam", gettext_lazy("Spam")
        OTHER = "other", gettext_lazy("Something else")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        UPHELD = "upheld", gettext_lazy("Upheld")
        REJECTED = "rejected", gettext_lazy("Rejected")

    case = models.ForeignKey(Case, verbose_name=gettext_lazy("case"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("reporter"), on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=12, choices=Reason.choices)
    text = models.CharField(verbose_name=gettext_lazy("details"), max_length=1000, blank=True)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # The reporter's weight under the trust rule when they reported; ``counts`` is False when
    # it is 0: the report reaches staff but does not count towards the automatic take-down.
    weight = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("weight"), default=0)
    counts = models.BooleanField(verbose_name=gettext_lazy("counts towards take-down"), default=True)
    decided_at = models.DateTimeField(verbose_name=gettext_lazy("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("report")
        verbose_name_plural = gettext_lazy("reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reporter"], condition=Q(status="open"), name="moderation_report_open_once")
        ]
        indexes = [models.Index(fields=["reporter", "created_at"], name="moderation_report_rate")]

    def __str__(self):
        return gettext("report %(id)s: %(reason)s") % {"id": self.pk, "reason": self.get_reason_display()}


class Takedown(models.Model):
    """What one action hid, field by field, so that a reversal puts back exactly that.

    ``changes`` is a list of ``{"model": "app_label.model", "pk": 1, "field": "...",
    "before": ..., "after": ...}`` in the order applied; a reversal writes ``before`` back in
    reverse order, only where the row still holds ``after``."""

    case = models.ForeignKey(
        Case, verbose_name=gettext_lazy("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="takedowns"
    )
    target_type = models.ForeignKey(ContentType, verbose_name=gettext_lazy("kind"), on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField(verbose_name=gettext_lazy("target id"))
    target = GenericForeignKey("target_type", "target_id")
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=500)
    automatic = models.BooleanField(verbose_name=gettext_lazy("automatic"), default=False)
    changes = models.JSONField(verbose_name=gettext_lazy("changes"), default=list)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("taken down at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("taken down by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    confirmed_at = models.DateTimeField(verbose_name=gettext_lazy("confirmed at"), null=True, blank=True)
    reversed_at = models.DateTimeField(verbose_name=gettext_lazy("reversed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("take-down")
        verbose_name_plural = gettext_lazy("take-downs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One take-down in force per target.
            models.UniqueConstraint(
                fields=["target_type", "target_id"], condition=Q(reversed_at__isnull=True), name="moderation_takedown_once"
            )
        ]

    def __str__(self):
        return gettext("take-down %(id)s") % {"id": self.pk}


class LogEntry(models.Model):
    """Append-only: one row per staff or automatic action (``actor`` empty = automatic).
    Rows are never changed or deleted (the model refuses, and database triggers too)."""

    class Action(models.TextChoices):
        REPORT_UPHELD = "report_upheld", gettext_lazy("Report upheld")
        REPORT_REJECTED = "report_rejected", gettext_lazy("Report rejected")
        TAKEDOWN = "takedown", gettext_lazy("Taken down")
        TAKEDOWN_CONFIRMED = "takedown_confirmed", gettext_lazy("Take-down confirmed")
        TAKEDOWN_REVERSED = "takedown_reversed", gettext_lazy("Take-down reversed")
        WARN = "warn", gettext_lazy("Warned")
        SUSPEND = "suspend", gettext_lazy("Suspended")
        DEACTIVATE = "deactivate", gettext_lazy("Deactivated")
        REINSTATE = "reinstate", gettext_lazy("Reinstated")
        APPEAL_DECIDED = "appeal_decided", gettext_lazy("Appeal decided")
        PRODUCT_APPROVED = "product_approved", gettext_lazy("Product approved")
        PRODUCT_REJECTED = "product_rejected", gettext_lazy("Product rejected")
        COMPLAINT_REPLY = "complaint_reply", gettext_lazy("Complaint answered")
        COMPLAINT_REMINDED = "complaint_reminded", gettext_lazy("Complaint reminder sent")
        COMPLAINT_ESCALATED = "complaint_escalated", gettext_lazy("Complaint handed back to staff")
        COMPLAINT_RESOLVED = "complaint_resolved", gettext_lazy("Complaint resolved")
        COMPLAINT_CLOSED = "complaint_closed", gettext_lazy("Complaint closed")
        RETURN_DECIDED = "return_decided", gettext_lazy("Escalated return decided")
        FLAG_RESOLVED = "flag_resolved", gettext_lazy("Payment flag resolved")
        BIDDING_UNBLOCKED = "bidding_unblocked", gettext_lazy("Bidding block lifted")
        EXPORT = "export", gettext_lazy("Data exported")
        POST_FEATURED = "post_featured", gettext_lazy("Blog post featured")
        POST_UNFEATURED = "post_unfeatured", gettext_lazy("Blog post no longer featured")
        POST_UNPUBLISHED = "post_unpublished", gettext_lazy("Blog post unpublished")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    action = models.CharField(verbose_name=gettext_lazy("action"), max_length=24, choices=Action.choices)
    target_type = models.ForeignKey(ContentType, verbose_name=gettext_lazy("kind"), on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField(verbose_name=gettext_lazy("target id"))
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(verbose_name=gettext_lazy("target"), max_length=200, blank=True)
    reason = models.TextField(verbose_name=gettext_lazy("why"), blank=True)
    before = models.JSONField(verbose_name=gettext_lazy("before"), default=dict, blank=True)
    after = models.JSONField(verbose_name=gettext_lazy("after"), default=dict, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("moderation log entry")
        verbose_name_plural = gettext_lazy("moderation log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"], name="moderation_log_target")]
        default_permissions = ("add", "view")

    def __str__(self):
        return f"{self.get_action_display()} · {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The moderation log is append-only.")


class AccountAction(models.Model):
    """A staff or automatic action on an account, with the reason shown to its owner."""

    class Kind(models.TextChoices):
        WARN = "warn", gettext_lazy("Warning")
        SUSPEND = "suspend", gettext_lazy("Suspension")
        DEACTIVATE = "deactivate", gettext_lazy("Deactivation")
        REINSTATE = "reinstate", gettext_lazy("Reinstatement")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("account"), on_delete=models.CASCADE, related_name="account_actions"
    )
    kind = models.CharField(verbose_name=gettext_lazy("action"), max_length=12, choices=Kind.choices)
    reason = models.CharField(verbose_name=gettext_lazy("reason shown to the person"), max_length=500)
    until = models.DateTimeField(verbose_name=gettext_lazy("until"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("when"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    seen_at = models.DateTimeField(verbose_name=gettext_lazy("seen at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("account action")
        verbose_name_plural = gettext_lazy("account actions")
        permissions = [("act_on_account", gettext_lazy("Can warn, suspend, deactivate and reinstate accounts"))]
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="suspend") | Q(until__isnull=False), name="moderation_suspension_has_end")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user_id}"


class Appeal(TimeStamped):
    """An appeal against an account action, or against a take-down of something the person
    answers for (exactly one of the two)."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Waiting for staff")
        GRANTED = "granted", gettext_lazy("Granted")
        REFUSED = "refused", gettext_lazy("Refused")

    action = models.ForeignKey(
        AccountAction, verbose_name=gettext_lazy("action appealed"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="appeals",
    )
    takedown = models.ForeignKey(
        Takedown, verbose_name=gettext_lazy("take-down appealed"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="appeals",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("account"), on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField(verbose_name=gettext_lazy("appeal"), max_length=2000)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.CharField(verbose_name=gettext_lazy("staff response"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(verbose_name=gettext_lazy("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("appeal")
        verbose_name_plural = gettext_lazy("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["action"], condition=Q(status="open"), name="moderation_appeal_open_once"),
            models.UniqueConstraint(fields=["takedown"], condition=Q(status="open"), name="moderation_appeal_takedown_open_once"),
            models.CheckConstraint(
                condition=Q(action__isnull=False, takedown__isnull=True) | Q(action__isnull=True, takedown__isnull=False),
                name="moderation_appeal_of_one_thing",
            ),
        ]

    def __str__(self):
        return gettext("appeal %(id)s") % {"id": self.pk}

    @property
    def appealed(self) -> str:
        """What is appealed, in a few words: the action's kind, or the take-down and its target."""
        if self.action_id is not None:
            return self.action.get_kind_display()
        label = self.takedown.case.target_label if self.takedown.case_id else ""
        return gettext("Take-down of “%(target)s”") % {"target": label}


class Complaint(TimeStamped):
    """A buyer's or a store's complaint about an order or an auction, settled by staff."""

    class Kind(models.TextChoices):
        NOT_RECEIVED = "not_received", gettext_lazy("Item not received")
        NOT_AS_DESCRIBED = "not_as_described", gettext_lazy("Item not as described")
        NON_PAYMENT = "non_payment", gettext_lazy("Buyer did not pay")
        ABUSE = "abuse", gettext_lazy("Abusive behaviour")

    class Side(models.TextChoices):
        BUYER = "buyer", gettext_lazy("Buyer")
        STORE = "store", gettext_lazy("Store")
        STAFF = "staff", lazy_text(gettext_lazy("%(site)s staff"), site=SITE_NAME)

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        AWAITING_REPLY = "awaiting_reply", gettext_lazy("Awaiting reply")
        RESOLVED = "resolved", gettext_lazy("Resolved")
        CLOSED = "closed", gettext_lazy("Closed")

    class Resolution(models.TextChoices):
        REFUND = "refund", gettext_lazy("Refund")
        WARNING = "warning", gettext_lazy("Warning")
        SUSPENSION = "suspension", gettext_lazy("Suspension")
        NO_ACTION = "no_action", gettext_lazy("No action")

    number = models.CharField(verbose_name=gettext_lazy("number"), max_length=20, unique=True)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=20, choices=Kind.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("filed by"), on_delete=models.PROTECT, related_name="complaints_filed"
    )
    filed_as = models.CharField(verbose_name=gettext_lazy("filed as"), max_length=5, choices=Side.choices[:2])
    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    auction = models.ForeignKey(
        "auctions.Auction", verbose_name=gettext_lazy("auction"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="complaints",
    )
    store = models.ForeignKey("sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.PROTECT, related_name="complaints")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("buyer"), on_delete=models.PROTECT, related_name="complaints_as_buyer"
    )
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # Who must answer next, and by when; a reminder goes once per deadline.
    waiting_for = models.CharField(verbose_name=gettext_lazy("waiting for"), max_length=5, choices=Side.choices, blank=True)
    reply_due_at = models.DateTimeField(verbose_name=gettext_lazy("reply due"), null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(verbose_name=gettext_lazy("reminded at"), null=True, blank=True)
    resolution = models.CharField(verbose_name=gettext_lazy("resolution"), max_length=12, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(verbose_name=gettext_lazy("outcome"), blank=True)
    refund = models.OneToOneField(
        "payments.Refund", verbose_name=gettext_lazy("refund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(verbose_name=gettext_lazy("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("resolved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    closed_at = models.DateTimeField(verbose_name=gettext_lazy("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("complaint")
        verbose_name_plural = gettext_lazy("complaints")
        permissions = [
            ("resolve_complaint", gettext_lazy("Can answer and settle complaints")),
            ("refund_over_limit", gettext_lazy("Can refund more than the support limit")),
        ]
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(order__isnull=False) | Q(auction__isnull=False), name="complaint_about_something"),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | ~Q(resolution=""), name="complaint_resolved_has_resolution"
            ),
            models.CheckConstraint(condition=~Q(resolution="refund") | Q(refund__isnull=False), name="complaint_refund_recorded"),
        ]

    def __str__(self):
        return self.number


class ComplaintMessage(models.Model):
    complaint = models.ForeignKey(Complaint, verbose_name=gettext_lazy("complaint"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("author"), on_delete=models.PROTECT, related_name="+")
    side = models.CharField(verbose_name=gettext_lazy("side"), max_length=5, choices=Complaint.Side.choices)
    text = models.TextField(verbose_name=gettext_lazy("message"), max_length=4000)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("complaint message")
        verbose_name_plural = gettext_lazy("complaint messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.complaint_id} · {self.get_side_display()}"


class ComplaintPhoto(models.Model):
    message = models.ForeignKey(ComplaintMessage, verbose_name=gettext_lazy("message"), on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("media.StoredImage", verbose_name=gettext_lazy("picture"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"), default=0)

    class Meta:
        verbose_name = gettext_lazy("evidence picture")
        verbose_name_plural = gettext_lazy("evidence pictures")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="complaint_photo_position_unique"),
            models.CheckConstraint(condition=Q(position__lt=PHOTOS_MAX), name="complaint_photo_at_most_four"),
        ]

    def __str__(self):
        return gettext("Picture %(n)s") % {"n": self.position + 1}


class Export(models.Model):
    """A staff export built in the background, with its progress and the finished file."""

    class Kind(models.TextChoices):
        ORDERS = "orders", gettext_lazy("Orders")
        PAYOUTS = "payouts", gettext_lazy("Payouts")
        LEDGER = "ledger", gettext_lazy("Ledger")
        USERS = "users", gettext_lazy("Users")
        REPORTS = "reports", gettext_lazy("Reports")
        PRODUCTS = "products", gettext_lazy("Products")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Building")
        DONE = "done", gettext_lazy("Ready")
        FAILED = "failed", gettext_lazy("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("requested by"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(verbose_name=gettext_lazy("data"), max_length=10, choices=Kind.choices)
    format = models.CharField(verbose_name=gettext_lazy("format"), max_length=4, choices=Format.choices, default=Format.CSV)
    date_from = models.DateField(verbose_name=gettext_lazy("from"))
    date_to = models.DateField(verbose_name=gettext_lazy("to"))
    personal_data = models.BooleanField(verbose_name=gettext_lazy("includes personal data"), default=False)
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(verbose_name=gettext_lazy("rows"), default=0)
    rows_done = models.PositiveIntegerField(verbose_name=gettext_lazy("rows written"), default=0)
    file = models.FileField(verbose_name=gettext_lazy("file"), upload_to="exports/", storage=private_storage, blank=True)
    error = models.CharField(verbose_name=gettext_lazy("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(verbose_name=gettext_lazy("finished at"), null=True, blank=True)
    # The build's last sign of life (queued, started, a chunk of rows written): an export not
    # finished that shows none for a while lost its job and is queued again.
    updated_at = models.DateTimeField(verbose_name=gettext_lazy("updated at"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("export")
        verbose_name_plural = gettext_lazy("exports")
        permissions = [
            ("export_personal", gettext_lazy("Can export personal data (users, buyers' names and addresses)")),
            ("export_finance", gettext_lazy("Can export the ledger and payouts")),
        ]
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="moderation_export_dates")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date_from}–{self.date_to}"
