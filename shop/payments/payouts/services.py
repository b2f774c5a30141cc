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

Stripe keeps an idempotency key for a day: a transfer still unanswered
``TRANSFER_ASK_AGAIN_WITHIN`` after its key was first handed over is no longer asked again
by the jobs (under a forgotten key Stripe would make it a second time) but flagged for
finance, who look for it at Stripe and record it (``payout_flag_transfer_record``) or send
the payout again under a new key (``payout_flag_send_again``).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import stripe
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.chain.models import EscrowTransfer
from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.chain.services.escrow import EscrowKeyReused, escrow_release
from shop.chain.services.transactions import ContractRefused, TransactionPending
from shop.core.jobs import job_enqueue_on_commit
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
from ..providers.stripe.client import metadata_value, stripe_client, transfer_group
from ..services import flag_resolve
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
    its amount, never another, while Stripe still keeps its key (``_transfer_due``), and
    what was refunded while it was on its way is then taken back from it
    (``_overpaid_settle``)."""
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
    _overpaid_settle(order, paid, client)
    return paid


def orders_transfer_may_pay(orders):
    """Of ``orders`` (released, paid online), those a transfer job may pay now, oldest
    first: paid by card to a store whose connected account takes payouts, or in the
    stablecoin to a store with a wallet address; not paid (or reversed) already, not closed
    unsent (nothing owed) unless a refund failed since (the store may be owed again), not
    left to finance (a card transfer unanswered past ``TRANSFER_ASK_AGAIN_WITHIN``). Orders
    paid by M-Pesa or PayPal and stores without an account accrue their payable: sweeping
    them on every run would keep the sweep from the payouts it can send."""
    paid_by = PaymentAttempt.objects.filter(checkout_id=OuterRef("checkout_id"), status=PaymentAttempt.Status.SUCCEEDED)
    by_card = Exists(paid_by.filter(provider__in=CARD_PROVIDERS)) & Exists(
        ConnectedAccount.objects.filter(store_id=OuterRef("store_id"), payouts_enabled=True)
    )
    by_stablecoin = Exists(paid_by.filter(provider=Provider.CRYPTO)) & ~Q(store__wallet_address="")
    refund_failed_since = Refund.objects.filter(
        order_id=OuterRef("order_id"), status=Refund.Status.FAILED, updated_at__gt=OuterRef("updated_at")
    )
    settled = Payout.objects.annotate(asked=Coalesce("asked_at", "created_at")).filter(
        Q(status__in=[Payout.Status.PAID, Payout.Status.REVERSED])
        | Q(status=Payout.Status.FAILED, amount_minor=0) & ~Exists(refund_failed_since)
        | Q(
            status=Payout.Status.PENDING,
            provider__in=CARD_PROVIDERS,
            reference__startswith=ASKING,
            asked__lt=timezone.now() - TRANSFER_ASK_AGAIN_WITHIN,
        ),
        order_id=OuterRef("pk"),
    )
    return orders.filter(by_card | by_stablecoin).exclude(Exists(settled)).order_by("pk")


# Until a payout is paid, its ``reference`` says where its money stands: ``asking:<key>``
# from just before it is handed to the provider under the key ``key`` (Stripe's
# idempotency key; the escrow's release key) until the answer is recorded: the provider
# may have made it, so it is asked again under that key with its amount, never another
# (a card payout only while Stripe keeps the key: ``TRANSFER_ASK_AGAIN_WITHIN``).
# ``refused:<key>``: nothing was made under the key (Stripe refused it, or finance found
# nothing at Stripe). "" on a pending row: nothing is on its way (an escrow release the
# node could not sign), or, for a card payout, a row left by the release before these
# markers, asked under the order's key.
ASKING, REFUSED = "asking:", "refused:"

# Stripe keeps an idempotency key for at least 24 hours, then may forget it: a transfer
# asked again under a forgotten key is made again (the store paid twice). A card payout
# still asking this long after its key was first handed over (``Payout.asked_at``) is not
# asked again by any job: it is flagged for finance (``UNANSWERED``), once, to look for
# it at Stripe and record it or send it again. Well within the day, so that a try that
# started just before it ends long before Stripe may forget.
TRANSFER_ASK_AGAIN_WITHIN = timedelta(hours=12)

# The key of the flag raised for a payout left unanswered: ``payout-unanswered:<payout id>``.
UNANSWERED = "payout-unanswered:"


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
      used while it may have (that could pay twice). Once it was first handed over longer
      than ``TRANSFER_ASK_AGAIN_WITHIN`` ago it is not asked at all but flagged for finance.
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
            if _asked_too_long(payout):  # Stripe may forget the key: finance finds out, not a job
                _unanswered_flag(order, payout)
                return payout, ""
            return payout, _asked_key(order, payout)
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


def _asked_key(order, payout: Payout) -> str:
    """The idempotency key a pending card payout is asked under."""
    return payout.reference.removeprefix(ASKING) or f"transfer-order-{order.number}"


def _asked_since(payout: Payout):
    """When the payout's key was first handed to Stripe (a row from before ``asked_at``:
    its creation, no later than that)."""
    return payout.asked_at or payout.created_at


def _asked_too_long(payout: Payout) -> bool:
    return _asked_since(payout) < timezone.now() - TRANSFER_ASK_AGAIN_WITHIN


def _unanswered_flag(order, payout: Payout) -> bool:
    """Raise the payout's flag for finance, once; whether it was raised now."""
    detail = _(
        "Payout %(payout)s of order %(order)s, %(amount)s %(currency)s to the store's Stripe account, was handed to "
        "Stripe on %(asked)s UTC under the idempotency key %(key)s and no answer was recorded. Stripe may have made "
        "the transfer, and it forgets a key after a day, so no job asks for it again (that could pay the store twice). "
        "Look at Stripe for a transfer whose metadata has payout_id %(payout)s: if it is there, record it on this "
        "flag; if it is not, send the payout again from this flag."
    ) % {
        "payout": payout.pk,
        "order": order.number,
        "amount": money_from_minor(payout.amount_minor, payout.currency),
        "currency": payout.currency,
        "asked": f"{_asked_since(payout):%Y-%m-%d %H:%M}",
        "key": _asked_key(order, payout),
    }
    _flag, created = PaymentFlag.objects.get_or_create(
        key=f"{UNANSWERED}{payout.pk}",
        defaults={"kind": PaymentFlag.Kind.PAYOUT_UNANSWERED, "checkout": order.checkout, "detail": detail},
    )
    return created


