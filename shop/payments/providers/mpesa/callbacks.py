"""M-Pesa (Safaricom Daraja): STK push to the buyer's phone, Kenya, whole shillings.

A small client of our own over httpx: the maintained Daraja clients hard-code Safaricom's
hosts, and ours must talk to a local fake in tests and demos (``MPESA_API_BASE``).

The callback trusts nothing it is told. It must name a push we sent (CheckoutRequestID),
for the amount and to the phone we asked, and Daraja's STK query must then give the same
outcome; only then does the attempt end, once per callback (``ProviderEvent``). A paid
push is paid once whatever arrives, and a receipt number belongs to one attempt.

A push with no callback after ``MPESA_QUERY_AFTER_SECONDS`` is asked about by
``mpesa_pending_settle``; so is a push that ended here (the buyer stopped waiting or
chose cash, the deadline passed) while the phone could still take the PIN, until Daraja
gives its final word or ``MPESA_QUERY_ENDED_WITHIN_SECONDS`` pass. That word is kept as
the push's ``<reference>:query`` event, so a push is asked about until it is answered.
The attempt's ``reference`` (the CheckoutRequestID) always names the push.

What is recorded is what Daraja's own queries say, never what a callback says: the STK
query proves the push (for the amount and phone we asked) was paid, and carries no
receipt; a callback's receipt number is only a candidate, asked about with the
Transaction Status API. Its result comes later to a ResultURL holding a random token
made for that one query (``status_result_process``), and only a result for that token,
naming that receipt as completed for the push's amount, phone and time, records the
receipt. A forged callback's receipt is never recorded; a forged result has no token.

Result codes: 0 paid, 1032 cancelled by the buyer, 1037 and 1019 no answer in time,
anything else failed with Daraja's own words.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import money_to_minor

from ...models import PaymentAttempt, Provider, ProviderEvent
from ...services import attempt_failed, attempt_succeeded, event_record
from .client import NAIROBI, DarajaClient, MpesaError, StkResult, mpesa_configured

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status


class MalformedCallback(ValueError):
    """A body that is not Daraja's ``stkCallback``."""


def _query(request_id: str) -> StkResult | None:
    """The STK query's answer, or ``None`` when Daraja could not give one (logged)."""
    try:
        return DarajaClient().stk_query(request_id)
    except MpesaError as error:
        log.warning("STK query for %s failed: %s %s", request_id, error.code, error.detail or error)
        return None


def _attempt_end(attempt: PaymentAttempt, result: StkResult) -> PaymentAttempt:
    """The push ended without money, as the STK query said."""
    if result.code == 1032:
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.CANCELLED, message=_("You cancelled the M-Pesa request.")
        )
    if result.code in (1037, 1019):
        return attempt_failed(
            attempt_id=attempt.pk, status=Status.EXPIRED, message=_("M-Pesa could not reach your phone in time.")
        )
    return attempt_failed(attempt_id=attempt.pk, message=result.description or _("M-Pesa did not take the payment."))


def _phone_agrees(reported, expected: str) -> bool:
    """The callback's PhoneNumber is the one we pushed to. Safaricom may mask it
    (``2547XXXXX678``, ``0712***678``) or hash it: then the digits it shows must agree,
    and the STK query alone proves the payment."""
    text = re.sub(r"[\s\-+]", "", str(reported if reported is not None else ""))
    if not text or re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return True
    if text.startswith("0"):
        text = "254" + text[1:]
    if re.fullmatch(r"\d{12}", text):
        return text == expected
    if re.fullmatch(r"254[\dxX*]{9}", text):
        return all(shown == digit for shown, digit in zip(text, expected, strict=True) if shown.isdigit())
    return False


def _callback_parse(payload) -> tuple[str, int, str, dict]:
    try:
        callback = payload["Body"]["stkCallback"]
        request_id = str(callback["CheckoutRequestID"])
        code = int(callback["ResultCode"])
        items = (callback.get("CallbackMetadata") or {}).get("Item") or []
        metadata = {str(item["Name"]): item.get("Value") for item in items}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedCallback(str(error)) from error
    if not request_id:
        raise MalformedCallback("no CheckoutRequestID")
    return request_id, code, str(callback.get("ResultDesc", "")), metadata


