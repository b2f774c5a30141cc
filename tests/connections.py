"""The PostgreSQL connection pool (shop.core.postgresql) as tests need it."""

from contextlib import contextmanager

from django.db import connections


@contextmanager
def pool_sized(max_size: int):
    """The process's pool holds at most ``max_size`` connections meanwhile (PostgreSQL)."""
    pool = connections["default"].pool
    if pool is None:  # SQLite: no pool, no bound
        yield None
        return
    pool.open()
    saved = pool.min_size, pool.max_size
    pool.resize(min(saved[0], max_size), max_size)
    try:
        yield pool
    finally:
        pool.resize(*saved)


def pool_connections_lent() -> int:
    """How many of the pool's connections are out with a thread now."""
    stats = connections["default"].pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]