def transfers_unanswered_flag(*, limit: int = 100) -> int:
    """Flag for finance, once each, the card payouts still asking (no answer recorded) whose
    key was first handed to Stripe more than ``TRANSFER_ASK_AGAIN_WITHIN`` ago, whether or
    not a job still looks at them (a store whose account was disabled meanwhile); how many
    were flagged. The jobs ask none of them again."""
    flagged = PaymentFlag.objects.filter(key=Concat(Value(UNANSWERED), Cast(OuterRef("pk"), CharField())))
    waiting = (
        Payout.objects.filter(status=Payout.Status.PENDING, provider__in=CARD_PROVIDERS, order__isnull=False)
        .exclude(reference__startswith=REFUSED)
        .annotate(since=Coalesce("asked_at", "created_at"))
        .filter(since__lt=timezone.now() - TRANSFER_ASK_AGAIN_WITHIN)
        .exclude(Exists(flagged))
        .select_related("order__checkout")
        .order_by("pk")
    )
    return sum(_unanswered_flag(payout.order, payout) for payout in waiting[:limit])


class PayoutError(Exception):
    """What finance asked of a payout cannot be done; the message says why."""


def _flagged_payout(flag: PaymentFlag) -> Payout:
    """The card payout an unanswered payout's flag is about, still unanswered (asking)."""
    number = flag.key.removeprefix(UNANSWERED)
    payout = None
    if flag.key.startswith(UNANSWERED) and number.isdigit():
        payout = Payout.objects.select_related("order__checkout").filter(pk=int(number)).first()
    if payout is None or payout.order is None or payout.provider not in CARD_PROVIDERS:
        raise PayoutError(_("This flag is not about a payout left unanswered by Stripe."))
    if payout.status != Payout.Status.PENDING or payout.reference.startswith(REFUSED):
        raise PayoutError(
            _("Payout %(payout)s is not waiting for an answer any more (%(status)s).")
            % {"payout": payout.pk, "status": payout.get_status_display()}
        )
    return payout


