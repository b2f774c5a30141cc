"""Payments: each try to pay a checkout, what providers told us, and the ledger.

Amounts sent to providers and kept in the ledger are integers in the currency's minor
unit (``shop.core.selectors.currencies.money_to_minor``): KES 99.50 is 9950, GNF 25000 is 25000.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from shop.core.models import EmailKept, TimeStamped
from shop.core.selectors.currencies import money_from_minor
from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.media.services.storage import private_storage


class Provider(models.TextChoices):
    """Who holds the money a gateway takes (the ledger has one clearing account each)."""

    STRIPE = "stripe", gettext_lazy("Stripe")
    DEV = "dev", gettext_lazy("Development gateway")
    MPESA = "mpesa", gettext_lazy("M-Pesa")
    PAYPAL = "paypal", gettext_lazy("PayPal")
    CRYPTO = "crypto", gettext_lazy("Stablecoin wallet")
    CASH = "cash", gettext_lazy("Cash")


class PaymentStatus(models.TextChoices):
    """Where a checkout's payment stands (``Checkout.payment_status``)."""

    ON_DELIVERY = "on_delivery", gettext_lazy("Pay on delivery")
    AWAITING = "awaiting", gettext_lazy("Awaiting payment")
    PAID = "paid", gettext_lazy("Paid")
    # Not paid by the deadline: the orders were cancelled and their stock put back on sale.
    EXPIRED = "expired", gettext_lazy("Not paid in time")
    # Every order was cancelled before it was paid: nothing is owed.
    CANCELLED = "cancelled", gettext_lazy("Cancelled before payment")


