from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def staff_second_factor_required(get_response):
    """Staff use the admin only with a TOTP authenticator: without one they are sent to
    set it up first."""

    def middleware(request):
        user = request.user
        if (
            request.path.startswith(reverse("admin:index"))
            and user.is_authenticated
            and user.is_staff
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.info(request, _("Staff sign in with an authenticator app: set one up to use the admin."))
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware
