"""Payments fail closed in production: a method whose provider is not configured is never
offered, the operator who turns one on without its keys is stopped by ``check --deploy``, and
the development gateway (which marks checkouts paid with no money moved) exists only with
DEBUG=1.

The site's apps are decided when the settings load, so the production case is checked in a
fresh ``manage.py`` process with DEBUG=0; in this process the development gateway's app is
taken out of the registry, which is what DEBUG=0 leaves."""

import json
import os
import secrets
import subprocess
import sys
import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.template.utils import get_app_template_dirs
from django.test import RequestFactory
from django.urls import reverse

from shop.orders.services.checkout import checkout_place
from shop.payments.gateways import gateways_available
from shop.payments.models import PaymentAttempt
from shop.payments.providers.stripe.client import StripeNotConfigured, stripe_client
from shop.payments.providers.stripe.gateway import CardGateway
from tests.checkout.conftest import basket, buyer, cart, crafts, details_for, kikoi, weavers  # noqa: F401  (fixtures)


@pytest.fixture
def production(monkeypatch, settings):
    """DEBUG=0 as the site runs it: no development gateway, no Stripe keys, every method
    named by the operator. The URLconf and the apps' template folders are read first: each
    is read once per process, and the rest of this (DEBUG=1) test process needs the
    development gateway's routes and pages."""
    import_module(settings.ROOT_URLCONF)
    get_app_template_dirs("templates")
    monkeypatch.delitem(apps.app_configs, "devgateway")
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.SOKO_PAYMENT_METHODS = ["cod", "card", "mpesa", "paypal"]
    return settings


def offered(client) -> list[str]:
    page = client.get(reverse("checkout:page"))
    assert page.status_code == 200
    return [radio.data["value"] for radio, _gateway in page.context["form"].payment_choices()]


def test_a_buyer_in_production_without_stripe_keys_is_not_offered_cards(production, client, buyer, cart):  # noqa: F811
    client.force_login(buyer)

    assert offered(client) == ["cod"]
    placed = checkout_place(buyer=buyer, cart=cart, details=details_for(buyer), idempotency_key=uuid.uuid4())
    assert [gateway.code for gateway in gateways_available(placed)] == ["cod"]


def test_with_both_stripe_secrets_cards_are_offered_again(production, client, buyer, cart):  # noqa: F811
    production.STRIPE_SECRET_KEY = "sk_live_soko"
    client.force_login(buyer)

    assert offered(client) == ["cod"], "a key without the webhook secret could never confirm a payment"
    production.STRIPE_WEBHOOK_SECRET = "whsec_soko"
    assert offered(client) == ["cod", "card"]


def test_a_card_checkout_without_stripe_is_refused_never_marked_paid(production, client, buyer, cart):  # noqa: F811
    """A checkout placed by card (before the keys went missing) cannot be paid by a stand-in."""
    placed = checkout_place(
        buyer=buyer, cart=cart, details=details_for(buyer, payment_method="card"), idempotency_key=uuid.uuid4()
    )
    client.force_login(buyer)

    with pytest.raises(StripeNotConfigured, match="STRIPE_SECRET_KEY"):
        stripe_client()
    answer = client.post(reverse("payments:pay", args=[placed.idempotency_key]), {"payment_method": "card"})
    assert answer.status_code == 302 and not answer["Location"].startswith("/payments/dev/")
    request = RequestFactory().post("/")
    request.user = buyer
    started = CardGateway().start(request, placed)

    assert started.status_code == 302 and not started["Location"].startswith("/payments/dev/")
    attempts = PaymentAttempt.objects.filter(checkout=placed)
    assert [attempt.status for attempt in attempts] == [PaymentAttempt.Status.FAILED]
    placed.refresh_from_db()
    assert placed.payment_status == "awaiting"


def deploy_problems() -> list[str]:
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.id.startswith("payments.")
    ]


def test_the_deploy_check_names_each_method_turned_on_without_its_keys(production):
    production.SOKO_PAYMENT_METHODS = ["cod", "card", "mpesa", "paypal", "bitcoin"]
    assert deploy_problems() == ["payments.E001", "payments.E001", "payments.E001", "payments.E002"]

    production.SOKO_PAYMENT_METHODS = ["cod", "card"]
    assert deploy_problems() == ["payments.E001"]
    production.STRIPE_SECRET_KEY, production.STRIPE_WEBHOOK_SECRET = "sk_live_soko", "whsec_soko"
    assert deploy_problems() == []


# The real thing: fresh processes with DEBUG=0 -----------------------------------------


def manage(*args, **env_changes):
    keep_out = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SOKO_DEMO", "SOKO_PAYMENT_METHODS"}
    env = {key: value for key, value in os.environ.items() if key not in keep_out and not key.startswith("STRIPE_")}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(45), ALLOWED_HOSTS="shop.example.com",
        SOKO_SITE_URL="https://shop.example.com", **env_changes,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_refuses_cards_without_stripe_keys_and_passes_with_them():
    refused = manage("check", "--deploy", "--fail-level", "WARNING", SOKO_PAYMENT_METHODS="cod,card")
    assert refused.returncode != 0
    assert "payments.E001" in refused.stderr and "STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET" in refused.stderr

    passed = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SOKO_PAYMENT_METHODS="cod,card", STRIPE_SECRET_KEY="sk_live_soko", STRIPE_WEBHOOK_SECRET="whsec_soko",
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr


PRODUCTION_PROBE = """
import json
from decimal import Decimal
from types import SimpleNamespace
from django.apps import apps
from django.conf import settings
from django.urls import Resolver404, resolve
from shop.payments.gateways import gateways_available
from shop.payments.providers.stripe.client import StripeNotConfigured, stripe_client

def resolves(path):
    try:
        resolve(path)
        return True
    except Resolver404:
        return False

try:
    stripe_client()
    refused = False
except StripeNotConfigured:
    refused = True
checkout = SimpleNamespace(buyer=None, total=Decimal("1000"), currency="KES")
print(json.dumps({
    "devgateway": apps.is_installed("shop.devgateway"),
    "demo": apps.is_installed("shop.demo"),
    "dev_pages": [resolves("/payments/dev/checkout/cs_test_1/"), resolves("/payments/dev/connect/acct_1/")],
    "webhook_secret": settings.STRIPE_WEBHOOK_SECRET,
    "offered": [gateway.code for gateway in gateways_available(checkout)],
    "stripe_refused": refused,
}))
"""


def test_production_has_no_development_gateway_no_demo_and_no_default_secret():
    result = manage("shell", "-c", PRODUCTION_PROBE, SOKO_PAYMENT_METHODS="cod,card")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen == {
        "devgateway": False,
        "demo": False,
        "dev_pages": [False, False],
        "webhook_secret": "",
        "offered": ["cod"],
        "stripe_refused": True,
    }
