"""When no database connection can be had, pages answer 503 "busy, try again" with
Retry-After, never a 500. On PostgreSQL each process borrows its connections from a
bounded pool for one unit of work at a time, so an idle thread holds none."""

import asyncio
import gc
import threading
from contextlib import contextmanager

import psycopg
import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError, OperationalError, ProgrammingError, connection, connections
from django.db.backends.signals import connection_created
from django.test import Client
from psycopg_pool import PoolTimeout

from shop.core.middleware import database_unavailable
from shop.core.postgresql.base import ConnectionUnavailable
from tests.connections import pool_connections_lent, pool_sized
from tests.factories import UserFactory

BUSY_ROLE = "soko_busy_shopper"


def in_fresh_thread(work):
    """Run ``work`` in a thread of its own, as a server runs a request: no connection yet."""
    result = {}

    def run():
        try:
            result["value"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return result["value"]


def shopper_requests():
    amina = UserFactory(email="amina@example.test")
    amina.set_password("Password-123")
    amina.save()
    kofi = UserFactory(email="kofi@example.test")
    shopping = Client()
    shopping.force_login(kofi)

    def requests():
        login = Client().post("/accounts/login/", {"login": "amina@example.test", "password": "Password-123"})
        return login, shopping.get("/cart/")

    return requests


def assert_busy(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Soko is busy, please try again in a moment." in response.content.decode()


def wrapped(cause: Exception) -> DatabaseError:
    """The error as Django raises it: its own class, the driver's error as the cause."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def test_no_connection_is_busy_and_a_failing_query_is_an_error():
    assert database_unavailable(wrapped(ConnectionUnavailable("pool empty")))
    assert database_unavailable(wrapped(PoolTimeout("couldn't get a connection after 5.00 sec")))
    assert not database_unavailable(wrapped(psycopg.OperationalError("server closed the connection")))
    assert not database_unavailable(ProgrammingError("column does not exist"))
    assert not database_unavailable(None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_shopper_is_told_to_retry_when_every_connection_of_the_pool_is_lent(settings):
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 0.2
    requests = shopper_requests()
    release = threading.Event()
    held = threading.Event()

    def hold_one():
        connections["default"].ensure_connection()
        held.set()
        release.wait(30)
        connections.close_all()

    with pool_sized(2):
        connection.ensure_connection()  # the test's own connection is one of the two
        holder = threading.Thread(target=hold_one)
        holder.start()
        try:
            assert held.wait(10)
            login, cart = in_fresh_thread(requests)
        finally:
            release.set()
            holder.join(timeout=30)

        assert_busy(login)
        assert_busy(cart)
        assert in_fresh_thread(requests)[0].status_code == 302  # the connection is back: login works


@contextmanager
def postgresql_refusing(monkeypatch):
    """A database role allowed one connection, which another client already holds:
    PostgreSQL refuses the next one, as it does when max_connections is reached. The
    pool is made anew meanwhile, connecting as that role."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {BUSY_ROLE}")
        cursor.execute(f"CREATE ROLE {BUSY_ROLE} LOGIN CONNECTION LIMIT 1")
    params = connection.get_connection_params()
    held = psycopg.connect(dbname=params["dbname"], host=params.get("host"), port=params.get("port"), user=BUSY_ROLE)
    connection.close()
    connection.close_pool()
    monkeypatch.setitem(connections.settings["default"], "USER", BUSY_ROLE)
    try:
        yield
    finally:
        connection.close_pool()
        held.close()
        monkeypatch.undo()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP ROLE IF EXISTS {BUSY_ROLE}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_login_and_cart_answer_busy_when_postgresql_refuses_connections(settings, monkeypatch):
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 1
    requests = shopper_requests()

    with postgresql_refusing(monkeypatch):
        login, cart = in_fresh_thread(requests)

    assert_busy(login)
    assert_busy(cart)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_query_is_still_an_error_not_busy():
    def broken_query():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1/0")
        except Exception as exc:
            return exc

    error = in_fresh_thread(broken_query)

    assert isinstance(error, DatabaseError)
    assert database_unavailable(error) is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_without_giving_it_back_returns_to_the_pool(settings):
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 0.5

    def connect_and_forget():
        # A thread that ends without closing: its connection is only garbage collected.
        connections["default"].ensure_connection()

    with pool_sized(2):
        connection.close()
        for _ in range(4):
            thread = threading.Thread(target=connect_and_forget)
            thread.start()
            thread.join(timeout=30)
            gc.collect()

        assert in_fresh_thread(lambda: connections["default"].cursor().close()) is None
        assert pool_connections_lent() == 0


@pytest.fixture
def borrowed():
    """Every database connection opened (borrowed) from now on, by any thread."""
    opened = []

    def record(sender, connection, **kwargs):
        opened.append(connection)

    connection_created.connect(record)
    yield opened
    connection_created.disconnect(record)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_socket_consumers_database_call_gives_its_connection_back(borrowed):
    """Channels runs every socket's database calls on one thread, which stays idle between them."""
    user = UserFactory()
    connection.close()

    def socket_call():
        return asyncio.run(database_sync_to_async(lambda: type(user).objects.filter(pk=user.pk).count())())

    assert socket_call() == 1
    assert [wrapper for wrapper in borrowed if wrapper.connection is not None] == []
    assert pool_connections_lent() == 0
