"""Stores' money after the sale: cash taken at the door, held shares released, transfers.

A store's share of an online payment is held (``store:<id>:held``) until its order is
delivered and the buyer's confirmation window has passed (or the buyer confirms receipt
sooner); it then becomes payable, and a store with a Stripe connected account receives it
as a transfer in the checkout's ``transfer_group``. A store without one accrues the
payable, shown on its payouts page, until it connects an account or staff pay it by hand.
A share paid in the stablecoin is released out of the escrow contract to the store's
wallet address (``order_escrow_payout``); without an address it waits, and the store's
payouts page says so. The platform's fee stays in the escrow, under the checkout's id.

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

from shop.chain.models import EscrowTransfer
from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.chain.services.escrow import EscrowKeyReused, escrow_release
from shop.chain.services.transactions import ContractRefused, TransactionPending
from shop.core.selectors.currencies import money_from_minor, money_to_minor
from shop.core.services.transactions import assert_outside_transactions

from ..ledger import accounts, fees
from ..ledger import services as ledger
from ..ledger.services import Line
from ..models import ConnectedAccount, LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus, Payout, Provider
from ..providers.stripe.client import stripe_client, transfer_group
from ..signals import order_funds_released
from .selectors import crypto_quote_for, token_minor_down

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
    if attempt is not None and attempt.provider == Provider.CRYPTO and order.funds_released_at is not None:
        return order_escrow_payout(order, attempt)
    if attempt is None or attempt.provider not in CARD_PROVIDERS or order.funds_released_at is None:
        return None
    account = ConnectedAccount.objects.filter(store_id=order.store_id, payouts_enabled=True).first()
    if account is None:
        return None
    # What the store is owed for this order now (its share, less any refund since).
    amount = -ledger.balance(accounts.store_payable(order.store_id), order.currency, order=order)
    if amount <= 0:
        return None
    payout = _payout_row(order=order, provider=attempt.provider, amount=amount)
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
    return payout_paid(
        order, payout, provider=attempt.provider, reference=transfer.id, memo=f"Transfer {transfer.id} to {account.account_id}"
    )


def payout_paid(order, payout: Payout, *, provider: str, reference: str, memo: str) -> Payout:
    """The money reached the store: the ledger's transfer out of the provider's account
    posted and the payout marked paid with the provider's ``reference``, once."""
    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout.pk)
        if locked.status != Payout.Status.PAID:
            ledger.post(
                kind=LedgerTransaction.Kind.TRANSFER,
                key=f"transfer:order:{order.pk}",
                lines=[
                    Line(accounts.store_payable(order.store_id), order.currency, locked.amount_minor, order=order),
                    Line(accounts.provider_account(provider), order.currency, -locked.amount_minor, order=order),
                ],
                memo=memo,
                checkout=order.checkout,
                order=order,
            )
            locked.status = Payout.Status.PAID
            locked.reference = reference
            locked.note = ""
            locked.save(update_fields=["status", "reference", "note", "updated_at"])
        return locked


# What stops an escrow release for now; the release job asks again on its next run.
ESCROW_LATER = (TransactionPending, ChainUnavailable, ChainNotConfigured)


def order_escrow_payout(order, attempt: PaymentAttempt) -> Payout | None:
    """Release the order's share, paid in the stablecoin, out of the escrow to the store's
    wallet address, once: the ``Payout`` row first, then the release under the key
    ``release:order:<pk>`` (signed and recorded before it is sent, so a retry never pays
    twice), then the ledger's transfer with the row marked paid. ``None`` when nothing is
    due, or the store has no wallet address (the share waits; its payouts page says so).
    A release the contract refuses fails the payout and flags it for staff; a node that
    cannot be reached or a transaction not mined yet leaves it pending for the next run."""
    quote = crypto_quote_for(attempt)
    if quote is None:
        log.error("order %s was paid in the stablecoin without a quote", order.number)
        return None
    existing = Payout.objects.filter(order=order).first()
    if existing is not None and existing.status in (Payout.Status.PAID, Payout.Status.FAILED):
        return existing
    key = f"release:order:{order.pk}"
    signed = EscrowTransfer.objects.filter(key=key).first()
    address = signed.to_address if signed is not None else order.store.wallet_address
    if not address:
        return None
    amount = -ledger.balance(accounts.store_payable(order.store_id), order.currency, order=order)
    if existing is None and amount <= 0:
        return None
    payout = _payout_row(order=order, provider=Provider.CRYPTO, amount=amount)
    if payout.status != Payout.Status.PENDING:
        return payout
    token_minor = (
        signed.amount_minor if signed is not None else token_minor_down(payout.amount_minor, payout.currency, quote)
    )
    try:
        transfer = escrow_release(quote.checkout_ref, address, token_minor, key=key)
    except ESCROW_LATER as error:
        log.warning("escrow release for order %s not done yet: %s", order.number, error)
        Payout.objects.filter(pk=payout.pk).update(note=str(error)[:300])
        return payout
    except (ContractRefused, EscrowKeyReused) as error:
        log.error("escrow release for order %s refused: %s", order.number, error)
        with transaction.atomic():
            Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
                status=Payout.Status.FAILED, note=str(error)[:300]
            )
            PaymentFlag.objects.get_or_create(
                key=f"escrow-release:order:{order.pk}",
                defaults={
                    "kind": PaymentFlag.Kind.MISMATCH,
                    "checkout": order.checkout,
                    "attempt": attempt,
                    "detail": (
                        f"The escrow refused to release {token_minor} {quote.token_symbol} (minor units) of checkout "
                        f"{quote.checkout_ref} to {address} for order {order.number}: {error}. Nothing was paid; "
                        "pay the store by hand or release it again once the cause is fixed."
                    ),
                },
            )
        payout.refresh_from_db()
        return payout
    memo = (
        f"Escrow release {transfer.tx_hash} to {transfer.to_address}: {transfer.amount_minor} "
        f"{quote.token_symbol} minor units at {quote.rate} {order.currency}"
    )
    return payout_paid(order, payout, provider=Provider.CRYPTO, reference=transfer.tx_hash, memo=memo)


def _payout_row(*, order, provider: str, amount: int) -> Payout:
    """The order's payout row, made first (before any money moves) with what is owed now."""
    payout, _created = Payout.objects.get_or_create(
        order=order,
        defaults={"store_id": order.store_id, "provider": provider, "amount_minor": amount, "currency": order.currency},
    )
    return payout
