from django.http import Http404

from .models import Store


def store_for_member(*, user) -> Store:
    """The store this user works for (the first, if several). 404 when none."""
    store = Store.objects.filter(memberships__user=user).order_by("memberships__created_at").first()
    if store is None:
        raise Http404("You are not a member of any store.")
    return store
