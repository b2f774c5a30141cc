"""An auction's pushes show each watcher the times in their own zone, as their page did:
the account's zone for a signed-in watcher, else the browser's (the ``soko_tz`` cookie),
else the site's. The live parts are still rendered once per language, and each process
fills in the times once per (language, zone) among its watchers, not once per socket."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from shop.auctions.models import Auction, Bid
from shop.auctions.services import auction_close, bid_place
from shop.core.selectors.times import local_time_mark, local_times_fill
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

KARACHI, LIMA, TOKYO = "Asia/Karachi", "America/Lima", "Asia/Tokyo"  # +5, -5, +9: no hour alike


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def zone_cookie(zone: str) -> tuple[bytes, bytes]:
    return (b"cookie", f"soko_tz={zone.replace('/', '%2F')}".encode())  # as preferences.js sets it


def shown(when, zone: str | None, form: str) -> str:
    with translation.override("en"):
        return date_format(timezone.localtime(when, ZoneInfo(zone or settings.TIME_ZONE)), form)


def ending(html: str) -> str:
    return re.search(r"\(ends ([^)]+)\)", html).group(1)


def bid_times(html: str) -> list[str]:
    return re.findall(r"<time class=\"text-body-secondary small text-nowrap\" datetime=\"[^\"]+\">([^<]+)</time>", html)


def test_each_watcher_sees_the_ending_and_the_bid_times_in_their_own_zone(application, monkeypatch):
    from shop.auctions import services

    auction = live_auction(start_price="100")
    rendered = []
    render = services.render_to_string
    monkeypatch.setattr(
        services, "render_to_string", lambda name, context: rendered.append(name) or render(name, context)
    )
    # The account's zone wins over the browser's, as on the page.
    _name, session = session_cookie(Client(), UserFactory(time_zone=TOKYO))
    watchers = {
        KARACHI: [*SOKO_ORIGIN, zone_cookie(KARACHI)],
        LIMA: [*SOKO_ORIGIN, zone_cookie(LIMA)],
        TOKYO: [*SOKO_ORIGIN, (b"cookie", session + b"; " + zone_cookie(LIMA)[1])],
        None: SOKO_ORIGIN,  # no zone known: the site's, as the page showed
    }
    bidders = [UserFactory(), UserFactory()]

    async def story():
        sockets = {}
        for zone, headers in watchers.items():
            sockets[zone] = WebsocketCommunicator(application, f"/ws/auctions/{auction.pk}/", headers=headers)
            assert (await sockets[zone].connect(timeout=3))[0]
        for number, bidder in enumerate(bidders, start=1):
            await database_sync_to_async(bid_place)(
                auction_id=auction.pk, bidder=bidder, amount=Decimal(100 + 100 * number)
            )
            copies = {zone: await socket.receive_from(timeout=3) for zone, socket in sockets.items()}
        for socket in sockets.values():
            await socket.disconnect()
        return copies

    copies = async_to_sync(story)()
    auction.refresh_from_db()
    bids = list(Bid.objects.filter(auction=auction).order_by("-amount"))
    for zone, html in copies.items():
        assert ending(html) == shown(auction.ends_at, zone, "j M, H:i"), zone
        assert bid_times(html) == [shown(bid.created_at, zone, "H:i:s") for bid in bids], zone
        assert "soko:time" not in html
        # The <time> elements keep their machine-readable instant.
        instants = re.findall(r'<time class="text-body-secondary small text-nowrap" datetime="([^"]+)"', html)
        assert [datetime.fromisoformat(instant) for instant in instants] == [bid.created_at for bid in bids]
    assert len({ending(html) for html in copies.values()}) == 4
    # Still rendered once per language for each push, whatever the watchers' zones.
    assert rendered.count("auctions/_live.html") == 2 * len(settings.LANGUAGES)


def test_a_push_shows_the_times_the_page_showed(application):
    """A visitor's page and the push that replaces its live parts agree, zone for zone."""
    auction = live_auction(start_price="100")

    async def story():
        socket = WebsocketCommunicator(
            application, f"/ws/auctions/{auction.pk}/", headers=[*SOKO_ORIGIN, zone_cookie(KARACHI)]
        )
        assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(bid_place)(
            auction_id=auction.pk, bidder=await database_sync_to_async(UserFactory)(), amount=Decimal("150")
        )
        pushed = await socket.receive_from(timeout=3)
        await socket.disconnect()
        return pushed

    pushed = async_to_sync(story)()
    page = Client()
    page.cookies["soko_tz"] = KARACHI
    reread = page.get(reverse("auctions:live", args=[auction.pk])).content.decode()
    assert ending(pushed) == ending(reread)
    assert bid_times(pushed) == bid_times(reread) != []


