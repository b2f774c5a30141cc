"""Rate limits as atomic counters: every attempt takes a slot first, then acts; and counts of
things held open (sockets), with the same guarantee.

Counting rows and then acting lets concurrent requests all see the same count and all go
through. Here an attempt increments a counter in the cache (``INCR`` in Redis, shared by
every process; a locked dict in the embedded mode's single process) and is refused when
the number it got is over the limit, so ``limit`` attempts get through a window however
many race. An attempt that turns out not to count (a good scan against a limit of bad
ones) gives its slot back.

Windows are fixed: ``seconds`` long, aligned on the clock. A burst across a boundary can
reach twice the limit within ``seconds``; limits are set with that in mind.

Held slots (``slot_hold`` / ``slot_refresh`` / ``slot_free``) count what is open now rather
than what happened in a window: a socket holds one from connecting to closing. The count
expires ``seconds`` after its last refresh, so a process that died without freeing its
slots keeps them only that long.

When the cache is unreachable the limit answers by ``on_outage``: ``"closed"`` refuses
(logins, guesses at secrets: nothing may be tried unbounded), ``"open"`` lets the attempt
through (reads, messages: the site keeps working without Redis). Either way the outage is
logged.
"""

import logging
import time
from typing import Literal

from django.core.cache import cache

from shop.core.services.cache import counter_next

log = logging.getLogger(__name__)

Outage = Literal["closed", "open"]


def _window_key(key: str, seconds: int, now: float | None = None) -> str:
    window = int((time.time() if now is None else now) // seconds)
    return f"soko:limit:{key}:{seconds}:{window}"


def window_left(seconds: int, now: float | None = None) -> int:
    """Whole seconds until the current ``seconds``-long window ends (a refused attempt's
    Retry-After)."""
    return seconds - int(time.time() if now is None else now) % seconds


def limit_take(key: str, *, limit: int, seconds: int, on_outage: Outage) -> bool:
    """Take one slot of ``limit`` per ``seconds`` under ``key``. True when the attempt may
    go ahead; False (and nothing kept) when the window's slots are all taken."""
    counter = _window_key(key, seconds)
    try:
        # Kept a window longer than it lasts: the key changes with the window anyway.
        taken = counter_next(counter, timeout=2 * seconds)
    except Exception:
        log.warning("rate limit %s: cache unreachable, %s", key, on_outage, exc_info=True)
        return on_outage == "open"
    return taken <= limit


def limit_give_back(key: str, *, seconds: int) -> None:
    """The attempt that took a slot of ``key`` in this window does not count after all."""
    counter = _window_key(key, seconds)
    try:
        cache.decr(counter)
    except ValueError:  # the window ended: nothing to give back
        pass
    except Exception:
        log.warning("rate limit %s: cache unreachable, slot not given back", key, exc_info=True)


def limit_used(key: str, *, seconds: int) -> int:
    """Slots taken in the current window (0 when the cache cannot say)."""
    try:
        return int(cache.get(_window_key(key, seconds)) or 0)
    except Exception:
        return 0


def slot_hold(key: str, *, limit: int, seconds: int, on_outage: Outage) -> bool:
    """Hold one of ``limit`` slots under ``key`` until ``slot_free``. True when held (or,
    the cache unreachable, when ``on_outage`` is "open": then nothing is held); False, and
    nothing held, when all are taken."""
    counter = f"soko:held:{key}"
    try:
        cache.add(counter, 0, seconds)
        try:
            held = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.add(counter, 0, seconds)
            held = cache.incr(counter)
        if held > limit:
            slot_free(key)
            return False
        cache.touch(counter, seconds)
    except Exception:
        log.warning("held slots %s: cache unreachable, %s", key, on_outage, exc_info=True)
        return on_outage == "open"
    return True


def slot_refresh(key: str, *, seconds: int) -> None:
    """The holders of ``key``'s slots are still there: keep the count ``seconds`` longer."""
    try:
        cache.touch(f"soko:held:{key}", seconds)
    except Exception:
        log.warning("held slots %s: cache unreachable, not refreshed", key, exc_info=True)


def slot_free(key: str) -> None:
    """Give back one slot held under ``key``."""
    counter = f"soko:held:{key}"
    try:
        if cache.decr(counter) <= 0:
            cache.delete(counter)
    except ValueError:  # the count expired: nothing to give back
        pass
    except Exception:
        log.warning("held slots %s: cache unreachable, slot not given back", key, exc_info=True)
