"""What happens to money: attempts start, succeed or fail; held funds are released, paid
out, refunded. Every function here is idempotent: a provider that says "paid" five
times, a job that runs again after a crash, change nothing the second time.

Locks are taken in one order everywhere: the checkout row, then the attempt row (then
the order rows), so two deliveries of one event queue instead of deadlocking.

The orders above this app hear of a checkout that may go ahead (paid, or switched to
cash on delivery) through the ``checkout_confirmed`` signal, sent inside the transaction.
The checkout's payment state and an order's fee are the orders' rows: this module decides
them and sends ``checkout_paid``, ``checkout_on_delivery``, ``checkout_method_chosen`` and
``order_fee_charged`` (``shop.payments.signals``), which ``shop.orders.receivers`` writes
at once, in the same transaction.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import money_from_minor, money_to_minor
from shop.core.services.realtime import push_rendered_on_commit
from shop.core.services.transactions import atomic_retrying
from shop.core.signals import staff_acted

from .gateways import gateway_class, gateway_get
from .ledger import accounts, fees
from .ledger import services as ledger
from .ledger.services import Line
from .models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus, Payout, ProviderEvent
from .selectors import checkout_awaits_payment, payable_orders, payment_status_context
from .signals import (
    checkout_confirmed,
    checkout_method_chosen,
    checkout_on_delivery,
    checkout_paid,
    order_fee_charged,
)

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status


def event_record(*, provider: str, event_id: str, kind: str, payload) -> ProviderEvent | None:
    """Keep a provider's event once: the new ``ProviderEvent``, or ``None`` when this id
    was stored before (a redelivery: answer 2xx and do nothing). Call inside the
    transaction that processes the event, so a crash stores neither."""
    if ProviderEvent.objects.filter(provider=provider, event_id=event_id).exists():
        return None
    try:
        with transaction.atomic():
            return ProviderEvent.objects.create(
                provider=provider, event_id=event_id[:255], kind=kind[:100], payload=payload
            )
    except IntegrityError:
        return None  # a concurrent delivery of the same event stored it first


def _lock(attempt_id: int) -> tuple[object, PaymentAttempt]:
    """Lock the attempt's checkout (read through the attempt, ``FOR UPDATE OF`` the checkout
    only), then the attempt; both fresh from the database."""
    checkout = (
        PaymentAttempt.objects.select_related("checkout").select_for_update(of=("checkout",)).get(pk=attempt_id).checkout
    )
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    attempt.checkout = checkout
    return checkout, attempt


class PaymentRefused(Exception):
    """A payment the checkout does not take now, with a sentence for the buyer and a stable
    ``code``: ``payment_not_awaited`` (paid, expired or cash meanwhile),
    ``payment_method_unavailable``, ``payment_not_started`` (the provider refused)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def payment_gateway_for(*, checkout, method: str):
    """The gateway ``checkout`` may be paid by now with ``method`` (a gateway code): the
    payment page's rule. Raises ``PaymentRefused`` when it no longer awaits a payment, or
    when that way to pay is not offered for it."""
    if not checkout_awaits_payment(checkout):
        raise PaymentRefused(_("This checkout no longer waits for a payment."), code="payment_not_awaited")
    gateway = gateway_get(method)
    if gateway is None or not gateway.available_for(checkout):
        raise PaymentRefused(_("Choose one of the ways to pay shown."), code="payment_method_unavailable")
    return gateway


def checkout_amount_minor(checkout) -> int:
    return money_to_minor(checkout.total, checkout.currency)


def attempt_create(*, checkout, gateway: str, provider: str, phone: str = "") -> PaymentAttempt:
    """A new pending try to pay ``checkout`` in full (its total, in minor units)."""
    return PaymentAttempt.objects.create(
        checkout=checkout,
        gateway=gateway,
        provider=provider,
        amount_minor=checkout_amount_minor(checkout),
        currency=checkout.currency,
        phone=phone,
    )


def attempt_reference_set(*, attempt: PaymentAttempt, reference: str, redirect_url: str = "") -> PaymentAttempt:
    """Record the provider's id for the attempt (and the page the buyer pays on)."""
    attempt.reference = reference[:255]
    attempt.redirect_url = redirect_url[:2000]
    attempt.save(update_fields=["reference", "redirect_url", "updated_at"])
    return attempt


