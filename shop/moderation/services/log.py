"""The moderation log: every staff and automatic action, written once, never changed
(``selectors.log`` reads it)."""

from django.contrib.contenttypes.models import ContentType

from ..models import LogEntry


def log_action(*, actor, action: str, target, reason: str = "", before: dict | None = None, after: dict | None = None) -> LogEntry:
    """Append one entry. ``actor`` None means Soko did it by itself (a threshold, a deadline).
    ``before`` and ``after`` hold what changed, as plain JSON values."""
    return LogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=target.pk,
        target_label=str(target)[:200],
        reason=reason,
        before=before or {},
        after=after or {},
    )

