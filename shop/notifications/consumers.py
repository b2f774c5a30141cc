import asyncio
import contextlib
import logging
import time
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.db import DatabaseError

from shop.core.metrics import SOCKETS_OPEN
from shop.core.services.realtime import (
    JSON_SUBPROTOCOL,
    remember_server_loop,
    session_group,
    socket_slot_refresh,
    socket_slot_release,
    socket_slot_take,
    socket_wants_json,
    user_group,
)

from .fanout import dispatch_to, group_hub
from .services.socket_limits import (
    FrameLimits,
    address_connect_allowed,
    address_slot_refresh,
    address_slot_release,
    address_slot_take,
    socket_client_address,
)

log = logging.getLogger(__name__)

# Application close codes (4000-4999): the session ended, or the user (or the client
# address) has too many sockets.
CLOSE_SESSION_ENDED = 4401
CLOSE_TOO_MANY_SOCKETS = 4429
# The account was deactivated (every socket), or suspended (sockets used to act: chat).
CLOSE_ACCOUNT_CLOSED = 4403
# The page sent more, or larger, frames than a page does: 1008 (policy violation) in the
# application range, since daphne's websocket library lets a server send only 1000 and
# 3000-4999.
CLOSE_POLICY_VIOLATION = 4008
# Pushes may have been lost (the channel layer's Redis was replaced): reconnect a moment
# later and re-read what pushes keep up to date. The pages' script and apps do both.
CLOSE_RECONNECT = 4012


