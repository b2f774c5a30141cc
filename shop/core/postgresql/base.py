"""PostgreSQL whose connections are borrowed from a pool, one unit of work at a time.

Each process keeps one psycopg pool (Django's ``OPTIONS["pool"]``, at most
``SOKO_DB_MAX_CONNECTIONS`` connections, set in site_config/settings.py). A thread borrows
a connection when it first queries and gives it back when its unit of work ends: a
request (``request_finished``), a socket consumer's database call (channels'
``database_sync_to_async``), a job (Huey's ``db_task``). An idle thread holds none, so a
request never waits for a connection that an idle thread keeps.

Borrowing waits at most ``SOKO_DB_CONNECT_WAIT_SECONDS`` (read at every borrow); when it
runs out, or PostgreSQL refuses connections ("too many clients"), the error is
``ConnectionUnavailable``, which ``shop.core.middleware`` answers with a 503 "busy, try
again". A connection whose thread ended without giving it back goes back to the pool
when that thread's connection object is collected, so it never keeps its place.
"""

import os
import queue
import weakref

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import OperationalError

# Connections whose thread ended without giving them back: (pool, connection). Filled by
# a garbage collector's finalizer (a SimpleQueue is safe there), emptied by the next
# borrow or give-back, outside any lock of the pool's.
_lost: queue.SimpleQueue = queue.SimpleQueue()


class ConnectionUnavailable(OperationalError):
    """No database connection could be had: the process's pool stayed empty, or the server refused."""


def _return_lost_connections() -> None:
    while True:
        try:
            pool, connection = _lost.get_nowait()
        except queue.Empty:
            return
        if not pool.closed:
            pool.putconn(connection)


def _forget_inherited_pools() -> None:
    """In a forked child: the parent's pools, their threads and sockets are not ours.
    Dropped without closing (closing would end the parent's connections); the child
    opens its own on first use."""
    base.DatabaseWrapper._connection_pools.clear()
    while not _lost.empty():
        _lost.get_nowait()


os.register_at_fork(after_in_child=_forget_inherited_pools)


class DatabaseWrapper(base.DatabaseWrapper):
    _lost_guard = None

    def get_connection_params(self):
        params = super().get_connection_params()
        # pg_stat_activity shows each process's connections under its own name.
        params.setdefault("application_name", f"soko {os.getpid()}")
        return params

    def get_new_connection(self, conn_params):
        _return_lost_connections()
        pool = self.pool
        if pool is not None:
            pool.timeout = settings.SOKO_DB_CONNECT_WAIT_SECONDS
        try:
            connection = super().get_new_connection(conn_params)
        except OperationalError as exc:  # the pool's PoolTimeout, or the server's refusal
            raise ConnectionUnavailable(str(exc)) from exc
        if pool is not None:
            self._lost_guard = weakref.finalize(self, _lost.put, (pool, connection))
        return connection

    def _close(self):
        if self._lost_guard is not None:
            self._lost_guard.detach()
            self._lost_guard = None
        try:
            return super()._close()
        finally:
            _return_lost_connections()
