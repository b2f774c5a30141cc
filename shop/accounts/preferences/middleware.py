"""Applies the visitor's language, time zone and display currency to each request
(the rules: ``shop.accounts.preferences.services``)."""

import zoneinfo

from django.db import DatabaseError
from django.utils import timezone, translation

from shop.accounts.models import User
from shop.accounts.preferences.services import (
    CURRENCY_COOKIE,
    currency_valid,
    language_valid,
    viewer_time_zone,
)
from shop.core.selectors.currencies import display_currency_activate, display_currency_deactivate
from shop.core.selectors.seo import LANGUAGE_PARAM


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
        # A page's address in one language (?lang=, shop.core.selectors.seo) wins, for that request only.
        language = language_valid(request.GET.get(LANGUAGE_PARAM)) or (language_valid(user.language) if signed_in else None)
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = viewer_time_zone(user=user if signed_in else None, cookies=request.COOKIES)
        if signed_in and not user.time_zone and zone:  # the browser's, kept on the account
            User.objects.filter(pk=user.pk).update(time_zone=zone)
            user.time_zone = zone
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        currency = (user.display_currency if signed_in else None) or request.COOKIES.get(CURRENCY_COOKIE)
        display_currency_activate(currency_valid(currency))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            display_currency_deactivate()
