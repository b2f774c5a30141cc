"""Shared counters (a socket stream's sequence numbers, rate limits, product views) move on
atomically, every process drawing its own number, in one round trip to Redis; one with a
timeout expires that long after its last move, one without never does."""

import pytest
import redis.connection
from django.core.cache import cache

from shop.core.services.cache import counter_next
from tests.concurrency import at_once


def test_racing_draws_never_share_a_number():
    drawn = at_once([lambda: counter_next("tests:counter:race")] * 20)

    assert sorted(drawn) == list(range(1, 21))


@pytest.mark.redis
def test_a_draw_is_one_round_trip_and_a_timeout_is_kept(monkeypatch):
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.connection.AbstractConnection, "send_packed_command", lambda self, *args, **kwargs: sent.append(args) or send(self, *args, **kwargs)
    )
    client = cache._cache.get_client(write=True)
    kept, expiring = cache.make_and_validate_key("tests:counter:kept"), cache.make_and_validate_key("tests:counter:expiring")
    client.delete(kept, expiring)
    sent.clear()

    assert [counter_next("tests:counter:kept") for _ in range(3)] == [1, 2, 3]
    assert [counter_next("tests:counter:expiring", timeout=60) for _ in range(2)] == [1, 2]

    assert len(sent) == 5, sent
    assert client.ttl(kept) == -1 and 0 < client.ttl(expiring) <= 60
    assert cache.get("tests:counter:kept") == 3  # still the cache's own integer
