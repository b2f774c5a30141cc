from channels.generic.websocket import AsyncWebsocketConsumer

from shop.core.realtime import remember_server_loop, user_group


class NotificationConsumer(AsyncWebsocketConsumer):
    """One socket per open page. Joins ``user.<id>``; anonymous sockets are refused."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        remember_server_loop()
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # The page only listens; anything it sends is ignored.
        pass

    async def html_push(self, event):
        await self.send(text_data=event["html"])