def _flagged_payout_lock(order, payout: Payout) -> Payout:
    """Under the order's row lock (inside a transaction): the payout, still pending under
    the key it had when finance looked at it."""
    _order_lock(order)
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    if locked.status != Payout.Status.PENDING or locked.reference != payout.reference:
        raise PayoutError(
            _("Payout %(payout)s changed while you looked at it: look at it again.") % {"payout": payout.pk}
        )
    return locked


def payout_flag_transfer_record(*, flag: PaymentFlag, transfer_id: str, actor) -> Payout:
    """Finance found at Stripe the transfer of a payout left unanswered: it is read from
    Stripe and must be this payout's (its metadata's ``payout_id``, the store's account,
    the amount and currency asked); then the payout is paid as its job would have (the
    ledger's transfer posted, the row marked paid, refunds that landed meanwhile taken back
    from it) and the flag resolved. Asks Stripe: never inside a transaction."""
    assert_outside_transactions("recording a transfer")
    payout = _flagged_payout(flag)
    order = payout.order
    client = stripe_client()
    try:
        transfer = client.v1.transfers.retrieve(transfer_id)
    except stripe.StripeError as error:
        raise PayoutError(
            _("Stripe did not give transfer %(transfer)s: %(error)s") % {"transfer": transfer_id, "error": error}
        ) from error
    account = ConnectedAccount.objects.filter(store_id=order.store_id).first()
    found = transfer.to_dict()
    if (
        (found.get("metadata") or {}).get("payout_id") != str(payout.pk)
        or account is None
        or found.get("destination") != account.account_id
        or found.get("amount") != payout.amount_minor
        or str(found.get("currency") or "").lower() != payout.currency.lower()
    ):
        raise PayoutError(
            _(
                "Transfer %(transfer)s is not payout %(payout)s's: it must be %(amount)s %(currency)s to the store's "
                "Stripe account, with payout_id %(payout)s in its metadata."
            )
            % {
                "transfer": transfer_id,
                "payout": payout.pk,
                "amount": money_from_minor(payout.amount_minor, payout.currency),
                "currency": payout.currency,
            }
        )
    with transaction.atomic():
        locked = _flagged_payout_lock(order, payout)
        paid = payout_paid(
            order,
            locked,
            provider=locked.provider,
            reference=transfer.id,
            memo=f"Transfer {transfer.id} to {account.account_id} (found at Stripe by staff)",
        )
    _overpaid_settle(order, paid, client)
    flag_resolve(
        flag=flag, actor=actor, note=_("Transfer %(transfer)s found at Stripe and recorded.") % {"transfer": transfer.id}
    )
    return paid


