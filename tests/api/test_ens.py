"""A store's ENS name through the API is the store settings page's: the same normalised
name, the same refusal in the same words, names another store shows said to be in use
(and never suggested), and the same Sign-In with Ethereum verification against the chain,
which fails closed when no Ethereum node can be asked."""

import html

import pytest

from sellers.models import EnsChallenge, Store
from tests.factories import StoreFactory, UserFactory
from tests.factories.stores import places, settings_form_data
from tests.sellers.test_ens_chain import ALICE, BOB, chain, on_chain, sign  # noqa: F401 (fixtures)

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(slug="mama-njeri-crafts", area=places().westlands)


@pytest.fixture
def seller(store):
    return verified(store.memberships.get().user)


@pytest.fixture
def headers(client, seller):
    return bearer(sign_in(client, seller)["access_token"])


def validate(client, headers, name: str, **query) -> dict:
    answer = client.get("/api/v1/ens/validate/", {"name": name, **query}, headers=headers)
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_valid_name_is_normalised_as_the_settings_page_keeps_it(client, headers, seller, store):
    answer = validate(client, headers, "  MamaNjeri.eth ")
    client.force_login(seller)
    saved = client.post("/dashboard/settings/", settings_form_data(store, ens_name="  MamaNjeri.eth "))

    assert answer == {"valid": True, "name": "mamanjeri.eth", "code": None, "detail": None, "in_use": False}
    assert saved.status_code == 302
    assert Store.objects.get(pk=store.pk).ens_name == answer["name"]


@pytest.mark.parametrize(
    "typed, code", [("mama njeri.eth", "ens_invalid"), ("mamanjeri.com", "ens_suffix"), (".eth", "ens_invalid")]
)
def test_a_refused_name_gets_the_settings_pages_sentence(client, headers, seller, store, typed, code):
    answer = validate(client, headers, typed)
    client.force_login(seller)
    page = client.post("/dashboard/settings/", settings_form_data(store, ens_name=typed)).content.decode()

    assert (answer["valid"], answer["name"], answer["code"]) == (False, None, code)
    assert html.escape(answer["detail"]) in page
    assert Store.objects.get(pk=store.pk).ens_name == ""


def test_a_name_another_store_shows_is_in_use_and_not_suggested(client, headers, store):
    StoreFactory(ens_name="mamanjeri.eth")
    store.ens_name = "kiondo.eth"
    store.save(update_fields=["ens_name"])

    taken = validate(client, headers, "MamaNjeri.eth")
    own = validate(client, headers, "kiondo.eth", store=store.slug)
    suggested = client.get("/api/v1/ens/suggestions/", {"name": "Mama Njeri"}, headers=headers).json()

    assert (taken["valid"], taken["in_use"]) == (True, True)
    assert (own["valid"], own["in_use"]) == (True, False)
    assert suggested["suggestions"][0] == "mamanjeri2.eth"
    assert "mamanjeri.eth" not in suggested["suggestions"]
    assert all(validate(client, headers, name)["valid"] for name in suggested["suggestions"])


def test_a_free_typo_is_suggested_as_the_cured_name(client, headers):
    suggested = client.get("/api/v1/ens/suggestions/", {"name": "Mama Njeri"}, headers=headers).json()
    assert suggested["suggestions"][0] == "mamanjeri.eth"


def test_verifying_without_an_ethereum_node_fails_closed(client, headers, store, settings):
    settings.SOKO_ETH_RPC_URL = ""
    Store.objects.filter(pk=store.pk).update(ens_name="shop.eth")

    issued = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers)
    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug, "message": "x", "signature": "0x00"}, **headers)

    assert (issued.status_code, issued.json()["code"]) == (409, "ens_unavailable")
    assert (answer.status_code, answer.json()["code"]) == (409, "ens_unavailable")
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.usefixtures("on_chain")
def test_the_address_the_name_resolves_to_verifies_it_once_as_on_the_settings_page(client, headers, store):
    Store.objects.filter(pk=store.pk).update(ens_name="shop.eth")

    issued = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers)
    message = issued.json()["message"]
    signed = {"store": store.slug, "message": message, "signature": sign(message, ALICE)}
    answer = post(client, "/api/v1/ens/verify/", signed, **headers)
    again = post(client, "/api/v1/ens/verify/", signed, **headers)

    assert (issued.status_code, issued.json()["address"]) == (200, ALICE.address)
    assert answer.status_code == 200, answer.content
    assert (answer.json()["verified"], answer.json()["address"]) == (True, ALICE.address)
    assert (again.status_code, again.json()["code"]) == (422, "ens_used")
    assert 'data-testid="ens-verified"' in client.get("/s/mama-njeri-crafts/").content.decode()


@pytest.mark.usefixtures("on_chain")
def test_another_wallets_signature_is_refused(client, headers, store):
    Store.objects.filter(pk=store.pk).update(ens_name="shop.eth")
    message = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers).json()["message"]

    answer = post(
        client,
        "/api/v1/ens/verify/",
        {"store": store.slug, "message": message, "signature": sign(message, BOB)},
        **headers,
    )

    assert (answer.status_code, answer.json()["code"]) == (422, "ens_signature")
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


@pytest.mark.usefixtures("on_chain")
def test_a_name_pointing_nowhere_gets_no_message(client, headers, store):
    Store.objects.filter(pk=store.pk).update(ens_name="nobody.eth")

    answer = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers)

    assert (answer.status_code, answer.json()["code"]) == (409, "ens_not_resolved")


def test_only_the_stores_team_verifies_its_name(client, store, settings):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    stranger = verified(UserFactory())
    headers = bearer(sign_in(client, stranger)["access_token"])

    issued = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers)
    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug, "message": "x", "signature": "0x00"}, **headers)
    no_name = post(
        client, "/api/v1/ens/verify/", {"store": "no-such-store", "message": "x", "signature": "0x00"}, **headers
    )

    assert (issued.status_code, answer.status_code, no_name.status_code) == (404, 404, 404)


def test_a_store_without_a_name_is_told_to_set_one(client, headers, store):
    issued = post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers)
    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug, "message": "x", "signature": "0x00"}, **headers)

    assert (issued.status_code, issued.json()["code"]) == (409, "ens_no_name")
    assert (answer.status_code, answer.json()["code"]) == (409, "ens_no_name")


@pytest.mark.usefixtures("on_chain")
def test_a_store_asking_for_message_after_message_is_told_to_wait(client, headers, store, seller, settings):
    settings.SOKO_ENS_MESSAGES_PER_HOUR = 3
    Store.objects.filter(pk=store.pk).update(ens_name="shop.eth")
    asked = [post(client, "/api/v1/ens/message/", {"store": store.slug}, **headers) for _ in range(4)]

    assert [answer.status_code for answer in asked] == [200, 200, 200, 429]
    assert asked[-1].json()["code"] == "ens_too_many"
    assert 0 < int(asked[-1]["Retry-After"]) <= 3600
    assert EnsChallenge.objects.filter(store=store).count() == 3
    # The page asks through the same door and says why.
    client.force_login(seller)
    page = client.post("/dashboard/settings/ens/message/", follow=True)
    assert "Too many messages to sign" in page.content.decode()
