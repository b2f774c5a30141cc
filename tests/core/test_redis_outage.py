"""With Redis down, the site degrades instead of failing: a write that committed answers
success whatever happens to its pushes and background jobs afterwards, pages that need only
the database still show, and a log-in is refused with a clear "try again shortly" rather
than let through without its limit. When Redis comes back, everything works again, and the
jobs that could not be queued meanwhile are queued then.

Each test runs the scale mode's cache, channel layer and Huey queue against a Redis server
of its own, which it stops and starts again.
"""

import os
import shutil
import socket
import subprocess
import time
from decimal import Decimal

import pytest
import redis
from channels.layers import channel_layers
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from shop.auctions.models import Auction
from shop.auctions.services import bid_place
from shop.cart.models import Cart
from shop.cart.services import cart_add
from shop.chat.models import Message
from shop.core import jobs
from shop.core.models import PendingJob
from shop.core.services import realtime
from shop.orders.models import Checkout
from tests.checkout.test_page import place
from tests.factories import PASSWORD, StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A throwaway Redis server on a free port, without persistence: stopping it loses
    everything, as a crashed Redis without a disk does."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def scale_settings(url: str) -> dict:
    """The scale mode's cache and channel layer (site_config/settings.py) on ``url``."""
    return {
        "CACHES": {
            "default": {
                "BACKEND": "shop.core.services.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "soko",
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
            }
        },
        "CHANNEL_LAYERS": {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30}], "prefix": "soko:channels"},
            }
        },
    }


@pytest.fixture
def own_redis():
    if REDIS_SERVER is None:
        problem = "needs a redis-server binary on PATH"
        if os.environ.get("SOKO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but this test {problem}", pytrace=False)
        pytest.skip(problem)
    server = OwnRedis()
    server.start()
    stored, immediate = HUEY.storage, HUEY.immediate
    try:
        with override_settings(**scale_settings(server.url)):
            # Changing the settings drops the cache and channel-layer handlers: both are
            # built afresh on the server. Huey sends to it as the web process does, with no
            # worker: what is queued stays queued.
            HUEY._immediate = False
            HUEY.storage = RedisStorage(name="soko", url=server.url)
            yield server
    finally:
        HUEY.storage, HUEY._immediate = stored, immediate
        caches["default"].close()
        channel_layers.backends.clear()
        if server.process.poll() is None:
            server.stop()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queued(server) -> int:
    return server.client().llen("huey.redis.soko")


# --- Writes that committed answer success ---------------------------------------------


def test_a_bid_while_redis_is_down_is_saved_and_answered_with_the_new_price(own_redis):
    auction = live_auction(start_price="100", minutes_left=1)  # a bid now moves the end: a job
    rival, bidder = UserFactory(), UserFactory()
    bid_place(auction_id=auction.pk, bidder=rival, amount=Decimal("100"))
    bidder_client = logged_in(bidder)
    own_redis.stop()

    answer = bidder_client.post(reverse("auctions:bid", args=[auction.pk]), {"amount": "200"})

    assert answer.status_code == 302 and answer["Location"] == reverse("auctions:detail", args=[auction.pk])
    auction.refresh_from_db()
    assert auction.leader == bidder and auction.current_price == Decimal("105.00")
    page = bidder_client.get(answer["Location"])
    assert page.status_code == 200 and "105.00" in page.content.decode()
    # The end moved by the bid must still close the auction at its time: the job that could
    # not be queued is kept in the database until it can be.
    assert PendingJob.objects.filter(name="auctions.close", args=[auction.pk]).exists()

    own_redis.start()
    assert jobs.jobs_pending_enqueue() >= 1
    assert not PendingJob.objects.exists() and queued(own_redis) >= 1
    again = logged_in(rival).post(reverse("auctions:bid", args=[auction.pk]), {"amount": "300"})
    assert again.status_code == 302
    assert Auction.objects.get(pk=auction.pk).leader == rival


def test_a_chat_message_while_redis_is_down_is_sent(own_redis):
    world = chat_world()
    shopper = logged_in(world.buyer)
    own_redis.stop()

    answer = shopper.post(reverse("chat:send", args=[world.conversation.pk]), {"text": "Is it still there?"})

    assert answer.status_code == 302
    assert Message.objects.filter(conversation=world.conversation, text="Is it still there?").exists()
    assert shopper.get(answer["Location"]).status_code == 200


def test_checkout_with_cash_while_redis_is_down_places_the_order(own_redis):
    buyer = UserFactory()
    AddressFactory(user=buyer)
    store = StoreFactory(delivers_local=False, delivers_national=False)  # pick-up: no area needed
    variant = ProductFactory(store=store, variants=[{"price": Decimal("850"), "stock": 5}]).variants.get()
    cart_add(cart=Cart.objects.create(user=buyer), variant=variant, quantity=1)
    client = logged_in(buyer)
    page = client.get("/checkout/").content.decode()
    own_redis.stop()

    answer = place(client, page)

    checkout = Checkout.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/checkout/{checkout.idempotency_key}/done/"
    assert client.get(answer["Location"]).status_code == 200


def test_a_failed_push_is_logged_with_its_group_and_counted(own_redis, caplog):
    own_redis.stop()
    before = realtime.push_failures()

    realtime.push_html_on_commit("user.42", "<p>hello</p>")

    assert realtime.push_failures() == before + 1
    warning = next(record for record in caplog.records if "user.42" in record.getMessage())
    assert warning.levelname == "WARNING"


# --- Pages that need only the database ------------------------------------------------


def test_pages_that_need_only_the_database_show_while_redis_is_down(own_redis):
    category = CategoryFactory(name="Baskets", slug="baskets")
    product = ProductFactory(title="Kiondo basket", category=category)
    order = OrderFactory()
    seller = order.store.memberships.get().user
    buyer_client, seller_client = logged_in(order.buyer), logged_in(seller)
    own_redis.stop()

    for client, address in [
        (Client(), "/"),
        (Client(), reverse("catalog:product", args=[product.slug])),
        (Client(), "/search/?q=kiondo"),
        (Client(), reverse("catalog:category", args=[category.slug])),
        (buyer_client, "/"),
        (buyer_client, reverse("catalog:product", args=[product.slug])),
        (buyer_client, reverse("orders:detail", args=[order.number])),
        (seller_client, "/dashboard/"),
    ]:
        assert client.get(address).status_code == 200, address

    own_redis.start()
    assert Client().get(reverse("catalog:product", args=[product.slug])).status_code == 200


# --- Log-ins fail closed --------------------------------------------------------------


def test_a_login_while_redis_is_down_is_refused_with_try_again_shortly(own_redis):
    user = UserFactory()
    own_redis.stop()

    answer = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert answer.status_code == 503 and "Retry-After" in answer
    assert "try again" in answer.content.decode().lower()
    assert "_auth_user_id" not in answer.wsgi_request.session

    own_redis.start()
    back = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert back.status_code == 302 and "_auth_user_id" in back.wsgi_request.session
