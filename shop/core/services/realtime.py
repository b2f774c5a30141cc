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

Synchronous code sends through one event loop per process, in a thread of its own
(``_Sender``): channels-redis keeps its Redis connections per event loop, so they are
opened once and reused by every push, and the pushes of one change (``group_send_many``)
leave together, each group's in the order given.
"""

import asyncio
import hashlib
import itertools
import json
import logging
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from shop.core.services.cache import counters_next
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
    return _send_many([(group, message)])


def group_send_many(sends: list[tuple[str, dict]]) -> bool:
    """Send each ``(group, message)`` at once, in the given order within a group; False
    when any could not be sent (each failure logged and counted). Never raises."""
    return _send_many(sends)


def _send_many(sends: list[tuple[str, dict]]) -> bool:
    layer = get_channel_layer()
    if layer is None or not sends:
        return True
    if isinstance(layer, InMemoryChannelLayer):
        failures = []
        for group, message in sends:
            try:
                _in_memory_send(layer, group, message)
            except Exception as exception:
                failures.append((group, exception))
    else:
        failures = _sender().send(layer, sends)
    for group, exception in failures:
        _count_failure(group, exception)
    return not failures


def _count_failure(group: str, exception: BaseException) -> None:
    global _failed
    _failed = next(_failures)
    log.warning("push to %s failed (%s failed so far): %r", group, _failed, exception)


class _Sender:
    """An event loop of this process's own, running in a daemon thread, that sends the
    pushes of synchronous code: the channel layer's connections live on it, opened once.
    A caller waits for its pushes to leave (a few milliseconds), at most
    SOKO_PUSH_WAIT_SECONDS."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.shared = self.own = None
        self.lock = threading.Lock()
        threading.Thread(target=self.loop.run_forever, name="soko-push", daemon=True).start()

    def own_layer(self, layer):
        """A layer of the sender's own, built like ``layer``: channels-redis's ``flush`` closes
        the connections of every loop a layer has used, which this loop's would not survive."""
        with self.lock:
            if self.shared is not layer:  # the first push, or the settings changed (tests)
                if hasattr(self.own, "close_pools"):
                    asyncio.run_coroutine_threadsafe(self.own.close_pools(), self.loop)
                self.shared, self.own = layer, channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
            return self.own

    def send(self, layer, sends: list[tuple[str, dict]]) -> list[tuple[str, BaseException]]:
        future = asyncio.run_coroutine_threadsafe(_send_all(self.own_layer(layer), sends), self.loop)
        try:
            return future.result(settings.SOKO_PUSH_WAIT_SECONDS)
        except FutureTimeout:
            future.cancel()
            return [(group, TimeoutError("push not sent in time")) for group, _message in sends]


async def _send_all(layer, sends: list[tuple[str, dict]]) -> list[tuple[str, BaseException]]:
    """Each group's messages one after the other (in order), the groups side by side."""
    by_group: dict[str, list[dict]] = {}
    for group, message in sends:
        by_group.setdefault(group, []).append(message)
    failures = []

    async def to_group(group, messages):
        for message in messages:
            try:
                await layer.group_send(group, message)
            except Exception as exception:
                failures.append((group, exception))

    await asyncio.gather(*(to_group(group, messages) for group, messages in by_group.items()))
    return failures


_push_sender: _Sender | None = None


def _sender() -> _Sender:
    global _push_sender
    with _loop_lock:
        # A process forked from one that had sent (gunicorn's preloaded master) has no thread.
        if _push_sender is None or _push_sender.pid != os.getpid():
            _push_sender = _Sender()
        return _push_sender


def _in_memory_send(layer, group: str, message: dict) -> None:
    loop = _server_loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is not None and loop.is_running() and running is not loop:
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
    return stream_seqs_next([group])[0]


def stream_seqs_next(groups: list[str]) -> list[int | None]:
    """``stream_seq_next`` for each of ``groups``, in one round trip to the cache."""
    try:
        return counters_next([_seq_key(group) for group in groups])
    except Exception:
        log.warning("sequences of %s: cache unreachable", groups, exc_info=True)
        return [None] * len(groups)


def socket_wants_json(scope) -> bool:
    """An app's socket: opened with an access token, or offering the JSON subprotocol."""
    return bool(scope.get("soko_token")) or JSON_SUBPROTOCOL in (scope.get("subprotocols") or ())


def event_frame(group: str, event: str, data: dict, *, seq: int | None) -> str:
    """The JSON text an app's socket receives for one event of ``group``."""
    return json.dumps({"stream": group, "seq": seq, "event": event, "data": data}, cls=DjangoJSONEncoder)


def event_message(group: str, message: dict, event: str | None, data: dict | None) -> dict:
    """``message`` with the event's JSON frame added, numbered now (at send time, so the
    numbers follow the order the pushes leave in)."""
    return event_messages([(group, message, event, data)])[0][1]


def event_messages(sends: list[tuple[str, dict, str | None, dict | None]]) -> list[tuple[str, dict]]:
    """``event_message`` for each ``(group, message, event, data)``, as ``group_send_many``
    takes them: the events numbered together, in the order given."""
    seqs = iter(stream_seqs_next([group for group, _message, event, _data in sends if event is not None]))
    numbered = []
    for group, message, event, data in sends:
        if event is not None:
            message = {**message, "json": event_frame(group, event, data or {}, seq=next(seqs))}
        numbered.append((group, message))
    return numbered


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