class PaymentAttempt(TimeStamped):
    """One try to pay a checkout online, and how it ended."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for the payment")
        SUCCEEDED = "succeeded", gettext_lazy("Paid")
        FAILED = "failed", gettext_lazy("Failed")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")
        EXPIRED = "expired", gettext_lazy("Expired")
        # The provider said paid, but not what the checkout asks: never fulfilled, staff look.
        FLAGGED = "flagged", gettext_lazy("Held for review")

    FINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.EXPIRED, Status.FLAGGED})

    checkout = models.ForeignKey(
        "orders.Checkout", verbose_name=gettext_lazy("checkout"), on_delete=models.PROTECT, related_name="attempts"
    )
    gateway = models.CharField(verbose_name=gettext_lazy("gateway"), max_length=20)
    provider = models.CharField(verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices)
    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (minor units)"))
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    # The provider's name for this try: a Checkout Session id, a CheckoutRequestID, a PayPal order id.
    reference = models.CharField(verbose_name=gettext_lazy("provider reference"), max_length=255, blank=True)
    # What was paid, as the provider confirmed it: a PaymentIntent id, an M-Pesa receipt, a PayPal capture id.
    payment_reference = models.CharField(verbose_name=gettext_lazy("payment reference"), max_length=255, blank=True)
    received_minor = models.BigIntegerField(verbose_name=gettext_lazy("received (minor units)"), null=True, blank=True)
    received_currency = models.CharField(verbose_name=gettext_lazy("received currency"), max_length=3, blank=True)
    redirect_url = models.URLField(verbose_name=gettext_lazy("payment page"), max_length=2000, blank=True)
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20, blank=True)
    message = models.CharField(verbose_name=gettext_lazy("message"), max_length=300, blank=True)
    finished_at = models.DateTimeField(verbose_name=gettext_lazy("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("payment attempt")
        verbose_name_plural = gettext_lazy("payment attempts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reference"], condition=~Q(reference=""), name="attempt_provider_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "payment_reference"],
                condition=~Q(payment_reference=""),
                name="attempt_payment_reference_unique",
            ),
            # One success per checkout: a second provider saying "paid" is a double payment to refund.
            models.UniqueConstraint(
                fields=["checkout"], condition=Q(status="succeeded"), name="attempt_one_success_per_checkout"
            ),
        ]

    def __str__(self):
        return gettext("Payment %(id)s (%(gateway)s, %(status)s)") % {
            "id": self.pk,
            "gateway": self.gateway,
            "status": self.get_status_display(),
        }

    @property
    def amount(self):
        return money_from_minor(self.amount_minor, self.currency)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class ProviderEvent(models.Model):
    """A webhook or callback a provider sent, kept once per provider and event id: a
    delivery of an id already stored is answered 2xx and changes nothing."""

    provider = models.CharField(verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices)
    event_id = models.CharField(verbose_name=gettext_lazy("event id"), max_length=255)
    kind = models.CharField(verbose_name=gettext_lazy("type"), max_length=100)
    payload = models.JSONField(verbose_name=gettext_lazy("payload"))
    received_at = models.DateTimeField(verbose_name=gettext_lazy("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(verbose_name=gettext_lazy("processed at"), null=True, blank=True)
    outcome = models.CharField(verbose_name=gettext_lazy("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("provider event")
        verbose_name_plural = gettext_lazy("provider events")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]

    def __str__(self):
        return f"{self.provider} {self.event_id} ({self.kind})"


class PaymentFlag(TimeStamped):
    """Something about money that staff must look at: an amount or currency that does not
    match, a payment after the deadline, a second payment of one checkout."""

    class Kind(models.TextChoices):
        MISMATCH = "mismatch", gettext_lazy("Amount or currency does not match")
        LATE = "late", gettext_lazy("Paid after the checkout expired")
        DOUBLE = "double", gettext_lazy("Paid twice")
        MANUAL_REFUND = "manual_refund", gettext_lazy("Refund to send by hand")
        RECONCILIATION = "reconciliation", gettext_lazy("Ledger and provider differ")
        DISPUTE = "dispute", gettext_lazy("Payment disputed by the buyer's bank")
        REFUND_FAILED = "refund_failed", gettext_lazy("Refund failed at the provider")
        PAYOUT_UNANSWERED = "payout_unanswered", gettext_lazy("Payout never answered: check it at the provider")

    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=20, choices=Kind.choices)
    attempt = models.ForeignKey(
        PaymentAttempt,
        verbose_name=gettext_lazy("payment attempt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    checkout = models.ForeignKey(
        "orders.Checkout",
        verbose_name=gettext_lazy("checkout"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_flags",
    )
    detail = models.TextField(verbose_name=gettext_lazy("detail"))
    resolved_at = models.DateTimeField(verbose_name=gettext_lazy("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(verbose_name=gettext_lazy("resolution"), max_length=300, blank=True)
    # What the flag is about ("dispute:dp_…", "reconciliation:stripe:2026-01-31:KES:500"):
    # raised once per key, resolved or not. Blank: no such rule.
    key = models.CharField(verbose_name=gettext_lazy("key"), max_length=150, blank=True)

    class Meta:
        verbose_name = gettext_lazy("payment flag")
        verbose_name_plural = gettext_lazy("payment flags")
        ordering = ["resolved_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="payment_flag_key_once")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class ConnectedAccount(TimeStamped):
    """A store's Stripe Express account, where its payouts are transferred."""

    store = models.OneToOneField(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.CASCADE, related_name="connected_account"
    )
    provider = models.CharField(
        verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices, default=Provider.STRIPE
    )
    account_id = models.CharField(verbose_name=gettext_lazy("account id"), max_length=255, unique=True)
    details_submitted = models.BooleanField(verbose_name=gettext_lazy("details submitted"), default=False)
    payouts_enabled = models.BooleanField(verbose_name=gettext_lazy("payouts enabled"), default=False)

    class Meta:
        verbose_name = gettext_lazy("connected account")
        verbose_name_plural = gettext_lazy("connected accounts")

    def __str__(self):
        return self.account_id


