"""Whether the ledger holds together and agrees with the orders: what an operator runs on a
restored backup (``manage.py ledger_audit``) before trusting it, and what the restore test
compares with the database it was taken from."""

from django.db.models import Count, Exists, OuterRef, Q, Sum

from shop.payments.models import LedgerEntry, LedgerTransaction, PaymentAttempt

from ..models import Checkout, Order


def ledger_summary() -> dict:
    """Counts and sums that a faithful copy repeats exactly."""
    balances = (
        LedgerEntry.objects.values("account__code", "account__currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("account__code", "account__currency")
    )
    return {
        "orders": Order.objects.count(),
        "orders_by_status": dict(Order.objects.values_list("status").annotate(n=Count("id")).order_by("status")),
        "checkouts_paid": Checkout.objects.filter(payment_status="paid").count(),
        "order_totals": {currency: str(total) for currency, total in Order.objects.values_list("currency").annotate(t=Sum("total")).order_by("currency")},
        "ledger_transactions": LedgerTransaction.objects.count(),
        "ledger_balances": {f'{row["account__code"]} {row["account__currency"]}': row["total"] for row in balances},
    }


def ledger_problems() -> list[str]:
    """What does not hold: a money event whose entries do not sum to zero in a currency, a
    payment received that the ledger never recorded."""
    problems = [
        f"transaction {row['transaction__key']} does not balance in {row['account__currency']}: {row['total']}"
        for row in LedgerEntry.objects.values("transaction__key", "account__currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .order_by("transaction__key")
    ]
    recorded = LedgerTransaction.objects.filter(
        Q(key__startswith="capture:attempt:") | Q(key__startswith="suspense:attempt:"), checkout=OuterRef("checkout")
    )
    unrecorded = PaymentAttempt.objects.filter(status=PaymentAttempt.Status.SUCCEEDED).exclude(Exists(recorded))
    problems += [f"payment attempt {pk} succeeded but is not in the ledger" for pk in unrecorded.values_list("pk", flat=True)]
    return problems