def payout_flag_send_again(*, flag: PaymentFlag, actor) -> Payout:
    """Finance found at Stripe no transfer for a payout left unanswered: nothing was made
    under its key, so it is sent again by the transfer job (after this commit) under a new
    key, with what the store is owed then; the flag is resolved. Only once Stripe may have
    forgotten the key (``TRANSFER_ASK_AGAIN_WITHIN``): before that the jobs still ask under it."""
    payout = _flagged_payout(flag)
    order = payout.order
    if not _asked_too_long(payout):
        raise PayoutError(
            _("Payout %(payout)s is still being asked for under its key: it cannot be sent again yet.")
            % {"payout": payout.pk}
        )
    with transaction.atomic():
        locked = _flagged_payout_lock(order, payout)
        locked.reference = REFUSED + _asked_key(order, locked)
        locked.note = _("Not found at Stripe by staff: sent again under a new key.")
        locked.save(update_fields=["reference", "note", "updated_at"])
        flag_resolve(flag=flag, actor=actor, note=_("No transfer found at Stripe: the payout is sent again."))
        job_enqueue_on_commit("orders.order_transfer", order.pk)
    return locked


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
    order's row lock, as its amount was read). A payout that paid the store more than it is
    owed now (refunded while it was on its way) is marked ``take_back_due`` in the same
    commit, for ``_overpaid_settle``."""
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
            locked.take_back_due = _owed(order) < 0
            locked.save(update_fields=["status", "reference", "note", "take_back_due", "updated_at"])
        return locked


def _overpaid_settle(order, payout: Payout, client=None) -> None:
    """After ``payout_paid``: what the payout paid beyond what the store is owed is taken
    back from the transfer (``_refunds_take_back``) or, for the stablecoin, flagged for staff;
    then ``take_back_due`` is cleared. A worker killed before the end, or a reversal Stripe
    did not answer, leaves it set, and ``payouts_take_back_resume`` does it again (under
    the same keys, so once)."""
    if not payout.take_back_due:
        return
    if payout.provider in CARD_PROVIDERS:
        try:
            _refunds_take_back(order, payout, client or stripe_client())
        except TakeBackPending as error:
            log.warning("take-back of payout %s waits for Stripe's answer: %s", payout.pk, error)
            return
    elif (over := -_owed(order)) > 0:  # refunded out of the escrow while the release was on its way
        _overpaid_flag(order, payout, over)
    Payout.objects.filter(pk=payout.pk).update(take_back_due=False)
    payout.take_back_due = False


# A payout marked paid (a refund recorded) within these minutes may still be settling in
# the job that did it.
TAKE_BACK_QUIET = timedelta(minutes=5)


def payouts_take_back_resume(*, limit: int = 100) -> int:
    """Settle the payouts marked paid whose take-back never ended (the worker was killed
    between marking the payout paid and taking back what refunds left owed, or before
    flagging it, or Stripe did not answer); how many were settled. Each is taken back as the
    job would have, under the same keys, so a take-back already made is not made again."""
    due = Payout.objects.filter(
        status=Payout.Status.PAID, take_back_due=True, updated_at__lt=timezone.now() - TAKE_BACK_QUIET
    ).select_related("order__checkout")
    settled = 0
    for payout in list(due.order_by("pk")[:limit]):
        try:
            _overpaid_settle(payout.order, payout)
        except Exception:  # the next run tries again; one payout does not stop the others
            log.exception("take-back of payout %s failed", payout.pk)
            continue
        settled += 0 if payout.take_back_due else 1
    return settled


class TakeBackPending(Exception):
    """Stripe did not answer a transfer reversal (it may have made it): the refund stays
    ``take_back_due`` and is asked again under the same key."""


def refund_share(refund: Refund) -> int:
    """What ``refund`` takes from its store, in minor units: the amount, less the platform's
    fee given back, plus Soko's discount given back."""
    return refund.amount_minor - refund.fee_minor + refund.promotion_minor


def refund_take_back(refund: Refund, client=None) -> bool:
    """The share of a refund that landed after its order's transfer was paid, taken back
    from the transfer (``transfer_reverse``) if still due; whether it is settled (reversed,
    or refused and flagged). Stripe not answering leaves it due for
    ``refunds_take_back_resume``."""
    if not refund.take_back_due:
        return True
    order = refund.order
    payout = Payout.objects.filter(order=order, status=Payout.Status.PAID, provider__in=CARD_PROVIDERS).first()
    try:
        if payout is not None:
            transfer_reverse(order, refund, payout, client or stripe_client())
    except TakeBackPending as error:
        log.warning("take-back of refund %s waits for Stripe's answer: %s", refund.pk, error)
        return False
    _take_back_done(refund)
    return True


def refunds_take_back_resume(*, limit: int = 100) -> int:
    """Take back the shares of refunds still ``take_back_due`` a while after they landed
    (the worker was lost before asking, or Stripe did not answer); how many were settled.
    Under the refund's keys, so a reversal Stripe made already is recorded, not made again."""
    due = Refund.objects.filter(take_back_due=True, updated_at__lt=timezone.now() - TAKE_BACK_QUIET).select_related(
        "order__checkout"
    )
    settled = 0
    for refund in list(due.order_by("pk")[:limit]):
        try:
            settled += refund_take_back(refund)
        except Exception:  # the next run tries again; one refund does not stop the others
            log.exception("take-back of refund %s failed", refund.pk)
    return settled


def _take_back_done(refund: Refund) -> None:
    Refund.objects.filter(pk=refund.pk, take_back_due=True).update(take_back_due=False)
    refund.take_back_due = False


