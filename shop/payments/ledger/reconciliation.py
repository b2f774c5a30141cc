"""Staff's daily comparison of the ledger with the providers' own reports.

Reconciliation, per UTC day and currency: the ledger's ``provider:<p>`` account (every
posting: payments, refunds, transfers, fees, disputes, money held in suspense) against
the net movement the provider itself reports for the platform's balance there. Each
provider contributes its report through ``PROVIDER_REPORTS``; a difference is flagged
once (``reconciliation_flag``), whoever looks and however often.

The stablecoin's money is in the escrow contract, per checkout: ``escrow_reconciliation_flag``
compares the ledger's ``provider:crypto`` postings (payments in, releases to stores, refunds
to buyers, each in the token's minor units at the quote's rate) with the contract's events
and flags each difference once."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.chain.models import EscrowTransfer
from shop.chain.node import ChainNotConfigured, ChainUnavailable, chain_configured
from shop.chain.reconciliation import LedgerMove, escrow_reconcile

from ..models import (
    CryptoDeposit,
    LedgerEntry,
    LedgerTransaction,
    PaymentAttempt,
    PaymentFlag,
    Payout,
    Provider,
    Refund,
)
from ..payouts.selectors import buyer_address_for, crypto_quote_for, token_minor_down
from ..providers.mpesa.callbacks import mpesa_report
from ..providers.mpesa.client import MpesaError
from ..providers.paypal.client import PaypalError, paypal_report
from ..providers.stripe.client import stripe_client, stripe_provider
from .selectors import ledger_provider_days

log = logging.getLogger(__name__)


class ReportUnavailable(Exception):
    """A provider's report cannot be read now (not configured, unreachable): its days
    are shown unchecked and never flagged."""


# A provider's report: ``report(since=…, until=…)`` with aware datetimes (``since`` a UTC
# midnight, ``until`` the UTC midnight after the last day) returns
# ``{(day, "KES"): net_minor, …}``: per UTC day and upper-case currency, the net change
# of the platform's money at the provider in minor units, as the provider records it
# (payments in positive; refunds, transfers, fees and disputes negative). Days without
# movement may be left out. It raises ``ReportUnavailable`` when it cannot answer. It
# must only read: posting what it finds is the business of the provider's own sync job.
ProviderReport = Callable[..., dict[tuple[date, str], int]]


def stripe_report(*, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """Stripe's balance transactions (charges less fees, refunds, transfers, disputes…):
    the sum of their ``net`` per day of ``created`` and currency."""
    totals: dict[tuple[date, str], int] = defaultdict(int)
    params = {"created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())}, "limit": 100}
    try:
        for item in stripe_client().v1.balance_transactions.list(params=params).auto_paging_iter():
            day = datetime.fromtimestamp(item.created, tz=UTC).date()
            totals[(day, item.currency.upper())] += int(item.net)
    except stripe.StripeError as error:
        raise ReportUnavailable(str(error)) from error
    return dict(totals)


def _stripe_report_for(provider: str) -> ProviderReport:
    def report(*, since: datetime, until: datetime):
        if stripe_provider() != provider:
            raise ReportUnavailable(f"{provider} is not the configured card provider")
        return stripe_report(since=since, until=until)

    return report


# Provider code -> its report. A provider without one is shown unchecked.
PROVIDER_REPORTS: dict[str, ProviderReport] = {
    Provider.STRIPE: _stripe_report_for(Provider.STRIPE),
    # The development gateway's engine is Stripe's API: the same report.
    Provider.DEV: _stripe_report_for(Provider.DEV),
}


def _reported_by(report, errors: tuple[type[Exception], ...]) -> ProviderReport:
    """A provider module's report, with its own errors read as "cannot answer now"."""

    def wrapped(*, since: datetime, until: datetime):
        try:
            return report(since=since, until=until)
        except errors as error:
            raise ReportUnavailable(str(error)) from error

    return wrapped


# PayPal's transaction search; Daraja's Transaction Status results (shop/payments/providers/paypal/client.py, mpesa/callbacks.py).
PROVIDER_REPORTS[Provider.PAYPAL] = _reported_by(paypal_report, (PaypalError,))
PROVIDER_REPORTS[Provider.MPESA] = _reported_by(mpesa_report, (MpesaError,))


def _days(days: int, now) -> tuple[datetime, datetime]:
    today = (now or timezone.now()).astimezone(UTC).date()
    until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    return until - timedelta(days=days), until


