"""How long ago a background part last said it was alive."""

from datetime import timedelta

from django.utils import timezone

from ..models import Heartbeat

WORKER = "worker"


def heartbeat_age(name: str) -> timedelta | None:
    """Time since ``name``'s last beat; None when it never beat."""
    beat_at = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    return None if beat_at is None else timezone.now() - beat_at
