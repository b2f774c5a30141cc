from shop.core.selectors.viewer import viewer_figure


def notifications(request):
    """The navbar bell's unread count (read with the frame's other figures)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"unread_notifications": viewer_figure(request, "unread_notifications") if signed_in else 0}
