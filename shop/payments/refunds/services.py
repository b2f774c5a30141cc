"""Refunds: some or all of an order's lines given back through the way they were paid.

- Card (Stripe, or the development gateway): a Stripe refund of the payment, with an
  idempotency key; when the store's share was already transferred, the transfer is
  reversed by the store's part of the refund.
- PayPal: a refund of the capture.
- Stablecoin: the buyer's wallet is refunded out of the escrow contract, from what the
  checkout still holds there (``escrow_refund``, once per refund); when the store's share
  was already released to its wallet, or its release is signed (it may be mined at any
  time), the refund is not taken from the escrow (it would take other stores' money) but
  failed and flagged for staff, as a card transfer that cannot be reversed is.
- M-Pesa: recorded for staff to reverse by hand, with a checklist (and a flag).
- Cash on delivery: recorded as owed by the store to the buyer; the platform gives the
  store back its fee on the refunded lines.

Who may refund how much is checked in one place (``refund_check_actor``): Soko's own jobs
always, staff up to ``SOKO_SUPPORT_REFUND_LIMIT`` unless they hold
``moderation.refund_over_limit``, a store's team only its own store's orders. The
provider is asked after the commit that records the refund, in a background job
(``refund_send``), never inside a request's transaction.

Each refund posts one balanced ledger transaction: the store's share of the refunded
lines leaves its held (or payable) account, the platform returns its fee on them, and the
money leaves the provider's account. A refund is recorded before the provider is asked
(``Refund`` row with a unique idempotency key), so a crash in between is retried with the
same key and never refunds twice.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.chain.models import EscrowTransfer
from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.chain.services.escrow import EscrowKeyReused, escrow_refund
from shop.chain.services.transactions import ContractRefused, TransactionPending
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.currencies import money_from_minor, money_quantize, money_to_minor
from shop.core.selectors.i18n import lazy_text
from shop.core.selectors.money import money_format
from shop.core.services.transactions import assert_outside_transactions
from shop.notifications.services.notifications import notify

from ..invoices.services import credit_note_cancel, credit_note_issue_later
from ..ledger import accounts, fees
from ..ledger import services as ledger
from ..ledger.services import Line
from ..models import LedgerEntry, LedgerTransaction, PaymentFlag, PaymentStatus, Payout, Provider, Refund
from ..payouts.selectors import buyer_address_for, crypto_quote_for, token_minor_down
from ..payouts.services import (
    ASKING,
    CARD_PROVIDERS,
    escrow_release_key,
    order_paid_online,
    refund_share,
    refund_take_back,
)
from ..providers.answers import outcome_unknown
from ..providers.paypal.client import PaypalError, paypal_refund
from ..providers.stripe.client import metadata_value, stripe_client
from ..signals import refund_changed, refund_recorded
from .lost import lost_refunds_claim

log = logging.getLogger(__name__)


class RefundError(Exception):
    """The refund cannot be made as asked; the message says why, for staff."""


def refundable_units(order) -> dict[int, int]:
    """Order item id -> units not refunded yet."""
    units = {item.pk: item.quantity for item in order.items.all()}
    for refund in order.refunds.exclude(status=Refund.Status.FAILED):
        for item_id, count in (refund.lines or {}).items():
            if item_id.isdigit() and int(item_id) in units:
                units[int(item_id)] -= int(count)
    return units


def delivery_refunded(order) -> bool:
    return order.refunds.exclude(status=Refund.Status.FAILED).filter(lines__has_key="delivery").exists()


def refund_order(
    *, order, lines: dict[int, int], reason: str, actor=None, delivery: bool = False, key: str = "", announce: bool = False
) -> Refund:
    """Refund ``lines`` (order item id -> units) of ``order``, and its delivery fee when
    ``delivery``, as ``actor`` (None: Soko itself, a job). ``key`` makes a repeat of the
    same request return the first refund. The entry point of every refund: it runs its own
    transaction (never inside another), checks who may refund how much
    (``refund_check_actor``), records the refund and, after commit, asks the provider in
    a background job (``refund_send``): a card or PayPal refund reads "being refunded"
    until the provider answers. ``announce``: the buyer and the store's team are told (the
    return and complaint paths tell them in their own words)."""
    key = key or uuid.uuid4().hex
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.status != Refund.Status.FAILED:
        return existing
    if not reason.strip():
        raise RefundError(_("Say why the order is refunded."))
    with transaction.atomic(durable=True):
        refund = refund_record(
            order=order, lines=lines, reason=reason, actor=actor, delivery=delivery, key=key, announce=announce
        )
    refund.refresh_from_db()  # the job may have run already (an inline worker)
    return refund


def refund_record(
    *,
    order,
    lines: dict[int, int],
    reason: str,
    actor=None,
    delivery: bool = False,
    key: str,
    requested_by=None,
    announce: bool = False,
) -> Refund:
    """``refund_order`` inside the caller's transaction (a cancellation refunds in the
    transaction that cancels): lock the order, check and record the refund, post what
    needs no provider, and enqueue the provider's part after commit. ``actor`` is checked
    (None: Soko itself); ``requested_by`` (default ``actor``) is recorded as who asked."""
    reason = reason.strip()
    if not reason:
        raise RefundError(_("Say why the order is refunded."))
    existing = Refund.objects.filter(idempotency_key=key[:100]).first()
    if existing is not None and existing.status != Refund.Status.FAILED:
        return existing
    order = type(order).objects.select_for_update(of=("self",)).select_related("checkout", "store").get(pk=order.pk)
    requested_by = requested_by if requested_by is not None else actor
    if existing is None:
        refund = _record(
            order=order, lines=lines, reason=reason, actor=actor, requested_by=requested_by, delivery=delivery, key=key
        )
    else:
        revived = _revive(order, existing)
        if revived is None:  # another retry of the same key got there first
            return Refund.objects.get(pk=existing.pk)
        refund_check_actor(order=order, actor=actor, amount_minor=revived.amount_minor)
        refund = revived
    if refund.amount_minor == 0:
        # The units were paid for by a reduction only (Soko's code, points): nothing goes
        # back to the shopper's card or account, the ledger moves the reduction back.
        _finish(order, refund, reference=f"reduction-only:{refund.pk}", succeeded=True)
        if refund.take_back_due:  # the store was paid Soko's discount for these units already
            transaction.on_commit(lambda: refund_take_back(refund), robust=True)
    elif refund.provider in CARD_PROVIDERS or refund.provider in (Provider.PAYPAL, Provider.CRYPTO):
        job_enqueue_on_commit("payments.refund_send", refund.pk, existing is not None)
    if announce:
        _announce(order, refund)
    return refund


class RefundPending(Exception):
    """The provider's part of the refund could not be done now (the chain's node is out of
    reach, the transaction is not mined yet): the refund stays pending and is sent again."""


def refund_send(refund_id: int, retry: bool = False) -> Refund:
    """The provider's part of a recorded card, PayPal or stablecoin refund, after the
    commit that recorded it (the ``payments.refund_send`` job): asked under the refund's
    idempotency key, so a second run (or a run after a crash) refunds once. A refusal
    marks the refund failed; staff may ask again with the same key. ``RefundPending``
    when it must be asked again later (the job retries; ``refunds_resend`` too).
    Never inside a transaction."""
    assert_outside_transactions("a refund")
    refund = Refund.objects.select_related("attempt", "order__checkout", "order__store").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or refund.reference:
        return refund
    try:
        if refund.provider in CARD_PROVIDERS:
            _stripe_refund(refund.order, refund, retry=retry)
        elif refund.provider == Provider.PAYPAL:
            _paypal_refund(refund.order, refund)
        elif refund.provider == Provider.CRYPTO:
            _escrow_refund(refund.order, refund)
    except RefundError:
        pass  # recorded as failed by ``_fail``
    return refund


# The most support staff may refund at once, by currency: staff holding this permission
# (Finance, superusers) may refund more (docs/decisions/0036-staff-roles.md).
OVER_LIMIT_PERM = "moderation.refund_over_limit"


def refund_limit(*, actor, currency: str) -> Decimal | None:
    """The most ``actor`` may refund at once in ``currency``; None: no limit (Soko's own
    jobs, staff allowed over the support limit, a store refunding its own order)."""
    if actor is None or not actor.is_staff or actor.has_perm(OVER_LIMIT_PERM):
        return None
    return settings.SOKO_SUPPORT_REFUND_LIMIT.get(currency.upper(), Decimal("0"))


def refund_check_actor(*, order, actor, amount_minor: int) -> None:
    """Raise ``RefundError`` unless ``actor`` may refund ``amount_minor`` of ``order``:
    Soko itself (None) always; staff up to their limit (``refund_limit``); a member of the
    order's store only that store's orders; nobody else."""
    if actor is None:
        return
    if not actor.is_staff and not order.store.members.filter(pk=actor.pk).exists():
        raise RefundError(
            _("Only %(site)s's staff and the store's team can refund order %(number)s.")
            % {"number": order.number, "site": settings.SOKO_SITE_NAME}
        )
    limit = refund_limit(actor=actor, currency=order.currency)
    if limit is not None and money_from_minor(amount_minor, order.currency) > limit:
        raise RefundError(
            _("Refunds over %(limit)s need a colleague allowed to refund more.")
            % {"limit": money_format(limit, order.currency)}
        )


def refund_owed(order) -> bool:
    """Whether ``order`` took money that is not all refunded yet: paid online, or cash
    handed over at the door."""
    paid = order_paid_online(order) is not None or (
        order.checkout.payment_status == PaymentStatus.ON_DELIVERY and order.delivered_at is not None
    )
    if not paid:
        return False
    if any(units > 0 for units in refundable_units(order).values()):
        return True
    return bool(order.delivery_fee) and not delivery_refunded(order)


def refund_rest(*, order, reason: str, key: str, actor=None, requested_by=None, announce: bool = True) -> Refund | None:
    """Inside the caller's transaction: refund everything of ``order`` not refunded yet
    (every unit left, and the delivery fee), the way it was paid; None when it took no
    money or all of it went back already. A cancelled order's refund."""
    if not refund_owed(order):
        return None
    lines = {item_id: units for item_id, units in refundable_units(order).items() if units > 0}
    return refund_record(
        order=order,
        lines=lines,
        delivery=True,
        reason=reason,
        actor=actor,
        requested_by=requested_by,
        key=key,
        announce=announce,
    )


