"""Staff's daily comparison of the ledger with the providers' own reports.

Reconciliation, per UTC day and currency: the ledger's ``provider:<p>`` account (every
posting: payments, refunds, transfers, fees, disputes, money held in suspense) against
the net movement the provider itself reports for the platform's balance there. Each
provider contributes its report through ``PROVIDER_REPORTS``; a difference is flagged
once (``reconciliation_flag``), whoever looks and however often."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import PaymentFlag, Provider
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
        if PaymentFlag.objects.filter(key=key).exists():
            continue
        detail = (
            f"{row['day']:%Y-%m-%d} {row['provider']} {row['currency']}: the ledger says {row['ledger']}, "
            f"the provider reported {row['reported']} (minor units)"
        )
        try:
            with transaction.atomic():
                PaymentFlag.objects.create(kind=PaymentFlag.Kind.RECONCILIATION, key=key, detail=detail)
        except IntegrityError:
            continue  # flagged by a concurrent run
        flagged += 1
    return flagged
