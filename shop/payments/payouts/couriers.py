"""Couriers' money in the ledger: commissions earned, cash held and cash handed in.

A courier's commission is paid out of the store's share of the order (the buyer's
delivery fee, when the buyer funds it, went to that share at checkout): on delivery the
store's payable is debited and ``courier:<user>:commission`` credited. Cash a courier takes
at the door is posted by ``payouts.services.order_cash_collected(order, courier_id=…)``. A return
pickup the store funds is posted the same way when its goods reach the store
(``return_commission_earned``); one the buyer pays in cash at pickup is the courier's own
and is not posted. Staff record
what a courier hands in (``remittance_post``), to the platform or to the store, and
how much commission the courier kept out of that cash.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from shop.core.selectors.currencies import money_from_minor, money_to_minor

from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.services import Line
from ..models import LedgerEntry, LedgerTransaction


def order_commission_earned(order, *, courier_id: int, commission: Decimal) -> None:
    """The courier who delivered ``order`` earned ``commission``: posted once per order,
    inside the transaction that marks it delivered."""
    amount = money_to_minor(commission, order.currency)
    if amount <= 0:
        return
    ledger.post(
        kind=LedgerTransaction.Kind.COMMISSION,
        key=f"commission:order:{order.pk}",
        lines=[
            Line(accounts.store_payable(order.store_id), order.currency, amount, order=order),
            Line(accounts.courier_commission(courier_id), order.currency, -amount, order=order),
        ],
        memo=f"Courier commission for order {order.number}",
        checkout=order.checkout,
        order=order,
    )


def return_commission_earned(job) -> None:
    """The store funds the return pickup ``job`` whose goods reached it: its payable is
    debited and the courier's commission credited, once per job."""
    order = job.return_order
    amount = money_to_minor(job.commission, job.currency)
    if amount <= 0:
        return
    ledger.post(
        kind=LedgerTransaction.Kind.COMMISSION,
        key=f"commission:return_job:{job.pk}",
        lines=[
            Line(accounts.store_payable(job.store_id), job.currency, amount, order=order),
            Line(accounts.courier_commission(job.courier_id), job.currency, -amount, order=order),
        ],
        memo=f"Courier commission for the return pickup of order {order.number}",
        order=order,
    )


def remittance_post(remittance) -> None:
    """Post a recorded hand-in once: the cash leaves the courier's hands, to the platform's
    cash or to the store (settling what the platform owes it), and the commission it kept
    settles what the platform owes the courier."""
    currency = remittance.currency
    handed = money_to_minor(remittance.amount, currency)
    kept = money_to_minor(remittance.commission_kept, currency)
    receiver = accounts.PLATFORM_CASH if remittance.store_id is None else accounts.store_payable(remittance.store_id)
    ledger.post(
        kind=LedgerTransaction.Kind.REMITTANCE,
        key=f"remittance:{remittance.pk}",
        lines=[
            Line(receiver, currency, handed),
            Line(accounts.courier_commission(remittance.courier_id), currency, kept),
            Line(accounts.courier_cash(remittance.courier_id), currency, -(handed + kept)),
        ],
        memo=f"Cash handed in by courier {remittance.courier_id}" + (f": {remittance.note}" if remittance.note else ""),
    )


@dataclass(frozen=True)
class CourierBalance:
    currency: str
    cash_held: Decimal  # cash in the courier's hands, not handed in yet
    commission_owed: Decimal  # commission the platform still owes the courier

    @property
    def to_remit(self) -> Decimal:
        """What the courier should hand in once it keeps its commission out of the cash
        (negative: the platform owes the courier more than the cash it holds)."""
        return self.cash_held - self.commission_owed


def courier_balances(courier_id: int) -> list[CourierBalance]:
    """The courier's cash held and commission owed, per currency, from the ledger."""
    cash, commission = accounts.courier_cash(courier_id), accounts.courier_commission(courier_id)
    rows = (
        LedgerEntry.objects.filter(account__code__in=[cash, commission])
        .values("account__currency")
        .annotate(
            cash=Sum("amount_minor", filter=Q(account__code=cash), default=0),
            commission=Sum("amount_minor", filter=Q(account__code=commission), default=0),
        )
        .order_by("account__currency")
    )
    return [
        CourierBalance(
            currency=row["account__currency"],
            cash_held=money_from_minor(row["cash"], row["account__currency"]),
            commission_owed=money_from_minor(-row["commission"], row["account__currency"]),
        )
        for row in rows
    ]