REFUND_NEWS = {
    Provider.STRIPE: gettext_lazy("%(amount)s of order %(number)s is being refunded to your card."),
    Provider.DEV: gettext_lazy("%(amount)s of order %(number)s is being refunded to your card."),
    Provider.PAYPAL: gettext_lazy("%(amount)s of order %(number)s is being refunded to your PayPal account."),
    Provider.CRYPTO: gettext_lazy("%(amount)s of order %(number)s is being refunded to the wallet you paid from."),
    Provider.MPESA: gettext_lazy("%(amount)s of order %(number)s will be sent back to your M-Pesa by %(site)s's staff."),
    Provider.CASH: gettext_lazy("%(store)s owes you %(amount)s for order %(number)s and will give it back."),
}
REDUCTION_NEWS = gettext_lazy("The discount and points used on order %(number)s were given back.")
STORE_REFUND_NEWS = gettext_lazy("%(amount)s of order %(number)s is refunded to the buyer (%(provider)s).")


def _announce(order, refund: Refund) -> None:
    """The buyer and the store's members hear of the refund (the buyer by email too)."""
    amount = money_format(refund.amount, refund.currency)
    template = REDUCTION_NEWS if refund.amount_minor == 0 else REFUND_NEWS[refund.provider]
    notify(
        user=order.buyer,
        kind="order",
        text=lazy_text(template, amount=amount, number=order.number, store=order.store.name, site=settings.SOKO_SITE_NAME),
        url=reverse("orders:detail", args=[order.number]),
        email=True,
    )
    text = lazy_text(STORE_REFUND_NEWS, amount=amount, number=order.number, provider=refund.get_provider_display())
    url = reverse("sellers:order_detail", args=[order.number])
    for member in order.store.members.all():
        notify(user=member, kind="order", text=text, url=url)


