import asyncio
import contextlib
import logging
from importlib import import_module
from types import SimpleNamespace

from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.db import DatabaseError

from shop.core.realtime import (
    remember_server_loop,
    session_group,
    socket_slot_refresh,
    socket_slot_release,
    socket_slot_take,
    user_group,
)

log = logging.getLogger(__name__)

# Application close codes (4000-4999): the session ended, or the user has too many sockets.
CLOSE_SESSION_ENDED = 4401
CLOSE_TOO_MANY_SOCKETS = 4429
# The account was deactivated (every socket), or suspended (sockets used to act: chat).
CLOSE_ACCOUNT_CLOSED = 4403


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
    ``account.restricted``."""

    refuse_restricted = False
    groups_joined: tuple[str, ...] = ()
    counted = False
    ended = False
    recheck = None

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
        # The page only listens; anything it sends is ignored.
        pass

    async def html_push(self, event):
        if not self.ended:
            await self.send_text(event["html"])

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
