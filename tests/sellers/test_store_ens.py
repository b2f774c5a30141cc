"""A seller proves an ENS name is theirs by pointing its url record at the store page; no network in tests."""

import pytest
from django.utils import timezone

from sellers import ens
from sellers.models import Store
from sellers.services import store_ens_check
from tests.factories import StoreFactory
from tests.factories.stores import places, settings_form_data

RESOLVER = "0x4976fb03c32e5b8cfe2b6ccb31c09ba78ebaba41"


def word(number: int) -> bytes:
    return number.to_bytes(32, "big")


class FakeNode:
    """An Ethereum node that knows one name's resolver and its text records."""

    def __init__(self, *, name: str, records: dict[str, str]):
        self.node = ens.ens_namehash(name).hex()
        self.records = records
        self.calls = []

    def __call__(self, *, rpc_url, to, data, timeout):
        self.calls.append((to, data[:8]))
        if to == ens.REGISTRY:
            assert data == ens.RESOLVER_SELECTOR + data[8:]
            return bytes(12) + bytes.fromhex(RESOLVER[2:]) if data[8:] == self.node else bytes(32)
        assert to == RESOLVER and data.startswith(ens.TEXT_SELECTOR + self.node)
        key_length = int(data[8 + 128 : 8 + 192], 16)
        key = bytes.fromhex(data[8 + 192 : 8 + 192 + key_length * 2]).decode()
        value = self.records.get(key, "").encode()
        return word(32) + word(len(value)) + value.ljust(-(-len(value) // 32) * 32, b"\0")


@pytest.mark.parametrize(
    "data, digest",
    [
        (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        (b"text(bytes32,string)", "59d1d43c"),
        (b"resolver(bytes32)", "0178b8bf"),
    ],
)
def test_keccak256_matches_known_digests(data, digest):
    assert ens.keccak256(data).hex().startswith(digest)


def test_namehash_matches_the_ens_specification():
    assert ens.ens_namehash("").hex() == "0" * 64
    assert ens.ens_namehash("eth").hex() == "93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae"
    assert ens.ens_namehash("foo.eth").hex() == "de9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"


def test_a_text_record_is_read_through_the_registry_resolver(monkeypatch):
    node = FakeNode(name="mamanjeri.eth", records={"url": "https://soko.example/s/mama-njeri-crafts/"})
    monkeypatch.setattr(ens, "_eth_call", node)

    assert ens.ens_text(name="mamanjeri.eth", key="url", rpc_url="http://node") == "https://soko.example/s/mama-njeri-crafts/"
    assert ens.ens_text(name="mamanjeri.eth", key="com.twitter", rpc_url="http://node") == ""
    assert ens.ens_text(name="nobody.eth", key="url", rpc_url="http://node") == ""


def test_an_unreachable_or_failing_node_is_a_lookup_error(monkeypatch):
    def refused(request, timeout):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(ens.urllib.request, "urlopen", refused)
    with pytest.raises(ens.EnsLookupError, match="did not answer"):
        ens.ens_text(name="mamanjeri.eth", key="url", rpc_url="http://node.example")

    class Answer:
        def __init__(self, body):
            self.body = body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.body

    monkeypatch.setattr(ens.urllib.request, "urlopen", lambda request, timeout: Answer(b'{"error": {"code": -32000}}'))
    with pytest.raises(ens.EnsLookupError, match="refused the call"):
        ens.ens_text(name="mamanjeri.eth", key="url", rpc_url="http://node.example")


@pytest.fixture
def store(db):
    return StoreFactory(slug="mama-njeri-crafts", ens_name="mamanjeri.eth", area=places().westlands)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "record, verified",
    [
        ("http://testserver/s/mama-njeri-crafts/", True),
        ("http://testserver/s/mama-njeri-crafts", True),
        ("http://testserver/s/kaloum-electronique/", False),  # another store
        ("https://phish.example/s/mama-njeri-crafts/", False),  # not this site
        ("", False),
    ],
)
def test_the_name_is_verified_when_its_url_record_points_at_the_store_page(store, settings, monkeypatch, record, verified):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    monkeypatch.setattr(ens, "_eth_call", FakeNode(name="mamanjeri.eth", records={"url": record}))

    assert store_ens_check(store_id=store.pk) is verified
    assert (Store.objects.get(pk=store.pk).ens_verified_at is not None) is verified


@pytest.mark.django_db
def test_saving_the_settings_checks_the_name_and_the_page_then_shows_it_verified(
    client, store, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    monkeypatch.setattr(ens, "_eth_call", FakeNode(name="mamanjeri.eth", records={"url": "http://testserver/s/mama-njeri-crafts/"}))
    client.force_login(store.memberships.get().user)
    assert "set the name's <code>url</code> record to <span class=\"text-break\">http://testserver/s/mama-njeri-crafts/" in client.get(
        "/dashboard/settings/"
    ).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/settings/", settings_form_data(store))

    assert 'data-testid="ens-verified"' in client.get("/s/mama-njeri-crafts/").content.decode()


@pytest.mark.django_db
def test_a_new_ens_name_starts_unverified(client, store, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.SOKO_ETH_RPC_URL = "http://node.example"
    Store.objects.filter(pk=store.pk).update(ens_verified_at=timezone.now())
    monkeypatch.setattr(ens, "_eth_call", FakeNode(name="mamanjeri.eth", records={"url": "http://testserver/s/mama-njeri-crafts/"}))
    client.force_login(store.memberships.get().user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/settings/", settings_form_data(store, ens_name="somebody-else.eth"))

    store.refresh_from_db()
    assert (store.ens_name, store.ens_verified_at) == ("somebody-else.eth", None)


@pytest.mark.django_db
def test_a_node_that_does_not_answer_leaves_the_name_unverified_and_the_save_works(
    client, store, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SOKO_ETH_RPC_URL = "http://node.example"

    def down(**kwargs):
        raise ens.EnsLookupError("connection refused")

    monkeypatch.setattr(ens, "_eth_call", down)
    client.force_login(store.memberships.get().user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboard/settings/", settings_form_data(store, tagline="Still saved"))

    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.tagline, store.ens_verified_at) == ("Still saved", None)


@pytest.mark.django_db
def test_without_a_node_nothing_is_asked(client, store, monkeypatch, django_capture_on_commit_callbacks):
    def forbidden(**kwargs):
        raise AssertionError("no network without SOKO_ETH_RPC_URL")

    monkeypatch.setattr(ens, "_eth_call", forbidden)
    client.force_login(store.memberships.get().user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/settings/", settings_form_data(store))

    assert store_ens_check(store_id=store.pk) is None
    assert 'data-testid="ens-unverified"' in client.get("/s/mama-njeri-crafts/").content.decode()
