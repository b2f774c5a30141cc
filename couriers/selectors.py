from .models import CourierProfile


def user_is_courier(*, user) -> bool:
    """Whether ``user`` is an approved courier: what courier pages and courier moves require."""
    return (
        user.is_authenticated
        and CourierProfile.objects.filter(user=user, status=CourierProfile.Status.APPROVED).exists()
    )