def test_the_end_of_an_auction_is_told_in_each_watchers_zone(application):
    auction = live_auction(start_price="100")
    bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("150"))

    async def story():
        sockets = {}
        for zone in (KARACHI, LIMA):
            sockets[zone] = WebsocketCommunicator(
                application, f"/ws/auctions/{auction.pk}/", headers=[*SOKO_ORIGIN, zone_cookie(zone)]
            )
            assert (await sockets[zone].connect(timeout=3))[0]
        await database_sync_to_async(ended)(auction)
        assert await database_sync_to_async(auction_close)(auction_id=auction.pk)
        copies = {zone: await socket.receive_from(timeout=3) for zone, socket in sockets.items()}
        for socket in sockets.values():
            await socket.disconnect()
        return copies

    copies = async_to_sync(story)()
    closed_at = Auction.objects.get(pk=auction.pk).closed_at
    for zone, html in copies.items():
        assert f"Ended {shown(closed_at, zone, 'j M Y, H:i')}" in html, zone


def test_a_crowd_in_two_zones_costs_two_fills_a_push_not_one_a_socket(application):
    auction = live_auction(start_price="100")

    async def story():
        sockets = [
            WebsocketCommunicator(
                application, f"/ws/auctions/{auction.pk}/", headers=[*SOKO_ORIGIN, zone_cookie((KARACHI, LIMA)[n % 2])]
            )
            for n in range(12)
        ]
        for socket in sockets:
            assert (await socket.connect(timeout=3))[0]
        before = local_times_fill.cache_info().misses
        await database_sync_to_async(bid_place)(
            auction_id=auction.pk, bidder=await database_sync_to_async(UserFactory)(), amount=Decimal("150")
        )
        copies = [await socket.receive_from(timeout=3) for socket in sockets]
        fills = local_times_fill.cache_info().misses - before
        for socket in sockets:
            await socket.disconnect()
        return copies, fills

    copies, fills = async_to_sync(story)()
    assert len(set(copies)) == 2
    assert fills == 2


def test_a_marked_time_reads_as_the_date_filter_shows_it_in_the_readers_language_and_zone():
    moment = datetime(2026, 11, 27, 20, 5, 9, tzinfo=UTC)
    marked = f"<b>{local_time_mark(moment, 'j M, H:i')}</b> <i>{local_time_mark(moment, 'H:i:s')}</i>"
    page = Template('<b>{{ moment|date:"j M, H:i" }}</b> <i>{{ moment|date:"H:i:s" }}</i>')
    for language, zone in (("fr", KARACHI), ("en", LIMA), ("ur", TOKYO), ("sw", None)):
        with translation.override(language), timezone.override(ZoneInfo(zone or settings.TIME_ZONE)):
            assert local_times_fill(marked, language, zone) == page.render(Context({"moment": moment}))


def test_a_visitor_without_a_language_cookie_gets_pushes_in_the_browser_s_language(application):
    """The page took its language from ``Accept-Language``; the pushes that replace its live
    parts take the same one (as the courier board's do)."""
    auction = live_auction(start_price="100")

    async def story():
        socket = WebsocketCommunicator(
            application, f"/ws/auctions/{auction.pk}/", headers=[*SOKO_ORIGIN, (b"accept-language", b"fr-FR,fr;q=0.9")]
        )
        assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(bid_place)(
            auction_id=auction.pk, bidder=await database_sync_to_async(UserFactory)(), amount=Decimal("150")
        )
        pushed = await socket.receive_from(timeout=3)
        await socket.disconnect()
        return pushed

    pushed = async_to_sync(story)()
    with translation.override("fr"):
        history = str(translation.gettext("Bid history"))
    assert history != "Bid history" and history in pushed
