from django.shortcuts import get_object_or_404

from .models import Notification


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for_user(*, user):
    return Notification.objects.filter(user=user)


def notification_get_for_user(*, user, pk: int) -> Notification:
    """Fetch one of the user's own notifications; another user's is a 404."""
    return get_object_or_404(Notification, pk=pk, user=user)
