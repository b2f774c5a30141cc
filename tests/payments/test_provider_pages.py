"""Leaving for a provider's hosted page: the placing POST answers with our own page, which
goes on to Stripe Checkout by a GET navigation (a form's redirect may not leave the site
under the Content-Security-Policy); only the buyer sees it, and only while the payment is
under way. The browser test tests/e2e/test_provider_redirects.py walks it in Chromium."""

import html
import socket

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from shop.payments.models import PaymentAttempt
from shop.payments.providers.stripe.gateway import CardGateway
from shop.payments.services import attempt_failed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def go_url(attempt) -> str:
    return reverse("payments:go", args=[attempt.checkout.idempotency_key, attempt.pk])


def test_starting_a_card_payment_answers_with_our_page_never_stripes(fake, placed):
    request = RequestFactory().post("/checkout/", HTTP_HOST="testserver")
    request.user = placed.buyer

    response = CardGateway().start(request, placed)

    attempt = PaymentAttempt.objects.get(checkout=placed)
    assert response.status_code == 303 and response["Location"] == go_url(attempt)
    assert attempt.redirect_url.startswith(f"{fake.url}/checkout/cs_")


def test_our_page_sends_the_buyer_on_to_stripe_by_a_get_navigation(client, placed, started):
    client.force_login(placed.buyer)

    page = client.get(go_url(started))

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert f'<meta http-equiv="refresh" content="0; url={started.redirect_url}">' in text
    assert f'href="{started.redirect_url}"' in text and "Continue to Stripe" in text
    assert "no-store" in page["Cache-Control"]  # the link opens this buyer's payment
    assert "form-action 'self'" in page["Content-Security-Policy"]


def test_once_the_payment_has_ended_our_page_shows_its_status(client, placed, started):
    attempt_failed(attempt_id=started.pk, message="Declined.")
    client.force_login(placed.buyer)

    page = client.get(go_url(started))

    assert page.status_code == 302 and page["Location"] == reverse("payments:status", args=[placed.idempotency_key])


def test_a_provider_address_that_is_not_a_web_page_is_never_followed(client, placed, started):
    PaymentAttempt.objects.filter(pk=started.pk).update(redirect_url="javascript:alert(1)")
    client.force_login(placed.buyer)

    page = client.get(go_url(started))

    assert page.status_code == 302 and page["Location"] == reverse("payments:status", args=[placed.idempotency_key])


def test_only_the_buyer_may_open_it(placed, started):
    stranger = Client()
    stranger.force_login(UserFactory())

    assert stranger.get(go_url(started)).status_code == 404
    assert Client().get(go_url(started))["Location"].startswith("/accounts/login/")


def test_when_stripe_cannot_be_reached_the_buyer_is_told_and_offered_the_other_ways(settings, client, placed):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_soko", "whsec_test_soko"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed}"
    client.force_login(placed.buyer)
    status = reverse("payments:status", args=[placed.idempotency_key])

    answer = client.post(reverse("payments:pay", args=[placed.idempotency_key]), {"payment_method": "card"})

    assert answer.status_code == 302 and answer["Location"] == status
    page = client.get(status).content.decode()
    assert "The card payment could not be started. Try again or choose another way to pay." in html.unescape(page)
    assert 'data-testid="payment-alternative"' in page
    placed.refresh_from_db()
    assert placed.payment_status == "awaiting"  # the order and its reserved stock wait for another try
    assert PaymentAttempt.objects.get(checkout=placed).status == PaymentAttempt.Status.FAILED
