"""Apps open the pages' sockets with their access token (the ``bearer.<token>``
subprotocol, or an ``Authorization`` header) and receive the same events as JSON frames,
numbered per stream; the token is checked as an API call's, and each socket keeps the
pages' own access checks. Pages with a session cookie still get HTML. Through the real
ASGI application."""

import asyncio
import json
import time
from decimal import Decimal

import jwt
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from shop.auctions.services import bid_place
from shop.chat.services.conversations import message_send
from shop.moderation.accounts.services import account_act
from shop.notifications.services.notifications import notify
from shop.orders.services.orders import order_push
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

from .conftest import bearer, sign_in, verified

# The token's session is read from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

JSON = "soko.v1.json"


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def token_of(user) -> str:
    return sign_in(Client(), verified(user))["access_token"]


def app_socket(application, path: str, token: str) -> WebsocketCommunicator:
    """An app's socket: no Origin, no cookie, the token as a subprotocol."""
    return WebsocketCommunicator(application, path, subprotocols=[JSON, f"bearer.{token}"])


async def opened(socket: WebsocketCommunicator) -> WebsocketCommunicator:
    connected, subprotocol = await socket.connect(timeout=3)
    assert connected
    assert subprotocol == JSON
    return socket


async def frame(socket: WebsocketCommunicator) -> dict:
    return json.loads(await socket.receive_from(timeout=3))


async def refusal_code(socket: WebsocketCommunicator) -> int:
    """The close code of a socket refused after its handshake (an app can read it)."""
    connected, _ = await socket.connect(timeout=3)
    assert connected
    closed = await socket.receive_output(timeout=3)
    assert closed["type"] == "websocket.close"
    return closed["code"]


def assert_consecutive(frames: list[dict], stream: str, event: str) -> None:
    assert [f["stream"] for f in frames] == [stream] * len(frames)
    assert [f["event"] for f in frames] == [event] * len(frames)
    first = frames[0]["seq"]
    assert [f["seq"] for f in frames] == list(range(first, first + len(frames)))


def test_a_token_opens_the_notification_socket_and_each_event_comes_as_json_numbered(application):
    person = UserFactory()
    token = token_of(person)

    async def story():
        socket = await opened(app_socket(application, "/ws/notifications/", token))
        for text in ("Your order is on its way", "Your order was delivered"):
            await database_sync_to_async(notify)(user=person, kind="order", text=text)
        frames = [await frame(socket), await frame(socket)]
        await socket.disconnect()
        return frames

    frames = async_to_sync(story)()

    assert_consecutive(frames, f"user.{person.pk}", "notification.new")
    assert frames[1]["data"]["text"] == "Your order was delivered"
    assert frames[1]["data"]["unread"] == 2


def test_order_events_reach_the_buyers_app_and_not_a_strangers(application):
    order = OrderFactory()
    buyer_token, stranger_token = token_of(order.buyer), token_of(UserFactory())

    async def story():
        buyer = await opened(app_socket(application, "/ws/notifications/", buyer_token))
        stranger = await opened(app_socket(application, "/ws/notifications/", stranger_token))
        for _ in range(2):
            await database_sync_to_async(order_push)(order=order)
        frames = [await frame(buyer), await frame(buyer)]
        stranger_heard = not await stranger.receive_nothing(timeout=0.5)
        for socket in (buyer, stranger):
            await socket.disconnect()
        return frames, stranger_heard

    frames, stranger_heard = async_to_sync(story)()

    assert_consecutive(frames, f"user.{order.buyer_id}", "order.changed")
    assert frames[0]["data"] == {"order": order.number, "status": order.status}
    assert stranger_heard is False


def test_an_auctions_socket_sends_each_bid_as_the_next_auction_event(application):
    auction = live_auction(start_price="100")
    watcher = UserFactory()
    token = token_of(watcher)
    bidders = [UserFactory(), UserFactory()]

    async def story():
        socket = await opened(app_socket(application, f"/ws/auctions/{auction.pk}/", token))
        for number, bidder in enumerate(bidders, start=1):
            await database_sync_to_async(bid_place)(
                auction_id=auction.pk, bidder=bidder, amount=Decimal(100 + 50 * number)
            )
        frames = [await frame(socket), await frame(socket)]
        await socket.disconnect()
        return frames

    frames = async_to_sync(story)()

    assert_consecutive(frames, f"auction.{auction.pk}", "auction.changed")
    assert [f["data"]["current_price"] for f in frames] == ["100.00", "155.00"]  # the opening bid, then one step up
    assert [f["data"]["version"] for f in frames] == [1, 2]
    assert frames[1]["data"]["bid_count"] > frames[0]["data"]["bid_count"]


def test_a_conversations_socket_sends_messages_and_typing_to_the_other_side(application):
    chat = chat_world()
    buyer_token, owner_token = token_of(chat.buyer), token_of(chat.owner)
    path = f"/ws/chat/{chat.conversation.pk}/"

    async def story():
        buyer = await opened(app_socket(application, path, buyer_token))
        owner = await opened(app_socket(application, path, owner_token))
        await database_sync_to_async(message_send)(
            conversation=chat.conversation, user=chat.owner, text="Still in stock"
        )
        message = await frame(buyer)
        while (await frame(owner))["event"] != "message.new":  # the sender's own copy
            pass
        await owner.send_to(text_data=json.dumps({"typing": True}))
        typing = await frame(buyer)
        for socket in (buyer, owner):
            await socket.disconnect()
        return message, typing

    message, typing = async_to_sync(story)()

    assert message["stream"] == f"user.{chat.buyer.pk}"
    assert message["event"] == "message.new"
    assert message["data"]["conversation"] == chat.conversation.pk
    assert message["data"]["unread"] == 1
    assert typing == {
        "stream": f"chat.{chat.conversation.pk}",
        "seq": None,
        "event": "typing",
        "data": {"conversation": chat.conversation.pk, "side": "team", "name": chat.store.name},
    }


