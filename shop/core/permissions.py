from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

Action = tuple[str, str]  # (button label, url name)


def capability_required(
    check,
    message: str | Callable[..., str],
    action: Action | None | Callable[..., Action | None] = None,
):
    """Decorate a view so only logged-in users passing ``check(user)`` reach it.

    Anonymous users are sent to log in; others without the capability get the 403 page
    with ``message`` explaining what they are missing and, when given, an
    ``action`` (label, url name) offering the way to gain it. Either may be a function
    of the user, for a capability one can lack in several ways (an application still
    awaiting approval is not the same as none).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                request.denied_action = action(request.user) if callable(action) else action
                raise PermissionDenied(message(request.user) if callable(message) else message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
