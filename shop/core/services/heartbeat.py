"""Heartbeats of the background parts (``shop.core.models.Heartbeat``)."""

from django.utils import timezone

from ..models import Heartbeat
from ..selectors.heartbeat import WORKER


def heartbeat_beat(name: str = WORKER) -> None:
    """Say that ``name`` is alive now (one row per name, written over)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
