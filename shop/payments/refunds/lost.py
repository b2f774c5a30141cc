"""Refunds whose provider was never asked, or never answered: the job that asks was lost
(a queue that restarted empty, a worker killed while it held the job) or gave up while the
provider or the chain's node was out of reach. A periodic sweep asks again; this module
finds and claims them for it.

A refund is claimed by moving its ``updated_at`` forward with a conditional update, so two
sweeps at once (one per worker machine) never ask for the same refund twice, and a refund
asked again waits a full ``older_than`` before the next try.

A refund still not taken by its provider a day after it was recorded is raised to staff,
once, as a payment flag (``overdue_refunds_flag``): the buyer is still waiting, and either
the sweep may no longer ask (the provider forgot the key) or every try has failed.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ..models import PaymentFlag, Refund, SuspenseRefund

# How long a provider replays an answer to the same idempotency key (Stripe keeps a key for
# at least 24 hours): a refund asked again under its first key after that could be made twice,
# so it is left for staff (its order's refunds show it pending).
PROVIDER_KEYS_KEPT = timedelta(hours=23)


def lost_refunds_claim(model, *, older_than_seconds: int, keyed_providers=(), limit: int = 100) -> Iterator[int]:
    """Claim and yield the ids of ``model``'s refunds (``Refund`` or ``SuspenseRefund``)
    still pending with no provider reference and untouched for ``older_than_seconds``.
    Refunds by ``keyed_providers`` (asked again under their first key) are yielded only
    while the provider still keeps that key."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    lost = model.objects.filter(status=model.Status.PENDING, reference="", updated_at__lt=cutoff)
    if keyed_providers:
        lost = lost.exclude(Q(provider__in=keyed_providers) & Q(created_at__lt=now - PROVIDER_KEYS_KEPT))
    for pk in list(lost.order_by("pk").values_list("pk", flat=True)[:limit]):
        claimed = model.objects.filter(pk=pk, status=model.Status.PENDING, reference="", updated_at__lt=cutoff).update(
            updated_at=now
        )
        if claimed:
            yield pk


# A refund asked within these minutes may still be on its way (its job, or the sweep's try).
OVERDUE_QUIET = timedelta(minutes=5)


def _overdue(model, prefix: str):
    now = timezone.now()
    flagged = PaymentFlag.objects.filter(key=Concat(Value(prefix), Cast(OuterRef("pk"), CharField())))
    return model.objects.filter(
        status=model.Status.PENDING,
        reference="",
        created_at__lt=now - PROVIDER_KEYS_KEPT,
        updated_at__lt=now - OVERDUE_QUIET,
    ).exclude(Exists(flagged))


# Per kind of refund: its model, its flags' key prefix, what to read with it, and its
# checkout and name in the flag.
OVERDUE_KINDS = (
    (Refund, "refund-overdue:", "order__checkout",
     lambda refund: (refund.order.checkout, f"Refund {refund.pk} of order {refund.order.number}")),
    (SuspenseRefund, "suspense-refund-overdue:", "attempt__checkout",
     lambda refund: (refund.attempt.checkout, f"Refund {refund.pk} from suspense of payment {refund.attempt.reference}")),
)


def overdue_refunds_flag(*, limit: int = 100) -> int:
    """Flag for staff, once each, the refunds (of orders, and from suspense) recorded more
    than ``PROVIDER_KEYS_KEPT`` ago that no provider has taken yet; how many were flagged."""
    raised = 0
    for model, prefix, related, describe in OVERDUE_KINDS:
        for refund in _overdue(model, prefix).select_related(related).order_by("pk")[:limit]:
            checkout, what = describe(refund)
            raised += _flag(f"{prefix}{refund.pk}", refund, checkout=checkout, what=what)
    return raised


def _flag(key: str, refund, *, checkout, what: str) -> int:
    amount = f"{refund.amount_minor} {refund.currency} (minor units)"
    _flag_row, created = PaymentFlag.objects.get_or_create(
        key=key,
        defaults={
            "kind": PaymentFlag.Kind.MANUAL_REFUND,
            "attempt": refund.attempt,
            "checkout": checkout,
            "detail": (
                f"{what}, {amount} by {refund.get_provider_display()}, was recorded on "
                f"{refund.created_at:%Y-%m-%d %H:%M} UTC and no provider has taken it yet: the buyer is still waiting. "
                "Check it at the provider; refund by hand if it is not there, and resolve this flag."
            ),
        },
    )
    return int(created)