def _event_claim(*, event_id: str, payload, kind: str = "stkCallback") -> ProviderEvent | None:
    """The callback's event, stored once and locked; ``None`` when it was processed before."""
    event_record(provider=Provider.MPESA, event_id=event_id, kind=kind, payload=payload)
    event = ProviderEvent.objects.select_for_update().get(provider=Provider.MPESA, event_id=event_id[:255])
    return None if event.processed_at else event


def _event_done(event: ProviderEvent, outcome: str) -> None:
    event.processed_at = timezone.now()
    event.outcome = outcome[:300]
    event.save(update_fields=["processed_at", "outcome"])


def callback_process(payload, *, base_url: str = "") -> str:
    """One result Safaricom posted; what became of it. Changes nothing unless every check
    holds; the same callback any number of times counts once. ``base_url`` is this site's
    address as Safaricom reached it, for the receipt's Transaction Status query. Raises
    ``MalformedCallback``."""
    request_id, code, description, metadata = _callback_parse(payload)
    attempt = PaymentAttempt.objects.filter(provider=Provider.MPESA, reference=request_id).first()
    if attempt is None:
        log.warning("M-Pesa callback for unknown CheckoutRequestID %s", request_id)
        return "unknown request"
    if code == 0:
        return _callback_paid(attempt, request_id, metadata, payload, base_url=base_url)
    if attempt.is_final:
        return "already ended"
    event_id = f"{request_id}:{code}:"
    if ProviderEvent.objects.filter(provider=Provider.MPESA, event_id=event_id, processed_at__isnull=False).exists():
        return "already processed"
    result = _query(request_id)
    if result is None or result.pending or result.paid:
        log.warning("M-Pesa callback says %s for %s, the STK query says %s", code, request_id, result)
        return "not confirmed"
    attempt = _settle(attempt, result)
    outcome = f"attempt {attempt.pk} {attempt.status} ({description or result.code})"
    return outcome if _event_close(event_id=event_id, payload=payload, outcome=outcome) else "already processed"


def _event_close(*, event_id: str, payload, outcome: str, kind: str = "stkCallback") -> bool:
    """Mark the callback processed with its outcome; ``False`` when another delivery did first."""
    with transaction.atomic():
        event = _event_claim(event_id=event_id, payload=payload, kind=kind)
        if event is None:
            return False
        _event_done(event, outcome)
    return True


def _callback_paid(attempt: PaymentAttempt, request_id: str, metadata: dict, payload, *, base_url: str) -> str:
    """A callback that says the push was paid. The STK query decides; the attempt records
    the amount of the push it confirmed, and the callback's receipt is only asked about."""
    receipt = str(metadata.get("MpesaReceiptNumber") or "").strip()
    try:
        amount = money_to_minor(Decimal(str(metadata.get("Amount"))), "KES")
    except (ArithmeticError, ValueError):
        amount = None
    if amount != attempt.amount_minor or not receipt or not _phone_agrees(metadata.get("PhoneNumber"), attempt.phone):
        log.warning(
            "M-Pesa callback for attempt %s does not match it (amount %s, phone %s, receipt %r)",
            attempt.pk,
            metadata.get("Amount"),
            metadata.get("PhoneNumber"),
            receipt,
        )
        return "does not match"
    event_id = f"{request_id}:0:{receipt}"
    if ProviderEvent.objects.filter(provider=Provider.MPESA, event_id=event_id, processed_at__isnull=False).exists():
        return "already processed"
    result = _query(request_id)
    if result is None or result.pending:
        # The job asks again later, and then asks about this receipt.
        event_record(provider=Provider.MPESA, event_id=event_id, kind="stkCallback", payload=payload)
        return "waiting for the STK query"
    if not result.paid:
        log.warning("M-Pesa callback says %s was paid, the STK query says %s", request_id, result)
        return "not confirmed"
    attempt = attempt_succeeded(
        attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=""
    )
    outcome = f"attempt {attempt.pk} {attempt.status} (STK query); receipt {receipt[:20]} asked about"
    if not _event_close(event_id=event_id, payload=payload, outcome=outcome):
        return "already processed"
    receipt_ask(attempt=attempt, receipt=receipt, base_url=base_url)
    return outcome


