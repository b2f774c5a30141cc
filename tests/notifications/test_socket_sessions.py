"""A socket lives no longer than the login it was opened with, and a user has a bounded
number of them."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from shop.core.services.realtime import socket_slot_take, user_group
from shop.notifications.consumers import CLOSE_SESSION_ENDED, CLOSE_TOO_MANY_SOCKETS
from tests.factories import UserFactory
from tests.notifications.test_consumers import PATH, SOKO_ORIGIN, application, session_cookie  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

HANDOVER_PUSH = '<div id="handover-code" hx-swap-oob="true">QR and 4821 9935</div>'


def page(application, cookie):  # noqa: F811
    return WebsocketCommunicator(application, PATH, headers=[*SOKO_ORIGIN, cookie])


async def push_to(user):
    await get_channel_layer().group_send(user_group(user.pk), {"type": "html.push", "html": HANDOVER_PUSH})


async def closed_with(communicator, timeout=3):
    message = await communicator.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    return message.get("code")


async def refused(application, cookie):  # noqa: F811
    communicator = page(application, cookie)
    connected, code = await communicator.connect(timeout=3)
    await communicator.disconnect()
    return not connected


def test_after_logout_the_open_page_hears_nothing_more_not_even_the_handover_code(application):  # noqa: F811
    amina = UserFactory(email="amina@example.test")
    browser = Client()
    cookie = session_cookie(browser, amina)

    async def scenario():
        socket = page(application, cookie)
        assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(browser.post)("/accounts/logout/")
        code = await closed_with(socket)
        await push_to(amina)
        heard_nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return code, heard_nothing

    code, heard_nothing = async_to_sync(scenario)()

    assert code == CLOSE_SESSION_ENDED
    assert heard_nothing is True


def test_logout_closes_only_that_sessions_sockets(application):  # noqa: F811
    amina = UserFactory(email="amina@example.test")
    laptop, phone = Client(), Client()
    laptop_cookie, phone_cookie = session_cookie(laptop, amina), session_cookie(phone, amina)

    async def scenario():
        laptop_page, phone_page = page(application, laptop_cookie), page(application, phone_cookie)
        assert (await laptop_page.connect(timeout=3))[0]
        assert (await phone_page.connect(timeout=3))[0]
        await database_sync_to_async(laptop.post)("/accounts/logout/")
        code = await closed_with(laptop_page)
        await push_to(amina)
        pushed = await phone_page.receive_from(timeout=3)
        await laptop_page.disconnect()
        await phone_page.disconnect()
        return code, pushed

    code, pushed = async_to_sync(scenario)()

    assert code == CLOSE_SESSION_ENDED
    assert pushed == HANDOVER_PUSH


def test_password_changed_on_the_laptop_closes_the_phones_socket_and_keeps_it_out(application):  # noqa: F811
    amina = UserFactory(email="amina@example.test")
    amina.set_password("old-Password-123")
    amina.save()
    laptop, phone = Client(), Client()
    phone_cookie = session_cookie(phone, amina)
    session_cookie(laptop, amina)

    async def scenario():
        phone_page = page(application, phone_cookie)
        assert (await phone_page.connect(timeout=3))[0]
        response = await database_sync_to_async(laptop.post)(
            "/accounts/password/change/",
            {"oldpassword": "old-Password-123", "password1": "new-Password-456", "password2": "new-Password-456"},
        )
        assert response.status_code == 302, response.content
        code = await closed_with(phone_page)
        await phone_page.disconnect()
        new_laptop_cookie = (b"cookie", f"sessionid={laptop.cookies['sessionid'].value}".encode())
        return code, await refused(application, phone_cookie), await refused(application, new_laptop_cookie)

    code, phone_refused, laptop_refused = async_to_sync(scenario)()

    assert code == CLOSE_SESSION_ENDED
    assert phone_refused is True
    assert laptop_refused is False  # Django keeps the session that changed the password


def test_deactivated_account_loses_its_open_sockets(application):  # noqa: F811
    amina = UserFactory(email="amina@example.test")
    cookie = session_cookie(Client(), amina)

    async def scenario():
        socket = page(application, cookie)
        assert (await socket.connect(timeout=3))[0]
        amina.is_active = False
        await database_sync_to_async(amina.save)()
        code = await closed_with(socket)
        await socket.disconnect()
        return code, await refused(application, cookie)

    code, reconnect_refused = async_to_sync(scenario)()

    assert code == CLOSE_SESSION_ENDED
    assert reconnect_refused is True


def close_code_after(app, cookie, change) -> int:
    """Open a page's socket, make ``change`` in the database behind its back, and return the
    code the socket is closed with once its periodic re-check notices."""

    async def scenario():
        socket = page(app, cookie)
        assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(change)()
        code = await closed_with(socket)
        await socket.disconnect()
        return code

    return async_to_sync(scenario)()


def test_a_session_deleted_behind_the_sockets_back_is_noticed_by_the_recheck(application, settings):  # noqa: F811
    settings.SOKO_SOCKET_RECHECK_SECONDS = 0.2
    cookie = session_cookie(Client(), UserFactory(email="amina@example.test"))

    assert close_code_after(application, cookie, lambda: Session.objects.all().delete()) == CLOSE_SESSION_ENDED


def test_a_deactivation_that_skips_save_is_noticed_by_the_recheck(application, settings):  # noqa: F811
    settings.SOKO_SOCKET_RECHECK_SECONDS = 0.2
    amina = UserFactory(email="amina@example.test")
    cookie = session_cookie(Client(), amina)

    deactivate = lambda: type(amina).objects.filter(pk=amina.pk).update(is_active=False)  # noqa: E731
    assert close_code_after(application, cookie, deactivate) == CLOSE_SESSION_ENDED


def test_a_live_session_keeps_its_socket_through_rechecks(application, settings):  # noqa: F811
    settings.SOKO_SOCKET_RECHECK_SECONDS = 0.1
    amina = UserFactory(email="amina@example.test")
    cookie = session_cookie(Client(), amina)

    async def scenario():
        socket = page(application, cookie)
        assert (await socket.connect(timeout=3))[0]
        quiet = await socket.receive_nothing(timeout=0.6)
        await push_to(amina)
        pushed = await socket.receive_from(timeout=3)
        await socket.disconnect()
        return quiet, pushed

    quiet, pushed = async_to_sync(scenario)()

    assert quiet is True
    assert pushed == HANDOVER_PUSH


def test_the_twenty_first_socket_of_a_user_is_refused_until_one_closes(application, settings):  # noqa: F811
    assert settings.SOKO_SOCKETS_PER_USER == 20
    amina = UserFactory(email="amina@example.test")
    cookie = session_cookie(Client(), amina)

    async def scenario():
        pages = [page(application, cookie) for _ in range(20)]
        for each in pages:
            assert (await each.connect(timeout=3))[0]
        extra = page(application, cookie)
        await extra.connect(timeout=3)
        code = await closed_with(extra)
        await extra.disconnect()
        await pages.pop().disconnect()
        again = page(application, cookie)
        again_connected = (await again.connect(timeout=3))[0]
        heard_nothing = await again.receive_nothing(timeout=0.3)
        for each in [*pages, again]:
            await each.disconnect()
        return code, again_connected and heard_nothing

    code, room_again = async_to_sync(scenario)()

    assert code == CLOSE_TOO_MANY_SOCKETS
    assert room_again is True


@pytest.mark.redis
def test_through_channels_redis_logout_closes_and_the_socket_limit_is_shared(application, settings):  # noqa: F811
    from channels_redis.core import RedisChannelLayer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    settings.SOKO_SOCKETS_PER_USER = 2
    amina = UserFactory(email="amina@example.test")
    browser = Client()
    cookie = session_cookie(browser, amina)
    assert socket_slot_take(amina.pk)  # another web process holds one of her sockets

    async def scenario():
        socket = page(application, cookie)
        assert (await socket.connect(timeout=3))[0]
        extra = page(application, cookie)
        await extra.connect(timeout=3)
        refused_code = await closed_with(extra)
        await extra.disconnect()
        await database_sync_to_async(browser.post)("/accounts/logout/")
        code = await closed_with(socket)
        await push_to(amina)
        heard_nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return refused_code, code, heard_nothing

    refused_code, code, heard_nothing = async_to_sync(scenario)()

    assert refused_code == CLOSE_TOO_MANY_SOCKETS
    assert code == CLOSE_SESSION_ENDED
    assert heard_nothing is True
