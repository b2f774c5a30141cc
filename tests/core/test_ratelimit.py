"""Rate limits take a slot before acting: however many attempts race, ``limit`` get
through a window; a slot given back is free again; with the cache unreachable a limit
answers as it was told to (closed for secrets, open for reads)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import override_settings

from shop.core.services.ratelimit import limit_give_back, limit_take, limit_used, slot_free, slot_hold, slot_refresh
from tests.concurrency import at_once


def test_twenty_racing_attempts_get_exactly_the_limit():
    allowed = at_once([lambda: limit_take("tests:race", limit=5, seconds=60, on_outage="closed")] * 20)

    assert allowed.count(True) == 5 and allowed.count(False) == 15
    assert limit_used("tests:race", seconds=60) == 20


def test_a_slot_given_back_can_be_taken_again():
    for _ in range(3):
        assert limit_take("tests:back", limit=3, seconds=60, on_outage="closed")
    assert not limit_take("tests:back", limit=3, seconds=60, on_outage="closed")

    limit_give_back("tests:back", seconds=60)
    limit_give_back("tests:back", seconds=60)

    assert limit_take("tests:back", limit=3, seconds=60, on_outage="closed")
    assert not limit_take("tests:back", limit=3, seconds=60, on_outage="closed")


def test_keys_and_windows_are_counted_apart(time_machine):
    assert limit_take("tests:a", limit=1, seconds=60, on_outage="closed")
    assert limit_take("tests:b", limit=1, seconds=60, on_outage="closed")
    assert not limit_take("tests:a", limit=1, seconds=60, on_outage="closed")

    time_machine.move_to(timedelta(seconds=60), tick=False)  # the next window
    assert limit_take("tests:a", limit=1, seconds=60, on_outage="closed")


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: every command fails to connect.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


@contextmanager
def cache_unreachable():
    """The default cache is a Redis nobody answers for, meanwhile."""
    with override_settings(CACHES=DEAD_REDIS):
        caches["default"].close()
        del caches["default"]
        try:
            yield
        finally:
            del caches["default"]


@pytest.mark.parametrize(("on_outage", "allowed"), [("closed", False), ("open", True)])
def test_an_unreachable_cache_answers_as_told(on_outage, allowed, caplog):
    with cache_unreachable():
        assert limit_take("tests:outage", limit=100, seconds=60, on_outage=on_outage) is allowed
        limit_give_back("tests:outage", seconds=60)  # logged, not raised
        assert limit_used("tests:outage", seconds=60) == 0
    assert "cache unreachable" in caplog.text


def test_twenty_racing_holders_get_exactly_the_limit_and_a_freed_slot_is_held_again():
    held = at_once([lambda: slot_hold("tests:held", limit=5, seconds=60, on_outage="closed")] * 20)

    assert held.count(True) == 5
    assert not slot_hold("tests:held", limit=5, seconds=60, on_outage="closed")
    slot_free("tests:held")
    assert slot_hold("tests:held", limit=5, seconds=60, on_outage="closed")


@pytest.mark.parametrize(("on_outage", "held"), [("closed", False), ("open", True)])
def test_held_slots_with_an_unreachable_cache_answer_as_told(on_outage, held, caplog):
    with cache_unreachable():
        assert slot_hold("tests:held-outage", limit=5, seconds=60, on_outage=on_outage) is held
        slot_refresh("tests:held-outage", seconds=60)  # logged, not raised
        slot_free("tests:held-outage")
    assert "cache unreachable" in caplog.text
