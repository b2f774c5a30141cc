"""The visitor's language, time zone and display currency.

- **Language**: the account's choice, else the ``soko_language`` cookie (set by the switch
  in the navbar and footer), else the browser's ``Accept-Language`` (Django's
  ``LocaleMiddleware`` does the last two). Choosing one while signed out is kept on the
  account at the next login.
- **Time zone**: the account's, else the browser's (``soko_tz``, a cookie soko.js sets from
  ``Intl``), which is also saved on an account that has none yet.
- **Display currency**: the account's, else the ``soko_currency`` cookie; prices in other
  currencies then also show an approximate conversion (``shop.core.currencies``).

Emails and notifications do not use the request: they are rendered in the recipient's
language (``shop.core.i18n.speaking_to``).
"""

import zoneinfo
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.core.currencies import STORE_CURRENCIES, display_currency_activate, display_currency_deactivate
from shop.core.redirects import safe_next_url
from shop.core.seo import LANGUAGE_PARAM
from shop.core.validators import time_zone_names

from .models import User

TIME_ZONE_COOKIE = "soko_tz"
CURRENCY_COOKIE = "soko_currency"
COOKIE_AGE = 365 * 24 * 3600


def language_valid(code) -> str | None:
    return code if code and code in dict(settings.LANGUAGES) else None


def time_zone_valid(name) -> str | None:
    return name if name and name in time_zone_names() else None


def currency_valid(code) -> str | None:
    return code if code in STORE_CURRENCIES else None


class PreferencesMiddleware:
    """After authentication: apply the account's language, the time zone and the display
    currency for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        try:
            signed_in = user.is_authenticated
        except DatabaseError:
            # No connection to read the session with: go on as a visitor; the view meets the
            # same error and answers "busy" (shop.core.middleware.DatabaseBusyMiddleware).
            signed_in = False
        # A page's address in one language (?lang=, shop.core.seo) wins, for that request only.
        language = language_valid(request.GET.get(LANGUAGE_PARAM)) or (language_valid(user.language) if signed_in else None)
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        browser_zone = time_zone_valid(unquote(request.COOKIES.get(TIME_ZONE_COOKIE, "")))
        zone = (time_zone_valid(user.time_zone) if signed_in else None) or browser_zone
        if signed_in and not user.time_zone and browser_zone:
            User.objects.filter(pk=user.pk).update(time_zone=browser_zone)
            user.time_zone = browser_zone
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        currency = (user.display_currency if signed_in else None) or request.COOKIES.get(CURRENCY_COOKIE)
        display_currency_activate(currency_valid(currency))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            display_currency_deactivate()


def _back(request):
    return redirect(safe_next_url(request, candidates=(request.POST.get("next"), request.headers.get("referer")), default="/"))


@require_POST
def language_set(request):
    """The language switch (a plain form: works without JavaScript)."""
    language = language_valid(request.POST.get("language"))
    if language is None:
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    if request.user.is_authenticated and request.user.language != language:
        User.objects.filter(pk=request.user.pk).update(language=language)
    response = _back(request)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.LANGUAGE_COOKIE_SECURE, path="/",
    )
    return response


@require_POST
def currency_set(request):
    """The display currency switch: "" shows each price in its own currency only."""
    raw = request.POST.get("currency", "")
    currency = currency_valid(raw)
    if raw and currency is None:
        return HttpResponseBadRequest(_("Choose one of the currencies offered."))
    if request.user.is_authenticated and request.user.display_currency != (currency or ""):
        User.objects.filter(pk=request.user.pk).update(display_currency=currency or "")
    response = _back(request)
    if currency:
        response.set_cookie(CURRENCY_COOKIE, currency, max_age=COOKIE_AGE, samesite="Lax", secure=settings.LANGUAGE_COOKIE_SECURE)
    else:
        response.delete_cookie(CURRENCY_COOKIE, samesite="Lax")
    if currency:
        messages.info(request, _("Prices in other currencies now also show an approximate amount in %(currency)s.") % {"currency": currency})
    return response


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
