"""A push sent by synchronous code reaches the group from any thread, including one that
runs an event loop (a browser-driving script saving a user closes that user's sockets);
the pushes of one change leave together, each group's in order, and a process sends all
its pushes over the same Redis connection."""

import asyncio

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from shop.core.services.realtime import group_send, group_send_many


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


def test_the_pushes_of_one_change_reach_each_group_in_the_order_given():
    layer = get_channel_layer()
    first, second = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("test.first", first)
    async_to_sync(layer.group_add)("test.second", second)

    sent = group_send_many(
        [("test.first", {"type": "html.push", "html": str(n)}) for n in range(5)]
        + [("test.second", {"type": "html.push", "html": "other"})]
    )

    async def received():  # on one loop: channels-redis confirms a receive after it returns
        return [(await layer.receive(first))["html"] for _ in range(5)], (await layer.receive(second))["html"]

    assert sent
    assert async_to_sync(received)() == (["0", "1", "2", "3", "4"], "other")


@pytest.mark.redis
def test_pushes_from_synchronous_code_reuse_one_redis_connection():
    """channels-redis keeps connections per event loop: the pushes of a process share the
    sender's loop, so a hundred pushes open no new connection after the first."""
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    server = redis.Redis.from_url(settings.REDIS_URL)
    group_send("test.nobody", {"type": "html.push", "html": "warm"})
    opened = server.info("stats")["total_connections_received"]

    for n in range(100):
        assert group_send("test.nobody", {"type": "html.push", "html": str(n)})

    # Allow for this test's own INFO client.
    assert server.info("stats")["total_connections_received"] - opened <= 1


@pytest.mark.redis
def test_pushes_go_on_after_the_shared_layer_is_flushed():
    """channels-redis's flush closes the connections of every loop the layer used: the
    sending loop keeps a layer of its own, so its connections survive a flush."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    assert group_send("test.flushed", {"type": "html.push", "html": "before"})

    async_to_sync(layer.flush)()
    async_to_sync(layer.group_add)("test.flushed", channel)

    assert group_send("test.flushed", {"type": "html.push", "html": "after"})
    assert async_to_sync(layer.receive)(channel)["html"] == "after"
