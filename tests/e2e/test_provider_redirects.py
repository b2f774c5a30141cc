"""Paying on the providers' own pages, as in production: a live daphne server started with
``DEBUG=0`` and real-looking provider settings, the fake Stripe and the fake PayPal served
on other origins than the site. Chromium applies the site's Content-Security-Policy to the
trip there (a form may only post to the site), so the buyer must reach Stripe Checkout and
PayPal's approval page, pay there, come back and see the order paid, with no CSP error on
the way. When a provider cannot be reached, the buyer is told on the payment page and pays
another way, the order still reserved. A store's owner sets up payouts on Stripe's page
the same way."""

import secrets
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import global_settings

from sellers.models import Store
from shop.catalog.models import Variant
from shop.orders.models import Checkout
from shop.payments.models import ConnectedAccount, LedgerTransaction, PaymentAttempt, PaymentStatus, Provider
from tests.e2e.conftest import LiveSoko
from tests.e2e.pages import PIXEL, console_errors, expect, log_in
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.fakes.paypal import FakePaypal
from tests.fakes.stripe_server import FakeStripe
from tests.production_server import production_daphne, production_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK_SECRET = "whsec_" + secrets.token_hex(16)
# The site's host: another loopback address than the fakes' 127.0.0.1, so the providers'
# pages are another site (as for cookies' SameSite), not only another origin.
HOST = "127.0.0.2"


def _production_env(*, db_name: str, workdir: Path, stripe: FakeStripe, paypal: FakePaypal) -> dict:
    """Production, with every provider named explicitly (nothing falls back to a
    development default)."""
    return production_env(
        host=HOST,
        workdir=workdir,
        db_name=db_name,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SOKO_PAYMENT_METHODS="cod,card,paypal",
        SOKO_CATALOG_PAGE_CACHE_SECONDS="0",
        STRIPE_SECRET_KEY="sk_test_" + secrets.token_hex(12),
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe.url,
        STRIPE_CURRENCIES="KES",
        PAYPAL_CURRENCIES="KES",
        **paypal.settings(),
    )


@pytest.fixture(scope="module")
def fakes():
    """Stripe and PayPal, each on its own origin (another port than the site's)."""
    with ExitStack() as running:
        yield {
            "stripe": running.enter_context(FakeStripe(webhook_secret=WEBHOOK_SECRET)),
            "paypal": running.enter_context(FakePaypal()),
            "running": running,
        }


@pytest.fixture(scope="module")
def soko_live(django_db_setup, tmp_path_factory, fakes):
    """This module's live server: ``daphne site_config.asgi:application`` in a fresh
    process with the production environment above, on the test database."""
    from django.db import connections

    workdir = tmp_path_factory.mktemp("e2e-production")
    db_name = connections["default"].settings_dict["NAME"]
    env = _production_env(db_name=db_name, workdir=workdir, stripe=fakes["stripe"], paypal=fakes["paypal"])
    with production_daphne(env=env, host=HOST, workdir=workdir) as (url, _proc, log_path):
        fakes["stripe"].webhook_url = url + "/payments/stripe/webhook/"
        yield LiveSoko(url=url, scale_mode=False, server_log=log_path, worker_log=None)


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """The server is a fresh production process: the people it signs in have its hashes."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.fixture
def shopper(db):
    ProductFactory(
        title="Kiondo basket",
        slug="kiondo-basket",
        store=StoreFactory(name="Kisii Weavers", delivers_local=True, area=westlands()),
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 5}],
    )
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer)
    return buyer


def offline_tiles(route):
    """The checkout map's tiles (this machine is offline) get a blank pixel; the site and
    the fakes are reached; anything else is refused and shows as a console error."""
    if urlsplit(route.request.url).hostname in (HOST, "127.0.0.1"):
        route.continue_()
    elif route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=PIXEL)
    else:
        route.abort()


def buyer_page(new_page, user):
    """The user's logged-in page and the console errors it shows from the start."""
    page = new_page()
    page.context.route("**/*", offline_tiles)
    errors = console_errors(page)
    log_in(page, user.email)
    return page, errors


