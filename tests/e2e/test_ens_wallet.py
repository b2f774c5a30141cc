"""A seller verifies the store's ENS name in a real browser: an injected EIP-1193 wallet
holding the key of the address the name resolves to on the local chain signs Soko's Sign-In
with Ethereum message, and the store page then calls the name verified. Without a wallet in
the browser the page shows the message to sign elsewhere and takes the pasted signature."""

import os

import pytest
from django.test import override_settings
from eth_account.messages import encode_defunct

from sellers.models import Store
from tests.e2e.pages import console_errors, expect, log_in
from tests.factories import StoreFactory, UserFactory
from tests.sellers.test_ens_chain import ALICE, BOB, Names, sign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("SOKO_SHOTS_DIR")
# window.ethereum as a browser wallet presents it; its requests go to the test's wallet.
WALLET = """
window.ethereum = {
  isSokoTestWallet: true,
  request: ({ method, params }) => window.sokoTestWallet(method, params || []),
};
"""


@pytest.fixture(scope="module", autouse=True)
def ens_chain(eth_node_url):
    """ENS on the local chain with shop.eth pointing to Alice; the live server (forked after
    this) is configured to resolve names there."""
    from web3 import HTTPProvider, Web3

    names = Names(Web3(HTTPProvider(eth_node_url)))
    names.register("shop", owner=ALICE.address, points_to=ALICE.address)
    configured = override_settings(SOKO_ETH_RPC_URL=eth_node_url, SOKO_ENS_REGISTRY=names.registry.address)
    configured.enable()
    yield names
    configured.disable()


def wallet_of(page, account, asked: list):
    """A wallet in ``page`` holding ``account``'s key: it connects and signs what it is shown."""

    def answer(method, params):
        asked.append(method)
        if method == "eth_requestAccounts":
            return [account.address]
        if method == "personal_sign":
            message = bytes.fromhex(params[0].removeprefix("0x")).decode()
            return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")
        raise ValueError(f"the test wallet does not answer {method}")

    page.expose_function("sokoTestWallet", answer)
    page.add_init_script(WALLET)


def shoot(page, name: str) -> None:
    if SHOTS:
        page.locator("#id_ens_name").evaluate(
            "field => window.scrollTo(0, field.getBoundingClientRect().top + scrollY - 140)"
        )
        page.screenshot(path=os.path.join(SHOTS, name), full_page=False)


@pytest.fixture
def seller():
    amina = UserFactory(email="amina@example.test")
    StoreFactory(name="Duka la Shop", slug="duka-la-shop", owner=amina, ens_name="shop.eth")
    return amina


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_the_wallet_the_name_points_to_verifies_it_with_one_click(new_page, seller, width):
    page = new_page()
    errors = console_errors(page)
    page.set_viewport_size({"width": width, "height": 900})
    asked = []
    wallet_of(page, ALICE, asked)
    log_in(page, seller.email)

    page.goto("/dashboard/settings/#ens-verify")
    expect(page.get_by_test_id("ens-status")).to_contain_text("shop.eth is shown as unverified")
    shoot(page, f"ens-unverified-{width}.png")
    page.get_by_test_id("ens-verify-wallet").click()

    expect(page.get_by_test_id("ens-status")).to_contain_text(f"points to {ALICE.address}")
    assert asked == ["eth_requestAccounts", "personal_sign"]
    shoot(page, f"ens-verified-{width}.png")
    page.goto("/s/duka-la-shop/")
    expect(page.get_by_test_id("ens-verified")).to_be_visible()
    # The settings page's map tiles come from the internet, which the tests do not reach.
    assert [error for error in errors if "ERR_NAME_NOT_RESOLVED" not in error] == []


def test_a_wallet_on_another_account_is_told_to_switch_and_nothing_is_signed(new_page, seller):
    page = new_page()
    page.set_viewport_size(PHONE)
    asked = []
    wallet_of(page, BOB, asked)
    log_in(page, seller.email)

    page.goto("/dashboard/settings/#ens-verify")
    page.get_by_test_id("ens-verify-wallet").click()

    expect(page.locator("[data-ens-wallet-status]")).to_contain_text(f"Your wallet is not on {ALICE.address}")
    assert asked == ["eth_requestAccounts"]
    assert Store.objects.get(slug="duka-la-shop").ens_verified_at is None


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_without_a_browser_wallet_the_message_is_signed_elsewhere_and_pasted(new_page, seller, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, seller.email)

    page.goto("/dashboard/settings/#ens-verify")
    page.get_by_test_id("ens-verify-wallet").click()
    message = page.get_by_label("Message to sign").input_value()
    assert message.startswith(
        f"{page.url.split('/')[2]} wants you to sign in with your Ethereum account:\n{ALICE.address}"
    )
    page.get_by_label("Signature").fill(sign(message, ALICE))
    shoot(page, f"ens-paste-{width}.png")
    page.get_by_test_id("ens-check-signature").click()

    expect(page.get_by_test_id("ens-status")).to_contain_text(f"points to {ALICE.address}")
    assert Store.objects.get(slug="duka-la-shop").ens_address == ALICE.address
