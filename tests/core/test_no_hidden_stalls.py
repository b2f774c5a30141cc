"""A real daphne on PostgreSQL (DEBUG=0, the Huey consumer inside it, as the browser tests
run it) whose process may hold one database connection: sockets open and close and
their consumers read the database, background jobs run, and a burst of requests three
times the server's threads asks for pages, missing ones and refused ones among them.
Every request is answered at once, none waits for a connection that an idle socket,
job or thread keeps, and the process never holds more than its one connection."""

import base64
import os
import secrets
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import override_settings
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage

from shop.notifications.models import Notification
from shop.notifications.tasks import notify_task
from tests.factories import UserFactory
from tests.production_server import production_daphne, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOST = "127.0.0.1"
SECRET_KEY = secrets.token_urlsafe(45)
THREADS = 8
WAIT_SECONDS = 10
JOBS = 6
SOCKETS = 16
# A request that waited for a connection an idle thread keeps would take the whole wait.
ANSWERED_WITHIN = WAIT_SECONDS / 2


@pytest.fixture
def server(tmp_path):
    env = production_env(
        host=HOST,
        workdir=tmp_path,
        db_name=connection.settings_dict["NAME"],
        SECRET_KEY=SECRET_KEY,
        SOKO_DB_MAX_CONNECTIONS="1",
        SOKO_DB_CONNECT_WAIT_SECONDS=str(WAIT_SECONDS),
        SOKO_ASGI_THREADS=str(THREADS),
        LOG_LEVEL="WARNING",
    )
    with production_daphne(env=env, host=HOST, workdir=tmp_path) as (url, proc, log_path):
        yield {"url": url, "pid": proc.pid, "huey": tmp_path / "huey.sqlite3", "log": log_path}


def _get(url: str, path: str, session_key: str = "") -> tuple[int | str, float]:
    headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers), timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = repr(error)
    return status, time.monotonic() - started


def _socket_opened_and_closed(url: str, path: str, session_key: str) -> bytes:
    """A page's socket: the handshake (the consumer reads the session, the user and its
    own rows), a moment open, then gone without a goodbye."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {url}\r\n"
                f"Cookie: sessionid={session_key}\r\n\r\n"
            ).encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        time.sleep(0.3)
    return answer.split(b"\r\n", 1)[0]


def _logged_in_session(user) -> str:
    with override_settings(SECRET_KEY=SECRET_KEY):
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
    return session.session_key


@contextmanager
def _server_queue(path):
    """Jobs enqueued meanwhile go to the live server's Huey, not inline."""
    HUEY.immediate = False
    HUEY.storage = SqliteStorage(name=HUEY.name, filename=str(path))
    try:
        yield
    finally:
        HUEY.storage.close()
        HUEY.immediate = True


def _server_connections(pid: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [f"soko {pid}"],
        )
        return cursor.fetchone()[0]


def test_pages_never_wait_for_a_connection_an_idle_socket_job_or_thread_keeps(server):
    buyer = UserFactory()
    session_key = _logged_in_session(buyer)
    url = server["url"]
    pages = {"/": 200, "/robots.txt": 200, "/cart/": 200, "/payments/999999/": 404, "/courier/?page=x&sort=zz": 403}
    asked = [path for _ in range(3 * THREADS // len(pages) + 1) for path in pages]

    with _server_queue(server["huey"]):
        for number in range(JOBS):
            notify_task(buyer.pk, "system", f"Background note {number}")
    with ThreadPoolExecutor(SOCKETS + len(asked)) as clients:
        sockets = [
            clients.submit(_socket_opened_and_closed, url, path, session_key)
            for path in ["/ws/notifications/", "/ws/jobs/"] * (SOCKETS // 2)
        ]
        first = list(clients.map(lambda path: (path, *_get(url, path, session_key)), asked))
        handshakes = {future.exception() or future.result() for future in sockets}
    # Everything has gone quiet: the sockets are closed, the threads idle.
    time.sleep(1)
    with ThreadPoolExecutor(len(asked)) as clients:
        second = list(clients.map(lambda path: (path, *_get(url, path, session_key)), asked))

    log = server["log"].read_text(errors="replace")
    for path, status, seconds in first + second:
        assert status == pages[path], f"{path}: {status} after {seconds:.1f} s\n{log[-3000:]}"
        assert seconds < ANSWERED_WITHIN, f"{path} took {seconds:.1f} s\n{log[-3000:]}"
    assert handshakes == {b"HTTP/1.1 101 Switching Protocols"}, "every socket was let in"
    deadline = time.monotonic() + 60
    while Notification.objects.filter(user=buyer).count() < JOBS and time.monotonic() < deadline:
        time.sleep(0.2)
    with _server_queue(server["huey"]):
        waiting = HUEY.pending_count()
    log = server["log"].read_text(errors="replace")
    assert Notification.objects.filter(user=buyer).count() == JOBS, (
        f"the jobs ran alongside ({waiting} still queued)\n"
        + "\n".join(line for line in log.splitlines() if "huey" in line.lower() or "ERROR" in line)[-6000:]
    )
    assert 0 <= _server_connections(server["pid"]) <= 1
    assert "no database connection" not in log
