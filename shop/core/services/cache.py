"""The scale mode's cache: Django's Redis cache, except that an unreachable Redis reads as
a miss and a write to it is skipped, so pages that only *keep* things in the cache (catalog
pages, cards, facets, search words, rates) go on from the database while Redis is down.

The operations whose answer is a decision raise as before: ``add`` (a lock, "first to
claim"), ``incr`` and ``decr`` (counters, rate limits) and ``clear``. Their callers choose
what an outage means: a rate limit answers closed or open (``shop.core.services.ratelimit``), a view
counter drops the click, and anything else (allauth's log-in limits) ends in the "try again
shortly" page (``shop.core.middleware.SharedCacheDownMiddleware``).

A skipped ``delete`` can leave a stale entry if the same Redis comes back with its data;
entries expire, and the catalog's keys carry its stamp (``shop.catalog.services.stamp``).
"""

import logging

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

log = logging.getLogger(__name__)

UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)


def cache_unreachable(exception: BaseException | None) -> bool:
    """The exception says the shared cache (Redis) could not be reached."""
    return isinstance(exception, UNREACHABLE)


class ClientPerPool(RedisCacheClient):
    """One redis-py client per connection pool, made the first time it is needed. Django's
    client makes a new one for every operation, and redis-py's constructor builds its table
    of response callbacks (about 170 entries) each time: a tenth of a millisecond that a
    page paid for each of its cache operations. A client holds no connection of its own
    (each command borrows one from the pool), so threads share it safely."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientPerPool

    def _skipped(self, operation: str, exception: Exception) -> None:
        log.warning("cache unreachable, %s skipped: %s", operation, exception)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exception:
            self._skipped("get", exception)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exception:
            self._skipped("get_many", exception)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exception:
            self._skipped("has_key", exception)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exception:
            self._skipped("set", exception)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exception:
            self._skipped("set_many", exception)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exception:
            self._skipped("touch", exception)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exception:
            self._skipped("delete", exception)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exception:
            self._skipped("delete_many", exception)

    def counter_next(self, key, *, timeout: int | None = None, version=None) -> int:
        """The counter ``key`` moved on by one, in one round trip: Redis's INCR starts a
        missing counter at 1 (``add`` then ``incr`` took three); with ``timeout``, it
        expires that many seconds after its last move, set in the same transaction."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        if timeout is None:
            return client.incr(key)
        pipeline = client.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, timeout)
        return pipeline.execute()[0]

    def counters_next(self, keys: list[str], *, version=None) -> list[int]:
        """Each counter of ``keys`` moved on by one (a key named twice, twice), kept
        without expiry: one round trip for all of them."""
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        # Writes all go to the first server: every key is on this client.
        pipeline = self._cache.get_client(keys[0], write=True).pipeline(transaction=False)
        for key in keys:
            pipeline.incr(key)
        return pipeline.execute()


def counter_next(key: str, *, timeout: int | None = None) -> int:
    """The shared counter ``key`` moved on by one and read atomically (every process draws
    a different number); kept without expiry, or ``timeout`` seconds after its last move.
    Raises when the cache is unreachable."""
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself (``django.core.cache.cache`` is a proxy)
    if isinstance(cache, RedisCache):
        return cache.counter_next(key, timeout=timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout)
        return cache.incr(key)


def counters_next(keys: list[str]) -> list[int]:
    """``counter_next`` for each of ``keys``, kept without expiry, in one round trip to
    Redis. Raises when the cache is unreachable."""
    from django.core.cache import caches

    if not keys:
        return []
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return cache.counters_next(keys)
    return [counter_next(key) for key in keys]
