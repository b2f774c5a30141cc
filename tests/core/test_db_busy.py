"""When no database connection can be had, pages answer 503 "busy, try again" with
Retry-After, never a 500; each process holds a bounded number of connections."""

import gc
import threading

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client

from shop.core.postgresql.base import ConnectionUnavailable
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUSY_ROLE = "soko_busy_shopper"


def in_fresh_thread(work):
    """Run ``work`` in a thread of its own, as ASGI runs each request: no connection yet."""
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


def test_shopper_is_told_to_retry_when_the_process_has_no_connection_left(settings):
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 0.2
    requests = shopper_requests()
    connection.ensure_connection()  # the test's own connection holds a slot too
    release = threading.Event()
    holding = []
    full = threading.Event()

    def hold_one():
        try:
            connections["default"].ensure_connection()
        except Exception as exc:  # the bound is reached: every slot is held
            if isinstance(exc.__cause__, ConnectionUnavailable):
                full.set()
                return
            raise
        holding.append(1)
        release.wait(30)
        connections.close_all()

    holders = []
    while not full.is_set() and len(holders) <= settings.SOKO_DB_MAX_CONNECTIONS:
        holder = threading.Thread(target=hold_one)
        holder.start()
        holders.append(holder)
        while not full.is_set() and len(holding) < len(holders) and holder.is_alive():
            full.wait(0.01)
    try:
        login, cart = in_fresh_thread(requests)
    finally:
        release.set()
        for holder in holders:
            holder.join(timeout=30)

    assert full.is_set()
    assert len(holding) + 1 == settings.SOKO_DB_MAX_CONNECTIONS
    assert_busy(login)
    assert_busy(cart)
    assert in_fresh_thread(requests)[0].status_code == 302  # slots are back: login works


@pytest.fixture
def busy_role(monkeypatch):
    """A database role allowed one connection, which another client already holds:
    PostgreSQL refuses the next one, as it does when max_connections is reached."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {BUSY_ROLE}")
        cursor.execute(f"CREATE ROLE {BUSY_ROLE} LOGIN CONNECTION LIMIT 1")
    params = connection.get_connection_params()
    held = psycopg.connect(
        dbname=params["dbname"], host=params.get("host"), port=params.get("port"), user=BUSY_ROLE
    )
    # Threads started from now on connect as that role.
    monkeypatch.setitem(connections.settings["default"], "USER", BUSY_ROLE)
    yield
    held.close()
    monkeypatch.undo()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {BUSY_ROLE}")


def test_login_and_cart_answer_busy_when_postgresql_refuses_connections(busy_role):
    requests = shopper_requests()

    login, cart = in_fresh_thread(requests)

    assert_busy(login)
    assert_busy(cart)


def test_a_failing_query_is_still_an_error_not_busy():
    def broken_query():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1/0")
        except Exception as exc:
            return exc

    error = in_fresh_thread(broken_query)

    from shop.core.middleware import database_unavailable

    assert database_unavailable(error) is False


def test_a_connection_lost_without_closing_gives_its_slot_back(settings):
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 0.2

    def connect_and_forget():
        # A thread that ends without closing: its connection is only garbage collected.
        connections["default"].ensure_connection()

    for _ in range(settings.SOKO_DB_MAX_CONNECTIONS + 2):
        thread = threading.Thread(target=connect_and_forget)
        thread.start()
        thread.join(timeout=30)
        gc.collect()

    assert in_fresh_thread(lambda: connections["default"].cursor().close()) is None
