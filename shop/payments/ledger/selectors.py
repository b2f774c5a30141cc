"""What the ledger says, for people: a store's balances and lines, and the ledger's side of
staff's daily comparison with the providers' own reports (``reconciliation``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from shop.core.selectors.currencies import money_from_minor

from ..models import LedgerEntry, LedgerTransaction, Refund
from . import accounts

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
            account__code=accounts.store_payable(store_id), transaction__kind=LedgerTransaction.Kind.TRANSFER
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
    held, payable = accounts.store_held(store_id), accounts.store_payable(store_id)
    return (
        LedgerTransaction.objects.filter(entries__account__code__in=[held, payable])
        .annotate(
            held=-Sum("entries__amount_minor", filter=Q(entries__account__code=held), default=0),
            due=-Sum("entries__amount_minor", filter=Q(entries__account__code=payable), default=0),
            currency=Max("entries__account__currency"),
            # A checkout's capture pays several stores: the store's order is on its entries.
            order_number=Max("entries__order__number"),
            order_fee=Max("entries__order__fee"),
            # Cash taken at the door by a courier, who hands it in (not kept by the store).
            by_courier=Exists(
                LedgerEntry.objects.filter(
                    transaction=OuterRef("pk"), account__code__startswith="courier:", account__code__endswith=":cash"
                )
            ),
        )
        .order_by("-created_at", "-id")
    )


# Reconciliation ------------------------------------------------------------------------


def ledger_provider_days(*, since: datetime, until: datetime) -> dict[tuple[date, str, str], int]:
    """The ledger's provider accounts: (UTC day, provider, currency) -> net minor units."""
    rows = (
        LedgerEntry.objects.filter(
            account__code__startswith="provider:",
            transaction__created_at__gte=since,
            transaction__created_at__lt=until,
        )
        .annotate(day=TruncDate("transaction__created_at", tzinfo=UTC))
        .values("day", "account__code", "account__currency")
        .annotate(total=Sum("amount_minor"))
    )
    result: dict[tuple[date, str, str], int] = defaultdict(int)
    for row in rows:
        result[(row["day"], row["account__code"].split(":", 1)[1], row["account__currency"])] += row["total"]
    return result


def store_lines_with_refunds(lines) -> list:
    """``lines`` (a page of ``store_lines``) with, on each refund line, the ``Refund`` it
    books (``refund``), whether it is a transfer taken back for one (``reversal``) and the
    money that left (``out_minor``, negative: the refund to the buyer, or what was taken
    back from the store's Stripe account), so the page can say what left and to whom, and
    the part of a refund that Soko's fee gives back (``fee_back``, in the currency: what left
    beyond the store's share). One query per page."""
    lines = list(lines)
    ids = {}
    for line in lines:
        line.refund, line.reversal = None, False
        prefix, _sep, pk = line.key.partition(":")
        if line.kind == LedgerTransaction.Kind.REFUND and prefix in ("refund", "reversal") and pk.isdigit():
            ids[line.pk] = int(pk)
            line.reversal = prefix == "reversal"
    refunds = Refund.objects.in_bulk(set(ids.values()))
    for line in lines:
        line.out_minor, line.fee_back = 0, None
        if line.pk in ids:
            line.refund = refunds.get(ids[line.pk])
            if line.reversal:
                line.out_minor = -abs(line.due)
            elif line.refund is not None:
                line.out_minor = -line.refund.amount_minor
                fee_back_minor = line.refund.amount_minor - abs(line.held) - abs(line.due)
                line.fee_back = money_from_minor(fee_back_minor, line.currency) if fee_back_minor > 0 else None
    return lines
