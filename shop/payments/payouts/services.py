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

A payout sends what the store is owed when it is sent, read under the order's row lock
(the one a refund takes): a row Stripe refused, or a release not signed yet, takes the
amount owed then (a changed card amount under a new idempotency key), and one whose order
was refunded in full is closed unsent. A payout that may already have reached its provider
(asked, no answer recorded) keeps its key and its amount; a refund that landed meanwhile
is taken back from the transfer once it is paid, or flagged for staff (the stablecoin).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from decimal import Decimal

import stripe
from django.db import transaction
from django.db.models import Q
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
from ..models import (
    ConnectedAccount,
    LedgerEntry,
    LedgerTransaction,
    PaymentAttempt,
    PaymentFlag,
    PaymentStatus,
    Payout,
    Provider,
    Refund,
)
from ..providers.answers import outcome_unknown
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
    when there is nothing to send or no account that can take it (the payable accrues);
    the closed row when the order was refunded before its payout went out.
    Asks Stripe: only after the commit that released the share, never inside a
    transaction (a job: ``orders.order_transfer``, or the release job).

    What is sent is what the store is owed when it is sent, read under the order's row lock
    (a refund takes it too); a transfer Stripe may already have made is asked again with
    its amount, never another (``_transfer_due``), and what was refunded while it was on
    its way is then taken back from it (``_refunds_take_back``)."""
    assert_outside_transactions("a transfer")
    attempt = order_paid_online(order)
    if attempt is not None and attempt.provider == Provider.CRYPTO and order.funds_released_at is not None:
        return order_escrow_payout(order, attempt)
    if attempt is None or attempt.provider not in CARD_PROVIDERS or order.funds_released_at is None:
        return None
    account = ConnectedAccount.objects.filter(store_id=order.store_id, payouts_enabled=True).first()
    if account is None:
        return None
    payout, key = _transfer_due(order, provider=attempt.provider)
    if not key:
        return payout
    try:
        client = stripe_client()
        transfer = client.v1.transfers.create(
            params={
                "amount": payout.amount_minor,
                "currency": payout.currency.lower(),
                "destination": account.account_id,
                "transfer_group": transfer_group(order.checkout),
                "metadata": {"order": order.number, "payout_id": str(payout.pk)},
            },
            options={"idempotency_key": key},
        )
    except stripe.StripeError as error:
        log.warning("transfer for order %s failed: %s", order.number, error)
        _transfer_unanswered(payout, key, error)
        payout.refresh_from_db()
        return payout
    paid = payout_paid(
        order, payout, provider=attempt.provider, reference=transfer.id, memo=f"Transfer {transfer.id} to {account.account_id}"
    )
    _refunds_take_back(order, paid, client)
    return paid


# Until a payout is paid, its ``reference`` says where its money stands: ``asking:<key>``
# from just before it is handed to the provider under the key ``key`` (Stripe's
# idempotency key; the escrow's release key) until the answer is recorded: the provider
# may have made it, so it is asked again under that key with its amount, never another.
# ``refused:<key>``: Stripe refused it, nothing was made. "" on a pending row: nothing is
# on its way (an escrow release the node could not sign), or, for a card payout, a row
# left by the release before these markers, asked under the order's key.
ASKING, REFUSED = "asking:", "refused:"


def _owed(order) -> int:
    """What the store is owed for the order now, in minor units (its payable's balance)."""
    return -ledger.balance(accounts.store_payable(order.store_id), order.currency, order=order)


def _order_lock(order) -> None:
    """The order's row lock, the one a refund of the order takes to record it."""
    type(order).objects.select_for_update().only("pk").get(pk=order.pk)


def _transfer_due(order, *, provider: str) -> tuple[Payout | None, str]:
    """Under the order's row lock: the order's payout row and the idempotency key to ask
    Stripe under ("": nothing to ask), marked ``asking`` in the same commit.

    - A transfer Stripe may have made (asked, no answer recorded) is asked again under its
      key with its amount: Stripe answers with the transfer it made, or makes it now. A
      key that may have reached Stripe never carries another amount, and no other key is
      used while it may have (that could pay twice).
    - Otherwise (a new row, one Stripe refused, one closed) the amount is what the store
      is owed now: a first transfer under the order's key, any later one under a new key
      (Stripe replays a key's first answer, and refuses a key with other parameters);
      nothing owed any more closes the row unsent."""
    with transaction.atomic():
        _order_lock(order)
        payout = Payout.objects.select_for_update().filter(order_id=order.pk).first()
        if payout is not None and payout.status in (Payout.Status.PAID, Payout.Status.REVERSED):
            return payout, ""
        if payout is not None and payout.status == Payout.Status.PENDING and not payout.reference.startswith(REFUSED):
            return payout, payout.reference.removeprefix(ASKING) or f"transfer-order-{order.number}"
        owed = _owed(order)
        if payout is None:
            if owed <= 0:
                return None, ""
            key = f"transfer-order-{order.number}"
            return _payout_create(order, provider=provider, amount=owed, reference=ASKING + key), key
        if owed <= 0:
            if payout.status == Payout.Status.PENDING:
                _payout_close(payout)
            return payout, ""
        key = f"transfer-order-{order.number}-{uuid.uuid4().hex[:12]}"
        _payout_reopen(payout, amount=owed, reference=ASKING + key)
        return payout, key


def _transfer_unanswered(payout: Payout, key: str, error: stripe.StripeError) -> None:
    """Record Stripe's error on the payout. A refusal means nothing was made: the next try
    reads what is owed then (``refused``). No answer, or the provider's own failure
    (``outcome_unknown``), may hide a transfer made: the row stays ``asking`` under the key,
    as does a key Stripe says was used with other parameters (its first request was made)."""
    note = str(error)[:300]
    if outcome_unknown(error) or isinstance(error, stripe.IdempotencyError):
        Payout.objects.filter(pk=payout.pk).update(note=note)
        return
    asked = Q(reference=ASKING + key) | Q(reference="")  # "": a row left by the release before the markers
    Payout.objects.filter(asked, pk=payout.pk, status=Payout.Status.PENDING).update(reference=REFUSED + key, note=note)


def _payout_close(payout: Payout) -> None:
    """Nothing is owed for the order any more (refunded before anything was sent): the row
    is closed unsent (failed, amount zero); it opens again if the order is owed again."""
    note = "Not sent: nothing is owed for this order any more (refunded)"
    if payout.amount_minor:
        note += f"; it was {money_from_minor(payout.amount_minor, payout.currency)} {payout.currency}"
    payout.note = f"{note}."
    payout.status, payout.amount_minor, payout.reference = Payout.Status.FAILED, 0, ""
    payout.save(update_fields=["status", "amount_minor", "reference", "note", "updated_at"])


def _payout_closed(payout: Payout) -> bool:
    return payout.status == Payout.Status.FAILED and payout.amount_minor == 0


def payout_paid(order, payout: Payout, *, provider: str, reference: str, memo: str) -> Payout:
    """The money reached the store: the ledger's transfer out of the provider's account
    posted and the payout marked paid with the provider's ``reference``, once (under the
    order's row lock, as its amount was read)."""
    with transaction.atomic():
        _order_lock(order)
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


def transfer_reverse(order, refund: Refund, payout: Payout, client) -> None:
    """Take the store's part of ``refund`` back from the transfer ``payout`` paid it by
    (under keys of the refund's, at Stripe and in the ledger, so it is taken once whoever
    asks: the refund, or the payout that finds a refund landed while it was on its way)."""
    share = refund.amount_minor - refund.fee_minor + refund.promotion_minor
    try:
        reversal = client.v1.transfers.reversals.create(
            payout.reference,
            params={"amount": share},
            options={"idempotency_key": f"reversal-{refund.idempotency_key}"},
        )
    except stripe.StripeError as error:
        log.warning("reversal for refund %s failed: %s", refund.pk, error)
        PaymentFlag.objects.create(
            kind=PaymentFlag.Kind.MANUAL_REFUND,
            checkout=order.checkout,
            detail=f"Reverse {share} {refund.currency} of transfer {payout.reference} by hand: {error}",
        )
        return
    ledger.post(
        kind=LedgerTransaction.Kind.REFUND,
        key=f"reversal:{refund.pk}",
        lines=[
            Line(accounts.provider_account(payout.provider), refund.currency, share, order=order),
            Line(accounts.store_payable(order.store_id), refund.currency, -share, order=order),
        ],
        memo=f"Transfer {payout.reference} reversed ({reversal.id})",
        checkout=order.checkout,
        order=order,
    )


def _refunds_take_back(order, payout: Payout, client) -> None:
    """A refund that landed while the transfer was on its way (asked, no answer recorded)
    found no paid transfer to take its share back from, and the transfer was made with the
    amount owed before it: the store is paid more than it is owed for the order. Each such
    refund's share is taken back from the transfer as the refund itself would have
    (``transfer_reverse``: the same keys at Stripe and in the ledger, so a refund that
    takes it back at the same time takes it once). The latest refunds not taken back whose
    shares make up the excess exactly are those; any other excess is flagged for staff."""
    over = -_owed(order)
    if over <= 0:
        return
    taken = _refunds_since(order, over)
    for refund in taken:
        transfer_reverse(order, refund, payout, client)
    left = -_owed(order)
    if left > 0:
        _overpaid_flag(order, payout, left)


def _refunds_since(order, over: int) -> list[Refund]:
    """The latest refunds of the order whose shares left its payable and were not taken back
    from a transfer, newest first, whose shares add up to ``over`` exactly ([] if none do)."""
    shares: dict[int, int] = defaultdict(int)
    reversed_: dict[int, int] = defaultdict(int)
    latest: dict[int, int] = {}
    entries = LedgerEntry.objects.filter(
        account__code=accounts.store_payable(order.store_id),
        account__currency=order.currency,
        order=order,
        transaction__kind=LedgerTransaction.Kind.REFUND,
    ).values_list("transaction_id", "transaction__key", "amount_minor")
    for transaction_id, key, amount in entries:
        noun, _sep, number = key.removeprefix("void:").partition("@")[0].partition(":")
        if not number.isdigit():
            continue
        if noun == "refund":
            shares[int(number)] += amount
            latest[int(number)] = max(latest.get(int(number), 0), transaction_id)
        elif noun == "reversal":
            reversed_[int(number)] += amount
    candidates = sorted(
        (pk for pk, share in shares.items() if share > 0 and not reversed_[pk]), key=lambda pk: latest[pk], reverse=True
    )
    chosen, total = [], 0
    for pk in candidates:
        if total + shares[pk] > over:
            break
        chosen.append(pk)
        total += shares[pk]
        if total == over:
            refunds = Refund.objects.in_bulk(chosen)
            return [refunds[pk] for pk in chosen if pk in refunds]
    return []


def _overpaid_flag(order, payout: Payout, over: int) -> None:
    """The store was paid ``over`` minor units more than it is owed for the order: staff take
    it back (once per payout)."""
    PaymentFlag.objects.get_or_create(
        key=f"payout-over:{payout.pk}",
        defaults={
            "kind": PaymentFlag.Kind.MANUAL_REFUND,
            "checkout": order.checkout,
            "detail": (
                f"Payout {payout.pk} ({payout.reference}) of order {order.number} paid the store "
                f"{money_from_minor(over, order.currency)} {order.currency} more than it is owed: refunded while it "
                "was being sent. Take it back from the store."
            ),
        },
    )


# What stops an escrow release for now; the release job asks again on its next run.
ESCROW_LATER = (TransactionPending, ChainUnavailable, ChainNotConfigured)


def order_escrow_payout(order, attempt: PaymentAttempt) -> Payout | None:
    """Release the order's share, paid in the stablecoin, out of the escrow to the store's
    wallet address, once: the ``Payout`` row first, then the release under the key
    ``release:order:<pk>`` (signed and recorded before it is sent, so a retry never pays
    twice), then the ledger's transfer with the row marked paid. ``None`` when nothing is
    due, or the store has no wallet address (the share waits; its payouts page says so).
    Until it is signed the release is what the store is owed then (``_release_due``);
    nothing owed any more closes the row unsent. A release the contract refuses fails the
    payout and flags it for staff; a node that cannot be reached or a transaction not
    mined yet leaves it pending for the next run."""
    quote = crypto_quote_for(attempt)
    if quote is None:
        log.error("order %s was paid in the stablecoin without a quote", order.number)
        return None
    key = f"release:order:{order.pk}"
    payout, address, token_minor = _release_due(order, key=key, quote=quote)
    if not token_minor:
        return payout
    try:
        transfer = escrow_release(quote.checkout_ref, address, token_minor, key=key)
    except ESCROW_LATER as error:
        log.warning("escrow release for order %s not done yet: %s", order.number, error)
        Payout.objects.filter(pk=payout.pk).update(note=str(error)[:300])
        if not EscrowTransfer.objects.filter(key=key).exists():  # nothing signed: the next run reads what is owed
            Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING, reference=ASKING + key).update(reference="")
        payout.refresh_from_db()
        return payout
    except (ContractRefused, EscrowKeyReused) as error:
        log.error("escrow release for order %s refused: %s", order.number, error)
        with transaction.atomic():
            Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
                status=Payout.Status.FAILED, reference="", note=str(error)[:300]
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
    paid = payout_paid(order, payout, provider=Provider.CRYPTO, reference=transfer.tx_hash, memo=memo)
    over = -_owed(order)
    if over > 0:  # refunded out of the escrow while the release was on its way
        _overpaid_flag(order, paid, over)
    return paid