def _revive(order, failed: Refund) -> Refund | None:
    """A refund the provider refused, asked for again with the same key: the same lines,
    checked again against what is left to refund (a failed refund holds none), its amount,
    fee and Soko's part of the discount worked out again as a new refund's are (other
    units may have been refunded, or refunds failed, since), back to pending. ``None`` when
    it is no longer failed (a concurrent retry revived it)."""
    refund = Refund.objects.select_for_update().get(pk=failed.pk)
    if refund.status != Refund.Status.FAILED:
        return None
    left = refundable_units(order)
    for item_id, count in refund.lines.items():
        if item_id == "delivery":
            if delivery_refunded(order):
                raise RefundError(
                    _("The delivery fee of order %(number)s was already refunded.") % {"number": order.number}
                )
        elif int(count) > left.get(int(item_id), 0):
            raise RefundError(_("Some of these units were refunded since; this refund cannot be made again."))
    amount, refund.fee_minor, refund.promotion_minor, _lines = refund_quote(
        order=order,
        lines={int(item_id): int(count) for item_id, count in refund.lines.items() if item_id != "delivery"},
        delivery="delivery" in refund.lines,
    )
    refund.amount_minor = money_to_minor(amount, order.currency)
    refund.status = Refund.Status.PENDING
    refund.save(update_fields=["status", "amount_minor", "fee_minor", "promotion_minor", "updated_at"])
    # A new credit note, for what it gives back now (the failure cancelled the one before).
    credit_note_cancel(refund)
    credit_note_issue_later(refund.pk)
    return refund


