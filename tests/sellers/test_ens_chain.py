"""A seller proves a store's ENS name is theirs by signing Soko's Sign-In with Ethereum
(EIP-4361) message with the wallet the name resolves to, on a local chain (ganache) holding
ENS's registry and a public resolver, spoken to over JSON-RPC as production speaks to its
provider. Only the address the name points to verifies it, each message once and in time,
for this site and chain; a nightly check takes the badge away when the name moves."""

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from sellers.ens import EnsVerificationError, ens_address, ens_message, ens_name_suggestions
from sellers.models import EnsChallenge, Store
from sellers.services import store_ens_check, store_ens_message_issue, store_ens_verify
from sellers.tasks import stores_ens_recheck_task
from shop.chain.node import contract_build
from tests.eth_node import CHAIN_ID, MNEMONIC, rpc
from tests.factories import StoreFactory
from tests.factories.stores import places, settings_form_data
from tests.html import dom

Account.enable_unaudited_hdwallet_features()
ALICE, BOB = (Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}") for index in (0, 1))
DOMAIN = "testserver"


def namehash(name: str) -> bytes:
    from ens import ENS

    return bytes(ENS.namehash(name))


def deploy(w3, name: str, *args):
    build = contract_build(name)
    contract = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(contract.constructor(*args).transact({"from": ALICE.address}))
    return w3.eth.contract(address=receipt.contractAddress, abi=build["abi"])


def transact(w3, call, sender: str) -> None:
    assert w3.eth.wait_for_transaction_receipt(call.transact({"from": sender})).status == 1


class Names:
    """ENS on the local chain: the registry's root is Alice's, she holds ``eth`` and hands
    out names under it as the .eth registrar would."""

    def __init__(self, w3):
        self.w3 = w3
        self.registry = deploy(w3, "ENSRegistry")
        self.resolver = deploy(w3, "PublicResolver", self.registry.address)
        transact(
            w3, self.registry.functions.setSubnodeOwner(bytes(32), w3.keccak(text="eth"), ALICE.address), ALICE.address
        )

    def register(self, label: str, *, owner: str, points_to: str | None = None) -> str:
        name = f"{label}.eth"
        registry = self.registry.functions
        transact(self.w3, registry.setSubnodeOwner(namehash("eth"), self.w3.keccak(text=label), owner), ALICE.address)
        transact(self.w3, registry.setResolver(namehash(name), self.resolver.address), owner)
        if points_to:
            self.point(name, to=points_to, owner=owner)
        return name

    def point(self, name: str, *, to: str, owner: str) -> None:
        set_addr = self.resolver.get_function_by_signature("setAddr(bytes32,address)")
        transact(self.w3, set_addr(namehash(name), to), owner)


@pytest.fixture(scope="module")
def chain(eth_node_url):
    """The local chain with ENS deployed, ``shop.eth`` registered to Alice and pointing to her."""
    from web3 import HTTPProvider, Web3

    w3 = Web3(HTTPProvider(eth_node_url))
    names = Names(w3)
    names.register("shop", owner=ALICE.address, points_to=ALICE.address)
    return names


@pytest.fixture
def on_chain(chain, eth_node_url, settings):
    """Soko pointed at the local chain's node and registry; the chain rolled back after the test."""
    settings.SOKO_ETH_RPC_URL = eth_node_url
    settings.SOKO_ENS_REGISTRY = chain.registry.address
    snapshot = rpc(eth_node_url, "evm_snapshot")
    yield chain
    rpc(eth_node_url, "evm_revert", snapshot)


@pytest.fixture
def store(db):
    return StoreFactory(slug="duka-la-shop", ens_name="shop.eth", area=places().westlands)


@pytest.fixture
def seller(store):
    return store.memberships.get().user


def sign(message: str, account) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def issue(store, seller) -> EnsChallenge:
    return store_ens_message_issue(store=store, user=seller, domain=DOMAIN, uri="http://testserver/dashboard/settings/")


