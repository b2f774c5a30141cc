"""The moderation log, read: the entries of one target (``services.log`` writes them)."""

from django.contrib.contenttypes.models import ContentType

from ..models import LogEntry


def entries_for(target):
    """The log of one target, newest first (shown on its admin page)."""
    return (
        LogEntry.objects.filter(target_type=ContentType.objects.get_for_model(target, for_concrete_model=False), target_id=target.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
