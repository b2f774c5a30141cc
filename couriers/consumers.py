from channels.db import database_sync_to_async

from shop.accounts.preferences.services import socket_language
from shop.notifications.consumers import NotificationConsumer

from .selectors import courier_area_ids, job_group, user_is_courier


def _board_groups(user) -> list[str]:
    if not user_is_courier(user=user):
        return []
    return [job_group(area_id) for area_id in courier_area_ids(user=user)]


class JobBoardConsumer(NotificationConsumer):
    """The job board's socket: the person's notifications and live pages, and the board of
    each area the courier serves (``jobs.<area>``: new jobs appear, taken ones leave). A
    user who is not an approved courier gets the notifications only. The boards' pushes
    carry a copy per language (``languages``): the socket sends the courier's own."""

    async def connect(self):
        user = self.scope.get("user")
        self.language = socket_language(self.scope)
        self.board_groups = []
        if user is not None and user.is_authenticated:
            self.board_groups = await database_sync_to_async(_board_groups)(user)
        await super().connect()
        if self.groups_joined:
            for group in self.board_groups:
                await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined = (*self.groups_joined, *self.board_groups)

    async def html_push(self, event):
        languages = event.get("languages") or {}
        await self.send_push(event, languages.get(self.language) or event["html"])
