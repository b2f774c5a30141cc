import json
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from shop.core.errors import NotFound
from shop.core.services.realtime import event_frame
from shop.notifications.consumers import NotificationConsumer

from .selectors import conversation_for_user
from .services.conversations import conversation_read, presence_refresh, presence_set

log = logging.getLogger(__name__)

TYPING_EVERY_SECONDS = 2
# A page says it read at most once per new message from the other side, 400 ms after it
# landed: reads that come sooner than this are a flood, not a page, and are dropped.
READ_EVERY_SECONDS = 0.3


def _scope_language(scope) -> str:
    """The page's language for someone who never chose one: the language cookie, else the site's."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def chat_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def _read(user, conversation_id: int) -> None:
    """The page's person read the conversation (as ``POST /messages/<id>/read/``, without
    the request): their side's count goes to zero, and the other side sees it live."""
    try:
        viewer = conversation_for_user(user=user, pk=conversation_id, for_writing=True, related=())
    except NotFound:
        return  # no longer in it: the next re-check closes the socket
    conversation_read(viewer=viewer, user=user)


def _participant(user, conversation_id: int):
    """(side, display name, language) of a participant; None for anyone else (staff read
    the page, but a socket is for those in the conversation)."""
    try:
        viewer = conversation_for_user(user=user, pk=conversation_id, for_writing=True, related=())
    except NotFound:
        return None
    conversation = viewer.conversation
    name = user.short_name if viewer.side == "buyer" or conversation.is_delivery else conversation.store.name
    return viewer.side, name, getattr(user, "language", "")


class ChatConsumer(NotificationConsumer):
    """A conversation page's socket: the participant's notification socket (messages, their
    inbox rows and unread badges reach every tab through ``user.<id>``), plus the
    conversation's group for typing, open only to the people in the conversation."""

    conversation_id = None
    last_typing = 0.0
    last_read = 0.0
    # Chatting is refused to a suspended account (it reads the conversation's page only).
    refuse_restricted = True

    async def connect(self):
        self.conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        user = self.scope.get("user")
        found = None
        if user is not None and user.is_authenticated and not self.refused_for_standing(user):
            found = await database_sync_to_async(_participant)(user, self.conversation_id)
        if found is None:
            await self.close()
            return
        self.side, self.display_name, language = found
        self.language = language if language in dict(settings.LANGUAGES) else _scope_language(self.scope)
        # Here before the socket opens: a message sent meanwhile rings no bell, and the page
        # reads what it missed once its socket is open.
        self.present, self.present_user_id = True, user.pk
        await database_sync_to_async(presence_set)(conversation_id=self.conversation_id, user_id=user.pk, here=True)
        await super().connect()
        if not self.groups_joined:
            self.present = False
            await database_sync_to_async(presence_set)(
                conversation_id=self.conversation_id, user_id=user.pk, here=False
            )
            return
        group = chat_group(self.conversation_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = (*self.groups_joined, group)

    async def still_open(self):
        """Still in the conversation (a member removed from the store, a courier who handed
        the job over, is not): keep the presence mark, else close the socket."""
        if await database_sync_to_async(_participant)(self.scope["user"], self.conversation_id) is None:
            await self.end_session()
            return
        await database_sync_to_async(presence_refresh)(
            conversation_id=self.conversation_id, user_id=self.present_user_id
        )

    async def disconnect(self, code):
        await super().disconnect(code)
        if getattr(self, "present", False):
            self.present = False
            await database_sync_to_async(presence_set)(
                conversation_id=self.conversation_id, user_id=self.present_user_id, here=False
            )

    async def receive(self, text_data=None, bytes_data=None):
        """What the page says: its person read the conversation (``{"read": 1}``), or is
        typing (``{"typing": 1}``, passed on at most every few seconds). Anything else, and
        what comes sooner than its interval, is dropped unread."""
        if self.ended or not text_data or len(text_data) > 200:
            return
        try:
            data = json.loads(text_data)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        now = time.monotonic()
        if data.get("read") and now - self.last_read >= READ_EVERY_SECONDS:
            self.last_read = now
            try:
                await database_sync_to_async(_read)(self.scope["user"], self.conversation_id)
            except DatabaseError:  # busy or down: the page reads again on its next message or visit
                log.warning("chat read over the socket failed", exc_info=True)
        elif data.get("typing") and now - self.last_typing >= TYPING_EVERY_SECONDS:
            self.last_typing = now
            await self.channel_layer.group_send(
                chat_group(self.conversation_id),
                {"type": "chat.typing", "side": self.side, "name": self.display_name, "from": self.channel_name},
            )

    async def chat_typing(self, event):
        if self.ended or event["side"] == self.side:
            return
        if self.wants_json:  # passing: numbered on no stream, nothing to re-read when missed
            data = {"conversation": self.conversation_id, "side": event["side"], "name": event["name"]}
            await self.send_text(event_frame(chat_group(self.conversation_id), "typing", data, seq=None))
            return
        with translation.override(self.language):
            text = _("%(name)s is typing…") % {"name": event["name"]}
        await self.send_text(
            f'<span id="chat-{self.conversation_id}-typing" hx-swap-oob="true" class="chat-typing small text-body-secondary" data-typing="1">{escape(text)}</span>'
        )