def _base_key(key: str) -> str:
    """``void:capture:attempt:7@2`` -> ``capture:attempt:7``."""
    return key.removeprefix("void:").partition("@")[0]


def _escrow_move(posted: LedgerTransaction, amount: int, quotes: dict) -> LedgerMove | None:
    """The escrow move a ``provider:crypto`` posting of ``amount`` records (debit: in)."""
    base = _base_key(posted.key)
    noun, _sep, number = base.rpartition(":")
    if not number.isdigit():
        return None
    sign = 1 if amount > 0 else -1
    if noun in ("capture:attempt", "suspense:attempt"):
        attempt = PaymentAttempt.objects.get(pk=int(number))
        quote = quotes.setdefault(attempt.pk, crypto_quote_for(attempt))
        deposited = sum(deposit.amount for deposit in CryptoDeposit.objects.filter(attempt=attempt))
        return LedgerMove(quote.checkout_ref, "deposited", sign * deposited) if quote else None
    if noun == "transfer:order":
        payout = Payout.objects.filter(order_id=int(number), provider=Provider.CRYPTO).select_related("store").first()
        attempt = PaymentAttempt.objects.filter(
            checkout_id=posted.checkout_id, provider=Provider.CRYPTO, status=PaymentAttempt.Status.SUCCEEDED
        ).first()
        quote = quotes.setdefault(attempt.pk, crypto_quote_for(attempt)) if attempt else None
        if payout is None or quote is None:
            return None
        address = _released_to(payout) or payout.store.wallet_address
        token = token_minor_down(abs(amount), posted.entries.first().account.currency, quote)
        return LedgerMove(quote.checkout_ref, "released", -sign * token, address)
    if noun == "refund":
        refund = Refund.objects.filter(pk=int(number), provider=Provider.CRYPTO).select_related("attempt").first()
        quote = quotes.setdefault(refund.attempt_id, crypto_quote_for(refund.attempt)) if refund else None
        if quote is None:
            return None
        token = token_minor_down(abs(amount), refund.currency, quote)
        return LedgerMove(quote.checkout_ref, "refunded", -sign * token, buyer_address_for(refund.attempt))
    return None


def _released_to(payout: Payout) -> str:
    transfer = EscrowTransfer.objects.filter(tx_hash=payout.reference).first() if payout.reference else None
    return transfer.to_address if transfer is not None else ""


def escrow_ledger_moves() -> list[LedgerMove]:
    """What the ledger says went into and out of the configured escrow, per posting on
    ``provider:crypto``, in the token's minor units."""
    totals: dict[int, int] = defaultdict(int)
    for entry in LedgerEntry.objects.filter(account__code=f"provider:{Provider.CRYPTO}").only(
        "transaction_id", "amount_minor"
    ):
        totals[entry.transaction_id] += entry.amount_minor
    quotes: dict = {}
    moves = []
    for posted in LedgerTransaction.objects.filter(pk__in=list(totals)).order_by("id"):
        if totals[posted.pk]:
            move = _escrow_move(posted, totals[posted.pk], quotes)
            if move is not None and move.amount_minor:
                moves.append(move)
    # Only checkouts in the configured escrow: its events are the ones read back.
    ours = {
        quote.checkout_ref
        for quote in quotes.values()
        if quote is not None and quote.escrow_address.lower() == settings.SOKO_ETH_ESCROW_ADDRESS.lower()
    }
    return [move for move in moves if move.checkout_id in ours]


def _escrow_busy_checkouts() -> set[str]:
    """Checkout ids with money on its way (a deposit not confirmed, a release or a refund
    being sent): compared on a later run, once they have settled."""
    busy = set(
        CryptoDeposit.objects.filter(status=CryptoDeposit.Status.SEEN).values_list("quote__checkout_ref", flat=True)
    )
    attempts = list(
        Payout.objects.filter(provider=Provider.CRYPTO, status=Payout.Status.PENDING)
        .values_list("order__checkout__attempts", flat=True)
        .distinct()
    ) + list(
        Refund.objects.filter(provider=Provider.CRYPTO, status=Refund.Status.PENDING).values_list("attempt", flat=True)
    )
    for attempt in PaymentAttempt.objects.filter(pk__in=[pk for pk in attempts if pk], provider=Provider.CRYPTO):
        quote = crypto_quote_for(attempt)
        if quote is not None:
            busy.add(quote.checkout_ref)
    return busy


