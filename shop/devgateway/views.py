"""The development gateway's pages: Stripe's hosted checkout and Connect onboarding, played
locally. Pay / Decline / Cancel do what the buyer would do on Stripe's page; the events
that follow are signed and handed to the same webhook code Stripe's deliveries reach.
Routed only when this app is installed (``DEBUG=1``), and answer 404 once a
``STRIPE_SECRET_KEY`` is set."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shop.core.selectors.currencies import money_from_minor
from shop.payments.providers.stripe.callbacks import webhook_process

from .services import ApiError, dev_engine, event_payload, sign


def _dev_only():
    if settings.STRIPE_SECRET_KEY:
        raise Http404("The development gateway is off: Stripe is configured.")


def _deliver(events: list[dict]) -> None:
    for event in events:
        payload = event_payload(event)
        webhook_process(payload, sign(payload, settings.STRIPE_WEBHOOK_SECRET))


def _session(engine, session_id: str) -> dict:
    try:
        return engine.session_retrieve({}, session_id)
    except ApiError as error:
        raise Http404("No such checkout session.") from error


@require_http_methods(["GET", "POST"])
def checkout(request, session_id: str):
    """The hosted payment page of one Checkout Session."""
    _dev_only()
    engine = dev_engine()
    session = _session(engine, session_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if session["status"] != "open" or action not in ("pay", "decline", "cancel"):
            return redirect("devgateway:checkout", session_id)
        if action == "pay":
            _deliver(engine.session_pay(session_id))
            return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))
        if action == "cancel":
            _deliver(engine.session_cancel(session_id))
            return redirect(session["cancel_url"])
        _deliver(engine.session_decline(session_id))
        messages.error(
            request, _("Your card was declined. Try another card, or go back to the shop to pay another way.")
        )
        return redirect("devgateway:checkout", session_id)
    currency = (session["currency"] or "").upper()
    context = {
        "session": session,
        "amount": money_from_minor(session["amount_total"], currency),
        "currency": currency,
        "lines": session.get("line_item_names", []),
    }
    return render(request, "devgateway/checkout.html", context)


@require_http_methods(["GET", "POST"])
def connect(request, account_id: str):
    """Stripe Connect Express onboarding, played locally."""
    _dev_only()
    engine = dev_engine()
    try:
        account = engine.account_retrieve({}, account_id)
    except ApiError as error:
        raise Http404("No such account.") from error
    onboarding = account.get("onboarding") or {}
    if request.method == "POST" and onboarding.get("return_url"):
        _deliver(engine.account_onboard(account_id))
        return redirect(onboarding["return_url"])
    return render(
        request, "devgateway/connect.html", {"account": account, "refresh_url": onboarding.get("refresh_url")}
    )