# The Transaction Status query about a receipt, kept as a provider event named by the
# hash of its ResultURL's token (the token itself is never stored).
STATUS_KIND = "TransactionStatusQuery"
RECEIPT_SHAPE = re.compile(r"[A-Z0-9]{10}")
# Daraja's clock and ours may differ a little: a payment this much before the push is still its.
CLOCK_SLACK = timedelta(minutes=2)


class UnknownResult(LookupError):
    """A Transaction Status result for no query we are waiting on (forged, or already answered)."""


def _status_event_id(token: str) -> str:
    return "status:" + hashlib.sha256(token.encode()).hexdigest()


def _public_base(base_url: str = "") -> str:
    """This site's address for Daraja to post to: the one Safaricom reached, or the callback setting's."""
    if base_url:
        return base_url.rstrip("/")
    parts = urlsplit(settings.MPESA_CALLBACK_URL or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def receipt_ask(*, attempt: PaymentAttempt, receipt: str, base_url: str = "") -> ProviderEvent | None:
    """Ask Daraja's Transaction Status API whether ``receipt`` is this paid push's; the
    answer arrives at ``status_result_process``. Nothing is asked when the attempt has
    its receipt, the receipt is not M-Pesa-shaped, or the API is not configured."""
    attempt.refresh_from_db(fields=["status", "payment_reference"])
    if attempt.payment_reference or attempt.status not in (Status.SUCCEEDED, Status.FLAGGED):
        return None
    if not RECEIPT_SHAPE.fullmatch(receipt):
        log.warning("M-Pesa receipt %r for attempt %s is not a receipt number", receipt[:40], attempt.pk)
        return None
    base = _public_base(base_url)
    if not (settings.MPESA_INITIATOR and settings.MPESA_SECURITY_CREDENTIAL and base):
        log.warning(
            "M-Pesa receipt %s for attempt %s not asked about: Transaction Status not configured", receipt, attempt.pk
        )
        return None
    token = secrets.token_urlsafe(32)
    event = ProviderEvent.objects.create(
        provider=Provider.MPESA,
        event_id=_status_event_id(token),
        kind=STATUS_KIND,
        payload={"attempt": attempt.pk, "receipt": receipt},
    )
    try:
        answer = DarajaClient().transaction_status(
            receipt=receipt, result_url=base + reverse("payments:mpesa_status_result", args=[token])
        )
    except MpesaError as error:
        log.warning("Transaction Status for %s failed: %s %s", receipt, error.code, error.detail or error)
        _event_done(event, f"not asked: {error.code or error}")
        return event
    ProviderEvent.objects.filter(pk=event.pk).update(
        payload={**event.payload, "originator": str(answer.get("OriginatorConversationID", ""))}
    )
    return event


def _status_parse(payload) -> tuple[int, str, str, dict]:
    try:
        result = payload["Result"]
        code = int(result["ResultCode"])
        items = (result.get("ResultParameters") or {}).get("ResultParameter") or []
        if isinstance(items, dict):
            items = [items]
        parameters = {str(item["Key"]): item.get("Value") for item in items}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedCallback(str(error)) from error
    return code, str(result.get("ResultDesc", "")), str(result.get("OriginatorConversationID", "")), parameters


def _daraja_time(value) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    except ValueError:
        return None


def _status_problem(
    asked: dict, attempt: PaymentAttempt, code: int, description: str, originator: str, found: dict
) -> str:
    """Why this result does not prove the receipt paid the attempt's push; "" when it does."""
    if code != 0:
        return f"Daraja says {code}: {description}"
    if asked.get("originator") and originator != asked["originator"]:
        return "the result of another query"
    if str(found.get("ReceiptNo", "")) != asked["receipt"]:
        return f"about receipt {str(found.get('ReceiptNo', ''))[:20]!r}"
    if found.get("TransactionStatus") != "Completed":
        return f"the payment is {str(found.get('TransactionStatus'))[:20]!r}"
    try:
        amount = money_to_minor(Decimal(str(found.get("Amount"))), "KES")
    except (ArithmeticError, ValueError):
        amount = None
    if amount != attempt.amount_minor:
        return f"for {found.get('Amount')!r}, not the push's {attempt.amount_minor} cents"
    payer = str(found.get("DebitPartyName") or "").split(" - ")[0].strip()
    if not payer or not _phone_agrees(payer, attempt.phone):
        return f"paid from {payer[:20]!r}, not the push's phone"
    payee = str(found.get("CreditPartyName") or "").split(" - ")[0].strip()
    if payee and payee != str(settings.MPESA_SHORTCODE):
        return f"paid to {payee[:20]!r}"
    started = _daraja_time(found.get("InitiatedTime"))
    if started is None or started < attempt.created_at - CLOCK_SLACK:
        return "paid before the push was sent"
    return ""


def status_result_process(*, token: str, payload) -> str:
    """Daraja's answer to ``receipt_ask``, posted to the ResultURL holding ``token``. The
    receipt is recorded only when the answer proves it paid the push. Raises
    ``UnknownResult`` for a token no query waits on, ``MalformedCallback`` for a body that
    is not a Daraja result."""
    code, description, originator, found = _status_parse(payload)
    with transaction.atomic():
        event = (
            ProviderEvent.objects.select_for_update()
            .filter(
                provider=Provider.MPESA, event_id=_status_event_id(token), kind=STATUS_KIND, processed_at__isnull=True
            )
            .first()
        )
        if event is None:
            raise UnknownResult(token[:8])
        asked = dict(event.payload)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=asked["attempt"])
        problem = _status_problem(asked, attempt, code, description, originator, found)
        if not problem and attempt.payment_reference:
            problem = f"the attempt already has receipt {attempt.payment_reference}"
        if (
            not problem
            and PaymentAttempt.objects.filter(provider=Provider.MPESA, payment_reference=asked["receipt"]).exists()
        ):
            problem = "the receipt is another attempt's"
        if problem:
            log.warning("M-Pesa receipt %s not recorded for attempt %s: %s", asked["receipt"], attempt.pk, problem)
            outcome = f"refused: {problem}"
        else:
            attempt.payment_reference = asked["receipt"]
            attempt.save(update_fields=["payment_reference", "updated_at"])
            outcome = f"confirmed: receipt {asked['receipt']} paid attempt {attempt.pk}"
            paid_at = found.get("FinalisedTime") or found.get("InitiatedTime") or ""
            asked["confirmed"] = {"amount_minor": attempt.amount_minor, "at": str(paid_at)}
        event.payload = {**asked, "result": payload}
        event.save(update_fields=["payload"])
        _event_done(event, outcome)
    return outcome


