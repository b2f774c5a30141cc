"""PayPal as a way to pay: an order at PayPal the buyer approves on PayPal's page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...gateways import Gateway, hosted_page_redirect, register
from ...models import Provider
from ...services import attempt_create, attempt_failed, attempt_reference_set, checkout_awaits_payment
from .client import PaypalClient, PaypalError, paypal_configured, paypal_value

log = logging.getLogger(__name__)


@register
class PaypalGateway(Gateway):
    code = "paypal"
    label = gettext_lazy("PayPal")
    description = gettext_lazy("Pay with your PayPal account, on PayPal's page.")
    icon = "bi-paypal"
    online = True
    required_settings = ("PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET")

    def available_for(self, checkout) -> bool:
        return paypal_configured() and checkout.currency in settings.PAYPAL_CURRENCIES

    def start(self, request, checkout):
        status = reverse("payments:status", args=[checkout.idempotency_key])
        if not checkout_awaits_payment(checkout):
            return redirect(status)
        attempt = attempt_create(checkout=checkout, gateway=self.code, provider=Provider.PAYPAL)
        try:
            order = PaypalClient().call(
                "POST",
                "/v2/checkout/orders",
                request_id=f"{checkout.idempotency_key}-{attempt.pk}-create",
                json={
                    "intent": "CAPTURE",
                    "purchase_units": [
                        {
                            "reference_id": f"checkout-{checkout.pk}",
                            "custom_id": str(attempt.pk),
                            "amount": {
                                "currency_code": attempt.currency,
                                "value": paypal_value(attempt.amount_minor, attempt.currency),
                            },
                        }
                    ],
                    "payment_source": {
                        "paypal": {
                            "experience_context": {
                                "brand_name": settings.SOKO_SITE_NAME,
                                "user_action": "PAY_NOW",
                                "return_url": request.build_absolute_uri(reverse("payments:paypal_return")),
                                "cancel_url": request.build_absolute_uri(reverse("payments:paypal_cancel")),
                            }
                        }
                    },
                },
            )
            approve = next(
                link["href"] for link in order.get("links", []) if link.get("rel") in ("payer-action", "approve")
            )
        except (PaypalError, StopIteration, KeyError, TypeError) as error:
            log.warning("PayPal refused an order for checkout %s: %s", checkout.pk, error)
            attempt_failed(
                attempt_id=attempt.pk,
                message=_("The PayPal payment could not be started. Try again or choose another way to pay."),
            )
            return redirect(status)
        attempt_reference_set(attempt=attempt, reference=order["id"], redirect_url=approve)
        return hosted_page_redirect(checkout=checkout, attempt=attempt)