def attempt_succeeded(*, attempt_id: int, received_minor: int, currency: str, payment_reference: str) -> PaymentAttempt:
    """The provider confirmed that ``received_minor`` ``currency`` was paid for this attempt.

    Paid once: the checkout becomes paid, the capture is posted to the ledger and the
    stores hear of their orders. A second call changes nothing. An amount or currency
    other than the attempt's is not fulfilled: the attempt is held for review and staff
    see a flag; so is money that arrives after the checkout expired or was paid another way.
    """
    return atomic_retrying(
        lambda: _succeeded(attempt_id, int(received_minor), str(currency).upper(), payment_reference), what="payment"
    )


def _succeeded(attempt_id: int, received_minor: int, currency: str, payment_reference: str) -> PaymentAttempt:
    checkout, attempt = _lock(attempt_id)
    if attempt.status in (Status.SUCCEEDED, Status.FLAGGED):
        return attempt
    attempt.received_minor = received_minor
    attempt.received_currency = currency[:3]
    if (
        payment_reference
        and not PaymentAttempt.objects.filter(provider=attempt.provider, payment_reference=payment_reference).exists()
    ):
        attempt.payment_reference = payment_reference[:255]
    attempt.finished_at = timezone.now()
    problem = None
    if (received_minor, currency) != (attempt.amount_minor, attempt.currency):
        problem = (
            PaymentFlag.Kind.MISMATCH,
            f"Expected {attempt.amount_minor} {attempt.currency} (minor units), the provider reported {received_minor} {currency}.",
        )
    elif checkout.payment_status == PaymentStatus.PAID:
        problem = (PaymentFlag.Kind.DOUBLE, f"Checkout {checkout.pk} was already paid; this payment must be refunded.")
    elif checkout.payment_status != PaymentStatus.AWAITING:
        problem = (
            PaymentFlag.Kind.LATE,
            f"Checkout {checkout.pk} is {checkout.payment_status}; this payment must be refunded.",
        )
    elif attempt.amount_minor != checkout_amount_minor(checkout):
        problem = (
            PaymentFlag.Kind.MISMATCH,
            f"This payment was started for {attempt.amount_minor} {attempt.currency} (minor units); checkout "
            f"{checkout.pk} now costs {checkout_amount_minor(checkout)}, an order of it having been cancelled "
            "meanwhile. This payment must be refunded; the buyer pays the new total.",
        )
    if problem is not None:
        kind, detail = problem
        return _hold(checkout=checkout, attempt=attempt, kind=kind, detail=detail)
    attempt.status = Status.SUCCEEDED
    attempt.message = ""
    attempt.save()
    checkout_paid.send(sender=PaymentAttempt, checkout=checkout, paid_at=attempt.finished_at)
    _post_capture(checkout=checkout, attempt=attempt)
    checkout_confirmed.send(sender=PaymentAttempt, checkout=checkout)
    _push_status(checkout)
    return attempt


def _hold(*, checkout, attempt: PaymentAttempt, kind: str, detail: str) -> PaymentAttempt:
    """Money the attempt received that does not pay the checkout: held for review, flagged
    for staff and posted to suspense (the caller holds both locks and set what was received)."""
    attempt.status = Status.FLAGGED
    attempt.message = _("We received your payment but need to check it. We will contact you.")
    attempt.save()
    PaymentFlag.objects.create(kind=kind, attempt=attempt, checkout=checkout, detail=detail)
    _post_suspense(checkout=checkout, attempt=attempt)
    log.warning("payment attempt %s flagged (%s): %s", attempt.pk, kind, detail)
    _push_status(checkout)
    return attempt