# Daraja's final word on a push, as its STK query gave it: one event per push.
ANSWER_KIND = "stkQuery"
ANSWER_SUFFIX = ":query"


def _settle(attempt: PaymentAttempt, result: StkResult) -> PaymentAttempt:
    """Act once on the STK query's final answer about a push. Paid: ``attempt_succeeded``,
    as for a paid callback (the checkout is paid, or the money held for a refund when the
    checkout no longer awaits it). Not paid: the push ends, unless it ended here already.
    The answer is kept (the push is not asked about again); a paid one's waiting callbacks
    have their receipts asked about."""
    if result.paid:
        attempt = attempt_succeeded(
            attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=""
        )
        outcome = f"attempt {attempt.pk} {attempt.status} (STK query)"
    else:
        attempt = _attempt_end(attempt, result)
        outcome = f"not confirmed: the STK query says {result.code}"
    _event_close(
        event_id=attempt.reference + ANSWER_SUFFIX,
        payload={"ResultCode": result.code, "ResultDesc": result.description},
        outcome=f"attempt {attempt.pk} {attempt.status}: the STK query says {result.code}",
        kind=ANSWER_KIND,
    )
    with transaction.atomic():
        waiting = list(
            ProviderEvent.objects.select_for_update().filter(
                provider=Provider.MPESA, event_id__startswith=f"{attempt.reference}:0:", processed_at__isnull=True
            )
        )
        for event in waiting:
            _event_done(event, outcome)
    if result.paid:
        for event in waiting:
            receipt_ask(attempt=attempt, receipt=event.event_id.rsplit(":", 1)[1])
    return attempt