class Payout(TimeStamped):
    """Money sent to a store: a Stripe transfer to its connected account, or a payout
    staff made by hand (M-Pesa, bank)."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Sending")
        PAID = "paid", gettext_lazy("Sent")
        FAILED = "failed", gettext_lazy("Failed")
        REVERSED = "reversed", gettext_lazy("Reversed")

    store = models.ForeignKey(
        "sellers.Store", verbose_name=gettext_lazy("store"), on_delete=models.PROTECT, related_name="payouts"
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    provider = models.CharField(verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices)
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (minor units)"))
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reference = models.CharField(verbose_name=gettext_lazy("provider reference"), max_length=255, blank=True)
    note = models.CharField(verbose_name=gettext_lazy("note"), max_length=300, blank=True)
    # When the key in ``reference`` ("asking:<key>") was first handed to the provider: Stripe
    # keeps a key for a day, so a transfer left unanswered is asked again only for a while.
    asked_at = models.DateTimeField(verbose_name=gettext_lazy("asked at"), null=True, blank=True)
    # Paid while refunds of its order landed: their share is still to be taken back from it
    # (or flagged for staff); set with the row marked paid, cleared once that is done.
    take_back_due = models.BooleanField(verbose_name=gettext_lazy("refunds to take back"), default=False)

    class Meta:
        verbose_name = gettext_lazy("payout")
        verbose_name_plural = gettext_lazy("payouts")
        ordering = ["-created_at", "-id"]
        # One transfer per order: the job may run again, or die between provider and commit.
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(order__isnull=False), name="payout_once_per_order")
        ]

    def __str__(self):
        return f"{self.store_id} {self.amount} {self.currency}"

    @property
    def amount(self):
        return money_from_minor(self.amount_minor, self.currency)


class Refund(TimeStamped):
    """Money given back to a buyer for some of an order's lines."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Being refunded")
        SUCCEEDED = "succeeded", gettext_lazy("Refunded")
        # M-Pesa reversals and cash are sent by people: staff tick them off.
        MANUAL = "manual", gettext_lazy("To refund by hand")
        FAILED = "failed", gettext_lazy("Failed")

    order = models.ForeignKey(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    attempt = models.ForeignKey(
        PaymentAttempt,
        verbose_name=gettext_lazy("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    provider = models.CharField(verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices)
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (minor units)"))
    fee_minor = models.BigIntegerField(verbose_name=gettext_lazy("platform fee returned (minor units)"), default=0)
    # The part of the refunded lines' discount Soko had paid for: it comes back to Soko.
    promotion_minor = models.BigIntegerField(
        verbose_name=lazy_text(gettext_lazy("%(site)s's discount returned (minor units)"), site=SITE_NAME), default=0
    )
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(verbose_name=gettext_lazy("reason"), max_length=300)
    lines = models.JSONField(
        verbose_name=gettext_lazy("lines"), default=dict, help_text=gettext_lazy("Order item id -> units refunded")
    )
    idempotency_key = models.CharField(verbose_name=gettext_lazy("idempotency key"), max_length=100, unique=True)
    reference = models.CharField(verbose_name=gettext_lazy("provider reference"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checklist = models.JSONField(verbose_name=gettext_lazy("checklist"), default=dict, blank=True)
    # Landed after its order's transfer was paid: its share is still to be taken back from
    # the transfer. Set with the refund recorded, cleared once the reversal is recorded (or
    # refused and flagged); a worker lost on the way, or no answer from Stripe, leaves it set.
    take_back_due = models.BooleanField(verbose_name=gettext_lazy("share to take back"), default=False)

    class Meta:
        verbose_name = gettext_lazy("refund")
        verbose_name_plural = gettext_lazy("refunds")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return gettext("Refund %(id)s of %(order)s") % {"id": self.pk, "order": self.order_id}

    @property
    def credit_note(self):
        """The credit note in force (None before the job issued it, or once the refund failed);
        reads ``credit_notes`` prefetched."""
        return next((note for note in self.credit_notes.all() if note.cancelled_at is None), None)

    @property
    def amount(self):
        return money_from_minor(self.amount_minor, self.currency)


class SuspenseRefund(TimeStamped):
    """Money a provider took that no order owes (a late, double or mismatched payment, in
    the ledger's suspense account) given back to the payer, through the provider that took
    it; M-Pesa by hand, with a checklist. One per attempt unless it failed."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Being refunded")
        SUCCEEDED = "succeeded", gettext_lazy("Refunded")
        MANUAL = "manual", gettext_lazy("To refund by hand")
        FAILED = "failed", gettext_lazy("Failed")

    attempt = models.ForeignKey(
        PaymentAttempt, verbose_name=gettext_lazy("payment"), on_delete=models.PROTECT, related_name="suspense_refunds"
    )
    provider = models.CharField(verbose_name=gettext_lazy("provider"), max_length=20, choices=Provider.choices)
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (minor units)"))
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Each try asks the provider under its own key (a provider replays a key's refusal).
    tries = models.PositiveIntegerField(verbose_name=gettext_lazy("tries"), default=1)
    reference = models.CharField(verbose_name=gettext_lazy("provider reference"), max_length=255, blank=True)
    message = models.CharField(verbose_name=gettext_lazy("message"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checklist = models.JSONField(verbose_name=gettext_lazy("checklist"), default=dict, blank=True)

    class Meta:
        verbose_name = gettext_lazy("refund of money not owed")
        verbose_name_plural = gettext_lazy("refunds of money not owed")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"], condition=~Q(status="failed"), name="suspense_refund_once_per_attempt"
            )
        ]

    def __str__(self):
        return gettext("Refund of payment %(attempt)s") % {"attempt": self.attempt_id}

    @property
    def amount(self):
        return money_from_minor(self.amount_minor, self.currency)


class Invoice(TimeStamped, EmailKept):
    """The PDF invoice of one paid order, rendered once and kept privately."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.PROTECT, related_name="invoice"
    )
    number = models.CharField(verbose_name=gettext_lazy("number"), max_length=40, unique=True)
    pdf = models.FileField(verbose_name=gettext_lazy("PDF"), upload_to="invoices/", storage=private_storage, blank=True)

    class Meta:
        verbose_name = gettext_lazy("invoice")
        verbose_name_plural = gettext_lazy("invoices")

    def __str__(self):
        return self.number


class CreditNote(TimeStamped, EmailKept):
    """The PDF credit note of a refund (``CN-<order>-<n>``): what was given back, against
    the order's invoice. Rendered once (by a background job), kept privately, emailed to
    the buyer once; readable by whoever may read the invoice. A refund has one in force:
    when it fails, its note is cancelled (kept, as issued), and a refund asked again gets a
    new one for what it gives back then (``CN-<order>-<n>-2``…)."""

    refund = models.ForeignKey(
        Refund, verbose_name=gettext_lazy("refund"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(verbose_name=gettext_lazy("number"), max_length=50, unique=True)
    pdf = models.FileField(
        verbose_name=gettext_lazy("PDF"), upload_to="credit-notes/", storage=private_storage, blank=True
    )
    cancelled_at = models.DateTimeField(verbose_name=gettext_lazy("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("credit note")
        verbose_name_plural = gettext_lazy("credit notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund"], condition=models.Q(cancelled_at__isnull=True), name="payments_credit_note_in_force"
            )
        ]

    def __str__(self):
        return self.number


class CryptoQuote(TimeStamped):
    """What a stablecoin payment must bring: the checkout's total converted at the staff's
    rate, locked until ``expires_at``, and the unguessable bytes32 id the buyer deposits
    it under in the escrow contract (also the attempt's ``reference``)."""

    attempt = models.OneToOneField(
        PaymentAttempt, verbose_name=gettext_lazy("payment attempt"), on_delete=models.PROTECT, related_name="crypto_quote"
    )
    checkout_ref = models.CharField(verbose_name=gettext_lazy("checkout id on chain"), max_length=66, unique=True)
    # Units of the checkout's currency per token (the staff's rate per US dollar).
    rate = models.DecimalField(verbose_name=gettext_lazy("rate"), max_digits=24, decimal_places=8)
    rate_as_of = models.DateField(verbose_name=gettext_lazy("rate as of"), null=True, blank=True)
    token_minor = models.BigIntegerField(verbose_name=gettext_lazy("token amount (minor units)"))
    token_symbol = models.CharField(verbose_name=gettext_lazy("token"), max_length=20)
    token_decimals = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("token decimals"))
    token_address = models.CharField(verbose_name=gettext_lazy("token address"), max_length=42)
    escrow_address = models.CharField(verbose_name=gettext_lazy("escrow address"), max_length=42)
    chain_id = models.PositiveBigIntegerField(verbose_name=gettext_lazy("chain id"))
    # The chain's height when quoted: deposits are looked for from here on.
    from_block = models.PositiveBigIntegerField(verbose_name=gettext_lazy("from block"))
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))
    # The transaction the buyer's wallet reported (a hint for the watcher, never proof).
    reported_tx = models.CharField(verbose_name=gettext_lazy("reported transaction"), max_length=66, blank=True)

    class Meta:
        verbose_name = gettext_lazy("stablecoin quote")
        verbose_name_plural = gettext_lazy("stablecoin quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.checkout_ref} {self.token_amount} {self.token_symbol}"

    @property
    def token_amount(self) -> Decimal:
        """The quoted amount in whole tokens, every digit the token has."""
        return Decimal(self.token_minor).scaleb(-self.token_decimals)


class CryptoDeposit(TimeStamped):
    """A ``Deposited`` event of the escrow for one of Soko's checkout ids, as the watcher
    saw it: where it was mined, whether it is still on the chain, and whether it has paid
    (or been flagged). Kept once per transaction and log index, so the watcher may run again."""

    class Status(models.TextChoices):
        SEEN = "seen", gettext_lazy("Waiting for confirmations")
        # Its block left the chain (a reorganisation) and the transaction is in none now.
        GONE = "gone", gettext_lazy("Removed by a reorganisation")
        SETTLED = "settled", gettext_lazy("Settled")

    quote = models.ForeignKey(
        CryptoQuote, verbose_name=gettext_lazy("quote"), on_delete=models.PROTECT, related_name="deposits"
    )
    tx_hash = models.CharField(verbose_name=gettext_lazy("transaction"), max_length=66)
    log_index = models.PositiveIntegerField(verbose_name=gettext_lazy("log index"))
    block_number = models.PositiveBigIntegerField(verbose_name=gettext_lazy("block number"))
    block_hash = models.CharField(verbose_name=gettext_lazy("block hash"), max_length=66)
    block_time = models.DateTimeField(verbose_name=gettext_lazy("block time"))
    buyer_address = models.CharField(verbose_name=gettext_lazy("buyer address"), max_length=42)
    # A uint256 in the token's minor units, in decimal digits (it may exceed a bigint).
    amount_minor = models.CharField(verbose_name=gettext_lazy("amount (minor units)"), max_length=80)
    status = models.CharField(
        verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.SEEN
    )
    confirmations = models.PositiveIntegerField(verbose_name=gettext_lazy("confirmations"), default=0)
    # The attempt this deposit settled: the quote's, or a new one for money it did not owe.
    attempt = models.ForeignKey(
        PaymentAttempt,
        verbose_name=gettext_lazy("payment attempt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crypto_deposits",
    )

    class Meta:
        verbose_name = gettext_lazy("stablecoin deposit")
        verbose_name_plural = gettext_lazy("stablecoin deposits")
        ordering = ["block_number", "log_index"]
        constraints = [models.UniqueConstraint(fields=["tx_hash", "log_index"], name="crypto_deposit_once")]

    def __str__(self):
        return f"{self.tx_hash}#{self.log_index}"

    @property
    def amount(self) -> int:
        return int(self.amount_minor)


# The ledger ----------------------------------------------------------------------------


class LedgerAccount(models.Model):
    """One account of the double-entry ledger, in one currency. ``code`` names it:
    ``provider:stripe``, ``platform:fees``, ``store:12:held``, ``store:12:payable``,
    ``store:12:cash``, ``courier:7:cash``, ``courier:7:commission``, ``refunds:mpesa``."""

    code = models.CharField(verbose_name=gettext_lazy("code"), max_length=100)
    currency = models.CharField(verbose_name=gettext_lazy("currency"), max_length=3)
    store = models.ForeignKey(
        "sellers.Store",
        verbose_name=gettext_lazy("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )

    class Meta:
        verbose_name = gettext_lazy("ledger account")
        verbose_name_plural = gettext_lazy("ledger accounts")
        constraints = [models.UniqueConstraint(fields=["code", "currency"], name="ledger_account_unique")]

    def __str__(self):
        return f"{self.code} ({self.currency})"


class LedgerTransaction(models.Model):
    """One money event, posted once (``key``), whose entries sum to zero per currency."""

    class Kind(models.TextChoices):
        CAPTURE = "capture", gettext_lazy("Payment received")
        CASH = "cash", gettext_lazy("Cash collected")
        RELEASE = "release", gettext_lazy("Held funds released")
        TRANSFER = "transfer", gettext_lazy("Paid out")
        REFUND = "refund", gettext_lazy("Refund")
        COMMISSION = "commission", gettext_lazy("Courier commission")
        REMITTANCE = "remittance", gettext_lazy("Cash handed in by a courier")
        ADJUSTMENT = "adjustment", gettext_lazy("Adjustment")
        SUSPENSE = "suspense", gettext_lazy("Received, not owed")
        PROVIDER_FEE = "provider_fee", gettext_lazy("Provider fee")
        DISPUTE = "dispute", gettext_lazy("Dispute")

    key = models.CharField(verbose_name=gettext_lazy("key"), max_length=120, unique=True)
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=20, choices=Kind.choices)
    memo = models.CharField(verbose_name=gettext_lazy("memo"), max_length=300, blank=True)
    checkout = models.ForeignKey(
        "orders.Checkout",
        verbose_name=gettext_lazy("checkout"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("ledger transaction")
        verbose_name_plural = gettext_lazy("ledger transactions")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Ledger transactions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger transactions are append-only.")


class LedgerEntry(models.Model):
    """A debit (positive) or credit (negative) of one account, in minor units."""

    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=gettext_lazy("transaction"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        LedgerAccount, verbose_name=gettext_lazy("account"), on_delete=models.PROTECT, related_name="entries"
    )
    # The order this entry is a share of (one checkout pays several stores' orders).
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=gettext_lazy("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_minor = models.BigIntegerField(verbose_name=gettext_lazy("amount (minor units)"))

    class Meta:
        verbose_name = gettext_lazy("ledger entry")
        verbose_name_plural = gettext_lazy("ledger entries")
        ordering = ["id"]

    def __str__(self):
        return f"{self.account} {self.amount_minor:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")