def refund_quote(*, order, lines: dict[int, int], delivery: bool = False) -> tuple[Decimal, int, int, dict]:
    """What refunding ``lines`` (order item id -> units) of ``order``, and its delivery fee
    when ``delivery``, comes to, before anything is recorded: (the amount, Soko's fee given
    back in minor units, the promotion's part in minor units, the lines as recorded).
    RefundError when a line is not the order's or has fewer units left to refund."""
    left = refundable_units(order)
    items = {item.pk: item for item in order.items.all()}
    listed_before = sum((item.unit_price * (item.quantity - left[item.pk]) for item in items.values()), Decimal("0"))
    listed, chosen = Decimal("0"), {}
    for item_id, units in lines.items():
        units = int(units)
        if units <= 0:
            continue
        if item_id not in items:
            raise RefundError(_("That line is not part of order %(number)s.") % {"number": order.number})
        if units > left[item_id]:
            raise RefundError(
                _("Only %(count)s of “%(title)s” can still be refunded.")
                % {"count": left[item_id], "title": items[item_id].product_title}
            )
        listed += items[item_id].unit_price * units
        chosen[str(item_id)] = units
    amount, promotion = _discount_returned(order, listed_before + listed)
    if delivery and order.delivery_fee and not delivery_refunded(order):
        amount += order.delivery_fee
        chosen["delivery"] = 1
    if not chosen:
        raise RefundError(_("Choose what to refund."))
    return amount, _fee_returned(order, chosen, left), promotion, chosen


def _record(*, order, lines, reason, actor, requested_by, delivery, key) -> Refund:
    """Check the request against what is left to refund and record it (status by method);
    manual refunds post their ledger entries at once."""
    attempt = order_paid_online(order)
    cash = order.checkout.payment_status == PaymentStatus.ON_DELIVERY and order.delivered_at is not None
    if attempt is None and not cash:
        raise RefundError(
            _("Nothing was paid for order %(number)s, so there is nothing to refund.") % {"number": order.number}
        )
    amount, fee, promotion, chosen = refund_quote(order=order, lines=lines, delivery=delivery)
    refund_check_actor(order=order, actor=actor, amount_minor=money_to_minor(amount, order.currency))
    provider = attempt.provider if attempt is not None else Provider.CASH
    manual = provider in (Provider.MPESA, Provider.CASH)
    refund = Refund.objects.create(
        order=order,
        attempt=attempt,
        provider=provider,
        amount_minor=money_to_minor(amount, order.currency),
        fee_minor=fee,
        promotion_minor=promotion,
        currency=order.currency,
        status=Refund.Status.MANUAL if manual else Refund.Status.PENDING,
        reason=reason[:300],
        lines=chosen,
        idempotency_key=key[:100],
        requested_by=requested_by,
        checklist=_checklist(provider) if manual else {},
    )
    refund_recorded.send(sender=Refund, order=order, refund=refund)
    if manual:
        _post(order, refund)
        PaymentFlag.objects.create(
            kind=PaymentFlag.Kind.MANUAL_REFUND,
            checkout=order.checkout,
            attempt=attempt,
            detail=f"Refund {refund.pk} of order {order.number}: {refund.amount} {refund.currency} by {refund.get_provider_display()}, to send by hand.",
        )
    return refund