def refusal(store, message: str, signature: str, *, domain: str = DOMAIN) -> str:
    with pytest.raises(EnsVerificationError) as refused:
        store_ens_verify(store=store, message=message, signature=signature, domain=domain)
    return refused.value.code


def test_a_name_resolves_through_the_configured_registry(on_chain):
    on_chain.register("kiondo", owner=BOB.address)

    assert ens_address("shop.eth") == ALICE.address
    assert ens_address("kiondo.eth") is None  # registered, no address record
    assert ens_address("nobody.eth") is None
    on_chain.register("broken", owner=BOB.address)
    transact(on_chain.w3, on_chain.registry.functions.setResolver(namehash("broken.eth"), BOB.address), BOB.address)
    assert ens_address("broken.eth") is None  # a resolver that is no contract answers nothing


@pytest.mark.django_db
def test_the_seller_verifies_with_the_wallet_the_name_resolves_to_and_the_store_page_shows_it(
    client, on_chain, store, seller
):
    client.force_login(seller)
    page = client.get("/dashboard/settings/").content.decode()
    assert "Verify with your wallet" in page and 'data-testid="ens-challenge"' not in page

    answer = client.post("/dashboard/settings/ens/message/", HTTP_ACCEPT="application/json").json()
    message = answer["message"]
    assert answer["address"] == ALICE.address
    assert message.startswith(f"testserver wants you to sign in with your Ethereum account:\n{ALICE.address}\n")
    assert f"Chain ID: {CHAIN_ID}" in message and "shop.eth" in message and "duka-la-shop" in message
    assert "Expiration Time: " in message
    assert 'data-testid="ens-unverified"' in client.get("/s/duka-la-shop/").content.decode()

    response = client.post("/dashboard/settings/ens/verify/", {"message": message, "signature": sign(message, ALICE)})

    assert response.status_code == 302 and response.url.endswith("/dashboard/settings/#ens-verify")
    store.refresh_from_db()
    assert store.ens_verified_at is not None and store.ens_address == ALICE.address
    assert 'data-testid="ens-verified"' in client.get("/s/duka-la-shop/").content.decode()
    assert ALICE.address in client.get("/dashboard/settings/").content.decode()


@pytest.mark.django_db
def test_without_a_wallet_in_the_browser_the_message_is_shown_and_a_pasted_signature_verifies(
    client, on_chain, store, seller
):
    client.force_login(seller)

    client.post("/dashboard/settings/ens/message/")
    page = client.get("/dashboard/settings/")
    message = page.context["ens"]["challenge"].message

    assert 'data-testid="ens-challenge"' in page.content.decode()
    response = client.post(
        "/dashboard/settings/ens/verify/",
        {"message": message.replace("\n", "\r\n"), "signature": sign(message, ALICE)},
        follow=True,
    )
    assert "shop.eth is verified" in response.content.decode()
    assert Store.objects.get(pk=store.pk).ens_address == ALICE.address


