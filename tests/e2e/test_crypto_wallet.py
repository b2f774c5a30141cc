"""Paying with a stablecoin wallet in a real browser at 390 px: an EIP-1193 wallet injected
into the page and backed by the local chain (its requests go over JSON-RPC to ganache, whose
unlocked accounts sign), a short wallet refused with the other ways to pay offered, then a
funded wallet's deposit followed to its confirmations until the page turns paid by itself."""

import re
import urllib.request
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from shop.chain.node import _client
from shop.core.models import CurrencyRate
from shop.core.selectors.currencies import rates_forget
from shop.orders.models import Checkout
from shop.payments.models import CryptoDeposit, PaymentStatus
from shop.payments.providers.crypto.client import _token_read
from shop.payments.providers.crypto.tasks import crypto_watch_soon_task
from tests.e2e.pages import LIVE_MS, expect, log_in, shot, wait_for_socket
from tests.eth_node import CHAIN_ID
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.payments.test_crypto_payment import PLATFORM_KEY, Chain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONFIRMATIONS = 3
# The page's wallet asks this address of ours; the test answers it from the local chain, so the
# page's Content-Security-Policy (connect-src 'self') holds as it is.
WALLET_PATH = "/__test-wallet-rpc"
WALLET = """
window.ethereum = {
  isTestWallet: true,
  request: function (call) {
    if (call.method === "eth_requestAccounts" || call.method === "eth_accounts") {
      return Promise.resolve([window.__walletAccount]);
    }
    return fetch("WALLET_PATH", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", id: 1, method: call.method, params: call.params || []})
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (answer.error) throw new Error(answer.error.message);
      return answer.result;
    });
  }
};
""".replace("WALLET_PATH", WALLET_PATH)


@pytest.fixture(scope="module", autouse=True)
def chain(eth_node_url):
    """Soko's escrow and token on the local chain, configured before the live server starts
    (it inherits these settings)."""
    _client.cache_clear()
    _token_read.cache_clear()
    here = Chain(eth_node_url)
    here.token_address, here.escrow_address = here.deploy_pair()
    here.mint(here.token_address, here.buyer, 1_000 * 10**6)
    here.mint(here.token_address, here.poor_buyer, 5 * 10**6)
    configured = {
        "SOKO_ETH_RPC_URL": eth_node_url,
        "SOKO_ETH_CHAIN_ID": CHAIN_ID,
        "SOKO_ETH_TOKEN_ADDRESS": here.token_address,
        "SOKO_ETH_ESCROW_ADDRESS": here.escrow_address,
        "SOKO_ETH_PLATFORM_KEY": PLATFORM_KEY,
        "SOKO_ETH_CONFIRMATIONS": CONFIRMATIONS,
    }
    # The environment too: in scale mode the worker is a process of its own (run_huey).
    with (
        pytest.MonkeyPatch.context() as environment,
        override_settings(**configured, SOKO_PAYMENT_METHODS=["cod", "card", "crypto"]),
    ):
        for name, value in configured.items():
            environment.setenv(name, str(value))
        environment.setenv("SOKO_PAYMENT_METHODS", "cod,card,crypto")
        yield here
    _client.cache_clear()
    _token_read.cache_clear()


@pytest.fixture
def shopper(db):
    ProductFactory(
        title="Kiondo basket",
        slug="kiondo-basket",
        store=StoreFactory(name="Kisii Weavers", delivers_local=True, area=westlands()),
        variants=[{"name": "Red", "price": Decimal("1200"), "stock": 5}],
    )
    CurrencyRate.objects.create(currency="KES", per_usd=Decimal("129.45"), as_of=date(2026, 11, 20))
    rates_forget()
    buyer = UserFactory(email="amina@example.test")
    AddressFactory(user=buyer)
    return buyer


def wallet_on_chain(chain):
    """Answers the injected wallet's JSON-RPC from the local chain."""

    def forward(route):
        request = urllib.request.Request(
            chain.url, data=route.request.post_data_buffer, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            route.fulfill(status=200, content_type="application/json", body=answer.read())

    return forward


def shots(page, name):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"crypto-{name}-{width}")
    page.set_viewport_size({"width": 390, "height": 844})


def test_a_short_wallet_is_refused_with_alternatives_then_a_funded_one_pays_live(new_page, shopper, chain):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(WALLET)
    page.route(f"**{WALLET_PATH}", wallet_on_chain(chain))
    log_in(page, shopper.email)
    page.goto("/p/kiondo-basket/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_attribute("data-count", "1")
    page.goto("/checkout/")
    page.locator("[data-testid=payment-choice]", has_text="Stablecoin wallet").click()
    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(re.compile(r"/payments/crypto/"))
    wait_for_socket(page)
    checkout = Checkout.objects.get(buyer=shopper)
    quote = checkout.attempts.get().crypto_quote
    expect(page.locator("[data-testid=crypto-amount]")).to_have_text(f"{quote.token_amount} tUSD")
    expect(page.locator("[data-testid=crypto-escrow]")).to_have_text(chain.escrow_address)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.evaluate("a => { window.__walletAccount = a; }", chain.poor_buyer)
    page.locator("[data-testid=crypto-connect]").click()
    short = page.locator("[data-testid=crypto-short]")
    expect(short).to_contain_text("5.000000 tUSD")
    expect(short).to_contain_text(f"{quote.token_amount - 5} tUSD short")
    alternatives = page.locator("[data-testid=crypto-alternative]")
    expect(alternatives).to_have_count(2)
    expect(alternatives.first).to_contain_text("Cash on delivery")
    shots(page, "short-wallet")

    page.evaluate("a => { window.__walletAccount = a; }", chain.buyer)
    page.locator("[data-testid=crypto-connect]").click()
    page.locator("[data-testid=crypto-pay]").click()
    expect(page.locator("[data-testid=crypto-sent]")).to_be_visible()
    # The page's report of the hash has the worker look at once: one confirmation so far.
    expect(page.locator("[data-testid=crypto-progress]")).to_have_attribute("data-state", "seen", timeout=3 * LIVE_MS)
    expect(page.locator("[data-testid=crypto-progress]")).to_contain_text(f"1 of {CONFIRMATIONS} confirmations")
    deposit = CryptoDeposit.objects.get()
    assert (deposit.buyer_address, deposit.amount) == (chain.buyer, quote.token_minor)
    checkout.refresh_from_db()
    assert checkout.payment_status == PaymentStatus.AWAITING
    shots(page, "waiting")

    chain.mine(CONFIRMATIONS - 1)
    crypto_watch_soon_task()  # what the minute's job does, without waiting for the minute
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-status", "paid-succeeded")
    expect(page.get_by_test_id("payment-status").get_by_text("Paid. Thank you!")).to_be_visible()
    # Once paid, the ways to pay go from the page without a reload.
    expect(page.locator("[data-testid=crypto-wallet]")).to_be_hidden()
    expect(page.locator("[data-testid=crypto-qr]")).to_be_hidden()
    checkout.refresh_from_db()
    assert checkout.payment_status == PaymentStatus.PAID
    shots(page, "paid")
