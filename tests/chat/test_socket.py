"""A conversation page's socket at /ws/chat/<id>/, through the real ASGI application: only
the people in the conversation open one; each message reaches their open pages as an htmx
fragment with its sequence number; typing reaches the other side only."""

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from shop.chat.models import Conversation, Message
from shop.chat.services.conversations import is_present, message_send
from tests.factories import StoreFactory, UserFactory
from tests.factories.chat import chat_world
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

# The auth middleware reads the session from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 100


@pytest.fixture
def application():
    """The site's ASGI application, with a channel layer of this test's own: channels-redis
    keeps a receive lock bound to the event loop it was first used on, and each test's
    ``async_to_sync`` runs a new loop (a receive left pending by an earlier test's loop
    made the next test's consumers fail with "bound to a different event loop")."""
    from site_config.asgi import application

    channel_layers.backends.clear()
    yield application
    async_to_sync(get_channel_layer().flush)()
    channel_layers.backends.clear()


@pytest.fixture
def redis_layer(settings):
    """channels-redis at REDIS_URL, whatever the run's own layer is."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": settings.REDIS_URL, "socket_timeout": 30}], "prefix": "soko:test-chat"},
        }
    }
    from channels_redis.core import RedisChannelLayer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    yield


def socket(application, conversation, cookie=None) -> WebsocketCommunicator:
    headers = [*SOKO_ORIGIN, cookie] if cookie else SOKO_ORIGIN
    return WebsocketCommunicator(application, f"/ws/chat/{conversation.pk}/", headers=headers)


async def opened(page, conversation, user) -> None:
    """Connect, then wait until the consumer counts the person as on the page (it does so
    just after accepting): a message sent before that rings their bell as well."""
    connected, _code = await page.connect(timeout=3)
    assert connected
    for _ in range(300):
        if await database_sync_to_async(is_present)(conversation_id=conversation.pk, user_id=user.pk):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{user} never counted as on the page")


def cookies(*users) -> list:
    return [session_cookie(Client(), user) for user in users]


def seq_pushed(html: str, conversation) -> int:
    """The sequence number of the message a push appends to the conversation's list."""
    found = re.search(rf'hx-swap-oob="beforeend:#chat-{conversation.pk}-messages">.*?data-seq="(\d+)"', html, re.S)
    assert found, html[:500]
    return int(found.group(1))


@database_sync_to_async
def send(conversation, user, text):
    return message_send(conversation=Conversation.objects.get(pk=conversation.pk), user=user, text=text)


def test_people_in_the_conversation_open_its_socket_and_nobody_else(application):
    world = chat_world()
    moderator = UserFactory(is_staff=True)
    rival = StoreFactory().memberships.get().user
    insiders = cookies(world.buyer, world.owner, world.staff)
    outsiders = cookies(UserFactory(), rival, moderator)

    async def story():
        opened = []
        for cookie in [*insiders, *outsiders, None]:
            page = socket(application, world.conversation, cookie)
            connected, _code = await page.connect(timeout=3)
            opened.append(connected)
            await page.disconnect()
        missing = socket(application, Conversation(pk=world.conversation.pk + 999), insiders[0])
        opened.append((await missing.connect(timeout=3))[0])
        return opened

    assert async_to_sync(story)() == [True, True, True, False, False, False, False, False]


def test_an_outsider_knocking_a_hundred_times_while_messages_flow_hears_nothing(application):
    world = chat_world()
    shopper_cookie, stranger_cookie = cookies(world.buyer, UserFactory(display_name="Nosy Neighbour"))
    texts = [f"Secret price {number}" for number in range(1, 11)]

    async def story():
        shopper = socket(application, world.conversation, shopper_cookie)
        await opened(shopper, world.conversation, world.buyer)
        frames, accepted, attempts = 0, 0, 0
        sending_done = asyncio.Event()

        async def team_answers():
            for text in texts:
                await send(world.conversation, world.owner, text)
                await asyncio.sleep(0.02)
            sending_done.set()

        async def stranger_knocks():
            nonlocal frames, accepted, attempts
            for _ in range(ATTEMPTS):
                page = socket(application, world.conversation, stranger_cookie)
                connected, _code = await page.connect(timeout=3)
                attempts += 1
                accepted += connected
                await asyncio.sleep(0.005)
                while not page.output_queue.empty():
                    if page.output_queue.get_nowait()["type"] == "websocket.send":
                        frames += 1
                await page.disconnect()

        await asyncio.gather(team_answers(), stranger_knocks())
        await sending_done.wait()
        received = [await shopper.receive_from(timeout=3) for _ in texts]
        await shopper.disconnect()
        return attempts, accepted, frames, received

    attempts, accepted, frames, received = async_to_sync(story)()

    assert (attempts, accepted, frames) == (ATTEMPTS, 0, 0)
    # The messages did flow: the shopper's open page got each of them, in order.
    assert [seq_pushed(html, world.conversation) for html in received] == list(range(1, len(texts) + 1))
    assert all(text in html for text, html in zip(texts, received, strict=True))