def session_user_id(session_key: str) -> int | None:
    """Who the session authenticates now, as a request would see it (`get_user`: the
    session exists, its user is active and its password hash still matches), or None."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=session))
    return user.pk if user.is_authenticated else None


class NotificationConsumer(AsyncWebsocketConsumer):
    """One socket per open page. Joins ``user.<id>`` and its session's group; anonymous
    sockets are refused, and the socket closes when its session ends (logout, password
    change, deactivation, expiry), checked again every SOKO_SOCKET_RECHECK_SECONDS.

    A deactivated account's sockets are refused, and close at once on ``account.closed``
    (sent to ``user.<id>`` when the account is deactivated). A socket used to act (chat)
    sets ``refuse_restricted``: it is refused to a suspended account too, and closes on
    ``account.restricted``.

    Every consumer of the site extends this one, so each socket, signed in or not, counts
    against its client address (``socket_limits``), and the frames a page sends are
    checked here before ``receive`` sees them: too many, or one too large, closes the
    socket with CLOSE_POLICY_VIOLATION.

    An app's socket (``socket_wants_json``: opened with an access token, or offering the
    ``soko.v1.json`` subprotocol) receives each push's JSON frame instead of its HTML, and
    nothing for a push that names no event (docs/API_REALTIME.md)."""

    refuse_restricted = False
    groups_joined: tuple[str, ...] = ()
    # Groups joined through the process's hub (``fanout``): crowded ones, like an auction's.
    shared_groups: tuple[str, ...] = ()
    held: list | None = None
    counted = False
    ended = False
    recheck = None
    address = None
    address_counted = False
    address_keepalive = None
    accepted = False
    gauged = False  # counted in soko_sockets_open

    async def __call__(self, scope, receive, send):
        """Frames are checked as the server hands them over, by a task that reads all it
        has queued at once. Read one per round of channels' dispatcher (a few turns of the
        event loop each), a flood is taken in far faster than it is read, and its limit
        would bite only after the server had spent seconds on it."""
        self.frame_limits = FrameLimits.from_settings(time.monotonic())
        checked: asyncio.Queue = asyncio.Queue()
        reader = asyncio.ensure_future(self.frames_check(receive, send, checked))
        try:
            await super().__call__(scope, checked.get, send)
        finally:
            reader.cancel()

    async def frames_check(self, receive, send, checked: asyncio.Queue):
        """Pass the server's messages on, except frames of a socket that is closing (dropped
        unread) or beyond the limits (the socket is then refused)."""
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                if self.ended:
                    continue
                reason = self.frame_limits.refusal(message, time.monotonic())
                if reason is not None:
                    await self.frames_refuse(reason, send, checked)
                    continue
            checked.put_nowait(message)

    async def frames_refuse(self, reason: str, send, checked: asyncio.Queue):
        """Close the socket at once, drop the frames not yet read, and have the consumer
        clean up and stop (what the server still queues for it is never read)."""
        log.warning("socket %s from %s closed: %s", self.scope.get("path"), self.address, reason)
        self.ended = True
        with contextlib.suppress(Disconnected):
            await send({"type": "websocket.close", "code": CLOSE_POLICY_VIOLATION, "reason": reason})
        pending = [checked.get_nowait() for _ in range(checked.qsize())]
        for message in pending:
            if message["type"] != "websocket.receive":
                checked.put_nowait(message)
        checked.put_nowait({"type": "frames.refused"})

    async def frames_refused(self, message):
        await self.websocket_disconnect({"type": "websocket.disconnect", "code": CLOSE_POLICY_VIOLATION})

    async def dispatch(self, message):
        """Channels' dispatch, without its hop to the one database thread for every message
        (to close stale connections): a flood of frames, or a busy auction's pushes to each
        watcher, would queue there ahead of every socket's database work. The consumers
        reach the database only through ``database_sync_to_async``, which closes stale
        connections itself."""
        if message["type"] == "websocket.receive" and self.ended:
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        """Every socket, signed in or not, first takes a slot of its client address; one
        that the consumer then refuses gives it back at once."""
        self.address = socket_client_address(self.scope)
        if self.address is not None:
            if not await sync_to_async(address_connect_allowed, thread_sensitive=False)(self.address):
                log.warning("socket refused: %s opens sockets too fast", self.address)
                self.ended = True
                await self.accept()
                await self.close(code=CLOSE_TOO_MANY_SOCKETS)
                return
            if not await sync_to_async(address_slot_take, thread_sensitive=False)(self.address):
                log.warning("socket refused: %s has too many open sockets", self.address)
                self.ended = True
                await self.accept()
                await self.close(code=CLOSE_TOO_MANY_SOCKETS)
                return
            self.address_counted = True
        await super().websocket_connect(message)
        if not self.accepted:
            await self.address_slot_give_back()
        elif self.address_counted:
            self.address_keepalive = asyncio.ensure_future(self.keep_address_counted())

    @property
    def wants_json(self) -> bool:
        return socket_wants_json(self.scope)

    async def accept(self, subprotocol=None, headers=None):
        if subprotocol is None and JSON_SUBPROTOCOL in (self.scope.get("subprotocols") or ()):
            subprotocol = JSON_SUBPROTOCOL
        await super().accept(subprotocol, headers)
        while self.held:  # what shared groups sent before the socket opened, in order
            await dispatch_to(self, self.held.pop(0))
        self.accepted = True
        if not self.gauged:
            self.gauged = True
            SOCKETS_OPEN.inc()

    async def shared_join(self, group: str) -> None:
        """Join ``group`` through the process's hub: what it receives before the socket is
        accepted is held and handed over once it is."""
        await group_hub(self.channel_layer).join(group, self)
        self.shared_groups = (*self.shared_groups, group)

    async def shared_leave_all(self) -> None:
        if not self.shared_groups:
            return
        hub = group_hub(self.channel_layer)
        for group in self.shared_groups:
            await hub.leave(group, self)
        self.shared_groups = ()

    async def shared_message(self, message: dict) -> None:
        if self.ended:
            return
        if not self.accepted:
            self.held = [*(self.held or []), message]  # handed over by ``accept``
            return
        await dispatch_to(self, message)

    async def shared_group_lost(self) -> None:
        """The hub lost and rejoined a shared group of this socket: pushes may be missing."""
        await self.close(code=CLOSE_RECONNECT)

    async def close(self, code=None, reason=None):
        if not self.accepted:  # refused before it opened: it holds no slot of its address
            await self.address_slot_give_back()
        await super().close(code, reason)

    async def websocket_disconnect(self, message):
        if self.address_keepalive is not None:
            self.address_keepalive.cancel()
        try:
            await super().websocket_disconnect(message)
        finally:
            if self.gauged:
                self.gauged = False
                SOCKETS_OPEN.dec()
            await self.address_slot_give_back()

    async def address_slot_give_back(self):
        if self.address_counted:
            self.address_counted = False
            await sync_to_async(address_slot_release, thread_sensitive=False)(self.address)

    async def keep_address_counted(self):
        while True:
            await asyncio.sleep(settings.SOKO_SOCKET_RECHECK_SECONDS)
            await sync_to_async(address_slot_refresh, thread_sensitive=False)(self.address)

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        if user is None or not user.is_authenticated or session is None or not session.session_key:
            await self.close()
            return
        if self.refused_for_standing(user):
            await self.close()
            return
        self.user_id = user.pk
        self.session_key = session.session_key
        if not await database_sync_to_async(socket_slot_take)(self.user_id):
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        self.counted = True
        remember_server_loop()
        self.groups_joined = (user_group(self.user_id), session_group(self.session_key))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.recheck = asyncio.ensure_future(self.recheck_session())

    async def disconnect(self, code):
        if self.recheck is not None:
            self.recheck.cancel()
        await self.shared_leave_all()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.counted:
            self.counted = False
            await database_sync_to_async(socket_slot_release)(self.user_id)

    async def recheck_session(self):
        while not self.ended:
            await asyncio.sleep(settings.SOKO_SOCKET_RECHECK_SECONDS)
            try:
                user_id = await database_sync_to_async(session_user_id)(self.session_key)
            except DatabaseError:  # busy or down: ask again at the next interval
                log.warning("socket session re-check failed", exc_info=True)
                continue
            if user_id != self.user_id:
                await self.end_session()
                return
            await database_sync_to_async(socket_slot_refresh)(self.user_id)
            await self.still_open()

    async def still_open(self):
        """Called at every re-check while the session holds: what a subclass keeps alive."""

    async def end_session(self):
        self.ended = True
        await self.close(code=CLOSE_SESSION_ENDED)

    async def receive(self, text_data=None, bytes_data=None):
        """The page only listens; anything it sends is ignored (within the frame limits)."""

    async def html_push(self, event):
        await self.send_push(event, event["html"])

    async def send_push(self, event, html: str) -> None:
        """A push's HTML to a page, its JSON frame (when it names an event) to an app."""
        if self.ended:
            return
        if not self.wants_json:
            await self.send_text(html)
        elif event.get("json"):
            await self.send_text(event["json"])

    async def send_text(self, text: str) -> None:
        """Send, unless the socket is closing: a push racing the close must not end the
        consumer before its disconnect runs (its groups and counts would stay behind)."""
        with contextlib.suppress(Disconnected):
            await self.send(text_data=text)

    async def socket_close(self, event):
        await self.end_session()

    def refused_for_standing(self, user) -> bool:
        """The account may not hold this socket (the user was read from the database as
        the socket opened, so the standing is current)."""
        if getattr(user, "is_deactivated", False):
            return True
        return self.refuse_restricted and getattr(user, "is_restricted", False)

    async def account_closed(self, event):
        self.ended = True
        await self.close(code=CLOSE_ACCOUNT_CLOSED)

    async def account_restricted(self, event):
        if self.refuse_restricted:
            await self.account_closed(event)
