"""What the ledger says, for people: a store's balances and lines, and staff's daily
comparison of the ledger with what the providers reported. Read-only."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.core.currencies import money_from_minor

from . import ledger
from .models import LedgerEntry, LedgerTransaction, PaymentAttempt, Refund

STORE_KINDS = ("held", "payable", "cash")


def store_balances(store_id: int) -> list[dict]:
    """Per currency: what is due to the store (negative: what it owes), what is held for
    buyer protection, and what was paid out; Decimal amounts."""
    codes = [f"store:{store_id}:{kind}" for kind in STORE_KINDS]
    rows = (
        LedgerEntry.objects.filter(account__code__in=codes)
        .values("account__code", "account__currency")
        .annotate(total=Sum("amount_minor"))
    )
    paid = (
        LedgerEntry.objects.filter(
            account__code=ledger.store_payable(store_id), transaction__kind=LedgerTransaction.Kind.TRANSFER
        )
        .values("account__currency")
        .annotate(total=Sum("amount_minor"))
    )
    figures: dict[str, dict] = defaultdict(lambda: {"due": 0, "held": 0, "paid_out": 0})
    for row in rows:
        kind = row["account__code"].rsplit(":", 1)[1]
        if kind == "payable":
            figures[row["account__currency"]]["due"] -= row["total"]
        elif kind == "held":
            figures[row["account__currency"]]["held"] -= row["total"]
    for row in paid:
        figures[row["account__currency"]]["paid_out"] += row["total"]
    return [
        {"currency": currency, **{name: money_from_minor(value, currency) for name, value in values.items()}}
        for currency, values in sorted(figures.items())
    ]


def store_lines(store_id: int):
    """The money events of the store, newest first: each ledger transaction with what it
    did to the store's held share (``held``) and to what is due to it (``due``), in minor
    units from the store's side (positive: more for the store). One query per page."""
    held, payable = ledger.store_held(store_id), ledger.store_payable(store_id)
    return (
        LedgerTransaction.objects.filter(entries__account__code__in=[held, payable])
        .annotate(
            held=-Sum("entries__amount_minor", filter=Q(entries__account__code=held), default=0),
            due=-Sum("entries__amount_minor", filter=Q(entries__account__code=payable), default=0),
            currency=Max("entries__account__currency"),
            # A checkout's capture pays several stores: the store's order is on its entries.
            order_number=Max("entries__order__number"),
            order_fee=Max("entries__order__fee"),
        )
        .order_by("-created_at", "-id")
    )


def reconciliation(*, days: int = 30, now=None) -> list[dict]:
    """Per day, provider and currency: the money the ledger says each provider holds for
    payments and refunds, against what the providers reported (payments confirmed, refunds
    made), newest day first. ``difference`` is non-zero where they disagree."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows: dict[tuple, dict] = defaultdict(lambda: {"ledger": 0, "reported": 0})
    entries = (
        LedgerEntry.objects.filter(
            account__code__startswith="provider:",
            transaction__created_at__gte=since,
            transaction__kind__in=[LedgerTransaction.Kind.CAPTURE, LedgerTransaction.Kind.REFUND],
        )
        .exclude(transaction__key__startswith="reversal:")
        .annotate(day=TruncDate("transaction__created_at"))
        .values("day", "account__code", "account__currency")
        .annotate(total=Sum("amount_minor"))
    )
    for row in entries:
        rows[(row["day"], row["account__code"].split(":", 1)[1], row["account__currency"])]["ledger"] += row["total"]
    paid = (
        PaymentAttempt.objects.filter(status=PaymentAttempt.Status.SUCCEEDED, finished_at__gte=since)
        .annotate(day=TruncDate("finished_at"))
        .values("day", "provider", "received_currency")
        .annotate(total=Sum("received_minor"))
    )
    for row in paid:
        rows[(row["day"], row["provider"], row["received_currency"])]["reported"] += row["total"]
    refunded = (
        Refund.objects.filter(created_at__gte=since)
        .filter(
            Q(status__in=[Refund.Status.SUCCEEDED, Refund.Status.MANUAL])
            | (Q(status=Refund.Status.PENDING) & ~Q(reference=""))
        )
        .exclude(provider="cash")
        .annotate(day=TruncDate("created_at"))
        .values("day", "provider", "currency")
        .annotate(total=Sum("amount_minor"))
    )
    for row in refunded:
        rows[(row["day"], row["provider"], row["currency"])]["reported"] -= row["total"]
    result = [
        {
            "day": day,
            "provider": provider,
            "currency": currency,
            **values,
            "difference": values["ledger"] - values["reported"],
        }
        for (day, provider, currency), values in rows.items()
    ]
    return sorted(result, key=lambda row: (row["day"], row["provider"], row["currency"]), reverse=True)
