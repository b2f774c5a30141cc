"""The language and display currency switches (the rules: ``shop.accounts.preferences.services``)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.accounts.models import User
from shop.accounts.preferences.services import COOKIE_AGE, CURRENCY_COOKIE, currency_valid, language_valid
from shop.core.redirects import safe_next_url


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
