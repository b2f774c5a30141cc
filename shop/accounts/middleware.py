from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.core.middleware import busy_response, database_unavailable

from .selectors.standing import NOTICE_URL_NAME, AccountRestricted, is_deactivated


def staff_second_factor_required(get_response):
    """Staff use the admin only with a TOTP authenticator: without one they are sent to
    set it up first."""
    admin_prefix = []  # reversed on the first request, once URLs are loaded

    def middleware(request):
        if not admin_prefix:
            admin_prefix.append(reverse("admin:index"))
        user = request.user
        if (
            request.path.startswith(admin_prefix[0])
            and user.is_authenticated
            and user.is_staff
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.info(request, _("Staff sign in with an authenticator app: set one up to use the admin."))
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware


class StandingMiddleware:
    """A deactivated account reaches only the notice page (with its appeal form), logout,
    and the language and currency switches: every other page redirects to the notice.
    A restricted account's refusal (``AccountRestricted``) on an htmx request, which htmx
    would not swap, sends the page to the notice too."""

    ALLOWED_URL_NAMES = (NOTICE_URL_NAME, "account_logout", "language_set", "currency_set", "javascript_catalog")

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed: frozenset[str] | None = None

    def allowed_paths(self) -> frozenset[str]:
        if self._allowed is None:
            self._allowed = frozenset(reverse(name) for name in self.ALLOWED_URL_NAMES)
        return self._allowed

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            deactivated = is_deactivated(user)  # reads the session and the account
        except Exception as exc:
            if database_unavailable(exc):  # raised outside any view: answer "busy" here
                return busy_response(request, exc)
            raise
        if deactivated and not self._allowed_path(request.path):
            return self._to_notice(request)
        return self.get_response(request)

    def _allowed_path(self, path: str) -> bool:
        if path in self.allowed_paths():
            return True
        return any(prefix and path.startswith(prefix) for prefix in (settings.STATIC_URL, settings.MEDIA_URL))

    @staticmethod
    def _to_notice(request):
        url = reverse(NOTICE_URL_NAME)
        if getattr(request, "htmx", False):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)

    def process_exception(self, request, exception):
        if isinstance(exception, AccountRestricted) and getattr(request, "htmx", False):
            messages.error(request, str(exception))
            return self._to_notice(request)
        return None
