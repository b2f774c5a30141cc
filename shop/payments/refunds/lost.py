"""Refunds whose provider was never asked, or never answered: the job that asks was lost
(a queue that restarted empty, a worker killed while it held the job) or gave up while the
provider or the chain's node was out of reach. A periodic sweep asks again; this module
finds and claims them for it.

A refund is claimed by moving its ``updated_at`` forward with a conditional update, so two
sweeps at once (one per worker machine) never ask for the same refund twice, and a refund
asked again waits a full ``older_than`` before the next try.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

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
