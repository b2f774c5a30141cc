"""Checkouts to pay: the checkout tests' two Kenyan stores and buyer, placed by card."""

import uuid

import pytest
from django.test import RequestFactory

from shop.orders.services.checkout import checkout_place
from shop.payments.models import PaymentAttempt
from shop.payments.providers.stripe.gateway import CardGateway
from tests.checkout.conftest import basket, buyer, cart, crafts, details_for, kikoi, weavers  # noqa: F401  (fixtures)
from tests.fakes.stripe_server import FakeStripe


@pytest.fixture
def placed(buyer, cart, weavers, crafts):  # noqa: F811
    """A checkout across two stores (KES 2601.00 + 850), paid by card: awaiting payment."""
    details = details_for(buyer, payment_method="card", delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})
    return checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())


SECRET = "whsec_test_soko"


@pytest.fixture
def fake(settings):
    with FakeStripe(webhook_secret=SECRET) as server:
        settings.STRIPE_SECRET_KEY = "sk_test_soko"
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        yield server


@pytest.fixture
def started(fake, placed):
    """The buyer went to Stripe's page: one pending attempt with its session."""
    request = RequestFactory().get("/checkout/", HTTP_HOST="testserver")
    request.user = placed.buyer
    response = CardGateway().start(request, placed)
    attempt = PaymentAttempt.objects.get(checkout=placed)
    assert response.status_code in (302, 303) and attempt.redirect_url.startswith(fake.url)
    assert attempt.reference.startswith("cs_") and attempt.status == PaymentAttempt.Status.PENDING
    return attempt