def place_order(page, method: str) -> Checkout:
    page.goto("/p/kiondo-basket/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")
    page.goto("/checkout/")
    page.locator("[data-testid=payment-choice]", has_text=method).click()
    page.locator("[data-testid=place-order]").click()
    return Checkout.objects.get(buyer__email="amina@example.test")


def on_origin(origin: str):
    return lambda url: url.startswith(origin + "/")


def assert_paid(page, checkout: Checkout) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == f"/payments/{checkout.idempotency_key}/")
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-status", "paid-succeeded")
    checkout.refresh_from_db()
    assert checkout.payment_status == PaymentStatus.PAID
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1


def test_a_card_payment_goes_to_stripe_checkout_and_comes_back_paid(new_page, shopper, fakes, soko_live):
    page, errors = buyer_page(new_page, shopper)
    checkout = place_order(page, "Card")

    page.wait_for_url(on_origin(fakes["stripe"].url))
    expect(page.get_by_role("heading")).to_have_text("140000 KES")  # 1,200 + 200 delivery, in cents
    page.get_by_role("button", name="Pay").click()

    assert_paid(page, checkout)
    attempt = PaymentAttempt.objects.get(checkout=checkout)
    assert (attempt.provider, attempt.status) == (Provider.STRIPE, PaymentAttempt.Status.SUCCEEDED)
    assert errors == []


def test_a_paypal_payment_goes_to_paypal_approval_and_comes_back_paid(new_page, shopper, fakes, soko_live):
    page, errors = buyer_page(new_page, shopper)
    checkout = place_order(page, "PayPal")

    page.wait_for_url(on_origin(fakes["paypal"].url))
    page.get_by_role("button", name="Approve").click()

    assert_paid(page, checkout)
    attempt = PaymentAttempt.objects.get(checkout=checkout)
    assert (attempt.provider, attempt.status) == (Provider.PAYPAL, PaymentAttempt.Status.SUCCEEDED)
    assert errors == []


@pytest.fixture
def paypal_down(fakes):
    """PayPal stops answering (its port refuses connections) and comes back afterwards."""
    paypal = fakes["paypal"]
    paypal.server.shutdown()
    paypal.server.server_close()
    yield
    fakes["paypal"] = fakes["running"].enter_context(
        FakePaypal(port=urlsplit(paypal.url).port, client_id=paypal.client_id, secret=paypal.secret)
    )


def test_when_paypal_is_down_the_buyer_is_told_and_pays_by_card(new_page, shopper, fakes, soko_live, paypal_down):
    page, errors = buyer_page(new_page, shopper)
    checkout = place_order(page, "PayPal")

    page.wait_for_url(lambda url: urlsplit(url).path == f"/payments/{checkout.idempotency_key}/")
    expect(page.locator("[data-testid=payment-failed]")).to_contain_text("The PayPal payment could not be started")
    checkout.refresh_from_db()
    assert checkout.payment_status == PaymentStatus.AWAITING
    assert Variant.objects.get(product__slug="kiondo-basket").stock == 4  # still reserved for this buyer

    page.locator("[data-testid=payment-alternative]", has_text="Card").click()
    page.locator("[data-testid=payment-retry]").click()
    page.wait_for_url(on_origin(fakes["stripe"].url))
    page.get_by_role("button", name="Pay").click()

    assert_paid(page, checkout)
    assert errors == []


def test_a_store_owner_sets_up_payouts_on_stripes_page_and_comes_back_ready(new_page, shopper, fakes, soko_live):
    owner = Store.objects.get(name="Kisii Weavers").memberships.get(role="owner").user
    page, errors = buyer_page(new_page, owner)
    page.goto("/dashboard/payouts/")
    page.locator("[data-testid=payout-connect]").click()

    page.wait_for_url(on_origin(fakes["stripe"].url))
    page.get_by_role("button", name="Complete onboarding").click()

    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard/payouts/")
    account = ConnectedAccount.objects.get(store__name="Kisii Weavers")
    expect(page.locator("[data-testid=payout-account-state]")).to_contain_text(account.account_id)
    assert account.payouts_enabled
    assert errors == []
