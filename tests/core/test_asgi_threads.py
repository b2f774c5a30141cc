"""Under daphne, requests run on a few reused threads that keep their database connection:
ten requests open at most as many connections as there are threads, not ten."""

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.db import connections
from django.db.backends.signals import connection_created

from shop.core.asgi import ReusedThreads

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 10


def _get(path: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }


async def _ask(app, path: str) -> int:
    communicator = ApplicationCommunicator(app, _get(path))
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
    for connection in opened:
        connection.inc_thread_sharing()
        connection.close()
        connection.dec_thread_sharing()


def _serve(app) -> list[int]:
    async def requests():
        return [await _ask(app, "/healthz") for _ in range(REQUESTS)]

    return asyncio.run(requests())


def test_reused_threads_open_at_most_one_connection_each(kept_connections):
    app = ReusedThreads(get_asgi_application(), threads=2)
    statuses = _serve(app)

    assert statuses == [200] * REQUESTS
    assert 1 <= len(kept_connections) <= 2
    while not app._free.empty():
        app._free.get_nowait().shutdown()


def test_without_them_every_request_opens_a_connection(kept_connections):
    """What the reused threads prevent (Django's handler alone: a new thread per request)."""
    statuses = _serve(get_asgi_application())

    assert statuses == [200] * REQUESTS
    assert len(kept_connections) == REQUESTS
