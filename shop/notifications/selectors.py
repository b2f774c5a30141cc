from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from shop.core.errors import NotFound

from .models import Notification


def unread_count_expression():
    """``unread_count`` as an expression over a user's row (the bell's figure)."""
    unread = Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True).order_by().values("user")
    return Coalesce(Subquery(unread.annotate(n=Count("pk")).values("n")), 0)


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for_user(*, user):
    return Notification.objects.filter(user=user)


def notification_get_for_user(*, user, pk: int) -> Notification:
    """Fetch one of the user's own notifications; another user's is a 404."""
    notification = Notification.objects.filter(pk=pk, user=user).first()
    if notification is None:
        raise NotFound("No such notification.")
    return notification
