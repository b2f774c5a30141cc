"""The address book's reads: fetch a user's addresses, and authorize one (``*_for_user``)."""

from django.db.models import QuerySet

from shop.accounts.models import Address
from shop.core.errors import NotFound


def addresses_for_user(*, user) -> QuerySet[Address]:
    # Three joins reach any area's country, so each address's full place name costs no query.
    return Address.objects.filter(user=user).select_related("area__parent__parent__parent")


def address_get_for_user(*, user, pk) -> Address:
    """One of the user's own addresses; anyone else's is a 404."""
    address = addresses_for_user(user=user).filter(pk=pk).first()
    if address is None:
        raise NotFound("No such address in your address book.")
    return address
