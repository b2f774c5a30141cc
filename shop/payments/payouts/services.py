"""Stores' money after the sale: cash taken at the door, held shares released, transfers.

A store's share of an online payment is held (``store:<id>:held``) until its order is
delivered and the buyer's confirmation window has passed (or the buyer confirms receipt
sooner); it then becomes payable, and a store with a Stripe connected account receives it
as a transfer in the checkout's ``transfer_group``. A store without one accrues the
payable, shown on its payouts page, until it connects an account or staff pay it by hand.

A transfer is three steps that each survive a crash: a ``Payout`` row (one per order),
the transfer at Stripe (its idempotency key makes a retry return the same transfer), and
the ledger posting with the row marked paid. The transfer runs in a background job after
the commit that released the share (``orders.order_transfer``), never in a request's
transaction.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.db import transaction
from django.utils import timezone

from shop.core.selectors.currencies import money_from_minor, money_to_minor
from shop.core.services.transactions import assert_outside_transactions

from ..ledger import accounts, fees
from ..ledger import services as ledger
from ..ledger.services import Line
from ..models import ConnectedAccount, LedgerTransaction, PaymentAttempt, PaymentStatus, Payout, Provider
from ..providers.stripe.client import stripe_client, transfer_group
from ..signals import order_funds_released

log = logging.getLogger(__name__)

CARD_PROVIDERS = (Provider.STRIPE, Provider.DEV)


def order_cash_collected(order, *, courier_id: int | None = None) -> Decimal | None:
    """A cash-on-delivery order was handed over and paid at the door. Taken by the store:
    the store keeps the cash and owes the platform its fee. Taken by a courier
    (``courier_id``): the courier holds the cash until it hands it in, and the platform
    owes the store its share. Posted once per order, whoever took it; call inside the
    transaction that marks the order delivered. Returns the platform's fee on the order
    when it was posted now (the caller records it on the order), ``None`` when posted before."""
    total = money_to_minor(order.total, order.currency)
    fee = fees.order_fee_minor(order)
    holder = accounts.store_cash(order.store_id) if courier_id is None else accounts.courier_cash(courier_id)
    lines = [
        Line(holder, order.currency, total, order=order),
        Line(accounts.store_payable(order.store_id), order.currency, -fees.order_share_minor(order, fee), order=order),
        Line(accounts.FEES, order.currency, -fee, order=order),
        *ledger.order_promotion_lines(order),
    ]
    if courier_id is None:
        # The cash stays with the store: its payable is settled by what it holds.
        lines += [
            Line(accounts.store_payable(order.store_id), order.currency, total, order=order),
            Line(accounts.store_cash(order.store_id), order.currency, -total, order=order),
        ]
    posted = ledger.post(
        kind=LedgerTransaction.Kind.CASH,
        key=f"cash:order:{order.pk}",
        lines=lines,
        memo=f"Cash collected for order {order.number}",
        checkout=order.checkout,
        order=order,
    )
    return money_from_minor(fee, order.currency) if posted is not None else None


def order_paid_online(order) -> PaymentAttempt | None:
    """The attempt that paid the order's checkout, if it was paid online."""
    if order.checkout.payment_status != PaymentStatus.PAID:
        return None
    return PaymentAttempt.objects.filter(checkout_id=order.checkout_id, status=PaymentAttempt.Status.SUCCEEDED).first()


def order_cancelled_unpaid(order) -> bool:
    """The order was cancelled with nothing paid online and nothing handed over for cash."""
    return order.status == "cancelled" and order.delivered_at is None and order_paid_online(order) is None


def order_funds_release(order) -> bool:
    """Move what is still held of the order's share to the store's payable, once (the
    caller holds the order's row lock). ``False`` when there was nothing to release."""
    if order.funds_released_at is not None:
        return False
    held = -ledger.balance(accounts.store_held(order.store_id), order.currency, order=order)
    ledger.post(
        kind=LedgerTransaction.Kind.RELEASE,
        key=f"release:order:{order.pk}",
        lines=[
            Line(accounts.store_held(order.store_id), order.currency, held, order=order),
            Line(accounts.store_payable(order.store_id), order.currency, -held, order=order),
        ],
        memo=f"Order {order.number}: buyer protection ended",
        checkout=order.checkout,
        order=order,
    )
    order_funds_released.send(sender=LedgerTransaction, order=order, released_at=timezone.now())
    return True


def order_transfer(order) -> Payout | None:
    """Send the order's released share to the store's connected account, once. ``None``
    when there is nothing to send or no account that can take it (the payable accrues).
    Asks Stripe: only after the commit that released the share, never inside a
    transaction (a job: ``orders.order_transfer``, or the release job)."""
    assert_outside_transactions("a transfer")
    attempt = order_paid_online(order)
    if attempt is None or attempt.provider not in CARD_PROVIDERS or order.funds_released_at is None:
        return None
    account = ConnectedAccount.objects.filter(store_id=order.store_id, payouts_enabled=True).first()
    if account is None:
        return None
    # What the store is owed for this order now (its share, less any refund since).
    amount = -ledger.balance(accounts.store_payable(order.store_id), order.currency, order=order)
    if amount <= 0:
        return None
    with transaction.atomic():
        payout, _created = Payout.objects.get_or_create(
            order=order,
            defaults={
                "store_id": order.store_id,
                "provider": attempt.provider,
                "amount_minor": amount,
                "currency": order.currency,
            },
        )
    if payout.status == Payout.Status.PAID:
        return payout
    try:
        transfer = stripe_client().v1.transfers.create(
            params={
                "amount": payout.amount_minor,
                "currency": payout.currency.lower(),
                "destination": account.account_id,
                "transfer_group": transfer_group(order.checkout),
                "metadata": {"order": order.number, "payout_id": str(payout.pk)},
            },
            options={"idempotency_key": f"transfer-order-{order.number}"},
        )
    except stripe.StripeError as error:
        log.warning("transfer for order %s failed: %s", order.number, error)
        Payout.objects.filter(pk=payout.pk).update(note=str(error)[:300])
        return payout
    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout.pk)
        if locked.status != Payout.Status.PAID:
            ledger.post(
                kind=LedgerTransaction.Kind.TRANSFER,
                key=f"transfer:order:{order.pk}",
                lines=[
                    Line(accounts.store_payable(order.store_id), order.currency, locked.amount_minor, order=order),
                    Line(accounts.provider_account(attempt.provider), order.currency, -locked.amount_minor, order=order),
                ],
                memo=f"Transfer {transfer.id} to {account.account_id}",
                checkout=order.checkout,
                order=order,
            )
            locked.status = Payout.Status.PAID
            locked.reference = transfer.id
            locked.save(update_fields=["status", "reference", "updated_at"])
        return locked
