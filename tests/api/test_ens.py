"""A store's ENS name through the API is the store settings page's: the same normalised
name, the same refusal in the same words, names another store shows said to be in use
(and never suggested), and the same ownership check, which fails closed when no Ethereum
node can be asked."""

import html

import pytest

from sellers import ens
from sellers.models import Store
from tests.factories import StoreFactory, UserFactory
from tests.factories.stores import places, settings_form_data
from tests.sellers.test_store_ens import FakeNode

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
    Store.objects.filter(pk=store.pk).update(ens_name="mamanjeri.eth")

    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug}, **headers)

    assert (answer.status_code, answer.json()["code"]) == (409, "ens_unavailable")
    assert Store.objects.get(pk=store.pk).ens_verified_at is None


def test_verifying_reads_the_url_record_as_saving_the_settings_does(client, headers, store, settings, monkeypatch):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    Store.objects.filter(pk=store.pk).update(ens_name="mamanjeri.eth")
    record = {"url": "http://testserver/s/mama-njeri-crafts/"}
    monkeypatch.setattr(ens, "_eth_call", FakeNode(name="mamanjeri.eth", records=record))

    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug}, **headers)

    assert answer.status_code == 200, answer.content
    assert (answer.json()["verified"], answer.json()["record_url"]) == (True, record["url"])
    assert 'data-testid="ens-verified"' in client.get("/s/mama-njeri-crafts/").content.decode()


def test_a_record_pointing_elsewhere_is_not_verified(client, headers, store, settings, monkeypatch):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    Store.objects.filter(pk=store.pk).update(ens_name="mamanjeri.eth")
    record = {"url": "https://phish.example/s/mama-njeri-crafts/"}
    monkeypatch.setattr(ens, "_eth_call", FakeNode(name="mamanjeri.eth", records=record))

    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug}, **headers)

    assert (answer.status_code, answer.json()["verified"], answer.json()["verified_at"]) == (200, False, None)


def test_only_the_stores_team_verifies_its_name(client, store, settings):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    stranger = verified(UserFactory())
    headers = bearer(sign_in(client, stranger)["access_token"])

    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug}, **headers)
    no_name = post(client, "/api/v1/ens/verify/", {"store": "no-such-store"}, **headers)

    assert (answer.status_code, no_name.status_code) == (404, 404)


def test_a_store_without_a_name_is_told_to_set_one(client, headers, store):
    answer = post(client, "/api/v1/ens/verify/", {"store": store.slug}, **headers)
    assert (answer.status_code, answer.json()["code"]) == (409, "ens_no_name")
