"""The watcher: the escrow's ``Deposited`` events for Soko's quotes, followed until they
are ``SOKO_ETH_CONFIRMATIONS`` blocks deep, then paid through ``attempt_succeeded`` like
every provider's payment.

Each run reads the chain as it is now. A deposit is recorded once (transaction hash and log
index) with the block it is in; when that block leaves the chain (a reorganisation) the
deposit is un-confirmed: moved to the block it is in now, or marked gone while it is in
none. Nothing is credited before the block that holds it is deep enough and still on the
chain, and nothing is credited at all while the configured escrow does not hold the
configured token. What a deposit brings is checked against its quote: another amount is a
mismatch, a deposit after the quote expired is late, and money for a checkout paid or closed
meanwhile is flagged by ``attempt_succeeded`` itself; all of it is held for staff."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.chain.node import ChainUnavailable

from ...models import CryptoDeposit, CryptoQuote, PaymentAttempt, Provider
from ...services import attempt_create, attempt_failed, attempt_received_late, attempt_succeeded
from . import client
from .client import crypto_configured
from .quotes import GATEWAY_CODE, received_in_checkout_minor

log = logging.getLogger(__name__)

Status = PaymentAttempt.Status
Seen = CryptoDeposit.Status


def quotes_watched():
    """Quotes whose deposits still matter: not long expired, or with a deposit not settled."""
    since = timezone.now() - timedelta(seconds=settings.SOKO_CRYPTO_WATCH_AFTER_EXPIRY_SECONDS)
    return CryptoQuote.objects.filter(
        Q(expires_at__gte=since) | Q(deposits__status=Seen.SEEN),
        escrow_address__iexact=settings.SOKO_ETH_ESCROW_ADDRESS,
        chain_id=settings.SOKO_ETH_CHAIN_ID,
    ).distinct()


def crypto_watch() -> dict:
    """One pass over the chain: deposits recorded, moved, un-confirmed and settled; quotes
    that expired without a deposit end their attempt. Returns counts, for the job's log."""
    if not crypto_configured():
        return {}
    quotes = {quote.checkout_ref: quote for quote in quotes_watched().select_related("attempt")}
    if not quotes:
        return {"quotes": 0}
    try:
        if not client.escrow_holds_configured_token():
            log.error(
                "the escrow %s does not hold the token %s: no deposit is credited",
                settings.SOKO_ETH_ESCROW_ADDRESS,
                settings.SOKO_ETH_TOKEN_ADDRESS,
            )
            return {"quotes": len(quotes), "refused": "escrow token"}
        head = client.head()
        from_block = min(quote.from_block for quote in quotes.values())
        logs = [
            entry for entry in client.deposits(from_block=from_block, to_block=head) if entry.checkout_ref in quotes
        ]
        counts = _record(logs=logs, quotes=quotes, from_block=from_block, head=head)
        counts["settled"] = _settle_deep(head=head)
    except ChainUnavailable as error:
        log.warning("the chain could not be read: %s", error)
        return {"quotes": len(quotes), "unavailable": str(error)[:200]}
    counts["expired"] = _expire_quotes()
    return counts


def _record(*, logs, quotes, from_block: int, head: int) -> dict:
    """The deposits as the chain has them now: new ones kept, moved ones moved, and those
    no longer on the chain marked gone."""
    on_chain = set()
    new = moved = 0
    for entry in logs:
        on_chain.add((entry.tx_hash, entry.log_index))
        deposit = CryptoDeposit.objects.filter(tx_hash=entry.tx_hash, log_index=entry.log_index).first()
        if deposit is None:
            _, created = CryptoDeposit.objects.get_or_create(
                tx_hash=entry.tx_hash,
                log_index=entry.log_index,
                defaults={
                    "quote": quotes[entry.checkout_ref],
                    "block_number": entry.block_number,
                    "block_hash": entry.block_hash,
                    "block_time": client.block_time(entry.block_number),
                    "buyer_address": entry.buyer,
                    "amount_minor": str(entry.amount),
                    "confirmations": head - entry.block_number + 1,
                },
            )
            new += created
        elif deposit.status != Seen.SETTLED and (deposit.block_hash, deposit.status) != (entry.block_hash, Seen.SEEN):
            # Mined again in another block after a reorganisation: counted from there.
            CryptoDeposit.objects.filter(pk=deposit.pk).exclude(status=Seen.SETTLED).update(
                block_number=entry.block_number,
                block_hash=entry.block_hash,
                block_time=client.block_time(entry.block_number),
                status=Seen.SEEN,
                confirmations=head - entry.block_number + 1,
                updated_at=timezone.now(),
            )
            moved += 1
        else:
            CryptoDeposit.objects.filter(pk=deposit.pk, status=Seen.SEEN).update(
                confirmations=head - entry.block_number + 1
            )
    gone = 0
    for deposit in CryptoDeposit.objects.filter(status=Seen.SEEN, block_number__gte=from_block):
        if (deposit.tx_hash, deposit.log_index) not in on_chain:
            gone += CryptoDeposit.objects.filter(pk=deposit.pk, status=Seen.SEEN).update(
                status=Seen.GONE, confirmations=0, updated_at=timezone.now()
            )
            log.warning("deposit %s left the chain (block %s was replaced)", deposit, deposit.block_number)
    return {"quotes": len({entry.checkout_ref for entry in logs}), "new": new, "moved": moved, "gone": gone}


