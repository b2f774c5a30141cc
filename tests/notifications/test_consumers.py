"""The notification socket at /ws/notifications/, through the real ASGI application."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from shop.notifications.services.notifications import notify
from tests.factories import UserFactory

# The auth middleware reads the session from another thread: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"
SOKO_ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


def session_cookie(client, user) -> tuple[bytes, bytes]:
    """The Cookie header of a browser logged in as ``user`` (one client per user)."""
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={client.cookies[name].value}".encode())


def connects(application, headers) -> bool:
    async def attempt():
        communicator = WebsocketCommunicator(application, PATH, headers=headers)
        connected, _ = await communicator.connect(timeout=3)
        await communicator.disconnect()
        return connected

    return async_to_sync(attempt)()


def test_logged_in_page_opens_its_notification_socket(application, client, user):
    assert connects(application, [*SOKO_ORIGIN, session_cookie(client, user)]) is True


def test_page_on_a_foreign_site_cannot_open_a_socket_even_with_a_session(application, client, user):
    foreign = [(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1"), session_cookie(client, user)]

    assert connects(application, foreign) is False


def test_socket_without_an_origin_is_refused(application, client, user):
    assert connects(application, [(b"host", b"127.0.0.1"), session_cookie(client, user)]) is False


def test_anonymous_visitor_cannot_open_a_socket(application):
    assert connects(application, SOKO_ORIGIN) is False


def test_socket_with_a_forged_session_cookie_is_refused(application):
    assert connects(application, [*SOKO_ORIGIN, (b"cookie", b"sessionid=not-a-real-session")]) is False


def test_notification_reaches_only_its_owners_open_page(application):
    amina, kofi = UserFactory(email="amina@example.test"), UserFactory(email="kofi@example.test")
    amina_cookie = session_cookie(Client(), amina)
    kofi_cookie = session_cookie(Client(), kofi)

    async def scenario():
        amina_page = WebsocketCommunicator(application, PATH, headers=[*SOKO_ORIGIN, amina_cookie])
        kofi_page = WebsocketCommunicator(application, PATH, headers=[*SOKO_ORIGIN, kofi_cookie])
        assert (await amina_page.connect(timeout=3))[0]
        assert (await kofi_page.connect(timeout=3))[0]
        try:
            await database_sync_to_async(notify)(user=amina, kind="order", text="Your order #1042 is on its way")
            pushed = await amina_page.receive_from(timeout=3)
            kofi_heard_nothing = await kofi_page.receive_nothing(timeout=0.5)
        finally:
            await amina_page.disconnect()
            await kofi_page.disconnect()
        return pushed, kofi_heard_nothing

    pushed, kofi_heard_nothing = async_to_sync(scenario)()

    assert "Your order #1042 is on its way" in pushed
    assert '<span id="bell-count" hx-swap-oob="true"' in pushed
    assert 'data-count="1"' in pushed
    assert 'hx-swap-oob="beforeend"' in pushed  # the toast joins the page's toasts
    assert kofi_heard_nothing is True


def test_marking_read_elsewhere_updates_the_bell_on_open_pages(application, client):
    amina = UserFactory(email="amina@example.test")
    amina_cookie = session_cookie(client, amina)

    async def scenario():
        page = WebsocketCommunicator(application, PATH, headers=[*SOKO_ORIGIN, amina_cookie])
        assert (await page.connect(timeout=3))[0]
        try:
            await database_sync_to_async(notify)(user=amina, kind="chat", text="New message from Kofi")
            await page.receive_from(timeout=3)
            await database_sync_to_async(client.post)("/notifications/read/")
            return await page.receive_from(timeout=3)
        finally:
            await page.disconnect()

    bell = async_to_sync(scenario)()

    assert bell.startswith('<span id="bell-count" hx-swap-oob="true"')
    assert 'data-count="0"' in bell


def test_open_sockets_are_counted_for_metrics_while_they_are_open(application, client, user):
    from shop.core.metrics import SOCKETS_OPEN

    cookie = session_cookie(client, user)
    before = SOCKETS_OPEN._value.get()

    async def open_then_close():
        communicator = WebsocketCommunicator(application, PATH, headers=[*SOKO_ORIGIN, cookie])
        connected, _ = await communicator.connect(timeout=3)
        during = SOCKETS_OPEN._value.get()
        await communicator.disconnect()
        return connected, during

    connected, during = async_to_sync(open_then_close)()
    assert connected and during == before + 1
    assert SOCKETS_OPEN._value.get() == before
