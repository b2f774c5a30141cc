from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Mode:
    key: str
    label: str
    icon: str
    url: str
    active: bool


def user_is_seller(*, user) -> bool:
    from sellers.models import StoreMember

    return user.is_authenticated and StoreMember.objects.filter(user=user).exists()


def user_is_courier(*, user) -> bool:
    from couriers.models import CourierProfile

    return (
        user.is_authenticated
        and CourierProfile.objects.filter(user=user, status=CourierProfile.Status.APPROVED).exists()
    )


def user_modes(*, user, request=None) -> list[Mode]:
    """The modes the navbar offers this user: always Shop, plus My store and Deliveries
    for those who have that capability. Cached on the request (one query pair per page)."""
    cached = getattr(request, "_soko_modes", None)
    if cached is not None:
        return cached
    path = request.path if request is not None else ""
    dashboard, courier = reverse("sellers:dashboard"), reverse("couriers:home")
    in_store, in_deliveries = path.startswith(dashboard), path.startswith(courier)
    modes = [Mode("shop", "Shop", "bi-bag", reverse("core:home"), not (in_store or in_deliveries))]
    if user_is_seller(user=user):
        modes.append(Mode("store", "My store", "bi-shop", dashboard, in_store))
    if user_is_courier(user=user):
        modes.append(Mode("deliveries", "Deliveries", "bi-bicycle", courier, in_deliveries))
    if request is not None:
        request._soko_modes = modes
    return modes