def attempt_received_late(
    *, attempt_id: int, received_minor: int, currency: str, payment_reference: str, detail: str
) -> PaymentAttempt:
    """The provider confirmed money for this attempt after the provider's own window for it
    had closed (a stablecoin deposit after its quote expired): never fulfilled, held for
    review like any late payment. A final success or flag is left as it is."""

    def work():
        checkout, attempt = _lock(attempt_id)
        if attempt.status in (Status.SUCCEEDED, Status.FLAGGED):
            return attempt
        attempt.received_minor, attempt.received_currency = int(received_minor), str(currency).upper()[:3]
        if not PaymentAttempt.objects.filter(provider=attempt.provider, payment_reference=payment_reference).exists():
            attempt.payment_reference = payment_reference[:255]
        attempt.finished_at = timezone.now()
        return _hold(checkout=checkout, attempt=attempt, kind=PaymentFlag.Kind.LATE, detail=detail)

    return atomic_retrying(work, what="payment")


def _post_capture(*, checkout, attempt: PaymentAttempt) -> None:
    """The payment in, each store's share held, the platform's fee earned."""
    lines = [Line(accounts.provider_account(attempt.provider), attempt.currency, attempt.amount_minor)]
    for order in payable_orders(checkout).prefetch_related("items"):
        fee = fees.order_fee_minor(order)
        share = fees.order_share_minor(order, fee)
        lines.append(Line(accounts.store_held(order.store_id), order.currency, -share, order=order))
        lines.append(Line(accounts.FEES, order.currency, -fee, order=order))
        lines += ledger.order_promotion_lines(order)
        order_fee_charged.send(sender=PaymentAttempt, order=order, fee=money_from_minor(fee, order.currency))
    ledger.post(
        kind=LedgerTransaction.Kind.CAPTURE,
        key=f"capture:attempt:{attempt.pk}",
        lines=lines,
        memo=f"{attempt.get_provider_display()} {attempt.payment_reference or attempt.reference}",
        checkout=checkout,
    )


def _post_suspense(*, checkout, attempt: PaymentAttempt) -> None:
    """Money the provider took that no order owes: in the provider's account, owed back
    from suspense until it is refunded (``shop.payments.ledger.suspense``)."""
    if not attempt.received_minor or attempt.received_minor < 0 or not attempt.received_currency:
        return
    ledger.post(
        kind=LedgerTransaction.Kind.SUSPENSE,
        key=f"suspense:attempt:{attempt.pk}",
        lines=[
            Line(accounts.provider_account(attempt.provider), attempt.received_currency, attempt.received_minor),
            Line(accounts.SUSPENSE, attempt.received_currency, -attempt.received_minor),
        ],
        memo=f"{attempt.get_provider_display()} {attempt.payment_reference or attempt.reference}: not owed",
        checkout=checkout,
    )


def attempt_failed(*, attempt_id: int, status: str = Status.FAILED, message: str = "") -> PaymentAttempt:
    """The try ended without money: declined, cancelled, timed out. A final attempt
    (paid, or already failed) is left as it is. The buyer's open pages offer the other
    methods at once."""

    def work():
        checkout, attempt = _lock(attempt_id)
        if attempt.is_final:
            return attempt
        attempt.status = status
        attempt.message = message[:300]
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["status", "message", "finished_at", "updated_at"])
        _push_status(checkout)
        return attempt

    return atomic_retrying(work, what="payment")


def attempts_end_checkout_changed(*, checkout) -> int:
    """What ``checkout`` costs changed while it awaits payment (an order of it was
    cancelled; the caller holds its lock and saved its new total): a payment under way asks
    for the old total, so it ends, and the buyer's open pages offer to pay the new one. A
    provider's page still open is closed after commit (best effort: money that still arrives
    for it no longer matches the checkout, and ``attempt_succeeded`` holds and flags it)."""
    pending = list(PaymentAttempt.objects.select_for_update().filter(checkout=checkout, status=Status.PENDING))
    if checkout.payment_status == PaymentStatus.AWAITING:
        message = _("An order was cancelled: pay the new total.")
    else:
        message = _("Your orders were cancelled: there is nothing to pay.")
    for attempt in pending:
        attempt.status, attempt.message, attempt.finished_at = Status.CANCELLED, message, timezone.now()
        attempt.save(update_fields=["status", "message", "finished_at", "updated_at"])
        gateway = gateway_class(attempt.gateway)
        if gateway is not None:
            transaction.on_commit(lambda gateway=gateway, attempt=attempt: gateway().close(attempt), robust=True)
    _push_status(checkout)
    return len(pending)