def pushed_message_reaches_the_open_pages(application):
    world = chat_world()
    shopper_cookie, owner_cookie, staff_cookie = cookies(world.buyer, world.owner, world.staff)

    async def story():
        people = (world.buyer, world.owner, world.staff)
        pages = [socket(application, world.conversation, cookie) for cookie in (shopper_cookie, owner_cookie, staff_cookie)]
        for page, person in zip(pages, people, strict=True):
            await opened(page, world.conversation, person)
        # Another of the shopper's tabs, on any page: the push comes through ``user.<id>``.
        other_tab = WebsocketCommunicator(application, "/ws/notifications/", headers=[*SOKO_ORIGIN, shopper_cookie])
        assert (await other_tab.connect(timeout=3))[0]
        await send(world.conversation, world.buyer, "Is the blue kanga cotton?")
        first = [await page.receive_from(timeout=3) for page in pages]
        in_other_tab = await other_tab.receive_from(timeout=3)
        await send(world.conversation, world.staff, "Yes, pure cotton")
        second = [await page.receive_from(timeout=3) for page in pages]
        await other_tab.receive_from(timeout=3)
        quiet = [await page.receive_nothing(timeout=0.3) for page in [*pages, other_tab]]
        for page in [*pages, other_tab]:
            await page.disconnect()
        return first, second, quiet, in_other_tab

    first, second, quiet, in_other_tab = async_to_sync(story)()

    pk = world.conversation.pk
    assert [seq_pushed(html, world.conversation) for html in first] == [1, 1, 1]
    assert [seq_pushed(html, world.conversation) for html in second] == [2, 2, 2]
    assert all(f'hx-swap-oob="beforeend:#chat-{pk}-messages"' in html for html in first + second)
    assert all("Is the blue kanga cotton?" in html for html in first)
    shopper_copy, owner_copy, _staff_copy = first
    assert 'class="chat-msg chat-mine' in shopper_copy and 'class="chat-msg chat-theirs' in owner_copy
    # The unread badge comes along: the team has one unread, the shopper none.
    assert 'data-count="0" data-testid="chat-unread"' in shopper_copy
    assert 'data-count="1" data-testid="chat-unread"' in owner_copy
    assert f'hx-swap-oob="afterbegin:#chat-inbox-store-{world.store.pk}"' in owner_copy
    assert 'hx-swap-oob="afterbegin:#chat-inbox-personal"' in shopper_copy
    assert in_other_tab == shopper_copy
    assert quiet == [True, True, True, True]


def test_a_message_reaches_every_open_page_of_both_sides_with_its_number(application):
    pushed_message_reaches_the_open_pages(application)


def test_a_page_away_for_a_while_reads_what_it_missed_after_reconnecting(application):
    world = chat_world()
    (shopper_cookie,) = cookies(world.buyer)
    shopper_browser = Client()
    shopper_browser.force_login(world.buyer)

    async def story():
        page = socket(application, world.conversation, shopper_cookie)
        await opened(page, world.conversation, world.buyer)
        await send(world.conversation, world.owner, "First answer")
        last_seen = seq_pushed(await page.receive_from(timeout=3), world.conversation)
        await page.disconnect()
        for number in range(5):
            await send(world.conversation, world.owner, f"While you were away {number}")
        again = socket(application, world.conversation, shopper_cookie)
        assert (await again.connect(timeout=3))[0]
        replayed = not await again.receive_nothing(timeout=0.3)
        await again.disconnect()
        return last_seen, replayed

    last_seen, replayed = async_to_sync(story)()

    assert (last_seen, replayed) == (1, False)  # pushes are not replayed: the page asks
    missed = shopper_browser.get(
        reverse("chat:since", args=[world.conversation.pk]), {"after": last_seen}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert [int(seq) for seq in re.findall(r'data-seq="(\d+)"', missed)] == [2, 3, 4, 5, 6]
    assert all(f"While you were away {number}" in missed for number in range(5))


def typing_reaches_the_other_side_only(application):
    world = chat_world()
    shopper_cookie, owner_cookie, staff_cookie = cookies(world.buyer, world.owner, world.staff)
    typing_id = f'id="chat-{world.conversation.pk}-typing"'

    async def story():
        shopper, owner, staff = (
            socket(application, world.conversation, cookie) for cookie in (shopper_cookie, owner_cookie, staff_cookie)
        )
        for page, person in ((shopper, world.buyer), (owner, world.owner), (staff, world.staff)):
            await opened(page, world.conversation, person)
        await shopper.send_json_to({"typing": 1})
        heard = [await owner.receive_from(timeout=3), await staff.receive_from(timeout=3)]
        shopper_quiet = await shopper.receive_nothing(timeout=0.5)
        await staff.send_to(text_data='{"typing": 1}')
        shopper_heard = await shopper.receive_from(timeout=3)
        team_quiet = [await owner.receive_nothing(timeout=0.5), await staff.receive_nothing(timeout=0.1)]
        await shopper.send_to(text_data="not json")
        await shopper.send_json_to({"typing": 0})
        ignored = await owner.receive_nothing(timeout=0.3)
        for page in (shopper, owner, staff):
            await page.disconnect()
        return heard, shopper_quiet, shopper_heard, team_quiet, ignored

    heard, shopper_quiet, shopper_heard, team_quiet, ignored = async_to_sync(story)()

    for html in heard:
        assert typing_id in html and 'hx-swap-oob="true"' in html
        assert "Buyer Bea is typing…" in html
    assert shopper_quiet is True
    assert typing_id in shopper_heard and f"{world.store.name} is typing…" in shopper_heard
    assert team_quiet == [True, True]
    assert ignored is True
    assert not Message.objects.filter(conversation=world.conversation).exists()  # typing is never stored


def test_typing_reaches_the_other_side_and_never_the_typists_own_page(application):
    typing_reaches_the_other_side_only(application)


@pytest.mark.redis
def test_through_channels_redis_messages_and_typing_reach_the_right_pages(redis_layer, application):
    pushed_message_reaches_the_open_pages(application)
    typing_reaches_the_other_side_only(application)


def test_a_member_removed_from_the_store_has_their_chat_socket_closed_at_the_next_recheck(application, settings):
    from sellers.models import StoreMember
    from shop.notifications.consumers import CLOSE_SESSION_ENDED

    settings.SOKO_SOCKET_RECHECK_SECONDS = 0.2
    world = chat_world()
    [staff_cookie, owner_cookie] = cookies(world.staff, world.owner)

    async def scenario():
        staff, owner = socket(application, world.conversation, staff_cookie), socket(application, world.conversation, owner_cookie)
        await opened(staff, world.conversation, world.staff)
        await opened(owner, world.conversation, world.owner)
        await database_sync_to_async(StoreMember.objects.filter(store=world.store, user=world.staff).delete)()
        closed = await staff.receive_output(timeout=3)
        kept = await owner.receive_nothing(timeout=0.6)
        await owner.disconnect()
        return closed, kept

    closed, kept = async_to_sync(scenario)()

    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}
    assert kept is True


