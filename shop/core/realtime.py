"""Pushing to sockets: always after commit, never from inside a transaction.

Groups: ``user.<id>`` for a person's notifications and live pages, and
``session.<hash>`` for the sockets of one login session. A message is
``{"type": "html.push", "html": ...}``: an htmx out-of-band fragment that the
browser's ws extension swaps into the page; ``{"type": "socket.close"}`` closes
the sockets of a group (logout, password change, deactivation).
"""

import asyncio
import hashlib
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


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
    return f"soko:sockets:{user_id}"


def _socket_count_seconds() -> int:
    # Open sockets refresh the count at every re-check; a process that died without
    # disconnecting leaves its share only until the user's sockets have been quiet this long.
    return 2 * settings.SOKO_SOCKET_RECHECK_SECONDS + 60


def socket_slot_take(user_id: int) -> bool:
    """Count one more open socket for the user, across processes (the cache is Redis at
    scale). False, and nothing counted, when the user already has the maximum."""
    key = _socket_count_key(user_id)
    cache.add(key, 0, _socket_count_seconds())
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, _socket_count_seconds())
        count = 1
    if count > settings.SOKO_SOCKETS_PER_USER:
        socket_slot_release(user_id)
        return False
    cache.touch(key, _socket_count_seconds())
    return True


def socket_slot_refresh(user_id: int) -> None:
    cache.touch(_socket_count_key(user_id), _socket_count_seconds())


def socket_slot_release(user_id: int) -> None:
    key = _socket_count_key(user_id)
    try:
        if cache.decr(key) <= 0:
            cache.delete(key)
    except ValueError:  # the count expired: nothing to give back
        pass


def group_send(group: str, message: dict) -> None:
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
        sender = threading.Thread(target=async_to_sync(layer.group_send), args=(group, message))
        sender.start()
        sender.join()
        return
    async_to_sync(layer.group_send)(group, message)


def push_html_on_commit(group: str, html: str) -> None:
    """Send an htmx out-of-band fragment to every socket in ``group`` once the
    current transaction commits (at once when there is none)."""

    def send():
        try:
            group_send(group, {"type": "html.push", "html": html})
        except Exception:  # a push is best effort: pages re-read state on reconnect
            log.exception("push to %s failed", group)

    transaction.on_commit(send, robust=True)


def sockets_close_on_commit(group: str) -> None:
    """Close every socket in ``group`` once the current transaction commits: the page
    reconnects, and only a session that still authenticates is let back in."""

    def send():
        try:
            group_send(group, {"type": "socket.close"})
        except Exception:  # the sockets' periodic re-check closes them anyway
            log.exception("closing the sockets of %s failed", group)

    transaction.on_commit(send, robust=True)


def push_rendered_on_commit(user_ids, render) -> None:
    """Push ``render()``'s fragment to each user's pages, rendered in that user's language
    and time zone: once per (language, time zone) among them, not once per user."""
    from django.contrib.auth import get_user_model

    from .i18n import recipient_language, speaking_to

    copies: dict[tuple[str, str], str] = {}
    for user in get_user_model().objects.filter(pk__in=list(user_ids)).only("pk", "language", "time_zone"):
        key = (recipient_language(user), user.time_zone)
        if key not in copies:
            with speaking_to(user):
                copies[key] = render()
        push_html_on_commit(user_group(user.pk), copies[key])