def attempts_expire(*, checkout) -> int:
    """The checkout was not paid in time (the caller holds its lock and has marked it
    expired): its pending attempts end, and the buyer's open payment pages say so."""
    ended = PaymentAttempt.objects.filter(checkout=checkout, status=Status.PENDING).update(
        status=Status.EXPIRED, finished_at=timezone.now(), message=_("Not paid in time.")
    )
    _push_status(checkout)
    return ended


def checkout_pay_on_delivery(*, checkout, gateway: str = "cod") -> bool:
    """The buyer gave up paying online and will pay cash on delivery: the checkout goes
    ahead as cash on delivery (its pending attempts are dropped). ``False`` when it is no
    longer awaiting payment (paid meanwhile, or expired)."""

    def work():
        checkout_model = type(checkout)
        locked = checkout_model.objects.select_for_update().get(pk=checkout.pk)
        if not checkout_awaits_payment(locked):
            return False
        PaymentAttempt.objects.filter(checkout=locked, status=Status.PENDING).update(
            status=Status.CANCELLED, finished_at=timezone.now(), message=_("Switched to cash on delivery.")
        )
        checkout_on_delivery.send(sender=PaymentAttempt, checkout=locked, method=gateway)
        checkout_confirmed.send(sender=PaymentAttempt, checkout=locked)
        _push_status(locked)
        return True

    return atomic_retrying(work, what="payment")


def checkout_method_choose(*, checkout, method: str) -> None:
    """The buyer pays ``checkout`` with ``method`` (a gateway code) from now on."""
    if checkout.payment_method != method:
        checkout_method_chosen.send(sender=PaymentAttempt, checkout=checkout, method=method)


def _push_status(checkout) -> None:
    """The payment's live fragment to the buyer's open pages, after commit."""
    push_rendered_on_commit(
        [checkout.buyer_id],
        lambda: render_to_string("payments/_status.html", {**payment_status_context(checkout), "oob": True}),
        event="payment.changed",
        data={"checkout": checkout.pk, "payment_status": checkout.payment_status},
    )


class FlagNeedsAction(Exception):
    """The flag stands for money that only one of its actions settles: marking it resolved
    by hand would leave the money where it is."""


def flag_needs_action(flag: PaymentFlag) -> str:
    """Why ``flag`` may not be marked resolved by hand ("" when it may): a payout Stripe
    never answered is asked again by no job, so until finance record the transfer found at
    Stripe or send the payout again, the store is never paid."""
    if flag.kind == PaymentFlag.Kind.PAYOUT_UNANSWERED:
        payout_id = flag.key.removeprefix("payout-unanswered:")
        if payout_id.isdigit() and Payout.objects.filter(
            pk=payout_id, status=Payout.Status.PENDING, reference__startswith="asking:"
        ).exists():
            return _(
                "The payout still waits for Stripe's answer: record the transfer found at Stripe, or send the payout "
                "again, from the flags' actions."
            )
    return ""


def flag_resolve(*, flag: PaymentFlag, actor, note: str = "") -> bool:
    """Staff mark a payment flag resolved, with what they did about it (the note replaces
    the one kept, when given). ``False`` when it was resolved already; the moderation log
    hears of each resolution once. ``FlagNeedsAction`` when only one of the flag's actions
    may settle it (``flag_needs_action``)."""
    note = (note or "").strip()[: PaymentFlag._meta.get_field("resolution").max_length]
    with transaction.atomic():
        locked = PaymentFlag.objects.select_for_update().filter(pk=flag.pk, resolved_at__isnull=True).first()
        if locked is None:
            return False
        if why := flag_needs_action(locked):
            raise FlagNeedsAction(why)
        locked.resolved_at, locked.resolved_by = timezone.now(), actor
        locked.resolution = note or locked.resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution", "updated_at"])
        staff_acted.send(
            sender=PaymentFlag, actor=actor, action="flag_resolved", target=locked, reason=locked.resolution,
            before={"resolved": False}, after={"resolved": True, "resolution": locked.resolution},
        )
    flag.resolved_at, flag.resolved_by, flag.resolution = locked.resolved_at, locked.resolved_by, locked.resolution
    return True