def _discount_returned(order, listed: Decimal) -> tuple[Decimal, int]:
    """What a refund gives back for its items, and Soko's part of the discount it returns
    in minor units, when ``listed`` is the listed value of every unit refunded so far, its
    own included: what was paid for all those units less what the refunds not failed gave
    back for items before, and Soko's part likewise. So the parts add up to what was paid
    (and to Soko's part) whatever failed on the way and was asked again; the refund of the
    last units gives back all that is left. Call under the order's lock, as ``listed`` is
    counted."""
    given = order.refunds.exclude(status=Refund.Status.FAILED).aggregate(
        amount=Sum("amount_minor"), promotion=Sum("promotion_minor")
    )
    delivery = money_to_minor(order.delivery_fee, order.currency) if delivery_refunded(order) else 0
    paid = money_to_minor(_discounted(order, listed, order.discount), order.currency)
    amount = max(paid - ((given["amount"] or 0) - delivery), 0)
    return money_from_minor(amount, order.currency), max(_part(order, listed) - (given["promotion"] or 0), 0)


def _discounted(order, listed: Decimal, discount: Decimal) -> Decimal:
    """What the buyer paid for items listed at ``listed`` (the first units refunded, in
    order): the discount shared in proportion, rounded so that refunding every unit gives
    back exactly what was paid for the items."""
    if not discount or not order.items_total:
        return listed
    return money_quantize(listed * (order.items_total - discount) / order.items_total, order.currency)


