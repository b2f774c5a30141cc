"""Who an API request is: the access token an app got from signing in (allauth's headless
"app" client, JWT, checked against its session so signing out or a deactivation ends it at
once; a staff account's only once it has an authenticator app, so its token always passed
the second step, as the admin requires), or the signed-in session of a same-origin script (DRF's ``SessionAuthentication``,
with CSRF)."""

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from shop.accounts.selectors.standing import is_deactivated


class AccessTokenAuthentication(JWTTokenAuthentication):
    """``Authorization: Bearer <access token>``. A deactivated account's token is refused
    with the reason: it may read the notice and appeal on the site, nothing here."""

    def authenticate_credentials(self, key: str):
        try:
            user, payload = super().authenticate_credentials(key)
        except AuthenticationFailed as exc:
            raise AuthenticationFailed(_("The access token is not valid: sign in again or refresh it.")) from exc
        if not user.is_active or is_deactivated(user):
            raise AuthenticationFailed(_("This account is deactivated."))
        if user.is_staff and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            # As for the admin: staff powers only behind the authenticator's second step,
            # which signing in then always asks for.
            raise AuthenticationFailed(_("Staff accounts use the API with an authenticator app: set one up on the site first."))
        return user, payload

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