def test_someone_elses_conversation_refuses_the_apps_socket(application):
    chat = chat_world()
    token = token_of(UserFactory())

    async def story():
        socket = app_socket(application, f"/ws/chat/{chat.conversation.pk}/", token)
        return await socket.connect(timeout=3)

    assert async_to_sync(story)()[0] is False


def test_the_authorization_header_works_where_a_client_can_send_it(application):
    person = UserFactory()
    token = token_of(person)

    async def story():
        socket = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[(b"authorization", f"Bearer {token}".encode())]
        )
        connected, _ = await socket.connect(timeout=3)
        assert connected
        await database_sync_to_async(notify)(user=person, kind="order", text="Hello")
        received = await frame(socket)
        await socket.disconnect()
        return received

    assert async_to_sync(story)()["event"] == "notification.new"


def expired(token: str) -> str:
    """The same token, validly signed, expired a minute ago."""
    payload = jwt.decode(token, options={"verify_signature": False})
    payload["exp"] = int(time.time()) - 60
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


@pytest.mark.parametrize("spoil", [lambda token: token[:-4] + "AAAA", expired, lambda token: ""])
def test_a_bad_or_expired_token_is_refused_with_4401(application, spoil):
    token = spoil(token_of(UserFactory()))

    assert async_to_sync(refusal_code)(app_socket(application, "/ws/notifications/", token)) == 4401


def test_a_signed_out_token_is_refused(application):
    client = Client()
    tokens = sign_in(client, verified(UserFactory()))
    assert client.delete("/api/v1/auth/session", headers=bearer(tokens["access_token"])).status_code == 401

    code = async_to_sync(refusal_code)(app_socket(application, "/ws/notifications/", tokens["access_token"]))

    assert code == 4401


def test_a_deactivated_accounts_token_is_refused_and_its_open_socket_closed(application):
    person = UserFactory()
    token = token_of(person)
    staff = UserFactory(is_staff=True)

    async def story():
        socket = await opened(app_socket(application, "/ws/notifications/", token))
        await database_sync_to_async(account_act)(user=person, kind="deactivate", reason="Fraud", actor=staff)
        closed = await socket.receive_output(timeout=3)
        while closed["type"] == "websocket.send":  # the notice of the deactivation comes first
            closed = await socket.receive_output(timeout=3)
        again = await refusal_code(app_socket(application, "/ws/notifications/", token))
        return closed, again

    closed, again = async_to_sync(story)()

    assert (closed["type"], closed.get("code")) == ("websocket.close", 4403), closed
    assert again in (4401, 4403)  # the deactivation ends the token's session too


def test_signing_out_closes_the_apps_open_socket(application, settings):
    settings.SOKO_SOCKET_RECHECK_SECONDS = 0.2
    client = Client()
    tokens = sign_in(client, verified(UserFactory()))

    async def story():
        socket = await opened(app_socket(application, "/ws/notifications/", tokens["access_token"]))
        await database_sync_to_async(client.delete)("/api/v1/auth/session", headers=bearer(tokens["access_token"]))
        return await socket.receive_output(timeout=3)

    closed = async_to_sync(story)()

    assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


def test_a_token_ignores_the_cookie_and_a_page_still_gets_html(application):
    person, other = UserFactory(), UserFactory()
    token = token_of(other)
    cookie = session_cookie(Client(), person)

    async def story():
        page = WebsocketCommunicator(application, "/ws/notifications/", headers=[*SOKO_ORIGIN, cookie])
        assert (await page.connect(timeout=3)) == (True, None)
        # The token decides who the socket is, whatever cookie rides along.
        app = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[*SOKO_ORIGIN, cookie], subprotocols=[JSON, f"bearer.{token}"]
        )
        await opened(app)
        await database_sync_to_async(notify)(user=person, kind="order", text="Packed")
        html = await page.receive_from(timeout=3)
        app_heard = not await app.receive_nothing(timeout=0.5)
        for socket in (page, app):
            await socket.disconnect()
        return html, app_heard

    html, app_heard = async_to_sync(story)()

    assert "Packed" in html
    assert html.lstrip().startswith("<")
    assert app_heard is False


def test_a_page_may_ask_for_json_with_its_session(application):
    person = UserFactory()
    cookie = session_cookie(Client(), person)

    async def story():
        page = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[*SOKO_ORIGIN, cookie], subprotocols=[JSON]
        )
        await opened(page)
        await database_sync_to_async(notify)(user=person, kind="order", text="Packed")
        received = await frame(page)
        await page.disconnect()
        return received

    assert async_to_sync(story)()["data"]["text"] == "Packed"


def test_concurrent_senders_never_draw_the_same_number():
    """The stream's counter is the cache's atomic increment (shared by every process when
    the cache is Redis), not a read then a write."""
    from shop.core.services.realtime import stream_seq_next

    group = f"user.test-{time.time_ns()}"

    async def draw():
        return await asyncio.gather(*(sync_to_async(stream_seq_next, thread_sensitive=False)(group) for _ in range(20)))

    drawn = async_to_sync(draw)()

    assert sorted(drawn) == list(range(1, 21))
