"""What one socket may send and how many sockets one client may hold, through the real
ASGI application: a page that sends more, or larger, frames than a page does is closed
(4008, policy violation); a client address holds at most SOKO_SOCKETS_PER_ADDRESS sockets,
signed in or not; and nobody's frames or pushes wait for the database thread."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from shop.core.services.realtime import user_group
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.factories.chat import chat_world
from tests.notifications.test_consumers import PATH, SOKO_ORIGIN, application, session_cookie  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# A page that sends more, or larger, frames than a page does (1008, policy violation, in
# the application range); a client (user or address) with too many sockets.
CLOSE_POLICY_VIOLATION = 4008
CLOSE_TOO_MANY_SOCKETS = 4429
TYPING = '{"typing": 1}'


def socket_from(application, path, address="203.0.113.7", headers=()):  # noqa: F811
    communicator = WebsocketCommunicator(application, path, headers=[*SOKO_ORIGIN, *headers])
    # The server puts the peer's address in the scope; the application reads it on connect.
    communicator.scope["client"] = (address, 50000)
    return communicator


async def closed_with(communicator, timeout=3) -> dict:
    message = await communicator.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    return message


async def opened_or_code(communicator) -> int | bool:
    """True when the socket opened and stays open; else its close code (or False when the
    handshake was refused)."""
    connected, code = await communicator.connect(timeout=3)
    if not connected:
        return False
    if await communicator.receive_nothing(timeout=0.1):
        return True
    return (await closed_with(communicator)).get("code")


def test_a_page_sending_more_frames_than_a_page_does_is_closed_with_a_reason(application, settings):  # noqa: F811
    assert settings.SOKO_SOCKET_FRAME_BURST == 20
    settings.SOKO_SOCKET_FRAMES_PER_SECOND = 0.1  # nothing refills while the test waits
    amina = UserFactory()
    cookie = session_cookie(Client(), amina)

    async def scenario():
        page = socket_from(application, PATH, headers=[cookie])
        assert (await page.connect(timeout=3))[0]
        for _ in range(20):
            await page.send_to(text_data=TYPING)
        still_open = await page.receive_nothing(timeout=0.2)
        await page.send_to(text_data=TYPING)
        closed = await closed_with(page)
        await page.disconnect()
        return still_open, closed

    still_open, closed = async_to_sync(scenario)()

    assert still_open is True
    assert closed["code"] == CLOSE_POLICY_VIOLATION
    assert closed["reason"] == "too many messages"


@pytest.mark.parametrize("frame", [{"text_data": "é" * 2049}, {"bytes_data": b"\x00" * 4097}], ids=["text", "binary"])
def test_a_frame_larger_than_a_page_sends_closes_the_socket(application, settings, frame):  # noqa: F811
    assert settings.SOKO_SOCKET_MAX_FRAME_BYTES == 4096
    auction = live_auction()

    async def scenario():
        page = socket_from(application, f"/ws/auctions/{auction.pk}/")
        assert (await page.connect(timeout=3))[0]
        await page.send_to(**frame)
        closed = await closed_with(page)
        await page.disconnect()
        return closed

    closed = async_to_sync(scenario)()

    assert closed["code"] == CLOSE_POLICY_VIOLATION
    assert closed["reason"] == "message too large"


def test_a_closed_flooder_leaves_its_groups_and_gives_its_slots_back(application, settings):  # noqa: F811
    settings.SOKO_SOCKETS_PER_USER = 1
    settings.SOKO_SOCKETS_PER_ADDRESS = 1
    amina = UserFactory()
    cookie = session_cookie(Client(), amina)

    async def scenario():
        flooder = socket_from(application, PATH, headers=[cookie])
        assert (await flooder.connect(timeout=3))[0]
        for _ in range(200):
            await flooder.send_to(text_data=TYPING)
        code = (await closed_with(flooder))["code"]
        await flooder.wait(timeout=3)  # the consumer stopped by itself, without a disconnect
        again = socket_from(application, PATH, headers=[cookie])
        reopened = await opened_or_code(again)
        await again.disconnect()
        return code, reopened

    code, reopened = async_to_sync(scenario)()

    assert code == CLOSE_POLICY_VIOLATION
    assert reopened is True


def test_a_page_at_a_pages_pace_is_never_closed(application, settings):  # noqa: F811
    """Frames refill at SOKO_SOCKET_FRAMES_PER_SECOND: a page typing for a while stays open."""
    settings.SOKO_SOCKET_FRAMES_PER_SECOND = 50
    settings.SOKO_SOCKET_FRAME_BURST = 5
    amina = UserFactory()
    cookie = session_cookie(Client(), amina)

    async def scenario():
        page = socket_from(application, PATH, headers=[cookie])
        assert (await page.connect(timeout=3))[0]
        for _ in range(30):
            await page.send_to(text_data=TYPING)
            await asyncio.sleep(0.05)
        still_open = await page.receive_nothing(timeout=0.2)
        await page.disconnect()
        return still_open

    assert async_to_sync(scenario)() is True


def test_typing_reaches_the_other_side_while_the_database_thread_is_busy(application):  # noqa: F811
    """A frame and the push it causes go through no database work: a slow query elsewhere
    (here, the database thread asleep) holds up neither."""
    world = chat_world()
    buyer_cookie, owner_cookie = session_cookie(Client(), world.buyer), session_cookie(Client(), world.owner)
    path = f"/ws/chat/{world.conversation.pk}/"

    async def scenario():
        buyer, owner = (
            socket_from(application, path, headers=[buyer_cookie]),
            socket_from(application, path, headers=[owner_cookie]),
        )
        assert (await buyer.connect(timeout=3))[0]
        assert (await owner.connect(timeout=3))[0]
        await asyncio.sleep(0.3)  # the consumers' own database work after accepting is done
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(3))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await buyer.send_to(text_data=TYPING)
        try:
            heard = await owner.receive_from(timeout=2)
        except TimeoutError:
            heard = None
        elapsed = time.monotonic() - started
        await busy
        for page in (buyer, owner):
            await page.disconnect()
        return heard, elapsed

    heard, elapsed = async_to_sync(scenario)()

    assert heard is not None and "typing" in heard, f"nothing within {elapsed:.1f} s"
    assert elapsed < 1


def test_a_push_reaches_open_pages_while_the_database_thread_is_busy(application):  # noqa: F811
    amina = UserFactory()
    cookie = session_cookie(Client(), amina)

    async def scenario():
        page = socket_from(application, PATH, headers=[cookie])
        assert (await page.connect(timeout=3))[0]
        busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(3))
        await asyncio.sleep(0.05)
        await get_channel_layer().group_send(
            user_group(amina.pk), {"type": "html.push", "html": '<div id="bell">1</div>'}
        )
        try:
            heard = await page.receive_from(timeout=2)
        except TimeoutError:
            heard = None
        await busy
        await page.disconnect()
        return heard

    assert async_to_sync(scenario)() == '<div id="bell">1</div>'


# Sockets per client address


def test_an_address_holds_at_most_its_share_of_sockets_signed_in_or_not(application, settings):  # noqa: F811
    settings.SOKO_SOCKETS_PER_ADDRESS = 3
    auction = live_auction()
    amina = UserFactory()
    cookie = session_cookie(Client(), amina)
    path = f"/ws/auctions/{auction.pk}/"

    async def scenario():
        held = [
            socket_from(application, path),
            socket_from(application, path),
            socket_from(application, PATH, headers=[cookie]),
        ]
        opened = [await opened_or_code(each) for each in held]
        anonymous_extra = await opened_or_code(socket_from(application, path))
        signed_in_extra = await opened_or_code(socket_from(application, PATH, headers=[cookie]))
        elsewhere = socket_from(application, path, address="198.51.100.20")
        from_elsewhere = await opened_or_code(elsewhere)
        await held.pop(0).disconnect()
        back = socket_from(application, path)
        room_again = await opened_or_code(back)
        for each in [*held, elsewhere, back]:
            await each.disconnect()
        return opened, anonymous_extra, signed_in_extra, from_elsewhere, room_again

    opened, anonymous_extra, signed_in_extra, from_elsewhere, room_again = async_to_sync(scenario)()

    assert opened == [True, True, True]
    assert anonymous_extra == CLOSE_TOO_MANY_SOCKETS
    assert signed_in_extra == CLOSE_TOO_MANY_SOCKETS
    assert from_elsewhere is True
    assert room_again is True


def test_refused_sockets_hold_no_slot_of_their_address(application, settings):  # noqa: F811
    """An anonymous visitor knocking at the notification socket is turned away each time,
    and that leaves the address's count as it was."""
    settings.SOKO_SOCKETS_PER_ADDRESS = 1
    auction = live_auction()

    async def scenario():
        knocking = [socket_from(application, PATH) for _ in range(5)]
        knocks = [await opened_or_code(each) for each in knocking]
        watcher = socket_from(application, f"/ws/auctions/{auction.pk}/")
        watching = await opened_or_code(watcher)
        for each in [*knocking, watcher]:
            await each.disconnect()
        return knocks, watching

    knocks, watching = async_to_sync(scenario)()

    assert knocks == [False] * 5
    assert watching is True


def test_an_address_reopening_sockets_in_a_loop_is_turned_away_for_the_minute(application, settings, one_rate_window):  # noqa: F811
    """Closing and reopening sockets dodges the open-socket cap; the address's new sockets
    a minute are counted too. Another address is not affected."""
    settings.SOKO_SOCKET_CONNECTS_PER_MINUTE = 4
    auction = live_auction()
    path = f"/ws/auctions/{auction.pk}/"

    async def scenario():
        answers = []
        for _ in range(6):
            socket = socket_from(application, path)
            answers.append(await opened_or_code(socket))
            await socket.disconnect()
        elsewhere = socket_from(application, path, address="198.51.100.20")
        from_elsewhere = await opened_or_code(elsewhere)
        await elsewhere.disconnect()
        return answers, from_elsewhere

    answers, from_elsewhere = async_to_sync(scenario)()

    assert answers == [True] * 4 + [CLOSE_TOO_MANY_SOCKETS] * 2
    assert from_elsewhere is True
