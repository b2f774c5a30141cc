"""In development (DEBUG=1, no Stripe keys) a buyer pays by card on the development
gateway's page, which stands in for Stripe's: the payment goes through the same webhook code
as Stripe's would, signed with the development secret."""

from django.conf import settings
from django.urls import reverse

from shop.payments.models import PaymentAttempt, PaymentStatus


def test_a_buyer_pays_by_card_on_the_development_gateways_page(placed, client, django_capture_on_commit_callbacks):
    assert not settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_dev_")
    client.force_login(placed.buyer)
    client.post(reverse("payments:pay", args=[placed.idempotency_key]), {"payment_method": "card"})
    attempt = PaymentAttempt.objects.get(checkout=placed)
    page_url = reverse("devgateway:checkout", args=[attempt.reference])
    assert page_url == f"/payments/dev/checkout/{attempt.reference}/"

    page = client.get(page_url)
    assert page.status_code == 200
    assert "3,451" in page.content.decode()  # KES 2,601 + 850
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(page_url, {"action": "pay"})

    assert paid.status_code == 302
    placed.refresh_from_db()
    attempt.refresh_from_db()
    assert (placed.payment_status, attempt.status) == (PaymentStatus.PAID, PaymentAttempt.Status.SUCCEEDED)