def mpesa_pending_settle(*, older_than_seconds: int | None = None) -> int:
    """Ask Daraja about pushes with no final word after a while (``MPESA_QUERY_AFTER_SECONDS``):
    pending ones, and ones that ended here without money while the phone could still take
    the PIN (for ``MPESA_QUERY_ENDED_WITHIN_SECONDS`` after the push). Paid ones are paid
    as a paid callback is (or held for a refund), refused ones end, unanswered ones are
    asked again next time; receipts Daraja could not be asked about are asked again
    (``mpesa_receipts_reask``). Returns how many got Daraja's final word."""
    seconds = settings.MPESA_QUERY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    now = timezone.now()
    answered = ProviderEvent.objects.filter(
        provider=Provider.MPESA,
        event_id=Concat(OuterRef("reference"), Value(ANSWER_SUFFIX)),
        processed_at__isnull=False,
    )
    ended_here = Q(
        status__in=(Status.CANCELLED, Status.EXPIRED, Status.FAILED),
        payment_reference="",
        created_at__gte=now - timedelta(seconds=settings.MPESA_QUERY_ENDED_WITHIN_SECONDS),
    ) & ~Exists(answered)
    unanswered = (
        PaymentAttempt.objects.filter(provider=Provider.MPESA, created_at__lte=now - timedelta(seconds=seconds))
        .filter(Q(status=Status.PENDING) | ended_here)
        .exclude(reference="")
        .order_by("created_at", "id")
    )
    ended = 0
    for attempt in unanswered[:200]:
        result = _query(attempt.reference)
        if result is None or result.pending:
            continue
        _settle(attempt, result)
        ended += 1
    mpesa_receipts_reask()
    return ended


# Receipts are asked about again for this long after Daraja could not be asked.
REASK_WITHIN = timedelta(days=2)


def mpesa_receipts_reask() -> int:
    """Receipts whose Transaction Status query Daraja refused or never got (unreachable,
    a token it forgot) are asked about again, each under a new ResultURL. Returns how many
    were asked."""
    asked = 0
    failed = ProviderEvent.objects.filter(
        provider=Provider.MPESA,
        kind=STATUS_KIND,
        outcome__startswith="not asked",
        received_at__gte=timezone.now() - REASK_WITHIN,
    ).order_by("received_at", "id")
    for event in failed[:50]:
        # Claimed once, whoever runs the job: a concurrent run finds the outcome changed.
        if not ProviderEvent.objects.filter(pk=event.pk, outcome=event.outcome).update(
            outcome=f"{event.outcome}; asked again"[:300]
        ):
            continue
        attempt = PaymentAttempt.objects.filter(
            provider=Provider.MPESA, pk=(event.payload or {}).get("attempt")
        ).first()
        if attempt is not None and receipt_ask(attempt=attempt, receipt=str(event.payload.get("receipt", ""))):
            asked += 1
    return asked


def mpesa_report(*, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """Daraja's own word on the M-Pesa money that reached the shortcode: per UTC day of the
    payment (Daraja's FinalisedTime) the KES of every receipt a Transaction Status result
    confirmed, in minor units. Refunds are sent by hand (a reversal in M-Pesa's portal)
    and are not in it. Only reads; raises ``MpesaError`` when the Transaction Status API
    is not configured."""
    if not (mpesa_configured() and settings.MPESA_INITIATOR and settings.MPESA_SECURITY_CREDENTIAL):
        raise MpesaError("M-Pesa's Transaction Status API is not configured.")
    totals: dict[tuple[date, str], int] = defaultdict(int)
    confirmed = ProviderEvent.objects.filter(
        provider=Provider.MPESA,
        kind=STATUS_KIND,
        outcome__startswith="confirmed",
        # A result comes after its payment, within days: a margin either side of the window.
        received_at__gte=since - timedelta(days=2),
        received_at__lt=until + timedelta(days=2),
    ).values_list("payload", flat=True)
    for payload in confirmed:
        found = (payload or {}).get("confirmed") or {}
        paid_at = _daraja_time(found.get("at"))
        if paid_at is not None and since <= paid_at < until:
            totals[(paid_at.astimezone(UTC).date(), "KES")] += int(found.get("amount_minor") or 0)
    return dict(totals)