@pytest.mark.django_db
def test_bobs_signature_does_not_verify_alices_name(client, on_chain, store, seller):
    challenge = issue(store, seller)

    assert refusal(store, challenge.message, sign(challenge.message, BOB)) == "ens_signature"

    # Bob's own message, for his own address, with Soko's nonce: signed right, but the name is not his.
    bobs = challenge.message.replace(ALICE.address, BOB.address)
    assert refusal(store, bobs, sign(bobs, BOB)) == "ens_signer"

    client.force_login(seller)
    page = client.post(
        "/dashboard/settings/ens/verify/", {"message": bobs, "signature": sign(bobs, BOB)}, follow=True
    ).content.decode()
    assert f"shop.eth points to {ALICE.address}, not to {BOB.address}" in page
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.django_db
def test_a_refused_signature_stays_pasted_beside_why(client, on_chain, store, seller):
    challenge = issue(store, seller)
    client.force_login(seller)
    bobs = sign(challenge.message, BOB)

    response = client.post("/dashboard/settings/ens/verify/", {"message": challenge.message, "signature": bobs})

    assert response.status_code == 422
    part = dom(response).one("[data-testid=ens-verify]")
    assert part.one("[data-testid=form-refused]").text
    assert part.one("input[name=signature]").attr("value") == bobs
    assert part.one("textarea[name=message]").tag.get_text().strip() == challenge.message.strip()
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.django_db
def test_an_expired_message_is_refused(on_chain, store, seller, settings, time_machine):
    settings.SOKO_ENS_MESSAGE_MINUTES = 10
    challenge = issue(store, seller)
    signature = sign(challenge.message, ALICE)

    time_machine.move_to(timezone.now() + timedelta(minutes=11), tick=False)

    assert refusal(store, challenge.message, signature) == "ens_expired"
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.django_db
def test_a_message_verifies_once_and_a_replay_is_refused(on_chain, store, seller):
    challenge = issue(store, seller)
    signature = sign(challenge.message, ALICE)
    store_ens_verify(store=store, message=challenge.message, signature=signature, domain=DOMAIN)
    Store.objects.filter(pk=store.pk).update(ens_verified_at=None, ens_address="")

    assert refusal(store, challenge.message, signature) == "ens_used"
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.django_db
def test_a_message_for_another_site_or_chain_or_never_issued_is_refused(on_chain, store, seller):
    challenge = issue(store, seller)
    now = timezone.now()
    written = {
        "uri": "http://testserver/dashboard/settings/",
        "address": ALICE.address,
        "nonce": challenge.nonce,
        "name": "shop.eth",
        "store_slug": store.slug,
        "issued_at": now,
        "expires_at": now + timedelta(minutes=5),
    }
    elsewhere = ens_message(domain="phish.example", chain_id=CHAIN_ID, **written)
    other_chain = ens_message(domain=DOMAIN, chain_id=1, **written)
    never_issued = ens_message(domain=DOMAIN, chain_id=CHAIN_ID, **{**written, "nonce": "a0b1c2d3e4f5a6b7"})

    assert refusal(store, elsewhere, sign(elsewhere, ALICE)) == "ens_domain"
    assert refusal(store, challenge.message, sign(challenge.message, ALICE), domain="phish.example") == "ens_domain"
    assert refusal(store, other_chain, sign(other_chain, ALICE)) == "ens_chain"
    assert refusal(store, never_issued, sign(never_issued, ALICE)) == "ens_message"
    assert refusal(store, "Sign here please", sign("Sign here please", ALICE)) == "ens_message"
    assert refusal(store, challenge.message, "0x1234") == "ens_signature"
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.django_db
def test_a_message_issued_for_another_store_does_not_verify_this_one(on_chain, store, seller):
    other = StoreFactory(ens_name="shop.eth")
    challenge = issue(other, other.memberships.get().user)

    assert refusal(store, challenge.message, sign(challenge.message, ALICE)) == "ens_message"


@pytest.mark.django_db
def test_a_name_pointing_nowhere_gets_no_message(on_chain, store, seller):
    on_chain.register("kiondo", owner=ALICE.address)
    Store.objects.filter(pk=store.pk).update(ens_name="kiondo.eth")
    store.refresh_from_db()

    with pytest.raises(EnsVerificationError) as refused:
        issue(store, seller)
    assert refused.value.code == "ens_not_resolved"
    assert "kiondo.eth does not point to an Ethereum address" in str(refused.value)


@pytest.mark.django_db
def test_the_nightly_check_takes_the_badge_away_once_the_name_points_elsewhere(
    client, on_chain, store, seller, django_capture_on_commit_callbacks
):
    challenge = issue(store, seller)
    store_ens_verify(store=store, message=challenge.message, signature=sign(challenge.message, ALICE), domain=DOMAIN)

    assert store_ens_check(store_id=store.pk) is True
    on_chain.point("shop.eth", to=BOB.address, owner=ALICE.address)
    with django_capture_on_commit_callbacks(execute=True):
        assert stores_ens_recheck_task.call_local() == 1

    store.refresh_from_db()
    assert (store.ens_verified_at, store.ens_address) == (None, "")
    assert 'data-testid="ens-unverified"' in client.get("/s/duka-la-shop/").content.decode()
    assert store_ens_check(store_id=store.pk) is None  # nothing verified left to check