def _release_due(order, *, key: str, quote) -> tuple[Payout | None, str, int]:
    """Under the order's row lock: the order's payout row, the address and the token minor
    units to release under ``key`` (0: nothing to release now), the row marked ``asking``
    in the same commit. A release signed already is released as signed (it may be on the
    chain), and one handed to signing (``asking``) with the row's amount; otherwise the row
    takes what the store is owed now, and nothing owed any more closes it unsent."""
    with transaction.atomic():
        _order_lock(order)
        payout = Payout.objects.select_for_update().filter(order_id=order.pk).first()
        if payout is not None and (
            payout.status in (Payout.Status.PAID, Payout.Status.REVERSED)
            or (payout.status == Payout.Status.FAILED and not _payout_closed(payout))
        ):
            return payout, "", 0
        owed = _owed(order)
        signed = EscrowTransfer.objects.filter(key=key).first()
        if signed is not None:
            if payout is None:
                if owed <= 0:
                    return None, "", 0
                payout = _payout_create(order, provider=Provider.CRYPTO, amount=owed, reference=ASKING + key)
            return payout, signed.to_address, signed.amount_minor
        address = order.store.wallet_address
        if payout is not None and payout.status == Payout.Status.PENDING and payout.reference == ASKING + key:
            # Another run may be signing it now: with this amount, never another.
            return (payout, address, token_minor_down(payout.amount_minor, payout.currency, quote)) if address else (None, "", 0)
        if owed <= 0:
            if payout is not None and payout.status == Payout.Status.PENDING:
                _payout_close(payout)
            return payout, "", 0
        if not address:
            return None, "", 0
        if payout is None:
            payout = _payout_create(order, provider=Provider.CRYPTO, amount=owed, reference=ASKING + key)
        else:
            _payout_reopen(payout, amount=owed, reference=ASKING + key)
        return payout, address, token_minor_down(owed, payout.currency, quote)


def _payout_create(order, *, provider: str, amount: int, reference: str) -> Payout:
    """The order's payout row, made first (before any money moves) with what is owed now."""
    return Payout.objects.create(
        order=order,
        store_id=order.store_id,
        provider=provider,
        amount_minor=amount,
        currency=order.currency,
        reference=reference,
    )


def _payout_reopen(payout: Payout, *, amount: int, reference: str) -> None:
    """A row refused, closed or never handed over takes what is owed now (pending again)."""
    if _payout_closed(payout):
        payout.note = ""
    payout.amount_minor, payout.status, payout.reference = amount, Payout.Status.PENDING, reference
    payout.save(update_fields=["amount_minor", "status", "reference", "note", "updated_at"])
