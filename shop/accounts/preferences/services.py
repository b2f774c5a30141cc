"""The visitor's language, time zone and display currency.

- **Language**: the account's choice, else the ``soko_language`` cookie (set by the switch
  in the navbar and footer), else the browser's ``Accept-Language`` (Django's
  ``LocaleMiddleware`` does the last two). Choosing one while signed out is kept on the
  account at the next login.
- **Time zone**: the account's, else the browser's (``soko_tz``, a cookie soko.js sets from
  ``Intl``), which is also saved on an account that has none yet.
- **Display currency**: the account's, else the ``soko_currency`` cookie; prices in other
  currencies then also show an approximate conversion (``shop.core.selectors.currencies``).

Emails and notifications do not use the request: they are rendered in the recipient's
language (``shop.core.selectors.i18n.speaking_to``).
"""

from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from shop.accounts.models import User
from shop.core.selectors.currencies import STORE_CURRENCIES
from shop.core.validators import time_zone_names

TIME_ZONE_COOKIE = "soko_tz"
CURRENCY_COOKIE = "soko_currency"
COOKIE_AGE = 365 * 24 * 3600


def language_valid(code) -> str | None:
    return code if code and code in dict(settings.LANGUAGES) else None


def time_zone_valid(name) -> str | None:
    return name if name and name in time_zone_names() else None


def viewer_language(*, user, cookies, accept_language: str = "") -> str:
    """The language a page shows its viewer, for code that has no request (a socket): the
    account's, else the language cookie's, else the browser's ``Accept-Language``, else
    the site's. ``user`` may be anonymous or None."""
    signed_in = user is not None and user.is_authenticated
    chosen = (user.language if signed_in else "") or cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
    for code in (chosen, *(code for code, _q in parse_accept_lang_header(accept_language) if code != "*")):
        if not code:
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def socket_language(scope) -> str:
    """``viewer_language`` for a socket, from its scope: the language of the page that opened it."""
    header = dict(scope.get("headers") or ()).get(b"accept-language", b"").decode("latin-1")
    return viewer_language(user=scope.get("user"), cookies=scope.get("cookies", {}), accept_language=header)


def viewer_time_zone(*, user, cookies) -> str | None:
    """The zone a page shows its viewer's times in: the account's, else the browser's
    (``soko_tz``); None for the site's TIME_ZONE. ``user`` may be anonymous or None."""
    signed_in = user is not None and user.is_authenticated
    return (time_zone_valid(user.time_zone) if signed_in else None) or time_zone_valid(
        unquote(cookies.get(TIME_ZONE_COOKIE, ""))
    )


def currency_valid(code) -> str | None:
    return code if code in STORE_CURRENCIES else None


@receiver(user_logged_in, dispatch_uid="soko-preferences-at-login")
def _preferences_at_login(sender, request, user, **kwargs):
    """A language or currency chosen before signing in is kept on the account."""
    if request is None:
        return
    changes = {}
    language = language_valid(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if language and language != user.language:
        changes["language"] = language
    currency = currency_valid(request.COOKIES.get(CURRENCY_COOKIE))
    if currency and not user.display_currency:
        changes["display_currency"] = currency
    if changes:
        User.objects.filter(pk=user.pk).update(**changes)
        for field, value in changes.items():
            setattr(user, field, value)
        if "language" in changes:
            translation.activate(changes["language"])
