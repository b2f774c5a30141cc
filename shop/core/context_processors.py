from django.conf import settings


def soko(request):
    """What the page frame needs on every page: site name and the user's modes."""
    user = getattr(request, "user", None)
    context = {"site_name": settings.SOKO_SITE_NAME, "unread_notifications": 0, "user_modes": [], "mode_keys": set()}
    if user is not None and user.is_authenticated:
        from shop.accounts.selectors import user_modes
        from shop.notifications.selectors import unread_count

        context["unread_notifications"] = unread_count(user=user)
        modes = user_modes(user=user, request=request)
        context["user_modes"] = modes
        context["mode_keys"] = {mode.key for mode in modes}
    return context
