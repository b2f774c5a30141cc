"""The PostgreSQL connection pool (shop.core.postgresql) as tests need it."""

from contextlib import contextmanager

from django.db import connections


@contextmanager
def pool_sized(max_size: int):
    """The process's pool holds at most ``max_size`` connections meanwhile (PostgreSQL): a
    pool of that size is made for the block, and the configured one again after it (a
    resized pool keeps the connections it opened beyond a smaller size)."""
    wrapper = connections["default"]
    if wrapper.vendor != "postgresql":  # SQLite: no pool, no bound
        yield None
        return
    options = wrapper.settings_dict["OPTIONS"]
    configured = options["pool"]
    wrapper.close()
    wrapper.close_pool()
    options["pool"] = {**configured, "min_size": min(configured.get("min_size", 1), max_size), "max_size": max_size}
    try:
        yield wrapper.pool
    finally:
        wrapper.close()
        wrapper.close_pool()
        options["pool"] = configured


def pool_connections_lent() -> int:
    """How many of the pool's connections are out with a thread now."""
    stats = connections["default"].pool.get_stats()
    return stats["pool_size"] - stats["pool_available"]
