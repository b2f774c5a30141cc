"""The double-entry ledger: every money event posts one balanced transaction.

Amounts are integers in the currency's minor unit; a debit is positive, a credit
negative, and each transaction's entries sum to zero per currency. Transactions are
append-only and posted once per ``key`` ("capture:attempt:12", "release:order:7"…), so a
job or a webhook that runs twice posts nothing the second time. Callers post inside the
database transaction of the state change the money event records. The database holds
every writer to this (``ledger_triggers``): it refuses UPDATE and DELETE of posted rows
and, on PostgreSQL, the COMMIT of a transaction that does not balance per currency.

A posting the world undid (a refund the buyer's bank returned) is voided, never edited:
``void(key)`` posts its exact opposite once (``void:<key>``), and the key may then be
posted again (as ``<key>@2``, ``<key>@3``…) when the event happens after all.

Accounts, by code (one per currency):

=======================  ===============================================================
``provider:<p>``         money the platform holds at provider ``p`` (stripe, dev,
                         mpesa, paypal): debited by payments, credited by refunds and
                         transfers out
``platform:fees``        the platform's fees (credit balance = earned)
``store:<id>:held``      a store's share of paid orders, held until delivery and the
                         buyer's confirmation window (credit balance = owed, not yet due)
``store:<id>:payable``   a store's share that is due (credit = owed to the store; a
                         debit balance is what the store owes, e.g. fees on cash orders)
``store:<id>:cash``      cash a store collected at the door (debit = cash in its hands)
``courier:<id>:cash``    cash a courier collected and has not handed in (debit = in its
                         hands); ``<id>`` is the courier's user id
``courier:<id>:commission`` commissions owed to a courier (credit = owed)
``platform:cash``        cash couriers handed in to the platform
``platform:promotions``  what Soko paid of its own promo codes' discounts (debit = spent):
                         the store's share counts such a discount as paid by the buyer
``platform:suspense``    money a provider took that no order owes: a late, double or
                         mismatched payment (credit = owed back to the payer until it is
                         refunded from suspense)
``platform:provider_fees`` what the providers charged the platform (Stripe's fees on
                         charges and disputes, from its balance transactions; debit = spent)
``platform:disputes``    money a provider took back for a buyer's dispute (debit = taken,
                         credited again when the funds are reinstated; what stays is lost)
=======================  ===============================================================
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from shop.core.currencies import currency_places, money_to_minor

from .models import LedgerAccount, LedgerEntry, LedgerTransaction

FEES = "platform:fees"
PLATFORM_CASH = "platform:cash"
PROMOTIONS = "platform:promotions"
SUSPENSE = "platform:suspense"
PROVIDER_FEES = "platform:provider_fees"
DISPUTES = "platform:disputes"


def provider_account(provider: str) -> str:
    return f"provider:{provider}"


def store_held(store_id: int) -> str:
    return f"store:{store_id}:held"


def store_payable(store_id: int) -> str:
    return f"store:{store_id}:payable"


def store_cash(store_id: int) -> str:
    return f"store:{store_id}:cash"


def courier_cash(user_id: int) -> str:
    return f"courier:{user_id}:cash"


def courier_commission(user_id: int) -> str:
    return f"courier:{user_id}:commission"


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


# Fees ----------------------------------------------------------------------------------


def fee_percent(listing_type: str) -> Decimal:
    """The platform's fee on a line sold as ``listing_type`` (settings.SOKO_PLATFORM_FEES)."""
    fees = settings.SOKO_PLATFORM_FEES
    return fees.get(listing_type, fees["fixed"])


def fee_minor(amount: Decimal, currency: str, listing_type: str) -> int:
    """The fee on ``amount`` in minor units, rounded half up to the currency's minor unit."""
    fee = (amount * fee_percent(listing_type) / 100).quantize(
        Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP
    )
    return money_to_minor(fee, currency)


def order_share_minor(order, fee: int) -> int:
    """The store's share of an order: what the buyer pays, plus the discount Soko pays for,
    less the platform's fee (on the listed prices)."""
    return money_to_minor(order.total + order.platform_discount, order.currency) - fee


def order_promotion_lines(order) -> list[Line]:
    """Soko's part of the order's discount, spent from its promotions account."""
    paid = money_to_minor(order.platform_discount, order.currency)
    return [Line(PROMOTIONS, order.currency, paid, order=order)] if paid else []


def order_fee_minor(order) -> int:
    """The platform's fee on an order: a percentage of each item line by how it was sold.
    The delivery fee carries none."""
    return sum(fee_minor(item.line_total, order.currency, item.listing_type) for item in order.items.all())
