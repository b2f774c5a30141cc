"""The double-entry ledger: every money event posts one balanced transaction.

Amounts are integers in the currency's minor unit; a debit is positive, a credit
negative, and each transaction's entries sum to zero per currency. Transactions are
append-only and posted once per ``key`` ("capture:attempt:12", "release:order:7"…), so a
job or a webhook that runs twice posts nothing the second time. Callers post inside the
database transaction of the state change the money event records. The database holds
every writer to this (``triggers``): it refuses UPDATE and DELETE of posted rows
and, on PostgreSQL, the COMMIT of a transaction that does not balance per currency.

A posting the world undid (a refund the buyer's bank returned) is voided, never edited:
``void(key)`` posts its exact opposite once (``void:<key>``), and the key may then be
posted again (as ``<key>@2``, ``<key>@3``…) when the event happens after all.

The accounts, by code: ``accounts``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from shop.core.selectors.currencies import money_to_minor

from ..models import LedgerAccount, LedgerEntry, LedgerTransaction
from .accounts import PROMOTIONS


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero in some currency."""


@dataclass(frozen=True)
class Line:
    """One entry to post: ``amount`` minor units (debit positive) on account ``code``;
    ``order`` ties the entry to the order it belongs to (a store's share of a checkout)."""

    code: str
    currency: str
    amount: int
    order: object = None


def _account(code: str, currency: str) -> LedgerAccount:
    store_id = int(code.split(":")[1]) if code.startswith("store:") else None
    account, _created = LedgerAccount.objects.get_or_create(
        code=code, currency=currency, defaults={"store_id": store_id}
    )
    return account


def post(
    *, kind: str, key: str, lines: list[Line], memo: str = "", checkout=None, order=None
) -> LedgerTransaction | None:
    """Post one balanced transaction, once per ``key``: ``None`` when ``key`` was posted
    before (nothing is written). Zero lines are left out. Raises ``Unbalanced``."""
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int):
            raise TypeError(f"ledger amounts are integers in minor units, not {type(line.amount).__name__}")
        totals[line.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise Unbalanced(f"transaction {key} does not balance: {unbalanced}")
    latest = _latest(key)
    if latest is not None:
        if not LedgerTransaction.objects.filter(key=f"void:{latest}").exists():
            return None
        key = f"{key}@{_generation(latest) + 1}"
    try:
        with transaction.atomic():
            posted = LedgerTransaction.objects.create(
                kind=kind, key=key, memo=memo[:300], checkout=checkout, order=order
            )
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        transaction=posted,
                        account=_account(line.code, line.currency),
                        amount_minor=line.amount,
                        order=line.order,
                    )
                    for line in lines
                    if line.amount
                ]
            )
    except IntegrityError:
        # The same key posted by a concurrent caller between our check and insert.
        if LedgerTransaction.objects.filter(key=key).exists():
            return None
        raise
    return posted


def _generation(key: str) -> int:
    base, sep, number = key.rpartition("@")
    return int(number) if sep and number.isdigit() else 1


def _latest(key: str) -> str | None:
    """The last posting of ``key`` (``key`` itself or ``key@n``); ``None`` when never posted."""
    keys = LedgerTransaction.objects.filter(Q(key=key) | Q(key__startswith=f"{key}@")).values_list("key", flat=True)
    found = [found for found in keys if found == key or found[len(key) + 1 :].isdigit()]
    return max(found, key=_generation) if found else None


def void(*, key: str, memo: str = "") -> LedgerTransaction | None:
    """Undo the last posting of ``key`` by posting its exact opposite (same accounts,
    orders and kind), once; ``None`` when nothing is posted under ``key`` or it was voided
    already. Call inside the transaction of the state change it records."""
    latest = _latest(key)
    if latest is None:
        return None
    original = LedgerTransaction.objects.get(key=latest)
    lines = [
        Line(entry.account.code, entry.account.currency, -entry.amount_minor, order=entry.order)
        for entry in original.entries.select_related("account", "order")
    ]
    return post(
        kind=original.kind,
        key=f"void:{latest}",
        lines=lines,
        memo=memo or f"Voids {latest}",
        checkout=original.checkout,
        order=original.order,
    )


def balance(code: str, currency: str, *, order=None) -> int:
    """An account's balance in minor units (debits positive); of one order's entries only
    when ``order`` is given."""
    entries = LedgerEntry.objects.filter(account__code=code, account__currency=currency)
    if order is not None:
        entries = entries.filter(order=order)
    return entries.aggregate(total=Sum("amount_minor"))["total"] or 0


def order_promotion_lines(order) -> list[Line]:
    """Soko's part of the order's discount, spent from its promotions account."""
    paid = money_to_minor(order.platform_discount, order.currency)
    return [Line(PROMOTIONS, order.currency, paid, order=order)] if paid else []
