from django.utils.functional import SimpleLazyObject

from .selectors import unread_total


def chat(request):
    """The navbar's unread messages count, read only by a page that shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"chat_unread": 0}
    return {"chat_unread": SimpleLazyObject(lambda: unread_total(user=user))}
