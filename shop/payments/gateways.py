"""Payment methods as pluggable gateways.

A gateway says whether it can take a checkout (``available_for``: the currency, the
buyer's country, whether its provider is configured) and, once the checkout is placed,
starts the payment (``start``): a redirect to a hosted page or to a page of ours, or
``None`` when nothing happens online (cash on delivery). Gateways are registered with
``@register`` in their own modules (``PaymentsConfig.ready`` imports them); the operator
turns them on with ``SOKO_PAYMENT_METHODS`` (codes, in display order). They fail closed: a
gateway whose provider is not configured is not offered (only the development gateway,
installed with ``DEBUG=1``, stands in for Stripe), and ``check --deploy`` refuses an enabled
one whose ``required_settings`` are empty.

Online gateways record each try as a ``PaymentAttempt`` (``shop.payments.services``) and
report its end through ``attempt_succeeded`` / ``attempt_failed``, which are idempotent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from decimal import Decimal


class CheckoutLike(Protocol):
    """What a gateway may look at: the placed ``Checkout``, or the preview before placing."""

    buyer: object
    total: Decimal
    currency: str


class Gateway:
    code: str = ""
    label: str = ""
    description: str = ""
    icon: str = "bi-credit-card"
    # Paid before delivery (the checkout awaits the payment until its deadline).
    online: bool = False
    # The settings its provider needs in production: `check --deploy` refuses the gateway
    # in SOKO_PAYMENT_METHODS while any is empty (shop.payments.checks).
    required_settings: tuple[str, ...] = ()

    def available_for(self, checkout: CheckoutLike) -> bool:
        return True

    def start(self, request, checkout) -> HttpResponse | None:
        """Begin paying for a placed checkout; ``None`` means there is nothing to do now."""
        return None

    def close(self, attempt) -> None:
        """End ``attempt`` at the provider, whose page the buyer may still be paying on
        (after commit, best effort). Most providers have nothing to close: a payment that
        still arrives is held and flagged."""


_REGISTRY: dict[str, type[Gateway]] = {}


def register(cls: type[Gateway]) -> type[Gateway]:
    _REGISTRY[cls.code] = cls
    return cls


@register
class CashOnDelivery(Gateway):
    code = "cod"
    label = gettext_lazy("Cash on delivery")
    description = gettext_lazy("Pay the courier or the store when you get your order.")
    icon = "bi-cash-coin"


def gateway_get(code: str) -> Gateway | None:
    """An enabled gateway by its code, else ``None``."""
    if code not in settings.SOKO_PAYMENT_METHODS or code not in _REGISTRY:
        return None
    return _REGISTRY[code]()


def gateway_class(code: str) -> type[Gateway] | None:
    """A registered gateway by its code, enabled or not."""
    return _REGISTRY.get(code)


def gateway_codes() -> list[str]:
    """The codes of every registered gateway, enabled or not."""
    return sorted(_REGISTRY)


def status_url(checkout) -> str:
    """The checkout's payment status page, where the buyer lands after paying."""
    return reverse("payments:status", args=[checkout.idempotency_key])


def hosted_page_redirect(*, checkout, attempt) -> HttpResponse:
    """What ``start`` answers once the provider has a hosted page for the attempt: a 303 to
    our own page (``payments:go``), which goes on there by a plain GET navigation. Never a
    redirect straight to the provider: ``start`` answers a form's POST, and the browser
    applies the Content-Security-Policy's ``form-action 'self'`` to the whole redirect
    chain of a form submission, so it would refuse to leave the site."""
    response = HttpResponseRedirect(reverse("payments:go", args=[checkout.idempotency_key, attempt.pk]))
    response.status_code = 303
    return response


def provider_page(request, *, url: str, provider: str, lead: str) -> HttpResponse:
    """A page of ours that goes on to a provider's page (``url``) by a GET navigation: a
    refresh within a second (which replaces it in the history) and a link for a browser
    that does not follow it. For the answer to a form's POST, which may not redirect
    there (``hosted_page_redirect``). Never cached: the address is this visitor's."""
    response = render(request, "payments/go.html", {"url": url, "provider": provider, "lead": lead})
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def gateways_available(checkout: CheckoutLike) -> list[Gateway]:
    """The enabled gateways that can take this checkout, in the operator's order."""
    gateways = [gateway_get(code) for code in settings.SOKO_PAYMENT_METHODS]
    return [gateway for gateway in gateways if gateway is not None and gateway.available_for(checkout)]
