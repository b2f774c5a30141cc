"""The buyer's payment pages (Stripe's webhook: ``providers/stripe/views.py``).

The status page shows the truth from the database, never what a redirect claims: a
pending payment turns into paid (or failed, with the other ways to pay) live over the
buyer's socket. The buyer reaches a provider's hosted page (Stripe Checkout, PayPal's
approval) through ``go``, a GET page of ours, never through a form's redirect (which the
Content-Security-Policy refuses).
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.core.htmx import render_page
from shop.core.selectors.money import money_format

from .gateways import provider_page, status_url
from .models import PaymentAttempt
from .providers.stripe.gateway import session_expire
from .selectors import checkout_for_buyer, payable_orders, payment_status_context
from .services import (
    PaymentRefused,
    attempt_failed,
    checkout_method_choose,
    checkout_pay_on_delivery,
    payment_gateway_for,
)


@login_required
@require_GET
def status(request, reference):
    """Where the buyer lands after paying (or while an M-Pesa request is on their phone)."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    # The orders the total pays for (not those cancelled before it was paid), each with its lines and delivery.
    orders = list(payable_orders(checkout).select_related("store").prefetch_related("items").order_by("id"))
    context = {**payment_status_context(checkout), "orders": orders}
    response = render_page(request, "payments/status.html", context, fragment="payments/_status.html")
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _hosted_page(url: str) -> bool:
    """A provider's page a browser may be sent to: http(s) with a host, or a path here."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("https", "http") and bool(parts.netloc)
    return url.startswith("/") and not url.startswith("//")


@login_required
@require_GET
def go(request, reference, attempt_id: int):
    """On to the provider's hosted page of a payment just started (``hosted_page_redirect``
    leads here). Once the attempt has ended, the status page instead."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    attempt = PaymentAttempt.objects.filter(checkout=checkout, pk=attempt_id).first()
    if attempt is None or attempt.status != PaymentAttempt.Status.PENDING or not _hosted_page(attempt.redirect_url):
        return redirect(status_url(checkout))
    provider = attempt.get_provider_display()
    lead = _("You pay %(total)s on %(provider)s's secure page, then come back here.") % {
        "total": money_format(checkout.total, checkout.currency),
        "provider": provider,
    }
    return provider_page(request, url=attempt.redirect_url, provider=provider, lead=lead)


@login_required
@require_GET
def cancel(request, reference, attempt_id: int):
    """Stripe's cancel link: the buyer left the card page. The session is closed at Stripe
    and the buyer is offered the other ways to pay."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    attempt = PaymentAttempt.objects.filter(checkout=checkout, pk=attempt_id).first()
    if attempt is not None and attempt.status == PaymentAttempt.Status.PENDING:
        session_expire(attempt)
        attempt_failed(
            attempt_id=attempt.pk, status=PaymentAttempt.Status.CANCELLED, message=_("You left the card payment page.")
        )
    return redirect(status_url(checkout))


@login_required
@require_POST
def pay(request, reference):
    """Pay a checkout that awaits payment another way (or the same way again)."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    try:
        gateway = payment_gateway_for(checkout=checkout, method=request.POST.get("payment_method", ""))
    except PaymentRefused as refused:
        (messages.info if refused.code == "payment_not_awaited" else messages.error)(request, str(refused))
        return redirect(status_url(checkout))
    if not gateway.online:
        if checkout_pay_on_delivery(checkout=checkout, gateway=gateway.code):
            messages.success(request, _("Your order is placed: you pay when you get it."))
            return redirect(reverse("checkout:done", args=[checkout.idempotency_key]))
        return redirect(status_url(checkout))
    checkout_method_choose(checkout=checkout, method=gateway.code)
    return gateway.start(request, checkout) or redirect(status_url(checkout))