def _fee_returned(order, lines: dict, left: dict[int, int]) -> int:
    """Soko's fee given back with ``lines`` (as recorded: item id -> units, and
    "delivery") while ``left`` units of each line are not refunded yet, in minor units.
    Like the discount, per line: the fee on every unit refunded so far, these included,
    less the fee on those refunded before, so that the parts add up to the fee charged on
    the line (rounded once, as it was charged). Never more than what is left of the fee
    charged on the order once every refund not failed has given its part back (recorded
    ones included, whether or not their provider answered yet); the refund of the last
    units gives back all that is left. Call under the order's lock, as ``left`` is counted."""
    items = {item.pk: item for item in order.items.all()}
    units = {int(item_id): int(count) for item_id, count in lines.items() if item_id.isdigit() and int(count) > 0}
    fee = 0
    for item_id, count in units.items():
        item = items[item_id]
        before = item.quantity - left[item_id]
        fee += fees.fee_minor(item.unit_price * (before + count), order.currency, item.listing_type) - fees.fee_minor(
            item.unit_price * before, order.currency, item.listing_type
        )
    charged = -(
        LedgerEntry.objects.filter(account__code=accounts.FEES, account__currency=order.currency, order=order)
        .exclude(transaction__kind=LedgerTransaction.Kind.REFUND)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    kept = charged - sum(order.refunds.exclude(status=Refund.Status.FAILED).values_list("fee_minor", flat=True))
    if units and all(left[item_id] - units.get(item_id, 0) <= 0 for item_id in items):
        fee = kept
    return max(min(fee, kept), 0)


def _part(order, listed: Decimal) -> int:
    """Soko's part of the discount on items listed at ``listed``, in minor units."""
    if not order.platform_discount or not order.items_total:
        return 0
    return money_to_minor(money_quantize(listed * order.platform_discount / order.items_total, order.currency), order.currency)


def _checklist(provider: str) -> dict:
    if provider == Provider.MPESA:
        return {
            "Reverse the M-Pesa transaction (receipt on the payment)": False,
            "Buyer confirmed the money arrived": False,
        }
    return {"Store gave the cash back to the buyer": False, "Buyer confirmed the money arrived": False}


def _post(order, refund: Refund) -> None:
    """The refund in the ledger. Paid online: the store's part leaves its held share (or
    its payable once released), the fee comes back from the platform, the money leaves
    the provider. Cash: the store hands the money back itself; the platform owes it the fee."""
    share = refund_share(refund)
    store_account = (
        accounts.store_payable(order.store_id) if order.funds_released_at else accounts.store_held(order.store_id)
    )
    promotion = [Line(accounts.PROMOTIONS, refund.currency, -refund.promotion_minor, order=order)] if refund.promotion_minor else []
    if refund.provider == Provider.CASH:
        lines = [
            Line(accounts.FEES, refund.currency, refund.fee_minor, order=order),
            Line(accounts.store_payable(order.store_id), refund.currency, refund.promotion_minor - refund.fee_minor, order=order),
            *promotion,
        ]
    else:
        lines = [
            Line(store_account, refund.currency, share, order=order),
            Line(accounts.FEES, refund.currency, refund.fee_minor, order=order),
            Line(accounts.provider_account(refund.provider), refund.currency, -refund.amount_minor, order=order),
            *promotion,
        ]
    ledger.post(
        kind=LedgerTransaction.Kind.REFUND,
        key=f"refund:{refund.pk}",
        lines=lines,
        memo=f"Refund on order {order.number}: {refund.reason}",
        checkout=order.checkout,
        order=order,
    )


def _finish(order, refund: Refund, *, reference: str, succeeded: bool) -> Payout | None:
    """The provider took the refund: recorded and posted once. Returns the order's
    transfer to its store if it was already paid then, to take the refund's share back
    from. Both are decided under the order's row lock, which a payout takes to read its
    amount and to be marked paid, so each refund counts once for the store: left out of
    the amount sent, taken back by the payout that was on its way, or reversed here."""
    with transaction.atomic():
        # Whether the share was released is read under the lock: it may have been since the order was read.
        order.funds_released_at = (
            type(order).objects.select_for_update().values_list("funds_released_at", flat=True).get(pk=order.pk)
        )
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        payout = Payout.objects.filter(order=order, status=Payout.Status.PAID).first()
        if not locked.reference:
            locked.reference = reference[:255]
            locked.status = Refund.Status.SUCCEEDED if succeeded else Refund.Status.PENDING
            # Recorded with the refund: a worker lost before the reversal leaves it to the sweep.
            locked.take_back_due = payout is not None and payout.provider in CARD_PROVIDERS and refund_share(locked) > 0
            locked.save(update_fields=["reference", "status", "take_back_due", "updated_at"])
            _post(order, locked)
            refund_changed.send(sender=Refund, order_id=order.pk)
        refund.reference, refund.status, refund.take_back_due = locked.reference, locked.status, locked.take_back_due
        return payout


def _fail(refund: Refund, error: Exception) -> None:
    log.warning("refund %s failed: %s", refund.pk, error)
    if Refund.objects.filter(pk=refund.pk, reference="").update(status=Refund.Status.FAILED):
        credit_note_cancel(refund)
        refund_changed.send(sender=Refund, order_id=refund.order_id)
    refund.status = Refund.Status.FAILED
    raise RefundError(_("The provider refused the refund: %(error)s") % {"error": error}) from error


def _fail_unless_unknown(refund: Refund, error: Exception) -> None:
    """A refusal fails the refund; no answer (or the provider's own failure) leaves it
    pending, to be asked again under its key: the provider may have made it."""
    if outcome_unknown(error):
        log.warning("refund %s: no answer from %s, asked again later: %s", refund.pk, refund.provider, error)
        raise RefundPending(str(error)) from error
    _fail(refund, error)


def _stripe_refund(order, refund: Refund, *, retry: bool = False) -> None:
    """Ask Stripe. Stripe replays a key's first answer, refusals included, so a retry of a
    failed refund first looks for a refund of it Stripe made after all (by its metadata),
    then asks again under a new key."""
    client = stripe_client()
    intent = refund.attempt.payment_reference
    idempotency_key = f"refund-{refund.idempotency_key}"
    try:
        made = None
        if retry:
            made = next(
                (
                    found
                    for found in client.v1.refunds.list(params={"payment_intent": intent, "limit": 100}).data
                    if found.status != "failed" and metadata_value(found, "refund_id") == str(refund.pk)
                ),
                None,
            )
            idempotency_key = f"{idempotency_key}-{uuid.uuid4().hex[:12]}"
        if made is None:
            made = client.v1.refunds.create(
                params={
                    "payment_intent": intent,
                    "amount": refund.amount_minor,
                    "metadata": {"refund_id": str(refund.pk), "order": order.number},
                },
                options={"idempotency_key": idempotency_key},
            )
    except stripe.StripeError as error:
        _fail_unless_unknown(refund, error)
    _finish(order, refund, reference=made.id, succeeded=made.status == "succeeded")
    refund_take_back(refund, client)


def _escrow_refund(order, refund: Refund) -> None:
    """Give the buyer's wallet the refund out of the escrow, converted at the quote's rate
    (rounded down to the token's minor unit), under the key ``refund:<pk>``. Never once the
    store's share may have left the escrow (``_escrow_released``): the escrow would pay the
    refund out of what it holds for the checkout's other stores and Soko, so the refund
    fails and staff are told. A refund signed already is settled as signed (it may be on
    the chain); if the share was released meanwhile, staff are told to take the store's
    part back from the store."""
    key = f"refund:{refund.pk}"
    quote = crypto_quote_for(refund.attempt)
    buyer = buyer_address_for(refund.attempt)
    signed = EscrowTransfer.objects.filter(key=key).exclude(status=EscrowTransfer.Status.FAILED).exists()
    released = "" if signed else _escrow_released(order)
    if released:
        why = _("the store's share was already released to its wallet, or is on its way there (%(release)s)") % {
            "release": released
        }
        _escrow_refund_not_paid(order, refund, why, RefundError(why))
    if quote is None or not buyer:
        why = _("the payment's deposit is not known")
        _escrow_refund_not_paid(order, refund, why, RefundError(why))
    token_minor = token_minor_down(refund.amount_minor, refund.currency, quote)
    if token_minor <= 0:
        _finish(order, refund, reference=f"below-token-unit:{refund.pk}", succeeded=True)
        return
    try:
        transfer = escrow_refund(quote.checkout_ref, buyer, token_minor, key=key)
    except (TransactionPending, ChainUnavailable, ChainNotConfigured) as error:
        log.warning("escrow refund %s not done yet: %s", refund.pk, error)
        raise RefundPending(str(error)) from error
    except (ContractRefused, EscrowKeyReused) as error:
        _escrow_refund_not_paid(order, refund, _("the escrow refused it: %(error)s") % {"error": error}, error)
    payout = _finish(order, refund, reference=transfer.tx_hash, succeeded=True)
    if payout is not None:
        _escrow_refund_flag(
            order,
            refund,
            _(
                "Refund %(refund)s of order %(order)s (%(amount)s %(currency)s) was paid out of the escrow "
                "(%(transaction)s) while the store's share was released to its wallet (%(release)s): the escrow paid "
                "it out of what it holds for the checkout's other stores and %(site)s. Take the store's part back from "
                "the store."
            )
            % {
                **_flag_names(order, refund),
                "transaction": transfer.tx_hash,
                "release": payout.reference,
                "site": settings.SOKO_SITE_NAME,
            },
            key=f"escrow-refund:{refund.pk}:released",
        )


def _escrow_released(order) -> str:
    """Whether the order's share may have left the escrow for its store's wallet: the
    release's hash when it is mined or signed (a signed one may be mined at any time), its
    payout's reference when paid or handed to signing (a run that died there signs it with
    the amount read then); "" when no release is on its way."""
    key = escrow_release_key(order)
    release = EscrowTransfer.objects.filter(key=key).exclude(status=EscrowTransfer.Status.FAILED).first()
    if release is not None:
        return release.tx_hash
    payout = Payout.objects.filter(order=order, provider=Provider.CRYPTO).first()
    if payout is not None and (payout.status == Payout.Status.PAID or payout.reference == ASKING + key):
        return payout.reference
    return ""


def _escrow_refund_not_paid(order, refund: Refund, why: str, error: Exception) -> None:
    """The refund is not paid out of the escrow (``why``): staff are told to refund the buyer
    by hand, and it fails with ``error``."""
    _escrow_refund_flag(
        order,
        refund,
        _(
            "Refund %(refund)s of order %(order)s (%(amount)s %(currency)s) was not paid out of the escrow: %(why)s. "
            "Refund the buyer by hand, and take the store's part back from the store."
        )
        % {**_flag_names(order, refund), "why": why},
    )
    _fail(refund, error)


def _flag_names(order, refund: Refund) -> dict:
    return {"refund": refund.pk, "order": order.number, "amount": refund.amount, "currency": refund.currency}


def _escrow_refund_flag(order, refund: Refund, detail: str, *, key: str = "") -> None:
    """Staff are told what became of the stablecoin refund, once per ``key`` (by default,
    once per refund)."""
    PaymentFlag.objects.get_or_create(
        key=key or f"escrow-refund:{refund.pk}",
        defaults={
            "kind": PaymentFlag.Kind.MANUAL_REFUND,
            "checkout": order.checkout,
            "attempt": refund.attempt,
            "detail": detail,
        },
    )


def refunds_resend(*, older_than_seconds: int = 600) -> int:
    """Card, PayPal and stablecoin refunds whose provider was never asked (the job was lost,
    or gave up while the chain's node was out of reach) are asked again; how many were.
    A card refund first looks for a refund Stripe made of it after all (``retry``); PayPal
    is asked under the refund's first key, while PayPal keeps it; a stablecoin refund
    under its own key, which the escrow never pays twice."""
    sent = 0
    for refund_id in lost_refunds_claim(Refund, older_than_seconds=older_than_seconds, keyed_providers=(Provider.PAYPAL,)):
        try:
            refund_send(refund_id, retry=True)
        except RefundPending as error:
            log.warning("refund %s still pending: %s", refund_id, error)
            break
        sent += 1
    return sent


def _paypal_refund(order, refund: Refund) -> None:
    try:
        reference = paypal_refund(
            attempt=refund.attempt,
            amount_minor=refund.amount_minor,
            idempotency_key=refund.idempotency_key,
            note=refund.reason,
        )
    except PaypalError as error:
        _fail_unless_unknown(refund, error)
    _finish(order, refund, reference=reference, succeeded=True)


def refund_failed_by_provider(refund: Refund, reason: str) -> bool:
    """The provider failed a refund after Soko counted it (the buyer's bank returned it):
    its ledger posting is voided (the money is back at the provider, the store's share and
    the fee back where they were), the refund reads failed and staff see a flag. Asking
    again with the same key (``refund_order``) revives it. ``False`` when it was failed
    already."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().select_related("order__checkout").get(pk=refund.pk)
        if locked.status == Refund.Status.FAILED:
            return False
        failed = locked.reference
        ledger.void(key=f"refund:{locked.pk}", memo=f"Refund {failed} failed at the provider: {reason}"[:300])
        locked.status, locked.reference = Refund.Status.FAILED, ""
        locked.save(update_fields=["status", "reference", "updated_at"])
        credit_note_cancel(locked)
        refund_changed.send(sender=Refund, order_id=locked.order_id)
        detail = f"Refund {locked.pk} of order {locked.order.number} ({failed}, {locked.amount} {locked.currency}) failed at the provider: {reason}. Ask again with the same key from the order's refunds, or refund by hand."
        if LedgerTransaction.objects.filter(key=f"reversal:{locked.pk}").exists():
            # The store's ledger now shows the share as owed to it, and no payout sends it.
            detail += " Its share was taken back from the store's transfer and stays so: asked again, it is not taken twice; if the buyer is not refunded, pay the store its share by hand."
        PaymentFlag.objects.create(
            kind=PaymentFlag.Kind.REFUND_FAILED,
            key=f"refund-failed:{locked.pk}:{failed}"[:150],
            checkout=locked.order.checkout,
            attempt=locked.attempt,
            detail=detail,
        )
    refund.status, refund.reference = locked.status, locked.reference
    return True
