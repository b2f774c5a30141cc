"""The scale mode's cache with Redis unreachable: what it only keeps reads as a miss and a
write is skipped (pages carry on from the database), while the operations whose answer is a
decision (``add``, ``incr``) still raise, so a lock or a limit is never granted by default."""

import pytest
import redis

from shop.core.services.cache import RedisCache

# Nothing listens on port 1: every command fails to connect.
DEAD = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_what_the_cache_only_keeps_reads_as_a_miss_and_writes_are_skipped(caplog):
    assert DEAD.get("catalog:page:x") is None
    assert DEAD.get("catalog:page:x", "fallback") == "fallback"
    assert DEAD.get_many(["a", "b"]) == {}
    assert DEAD.has_key("a") is False
    DEAD.set("a", 1, 60)
    assert DEAD.set_many({"a": 1, "b": 2}, 60) == ["a", "b"]
    assert DEAD.touch("a", 60) is False
    assert DEAD.delete("a") is False
    DEAD.delete_many(["a", "b"])
    assert "cache unreachable, get skipped" in caplog.text


@pytest.mark.parametrize(
    "decide", [lambda: DEAD.add("lock", 1, 10), lambda: DEAD.incr("count"), lambda: DEAD.decr("count")]
)
def test_a_decision_is_never_granted_by_an_unreachable_cache(decide):
    with pytest.raises(redis.ConnectionError):
        decide()


def test_every_operation_borrows_from_one_client_per_pool():
    """redis-py's client is built once (Django would build one per operation), and an
    operation that failed leaves it usable for the next."""
    first = DEAD._cache.get_client(write=True)
    DEAD.get("catalog:page:x")

    assert DEAD._cache.get_client() is first and DEAD._cache.get_client(write=True) is first
    assert first.connection_pool is DEAD._cache._get_connection_pool(write=True)