def transfer_reverse(order, refund: Refund, payout: Payout, client) -> bool:
    """Take the store's part of ``refund`` back from the transfer ``payout`` paid it by,
    once whoever asks (the refund, the payout that finds a refund landed while it was on its
    way, either sweep): a reversal recorded already is not asked again; one Stripe made
    already for the refund (by its metadata; a first answer may have been lost, and Stripe
    forgets an idempotency key after a day) is recorded; otherwise it is asked under the
    refund's key, unless the refund has failed since: then there is nothing to take back
    (one Stripe made before is still recorded). The ledger posts what Stripe reversed under
    ``reversal:<pk>``.

    ``False`` when Stripe refused it: flagged for finance, once. No answer raises
    ``TakeBackPending`` and leaves the refund ``take_back_due``."""
    if LedgerTransaction.objects.filter(key=f"reversal:{refund.pk}").exists():
        return True
    share = refund_share(refund)
    try:
        reversal = _reversal_made(client, payout, refund)
        if reversal is None and refund.status == Refund.Status.FAILED:
            return True  # the refund failed (its bank returned it) before its share was asked back: none to take
        reversal = reversal or client.v1.transfers.reversals.create(
            payout.reference,
            params={"amount": share, "metadata": {"refund_id": str(refund.pk), "order": order.number}},
            options={"idempotency_key": f"reversal-{refund.idempotency_key}"},
        )
    except stripe.StripeError as error:
        if outcome_unknown(error):
            Refund.objects.filter(pk=refund.pk).update(take_back_due=True)
            refund.take_back_due = True
            raise TakeBackPending(str(error)) from error
        log.warning("reversal for refund %s refused: %s", refund.pk, error)
        _reversal_refused_flag(order, refund, payout, share, error)
        return False
    reversed_ = int(reversal.amount)
    ledger.post(
        kind=LedgerTransaction.Kind.REFUND,
        key=f"reversal:{refund.pk}",
        lines=[
            Line(accounts.provider_account(payout.provider), refund.currency, reversed_, order=order),
            Line(accounts.store_payable(order.store_id), refund.currency, -reversed_, order=order),
        ],
        memo=f"Transfer {payout.reference} reversed ({reversal.id})",
        checkout=order.checkout,
        order=order,
    )
    return True


def _reversal_made(client, payout: Payout, refund: Refund):
    """The reversal of ``payout``'s transfer Stripe made for ``refund``, if any."""
    reversals = client.v1.transfers.reversals.list(payout.reference, params={"limit": 100})
    return next(
        (found for found in reversals.auto_paging_iter() if metadata_value(found, "refund_id") == str(refund.pk)), None
    )


def _reversal_refused_flag(order, refund: Refund, payout: Payout, share: int, error) -> None:
    PaymentFlag.objects.get_or_create(
        key=f"reversal-refused:{refund.pk}",
        defaults={
            "kind": PaymentFlag.Kind.MANUAL_REFUND,
            "checkout": order.checkout,
            "detail": _(
                "Stripe refused to take %(amount)s %(currency)s of refund %(refund)s (order %(order)s) back from "
                "transfer %(transfer)s: %(error)s. Take it back from the store by hand."
            )
            % {
                "amount": money_from_minor(share, refund.currency),
                "currency": refund.currency,
                "refund": refund.pk,
                "order": order.number,
                "transfer": payout.reference,
                "error": error,
            },
        },
    )


def _refunds_take_back(order, payout: Payout, client) -> None:
    """A refund that landed while the transfer was on its way (asked, no answer recorded)
    found no paid transfer to take its share back from, and the transfer was made with the
    amount owed before it: the store is paid more than it is owed for the order. Each such
    refund's share is taken back from the transfer as the refund itself would have
    (``transfer_reverse``: the same keys at Stripe and in the ledger, so a refund that
    takes it back at the same time takes it once). The latest refunds not taken back whose
    shares make up the excess exactly are those; any other excess is flagged for staff
    (beyond what a refused reversal flagged already)."""
    over = -_owed(order)
    if over <= 0:
        return
    refused = 0
    for refund in _refunds_since(order, over):
        if not transfer_reverse(order, refund, payout, client):
            refused += refund_share(refund)
    left = -_owed(order) - refused
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


def escrow_release_key(order) -> str:
    """The escrow transfer key of the release of the order's share to its store's wallet."""
    return f"release:order:{order.pk}"


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
    key = escrow_release_key(order)
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
    _overpaid_settle(order, paid)
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
        asked_at=timezone.now(),
    )


def _payout_reopen(payout: Payout, *, amount: int, reference: str) -> None:
    """A row refused, closed or never handed over takes what is owed now (pending again),
    asked under a new key from now."""
    if _payout_closed(payout):
        payout.note = ""
    payout.amount_minor, payout.status, payout.reference = amount, Payout.Status.PENDING, reference
    payout.asked_at = timezone.now()
    payout.save(update_fields=["amount_minor", "status", "reference", "note", "asked_at", "updated_at"])