def escrow_reconciliation_flag() -> int:
    """Flag each difference between the ledger's escrow moves and the escrow's events once
    (``PaymentFlag`` kind reconciliation, keyed by the difference): the same difference is
    never flagged twice, resolved or not. Checkouts with money on its way wait for a later
    run. Returns how many flags were raised; 0 without a configured escrow or node."""
    if not chain_configured() or not settings.SOKO_ETH_ESCROW_ADDRESS:
        return 0
    busy = _escrow_busy_checkouts()
    moves = [move for move in escrow_ledger_moves() if move.checkout_id not in busy]
    try:
        differences = escrow_reconcile(ledger=moves, checkout_ids={move.checkout_id for move in moves})
    except (ChainNotConfigured, ChainUnavailable) as error:
        log.warning("the escrow could not be reconciled: %s", error)
        return 0
    flagged = 0
    for difference in differences:
        what = (
            f"{difference.checkout_id}:{difference.kind}:{difference.address}:"
            f"{difference.ledger_minor}:{difference.chain_minor}"
        )
        key = f"reconciliation:escrow:{hashlib.sha256(what.encode()).hexdigest()[:40]}"
        detail = (
            f"Escrow checkout {difference.checkout_id}, {difference.kind}"
            f"{' to ' + difference.address if difference.address else ''}: the ledger says {difference.ledger_minor}, "
            f"the contract's events {difference.chain_minor} (token minor units; transactions: "
            f"{', '.join(difference.tx_hashes) or 'none'})"
        )
        flagged += _flag_once(key, detail)
    return flagged


def reconciliation(*, days: int = 30, now=None, reports: dict[str, ProviderReport] | None = None) -> list[dict]:
    """Per UTC day, provider and currency, newest day first: ``ledger`` (what the ledger's
    provider account moved), ``reported`` (what the provider's report says; ``None`` when
    it has no report or could not be read) and ``difference`` (ledger less reported;
    ``None`` when unchecked)."""
    since, until = _days(days, now)
    reports = PROVIDER_REPORTS if reports is None else reports
    ledger_days = ledger_provider_days(since=since, until=until)
    reported: dict[tuple[date, str, str], int] = {}
    unchecked = {provider for _day, provider, _currency in ledger_days} - set(reports)
    for provider, report in reports.items():
        try:
            figures = report(since=since, until=until)
        except ReportUnavailable as error:
            log.info("no %s report: %s", provider, error)
            unchecked.add(provider)
            continue
        for (day, currency), amount in figures.items():
            reported[(day, provider, currency.upper())] = int(amount)
    result = []
    for key in set(ledger_days) | set(reported):
        day, provider, currency = key
        in_ledger, by_provider = ledger_days.get(key, 0), reported.get(key, 0)
        if provider in unchecked:
            by_provider = None
        elif not in_ledger and not by_provider:
            continue
        result.append(
            {
                "day": day,
                "provider": provider,
                "currency": currency,
                "ledger": in_ledger,
                "reported": by_provider,
                "difference": None if by_provider is None else in_ledger - by_provider,
            }
        )
    return sorted(result, key=lambda row: (row["day"], row["provider"], row["currency"]), reverse=True)


def reconciliation_flag(rows: list[dict]) -> int:
    """Flag each difference once (``PaymentFlag`` kind reconciliation, keyed by provider,
    day, currency and difference): the same difference is never flagged twice, resolved
    or not; a new difference on the same day is. Returns how many flags were raised."""
    flagged = 0
    for row in rows:
        if not row["difference"]:
            continue
        key = f"reconciliation:{row['provider']}:{row['day']:%Y-%m-%d}:{row['currency']}:{row['difference']}"
        detail = (
            f"{row['day']:%Y-%m-%d} {row['provider']} {row['currency']}: the ledger says {row['ledger']}, "
            f"the provider reported {row['reported']} (minor units)"
        )
        flagged += _flag_once(key, detail)
    return flagged


def _flag_once(key: str, detail: str) -> int:
    """A reconciliation flag under ``key`` unless one was raised before: 1 when raised now."""
    if PaymentFlag.objects.filter(key=key).exists():
        return 0
    try:
        with transaction.atomic():
            PaymentFlag.objects.create(kind=PaymentFlag.Kind.RECONCILIATION, key=key, detail=detail)
    except IntegrityError:
        return 0  # flagged by a concurrent run
    return 1
