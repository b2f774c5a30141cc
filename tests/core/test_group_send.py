"""A push sent by synchronous code reaches the group from any thread, including one that
runs an event loop (a browser-driving script saving a user closes that user's sockets)."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from shop.core.services.realtime import group_send


def test_a_push_from_a_thread_running_an_event_loop_is_sent():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("test.loop", channel)

    async def synchronous_caller():
        group_send("test.loop", {"type": "socket.close"})

    asyncio.run(synchronous_caller())
    assert async_to_sync(layer.receive)(channel) == {"type": "socket.close"}


def test_a_push_from_a_plain_thread_is_sent():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("test.plain", channel)
    group_send("test.plain", {"type": "html.push", "html": "<p>hi</p>"})
    assert async_to_sync(layer.receive)(channel)["html"] == "<p>hi</p>"
