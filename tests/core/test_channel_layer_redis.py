"""The Redis channel layer keeps a quiet socket's receive waiting: with redis-py 8's
defaults its 5 s read timeout ended channels-redis's 5 s blocking wait with an error,
dropping every quiet socket after 5 seconds."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

pytestmark = pytest.mark.redis


def test_a_receive_waits_past_redis_blocking_timeout():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"

    async def quiet_then_message():
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(7)  # longer than the 5 s blocking receive
        assert not waiting.done() or waiting.exception() is None, waiting.exception()
        await layer.send(channel, {"type": "html.push", "html": "late"})
        return await asyncio.wait_for(waiting, timeout=5)

    assert async_to_sync(quiet_then_message)()["html"] == "late"
