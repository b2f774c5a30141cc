"""The address book's writes (its reads: ``shop.accounts.addresses.selectors``). A user with
addresses always has exactly one default; the first address added becomes it."""

from django.db import transaction

from shop.accounts.models import Address, User


def _lock_book(user) -> None:
    # Default changes of one user are serialised on their user row.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def address_save(*, address: Address, make_default: bool = False) -> Address:
    """Create or update ``address`` (its ``user`` set); ``make_default`` makes it the default."""
    _lock_book(address.user)
    others = Address.objects.filter(user=address.user).exclude(pk=address.pk)
    if not others.filter(is_default=True).exists():
        make_default = True
    if make_default:
        others.filter(is_default=True).update(is_default=False)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_make_default(*, address: Address) -> Address:
    _lock_book(address.user)
    Address.objects.filter(user=address.user, is_default=True).exclude(pk=address.pk).update(is_default=False)
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete ``address``; when it was the default, the newest remaining one takes over."""
    _lock_book(address.user)
    was_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=address.user).order_by("-created_at", "-id").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
