"""Under daphne, requests run on a few reused threads: on SQLite each keeps its database
connection, so ten requests open at most as many connections as there are threads, not
ten. A request's error page is made on its own thread too, and every connection a request
opened is given back when it ends."""

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.test import Client

from shop.core.asgi import ReusedThreads, request_thread_application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Skipped before the database is set up (and flushed) for nothing.
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL lends connections from its pool instead (test_db_busy.py)"
)

REQUESTS = 10


def _get(path: str, cookie: str = "") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def _ask(app, path: str, cookie: str = "") -> int:
    communicator = ApplicationCommunicator(app, _get(path, cookie))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    while (await communicator.receive_output(10)).get("more_body"):
        pass
    await communicator.wait(10)
    return start["status"]


@pytest.fixture
def kept_connections(monkeypatch):
    """Connections kept between requests, as the serving entry points configure them."""
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection)

    connection_created.connect(count)
    yield opened
    connection_created.disconnect(count)
    # Close what the serving threads kept (it holds connection slots and the test database).
    for kept in opened:
        kept.inc_thread_sharing()
        kept.close()
        kept.dec_thread_sharing()


def _serve(app, path: str = "/healthz", cookie: str = "") -> list[int]:
    async def requests():
        return [await _ask(app, path, cookie) for _ in range(REQUESTS)]

    return asyncio.run(requests())


@sqlite_only
def test_reused_threads_open_at_most_one_connection_each(kept_connections):
    app = ReusedThreads(get_asgi_application(), threads=2)
    statuses = _serve(app)

    assert statuses == [200] * REQUESTS
    assert 1 <= len(kept_connections) <= 2
    while not app._free.empty():
        app._free.get_nowait().shutdown()


@sqlite_only
def test_without_them_every_request_opens_a_connection(kept_connections):
    """What the reused threads prevent (Django's handler alone: a new thread per request)."""
    statuses = _serve(get_asgi_application())

    assert statuses == [200] * REQUESTS
    assert len(kept_connections) == REQUESTS


@pytest.fixture
def opened():
    """Every connection opened (on PostgreSQL: borrowed) from now on, by any thread."""
    seen = []

    def record(sender, connection, **kwargs):
        seen.append(connection)

    connection_created.connect(record)
    yield seen
    connection_created.disconnect(record)


def test_a_missing_page_is_made_on_the_requests_thread_which_gives_its_connection_back(opened):
    """Django's own handler made a 404 page (a view's Http404) on another thread, which
    opened a connection for the page's context and kept it: under a bound on connections,
    each such thread took one for good."""
    shopper = Client()
    shopper.force_login(UserFactory())
    app = ReusedThreads(request_thread_application(), threads=2)
    connection.close()

    statuses = _serve(app, "/payments/999999/", cookie=f"sessionid={shopper.cookies['sessionid'].value}")

    assert statuses == [404] * REQUESTS
    assert opened, "the 404 page reads the database"
    assert [wrapper for wrapper in opened if wrapper.connection is not None] == []
    while not app._free.empty():
        app._free.get_nowait().shutdown()
