"""Transactions that a busy database may refuse, run again instead of failing.

PostgreSQL ends one of two transactions that wait on each other (deadlock), or one that
cannot be serialised; SQLite answers "database is locked" when its write lock stays
taken past the timeout. Neither means the request was wrong: rolled back and run again a
moment later, it usually goes through. ``atomic_retrying`` does that a few times and then
raises ``DatabaseBusy``, which callers turn into a "please try again" for the person.

Running it again only helps when it owns the whole transaction: inside an outer one, the
failed statement has already doomed the outer transaction (PostgreSQL) and the retry would
run in it. So ``atomic_retrying`` is durable: called inside an atomic block it raises
``RuntimeError`` at once, before running anything. Code that needs the same work inside
a caller's transaction calls the work itself.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 4
# PostgreSQL: deadlock_detected, serialization_failure, lock_not_available.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


class DatabaseBusy(Exception):
    """The work was rolled back every time it was tried; nothing of it was written."""


def is_retryable(error: OperationalError) -> bool:
    if getattr(error.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    text = str(error).lower()
    return "database is locked" in text or "deadlock" in text


def atomic_retrying(work: Callable[[], T], *, what: str, attempts: int = ATTEMPTS) -> T:
    """Run ``work()`` in its own transaction (never inside an outer one: ``RuntimeError``)
    and return its result; on a deadlock, serialization failure or busy SQLite file roll back, wait a
    little longer each time and run it again. Other errors propagate at once.
    ``what`` names the work in the log ("checkout", "product save")."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(durable=True):
                return work()
        except OperationalError as error:
            if not is_retryable(error):
                raise
            if attempt == attempts:
                log.warning("%s gave up after %s attempts: %s", what, attempts, error)
                raise DatabaseBusy(f"{what}: the database stayed busy") from error
            log.warning("%s attempt %s hit %r; retrying", what, attempt, error)
            time.sleep(0.05 * attempt)
    raise AssertionError("not reached")


def assert_outside_transactions(what: str) -> None:
    """Refuse to go on inside an atomic block (a test case's own blocks aside): ``what``
    calls a provider, which must happen after the caller's commit, never while it holds
    rows locked or could still roll back what the provider was told."""
    connection = transaction.get_connection()
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RuntimeError(f"{what} calls a provider: run it after commit, never inside a transaction.")
