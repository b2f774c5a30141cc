from .selectors import unread_count


def notifications(request):
    """The navbar bell's unread count."""
    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user=user) if user is not None and user.is_authenticated else 0}