def test_a_page_that_reads_over_its_socket_clears_its_sides_count_and_the_sender_sees_it_read(application):
    world = chat_world()
    shopper_cookie, staff_cookie = cookies(world.buyer, world.staff)
    read_state = f'id="chat-{world.conversation.pk}-read"'

    async def story():
        shopper, staff = socket(application, world.conversation, shopper_cookie), socket(application, world.conversation, staff_cookie)
        await opened(shopper, world.conversation, world.buyer)
        await opened(staff, world.conversation, world.staff)
        for text in ("Hello?", "Anyone there?"):
            await send(world.conversation, world.buyer, text)
            await shopper.receive_from(timeout=3)
            await staff.receive_from(timeout=3)
        before = await database_sync_to_async(Conversation.objects.get)(pk=world.conversation.pk)
        await staff.send_json_to({"read": 1})
        staff_badge = await staff.receive_from(timeout=3)
        shopper_told = await shopper.receive_from(timeout=3)
        # A second read at once changes nothing and pushes nothing.
        await staff.send_json_to({"read": 1})
        quiet = [await staff.receive_nothing(timeout=0.4), await shopper.receive_nothing(timeout=0.1)]
        after = await database_sync_to_async(Conversation.objects.get)(pk=world.conversation.pk)
        await shopper.disconnect()
        await staff.disconnect()
        return before, staff_badge, shopper_told, quiet, after

    before, staff_badge, shopper_told, quiet, after = async_to_sync(story)()

    assert (before.team_unread, before.team_read_seq) == (2, 0)
    assert (after.team_unread, after.team_read_seq) == (0, 2)  # the whole team's count, as a POST /read/ does
    assert 'id="chat-unread"' in staff_badge and 'data-count="0"' in staff_badge
    assert read_state in shopper_told and 'data-read-seq="2"' in shopper_told
    assert quiet == [True, True]


def test_a_read_over_the_socket_of_someone_no_longer_in_the_conversation_changes_nothing(application):
    from sellers.models import StoreMember

    world = chat_world()
    (staff_cookie,) = cookies(world.staff)

    async def story():
        staff = socket(application, world.conversation, staff_cookie)
        await opened(staff, world.conversation, world.staff)
        await send(world.conversation, world.buyer, "Hello?")
        await staff.receive_from(timeout=3)
        await database_sync_to_async(StoreMember.objects.filter(store=world.store, user=world.staff).delete)()
        await staff.send_json_to({"read": 1})
        quiet = await staff.receive_nothing(timeout=0.5)
        await staff.disconnect()
        return quiet

    assert async_to_sync(story)() is True
    conversation = Conversation.objects.get(pk=world.conversation.pk)
    assert (conversation.team_unread, conversation.team_read_seq) == (1, 0)
