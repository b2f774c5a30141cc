"""Pushing to sockets: always after commit, never from inside a transaction.

Groups: ``user.<id>`` for a person's notifications and live pages. A message is
``{"type": "html.push", "html": ...}``: an htmx out-of-band fragment that the
browser's ws extension swaps into the page.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
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


def group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
        # The in-memory layer lives on the server's loop; sending from a worker thread
        # through async_to_sync arrives late, so hand the coroutine to that loop.
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
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
