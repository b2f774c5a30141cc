from channels.db import database_sync_to_async
from django.conf import settings

from shop.accounts.preferences.services import socket_language, viewer_time_zone
from shop.core.errors import NotFound
from shop.core.selectors.times import local_times_fill
from shop.core.services.realtime import remember_server_loop
from shop.notifications.consumers import NotificationConsumer

from .selectors.auctions import auction_get_public, auction_group


def _auction_visible(auction_id: int) -> bool:
    try:
        auction_get_public(auction_id=auction_id)
    except NotFound:
        return False
    return True


class AuctionConsumer(NotificationConsumer):
    """An auction page's socket, open to anyone who may see the auction (signed in or not):
    it joins ``auction.<id>`` and receives the page's changing parts in the viewer's
    language and time zone (as the page chose them: the account's, else the browser's
    cookies), each with the auction's sequence number. A signed-in viewer's socket is also
    their notification socket (bell, toasts), with its session checks."""

    time_zone: str | None = None  # None: the site's TIME_ZONE

    async def connect(self):
        self.auction_id = self.scope["url_route"]["kwargs"]["auction_id"]
        self.language = socket_language(self.scope)
        self.time_zone = viewer_time_zone(user=self.scope.get("user"), cookies=self.scope.get("cookies", {}))
        if not await database_sync_to_async(_auction_visible)(self.auction_id):
            await self.close()
            return
        # In the auction's group before the socket opens: the page re-reads its live parts
        # when it opens, so nothing committed after that read can be missed. The group is
        # shared by every watcher in this process (one delivery from the layer a push).
        await self.shared_join(auction_group(self.auction_id))
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await super().connect()
            if not self.groups_joined:
                await self.shared_leave_all()
                return
        else:
            remember_server_loop()
            await self.accept()

    async def auction_push(self, event):
        copies = event["html"]
        language = self.language if self.language in copies else settings.LANGUAGE_CODE
        # The copy is shared by the process's watchers: its times are filled in once per
        # (language, zone) among them (cached), then each socket sends its variant.
        await self.send_push(event, local_times_fill(copies.get(language, ""), language, self.time_zone))
