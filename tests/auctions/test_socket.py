"""The auction page's socket at /ws/auctions/<id>/: every bid reaches every watcher (signed
in or not) in their language, numbered, through one channel of the server however many
watch; a watcher that was away sees every bid again from the page's live address, by
sequence number; hidden auctions take no sockets."""

import re
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shop.auctions.models import Auction, Bid
from shop.auctions.services import bid_place
from shop.catalog.models import Product
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def seq_of(html: str, auction_id: int) -> int:
    return int(re.search(rf'id="auction-{auction_id}-state"[^>]*?data-seq="(\d+)"', html, re.S).group(1))


def test_every_bid_reaches_every_watcher_with_the_next_sequence_number(application):
    auction = live_auction(start_price="100")
    bidders = [UserFactory() for _ in range(3)]
    french = UserFactory(language="fr")
    cookie = session_cookie(Client(), french)

    async def story():
        anonymous = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=SOKO_ORIGIN)
        signed_in = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=[*SOKO_ORIGIN, cookie])
        for socket in (anonymous, signed_in):
            connected, _ = await socket.connect(timeout=3)
            assert connected
        for number, bidder in enumerate(bidders, start=1):
            await database_sync_to_async(bid_place)(auction_id=auction.pk, bidder=bidder, amount=Decimal(100 + 50 * number))
            copies = [await socket.receive_from(timeout=3) for socket in (anonymous, signed_in)]
            assert [seq_of(html, auction.pk) for html in copies] == [number, number]
        english, french_copy = copies
        assert english != french_copy  # each socket gets the copy in its viewer's language
        assert 'data-amount="200.00"' in french_copy  # figures in attributes stay unlocalized
        await anonymous.disconnect()
        await signed_in.disconnect()

    async_to_sync(story)()


def test_a_watcher_away_for_a_while_sees_every_bid_on_return(application):
    """Pushes are at most once: a socket that was closed while bids came misses them, and
    the page's re-read (its live address, asked on reconnect) shows all of them, with the
    sequence number the next push continues from."""
    auction = live_auction(start_price="100")

    async def story():
        socket = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=SOKO_ORIGIN)
        assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(bid_place)(auction_id=auction.pk, bidder=await database_sync_to_async(UserFactory)(), amount=Decimal("100"))
        first = seq_of(await socket.receive_from(timeout=3), auction.pk)
        await socket.disconnect()
        for amount in (200, 300, 400, 500):
            await database_sync_to_async(bid_place)(auction_id=auction.pk, bidder=await database_sync_to_async(UserFactory)(), amount=Decimal(amount))
        back = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=SOKO_ORIGIN)
        assert (await back.connect(timeout=3))[0]
        assert await back.receive_nothing(timeout=0.3)  # nothing replayed: the page reads again
        await back.disconnect()
        return first

    first = async_to_sync(story)()
    reread = Client().get(reverse("auctions:live", args=[auction.pk])).content.decode()
    auction.refresh_from_db()
    assert seq_of(reread, auction.pk) == auction.seq > first + 3
    for amount in Bid.objects.filter(auction=auction).values_list("amount", flat=True):
        assert f'data-amount="{amount}"' in reread


def test_no_socket_for_an_auction_nobody_may_see(application):
    auction = live_auction()
    Product.objects.filter(pk=auction.product_id).update(status=Product.Status.REJECTED)

    async def story():
        socket = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=SOKO_ORIGIN)
        connected, _ = await socket.connect(timeout=3)
        assert not connected
        missing = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk + 999}/", headers=SOKO_ORIGIN)
        assert not (await missing.connect(timeout=3))[0]

    async_to_sync(story)()
    assert Auction.objects.filter(pk=auction.pk).exists()


async def members_of(group: str) -> int:
    """How many channels the channel layer holds in ``group``."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return len(layer.groups.get(group, {}))
    return await layer.connection(0).zcard(layer._group_key(group))


def test_a_crowd_of_watchers_shares_one_channel_and_every_watcher_gets_every_bid(application, monkeypatch):
    """The auction's group holds one channel for the server's watchers, whatever their
    number; each push is rendered once per language, not once per watcher, and reaches
    every socket; the channel leaves the group with the last watcher."""
    from shop.auctions import services

    auction = live_auction(start_price="100")
    rendered = []
    render = services.render_to_string
    monkeypatch.setattr(services, "render_to_string", lambda name, context: rendered.append(name) or render(name, context))
    group = f"auction.{auction.pk}"
    languages = [code for code, _name in settings.LANGUAGES]

    async def story():
        watchers = [
            WebsocketCommunicator(
                application,
                f"/ws/auctions/{auction.pk}/",
                headers=[*SOKO_ORIGIN, (b"cookie", f"{settings.LANGUAGE_COOKIE_NAME}={languages[n % len(languages)]}".encode())],
            )
            for n in range(24)
        ]
        for socket in watchers:
            assert (await socket.connect(timeout=3))[0]
        joined = await members_of(group)
        for number in (1, 2):
            bidder = await database_sync_to_async(UserFactory)()
            await database_sync_to_async(bid_place)(auction_id=auction.pk, bidder=bidder, amount=Decimal(100 * number))
            copies = [await socket.receive_from(timeout=3) for socket in watchers]
            assert {seq_of(html, auction.pk) for html in copies} == {number}
            assert len(set(copies)) == len(languages)  # each watcher in their language
        for socket in watchers[1:]:
            await socket.disconnect()
        still = await members_of(group)
        await watchers[0].disconnect()
        return joined, still, await members_of(group)

    assert async_to_sync(story)() == (1, 1, 0)
    assert rendered.count("auctions/_live.html") == 2 * len(languages)
