"""Shared counters (a socket stream's sequence numbers, rate limits, product views) move on
atomically, every process drawing its own number, in one round trip to Redis; one with a
timeout expires that long after its last move, one without never does."""

import json

import pytest
import redis.connection
from django.core.cache import cache

from shop.core.services.cache import counter_next, counters_next
from shop.core.services.realtime import event_messages
from tests.concurrency import at_once


@pytest.fixture
def sent(monkeypatch):
    """The commands sent to Redis, one entry per round trip."""
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(
        redis.connection.AbstractConnection, "send_packed_command", lambda self, *args, **kwargs: sent.append(args) or send(self, *args, **kwargs)
    )
    return sent


def test_racing_draws_never_share_a_number():
    drawn = at_once([lambda: counter_next("tests:counter:race")] * 20)

    assert sorted(drawn) == list(range(1, 21))


@pytest.mark.redis
def test_a_draw_is_one_round_trip_and_a_timeout_is_kept(sent):
    client = cache._cache.get_client(write=True)
    kept, expiring = cache.make_and_validate_key("tests:counter:kept"), cache.make_and_validate_key("tests:counter:expiring")
    client.delete(kept, expiring)
    sent.clear()

    assert [counter_next("tests:counter:kept") for _ in range(3)] == [1, 2, 3]
    assert [counter_next("tests:counter:expiring", timeout=60) for _ in range(2)] == [1, 2]

    assert len(sent) == 5, sent
    assert client.ttl(kept) == -1 and 0 < client.ttl(expiring) <= 60
    assert cache.get("tests:counter:kept") == 3  # still the cache's own integer


def test_counters_move_together_each_key_as_often_as_it_is_named():
    cache.delete_many(["tests:counters:a", "tests:counters:b"])

    assert counters_next(["tests:counters:a", "tests:counters:b", "tests:counters:a"]) == [1, 1, 2]
    assert counters_next([]) == []
    assert counter_next("tests:counters:a") == 3


@pytest.mark.redis
def test_a_batch_of_counters_is_one_round_trip(sent):
    keys = [f"tests:counters:batch:{n}" for n in range(4)]
    cache.delete_many(keys)
    sent.clear()

    assert counters_next(keys) == [1, 1, 1, 1]
    assert len(sent) == 1, sent


def test_a_batch_of_events_is_numbered_per_stream_in_order():
    groups = ["user.tests-a", "user.tests-b"]
    cache.delete_many([f"sockets:seq:{group}" for group in groups])

    sends = event_messages(
        [
            ("user.tests-a", {"type": "html.push", "html": "1"}, "chat.unread", {"unread": 1}),
            ("user.tests-b", {"type": "html.push", "html": "2"}, None, None),
            ("user.tests-a", {"type": "html.push", "html": "3"}, "conversation.read", {"read_seq": 4}),
            ("user.tests-b", {"type": "html.push", "html": "4"}, "chat.unread", {"unread": 0}),
        ]
    )

    assert [group for group, _message in sends] == ["user.tests-a", "user.tests-b", "user.tests-a", "user.tests-b"]
    frames = [json.loads(message["json"]) if "json" in message else None for _group, message in sends]
    assert frames[1] is None and sends[1][1] == {"type": "html.push", "html": "2"}
    assert [(frame["stream"], frame["seq"], frame["event"]) for frame in (frames[0], frames[2], frames[3])] == [
        ("user.tests-a", 1, "chat.unread"),
        ("user.tests-a", 2, "conversation.read"),
        ("user.tests-b", 1, "chat.unread"),
    ]