@pytest.mark.django_db
def test_a_node_that_is_down_keeps_the_badge_and_says_so_when_verifying(client, on_chain, store, seller, settings):
    challenge = issue(store, seller)
    store_ens_verify(store=store, message=challenge.message, signature=sign(challenge.message, ALICE), domain=DOMAIN)
    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.SOKO_ETH_RPC_TIMEOUT = 1

    assert store_ens_check(store_id=store.pk) is None
    assert Store.objects.get(pk=store.pk).ens_address == ALICE.address
    Store.objects.filter(pk=store.pk).update(ens_verified_at=None)
    client.force_login(seller)
    response = client.post("/dashboard/settings/ens/message/", follow=True)
    assert response.status_code == 200
    assert "The Ethereum node is not answering" in response.content.decode()


@pytest.mark.django_db
def test_a_new_ens_name_starts_unverified(client, on_chain, store, seller):
    challenge = issue(store, seller)
    store_ens_verify(store=store, message=challenge.message, signature=sign(challenge.message, ALICE), domain=DOMAIN)
    client.force_login(seller)

    client.post("/dashboard/settings/", settings_form_data(store, ens_name="somebody-else.eth"))

    store.refresh_from_db()
    assert (store.ens_name, store.ens_verified_at, store.ens_address) == ("somebody-else.eth", None, "")
    # A message issued for the old name does not verify the new one.
    assert refusal(store, challenge.message, sign(challenge.message, ALICE)) != "ens_used"


@pytest.mark.django_db
def test_without_a_node_the_name_is_unverified_and_the_page_says_why(client, store, seller, settings):
    settings.SOKO_ETH_RPC_URL = ""
    client.force_login(seller)

    page = client.get("/dashboard/settings/").content.decode()
    issued = client.post("/dashboard/settings/ens/message/", HTTP_ACCEPT="application/json")

    assert "this site is not connected to an Ethereum node" in page
    assert "Verify with your wallet" not in page
    assert (issued.status_code, issued.json()["code"]) == (409, "ens_unavailable")
    assert 'data-testid="ens-unverified"' in client.get("/s/duka-la-shop/").content.decode()


@pytest.mark.django_db
def test_suggestions_skip_names_registered_to_someone_else_on_chain(on_chain, store):
    on_chain.register("duka", owner=BOB.address, points_to=BOB.address)
    Store.objects.filter(pk=store.pk).update(ens_address=ALICE.address, ens_verified_at=timezone.now())
    store.refresh_from_db()

    assert ens_name_suggestions("Duka", store=store)[0] == "duka2.eth"
    assert ens_name_suggestions("shop", store=store)[0] == "shop.eth"  # the store's own, verified
    assert ens_name_suggestions("shop", store=None)[0] == "shop2.eth"


@pytest.mark.parametrize("name", ["shop.eth", "café.eth", "🦊.eth"])
def test_every_name_makes_a_message_eip_4361_reads_back_and_its_signature_checks(name, settings):
    from sellers.ens import ens_message_verify

    settings.SOKO_ETH_RPC_URL = "http://127.0.0.1:9"  # a key's signature needs no node
    now = timezone.now()
    message = ens_message(
        domain=DOMAIN,
        uri="http://testserver/dashboard/settings/",
        address=ALICE.address,
        chain_id=CHAIN_ID,
        nonce="a0b1c2d3e4f5a6b7",
        name=name,
        store_slug="duka-la-shop",
        issued_at=now,
        expires_at=now + timedelta(minutes=5),
    )

    signed = ens_message_verify(message=message, signature=sign(message, ALICE), domain=DOMAIN, chain_id=CHAIN_ID)

    assert (signed.address, signed.nonce) == (ALICE.address, "a0b1c2d3e4f5a6b7")
    assert (name in message) is name.isascii()  # EIP-4361 statements are ASCII: others are named by their store
    assert "duka-la-shop" in message
