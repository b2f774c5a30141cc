"""Suite-wide fixtures.

Service markers: a test marked ``postgres`` or ``redis`` is skipped with a reason when
that service is not configured or not answering, and fails instead when
SOKO_REQUIRE_SERVICES=1 (as in CI), so a missing service can never pass silently.
"""

import os
import time

import pytest
from django.conf import settings


def _service_problem(marker: str) -> str | None:
    if marker == "postgres":
        from django.db import connection

        if connection.vendor != "postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://..."
        return None
    if marker == "redis":
        if not settings.REDIS_URL:
            return "needs Redis: set REDIS_URL=redis://..."
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at REDIS_URL is not answering: {exc}"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker) is None:
            continue
        problem = _service_problem(marker)
        if problem is None:
            continue
        if os.environ.get("SOKO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"SOKO_REQUIRE_SERVICES=1 but this test {problem}", pytrace=False)
        pytest.skip(problem)


# Embedded mode (`make run`: SQLite, the in-memory channel layer, Huey in the web process)
# differs from scale mode only where the code asks which database, channel layer, cache or
# queue it has. CI runs every test in scale mode and, in embedded mode, the tests marked
# `embedded`: the browser tests marked by hand, and every test under these paths, which
# cover each such place (the search and listings, the catalog's change triggers, the ledger's
# triggers, idempotency keys, pagination, health and start-up, sockets, rate limits, the demo).
EMBEDDED_TOO = (
    "tests/catalog/",
    "tests/core/",
    "tests/demo/",
    "tests/geo/",
    "tests/realtime/",
    "tests/test_smoke.py",
    "tests/api/test_catalog.py",
    "tests/api/test_idempotency.py",
    "tests/api/test_sockets.py",
    "tests/auctions/test_concurrency.py",
    "tests/auctions/test_socket.py",
    "tests/chat/test_offer_races.py",
    "tests/chat/test_rate_limit.py",
    "tests/chat/test_sequence.py",
    "tests/chat/test_socket.py",
    "tests/checkout/test_concurrency.py",
    "tests/couriers/test_board_socket.py",
    "tests/couriers/test_races.py",
    "tests/inventory/test_races.py",
    "tests/inventory/test_stale_forms.py",
    "tests/notifications/test_socket_sessions.py",
    "tests/payments/test_ledger_database.py",
    "tests/reviews/test_races.py",
    "tests/sellers/test_products_list.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(EMBEDDED_TOO) and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.embedded)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With SOKO_TESTS_STOP_AT (seconds since the epoch), the run stops after the first test
    that ends past it, with its summary printed: CI's lanes stop in time to show their logs."""
    result = yield
    stop_at = os.environ.get("SOKO_TESTS_STOP_AT")
    if stop_at and time.time() > float(stop_at):
        item.session.shouldstop = "SOKO_TESTS_STOP_AT has passed: this run's time is up"
    return result


def pytest_configure(config):
    # Inline before collection too: a test module importing site_config.asgi at the top
    # would otherwise start the embedded Huey consumer inside the test process.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    _flush_postgresql_by_delete()
    _quick_stripe_retries()


def _quick_stripe_retries():
    """stripe's client waits at least half a second before it asks Stripe again (a second
    before the next try), and the tests that lose Stripe's answers spent that asleep. The
    retries themselves, their number and their idempotency keys are unchanged."""
    from stripe._http_client import HTTPClient

    HTTPClient.INITIAL_DELAY = 0.01


def _flush_postgresql_by_delete():
    """A transactional test ends by emptying every table (Django's flush). On PostgreSQL
    that is one TRUNCATE of some 120 tables, which makes a new file for each table and
    index: 3-5 s a test on a busy machine. The tables of a test hold a few rows, so
    DELETE empties them in well under a tenth of that. Triggers and foreign-key checks
    are off while it runs (session_replication_role, a superuser's setting, as the test
    database's owner is here), so the order of the tables does not matter and no trigger
    writes a row into a table already emptied. Resetting sequences still truncates."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables or not _superuser(self.connection):
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))}" for table in tables),
        ]

    DatabaseOperations.sql_flush = sql_flush


def _superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return cursor.fetchone()[0] == "on"


@pytest.fixture(autouse=True, scope="session")
def huey_immediate():
    """Tasks run inline in tests; e2e fixtures switch this off around a live worker."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate limits live in the cache; one test's failed log-ins must not leak into the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's million rounds cost ~0.3 s per user and per log-in. The browser tests' live
    # server, forked from this process, hashes the same way (tests/e2e/conftest.py); a test
    # against a fresh production process sets production's hashers back.
    from tests.factories import TEST_PASSWORD_HASHERS

    settings.PASSWORD_HASHERS = TEST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _patient_connection_slots(settings):
    # Concurrency tests start more threads than a process may hold connections; those
    # beyond the bound wait for a slot. On a busy machine (CI runs two suites side by side)
    # the default five seconds can pass before one frees. The bound's own story
    # (tests/core/test_db_busy.py) sets a short wait again.
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 60


@pytest.fixture
def pushes(monkeypatch):
    """The live pages' pushes as (group, html), recorded instead of sent to the channel layer."""
    sent = []
    monkeypatch.setattr("shop.core.services.realtime.group_send", lambda group, message: sent.append((group, message["html"])))
    monkeypatch.setattr(
        "shop.core.services.realtime.group_send_many",
        lambda sends: sent.extend((group, message["html"]) for group, message in sends) or True,
    )
    return sent


@pytest.fixture
def jobs_lost():
    """A context manager: background jobs queued inside it are taken by the queue and then
    lost, as when Redis restarts with nothing on disk or the worker holding them is killed.
    It yields the names (``shop.core.jobs``) of the jobs lost, in order."""
    from contextlib import contextmanager

    from huey.contrib.djhuey import HUEY

    from shop.core.jobs import _tasks

    names = {task.task_class.__name__: name for name, task in _tasks.items()}

    @contextmanager
    def losing():
        lost = []
        HUEY.enqueue = lambda signature: lost.append(names.get(signature.name, signature.name))
        try:
            yield lost
        finally:
            del HUEY.enqueue

    return losing


@pytest.fixture
def one_rate_window(time_machine):
    """Rate limits count in the clock's minutes (``shop.core.services.ratelimit``'s fixed
    windows): a test that counts attempts against one starts a second into a fresh minute,
    so its attempts never fall across two windows (the count would start again half way).
    The clock runs on from there."""
    import time
    from datetime import UTC, datetime

    time_machine.move_to(datetime.fromtimestamp((time.time() // 60 + 1) * 60 + 1, UTC), tick=True)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def seller(db):
    from tests.factories import StoreFactory

    return StoreFactory().memberships.get().user


@pytest.fixture
def courier(db):
    from tests.factories import CourierProfileFactory

    return CourierProfileFactory(status="approved").user


@pytest.fixture
def admin_user(db):
    """pytest-django's ``admin_client`` logs this one in: a superuser with the authenticator
    app the admin requires of staff."""
    from tests.factories import UserFactory

    return UserFactory(email="admin@example.test", is_staff=True, is_superuser=True)


def pytest_sessionstart(session):
    # The translation catalogs, compiled as `make compilemessages` does (a no-op when current).
    from scripts.compilemessages import compile_all

    compile_all()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in another language leaves that language active in the thread (Django's
    LocaleMiddleware activates it and nothing deactivates it under the test client): each
    test starts from the default, whatever the test before it asked for."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_log_context_after_each_test():
    """A job run inline names itself on every log line until it ends; a test that kills it
    part way (a ``BaseException`` standing for a killed worker) leaves the name behind, and
    the browser tests' servers, forked from this process, then put it on every request's
    line. Each test ends with the context it began with."""
    from shop.core.logs import job_var, request_id_var

    job, request_id = job_var.get(), request_id_var.get()
    yield
    job_var.set(job)
    request_id_var.set(request_id)


@pytest.fixture(scope="session")
def eth_node_url():
    """The URL of a local Ethereum node (ganache) shared by the session's tests; a test that
    needs a chain of its own state takes ``evm_snapshot`` / ``evm_revert`` around itself."""
    from tests.eth_node import ganache

    with ganache() as url:
        yield url
