"""Pushing to sockets: always after commit, never from inside a transaction.

Groups: ``user.<id>`` for a person's notifications and live pages, and
``session.<hash>`` for the sockets of one login session. A message is
``{"type": "html.push", "html": ...}``: an htmx out-of-band fragment that the
browser's ws extension swaps into the page; ``{"type": "socket.close"}`` closes
the sockets of a group (logout, password change, deactivation).

A push that names its event (``event=``, with a small ``data`` dict) also carries the
event's JSON frame under ``"json"``: ``{"stream": <group>, "seq": n, "event", "data"}``,
for the sockets of apps (docs/API_REALTIME.md). ``seq`` counts the group's events, one
more each, in the cache (Redis at scale: every process draws from the same counter).

Delivery is at most once and never fails the caller: a push that cannot be sent (Redis
down) is logged with its group and counted (``push_failures``), and the pages re-read
their live parts when their socket reopens.
"""

import asyncio
import hashlib
import itertools
import json
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from shop.core.services.ratelimit import slot_free, slot_hold, slot_refresh

log = logging.getLogger(__name__)

# The subprotocol of a socket that receives events as JSON frames instead of HTML.
JSON_SUBPROTOCOL = "soko.v1.json"

_server_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
_failures = itertools.count(1)
_failed = 0


def remember_server_loop() -> None:
    """Called by consumers on connect, from the server's event loop."""
    global _server_loop
    with _loop_lock:
        _server_loop = asyncio.get_running_loop()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The group of one session's sockets, named by a hash: the key itself is a credential."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def _socket_count_key(user_id: int) -> str:
    return f"sockets:user:{user_id}"


def _socket_count_seconds() -> int:
    # Open sockets refresh the count at every re-check; a process that died without
    # disconnecting leaves its share only until the user's sockets have been quiet this long.
    return int(2 * settings.SOKO_SOCKET_RECHECK_SECONDS + 60)


def socket_slot_take(user_id: int) -> bool:
    """Count one more open socket for the user, across processes (the cache is Redis at
    scale). False, and nothing counted, when the user already has the maximum; True,
    uncounted, when the cache is unreachable (the socket's own re-check still runs)."""
    return slot_hold(
        _socket_count_key(user_id),
        limit=settings.SOKO_SOCKETS_PER_USER,
        seconds=_socket_count_seconds(),
        on_outage="open",
    )


def socket_slot_refresh(user_id: int) -> None:
    slot_refresh(_socket_count_key(user_id), seconds=_socket_count_seconds())


def socket_slot_release(user_id: int) -> None:
    slot_free(_socket_count_key(user_id))


def push_failures() -> int:
    """Pushes this process could not send since it started."""
    return _failed


def group_send(group: str, message: dict) -> bool:
    """Send ``message`` to every socket in ``group``; False, logged and counted, when it
    could not be sent. Never raises: a push is best effort."""
    try:
        _group_send(group, message)
    except Exception as exception:
        global _failed
        _failed = next(_failures)
        log.warning("push to %s failed (%s failed so far): %r", group, _failed, exception)
        return False
    return True


def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    in_memory_on_server = isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running()
    if in_memory_on_server and running is not loop:
        # The in-memory layer lives on the server's loop; sending from a worker thread
        # through async_to_sync arrives late, so hand the coroutine to that loop.
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        return
    if running is not None:
        # Synchronous code called from a thread that runs an event loop (a script driving a
        # browser, say) cannot use async_to_sync here: send from a thread of its own.
        failure = []

        def send():
            try:
                async_to_sync(layer.group_send)(group, message)
            except Exception as exception:
                failure.append(exception)

        sender = threading.Thread(target=send)
        sender.start()
        sender.join()
        if failure:
            raise failure[0]
        return
    async_to_sync(layer.group_send)(group, message)


def _seq_key(group: str) -> str:
    return f"sockets:seq:{group}"


def stream_seq_next(group: str) -> int | None:
    """The next sequence number of ``group``'s events, from an atomic counter kept
    without expiry; None when the cache is unreachable (the app then re-reads)."""
    key = _seq_key(group)
    try:
        cache.add(key, 0, None)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 0, None)
            return cache.incr(key)
    except Exception:
        log.warning("sequence of %s: cache unreachable", group, exc_info=True)
        return None


def socket_wants_json(scope) -> bool:
    """An app's socket: opened with an access token, or offering the JSON subprotocol."""
    return bool(scope.get("soko_token")) or JSON_SUBPROTOCOL in (scope.get("subprotocols") or ())


def event_frame(group: str, event: str, data: dict, *, seq: int | None) -> str:
    """The JSON text an app's socket receives for one event of ``group``."""
    return json.dumps({"stream": group, "seq": seq, "event": event, "data": data}, cls=DjangoJSONEncoder)


def event_message(group: str, message: dict, event: str | None, data: dict | None) -> dict:
    """``message`` with the event's JSON frame added, numbered now (at send time, so the
    numbers follow the order the pushes leave in)."""
    if event is None:
        return message
    return {**message, "json": event_frame(group, event, data or {}, seq=stream_seq_next(group))}


def push_html_on_commit(group: str, html: str, *, event: str | None = None, data: dict | None = None) -> None:
    """Send an htmx out-of-band fragment to every socket in ``group`` once the
    current transaction commits (at once when there is none); with ``event``, apps'
    sockets receive the event and its ``data`` instead."""
    transaction.on_commit(
        lambda: group_send(group, event_message(group, {"type": "html.push", "html": html}, event, data)), robust=True
    )


def sockets_close_on_commit(group: str) -> None:
    """Close every socket in ``group`` once the current transaction commits: the page
    reconnects, and only a session that still authenticates is let back in (a close that
    cannot be sent is left to the sockets' periodic re-check)."""
    transaction.on_commit(lambda: group_send(group, {"type": "socket.close"}), robust=True)


def push_rendered_on_commit(user_ids, render, *, event: str | None = None, data: dict | None = None) -> None:
    """Push ``render()``'s fragment to each user's pages, rendered in that user's language
    and time zone: once per (language, time zone) among them, not once per user. With
    ``event``, apps' sockets receive the event and its ``data`` instead."""
    from django.contrib.auth import get_user_model

    from shop.core.selectors.i18n import recipient_language, speaking_to

    copies: dict[tuple[str, str], str] = {}
    for user in get_user_model().objects.filter(pk__in=list(user_ids)).only("pk", "language", "time_zone"):
        key = (recipient_language(user), user.time_zone)
        if key not in copies:
            with speaking_to(user):
                copies[key] = render()
        push_html_on_commit(user_group(user.pk), copies[key], event=event, data=data)
