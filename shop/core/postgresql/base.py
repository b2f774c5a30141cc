"""PostgreSQL with a bound on the connections one process holds.

Each thread that touches the database (daphne's request threads, Huey's workers,
channels' consumers) holds a connection of its own, so nothing else limits how many a
process opens. Opening one waits for a free slot (at
most ``SOKO_DB_MAX_CONNECTIONS`` per process) for ``SOKO_DB_CONNECT_WAIT_SECONDS``;
failing that, or when the server refuses ("too many clients"), the error is
``ConnectionUnavailable``, which ``shop.core.middleware.database_busy`` answers with
a 503 "busy, try again".
"""

import threading
import weakref

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import OperationalError

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


class ConnectionUnavailable(OperationalError):
    """No database connection could be had: the process's bound or the server's."""


def _connection_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.SOKO_DB_MAX_CONNECTIONS)
        return _slots


class DatabaseWrapper(base.DatabaseWrapper):
    slot_release = None

    def get_new_connection(self, conn_params):
        slots = _connection_slots()
        if not slots.acquire(timeout=settings.SOKO_DB_CONNECT_WAIT_SECONDS):
            raise ConnectionUnavailable(
                f"all {settings.SOKO_DB_MAX_CONNECTIONS} database connections of this process are in use"
            )
        try:
            connection = super().get_new_connection(conn_params)
        except OperationalError as exc:
            slots.release()
            raise ConnectionUnavailable(str(exc)) from exc
        except BaseException:
            slots.release()
            raise
        # Released when the connection closes, or when it is collected unclosed (its
        # thread ended without closing it), so a lost connection never keeps its slot.
        self.slot_release = weakref.finalize(connection, slots.release)
        return connection

    def _close(self):
        try:
            super()._close()
        finally:
            if self.slot_release is not None:
                self.slot_release()
                self.slot_release = None