def _settle_deep(*, head: int) -> int:
    """Deposits deep enough, whose block is still the chain's at its height, paid or flagged."""
    settled = 0
    needed = max(1, settings.SOKO_ETH_CONFIRMATIONS)
    for deposit in CryptoDeposit.objects.filter(status=Seen.SEEN, block_number__lte=head - needed + 1).select_related(
        "quote__attempt"
    ):
        if client.block_hash(deposit.block_number) != deposit.block_hash:
            continue  # replaced since it was read: the next run moves or drops it
        deposit_settle(deposit=deposit)
        settled += 1
    return settled


def _attempt_for(deposit: CryptoDeposit) -> PaymentAttempt:
    """The attempt this deposit pays: one already made for it (a run that died after paying),
    the quote's while nothing else paid it, else a new one for this money alone (a second
    deposit for the same checkout, which attempt_succeeded flags)."""
    payment_reference = f"{deposit.tx_hash}:{deposit.log_index}"
    earlier = PaymentAttempt.objects.filter(
        Q(payment_reference=payment_reference) | Q(reference=payment_reference), provider=Provider.CRYPTO
    ).first()
    if earlier is not None:
        return earlier
    attempt = deposit.quote.attempt
    attempt.refresh_from_db()
    other_paid = CryptoDeposit.objects.filter(attempt=attempt).exclude(pk=deposit.pk).exists()
    if attempt.status not in (Status.SUCCEEDED, Status.FLAGGED) and not other_paid:
        return attempt
    with transaction.atomic():
        extra = attempt_create(checkout=attempt.checkout, gateway=GATEWAY_CODE, provider=Provider.CRYPTO)
        extra.reference = payment_reference
        extra.save(update_fields=["reference", "updated_at"])
    return extra


def deposit_settle(*, deposit: CryptoDeposit) -> PaymentAttempt:
    """A confirmed deposit through the payments' own door: paid when it brings the quoted
    amount in time for an awaiting checkout, held for review otherwise. Idempotent."""
    quote = deposit.quote
    decimals = client.token_describe().decimals
    attempt = _attempt_for(deposit)
    payment_reference = f"{deposit.tx_hash}:{deposit.log_index}"
    received = received_in_checkout_minor(quote=quote, received=deposit.amount, decimals=decimals)
    if deposit.block_time > quote.expires_at:
        detail = (
            f"Deposit {payment_reference} of {deposit.amount_minor} {quote.token_symbol} (minor units) was mined "
            f"at {deposit.block_time.isoformat()}, after quote {quote.checkout_ref} expired at {quote.expires_at.isoformat()}."
        )
        attempt = attempt_received_late(
            attempt_id=attempt.pk,
            received_minor=received,
            currency=attempt.currency,
            payment_reference=payment_reference,
            detail=detail,
        )
    else:
        attempt = attempt_succeeded(
            attempt_id=attempt.pk,
            received_minor=received,
            currency=attempt.currency,
            payment_reference=payment_reference,
        )
    CryptoDeposit.objects.filter(pk=deposit.pk).update(status=Seen.SETTLED, attempt=attempt, updated_at=timezone.now())
    log.info("deposit %s settled: attempt %s is %s", deposit, attempt.pk, attempt.status)
    return attempt


def _expire_quotes() -> int:
    """Pending attempts whose quote expired with no deposit on its way end: the buyer may
    ask for a new quote or pay another way."""
    ended = 0
    for quote in CryptoQuote.objects.filter(attempt__status=Status.PENDING, expires_at__lte=timezone.now()).exclude(
        deposits__status=Seen.SEEN
    ):
        attempt_failed(
            attempt_id=quote.attempt_id,
            status=Status.EXPIRED,
            message=_("The price quote expired before a deposit arrived. Ask for a new quote or pay another way."),
        )
        ended += 1
    return ended
