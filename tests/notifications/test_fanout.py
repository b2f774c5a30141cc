"""Sockets in a shared group (``shop/notifications/fanout.py``): a push that reaches a
socket between joining the group and opening is sent once it opens, in order; a closing
socket gets nothing more."""

import pytest
import redis
from asgiref.sync import async_to_sync

from shop.auctions.consumers import AuctionConsumer
from tests.core.test_redis_outage import REDIS_SERVER, OwnRedis


def watcher(sent: list) -> AuctionConsumer:
    consumer = AuctionConsumer()
    consumer.scope = {"subprotocols": []}
    consumer.language = "fr"

    async def base_send(message):
        sent.append(message)

    consumer.base_send = base_send
    return consumer


def push(seq: int) -> dict:
    return {"type": "auction.push", "seq": seq, "html": {"en": f"<p>{seq}</p>", "fr": f"<p>{seq} fr</p>"}}


def test_pushes_before_the_socket_opens_are_sent_once_it_opens_in_order():
    sent = []
    consumer = watcher(sent)

    async def story():
        await consumer.shared_message(push(1))
        await consumer.shared_message(push(2))
        assert sent == []
        await consumer.accept()
        await consumer.shared_message(push(3))

    async_to_sync(story)()
    assert [message["type"] for message in sent] == ["websocket.accept"] + ["websocket.send"] * 3
    assert [message.get("text") for message in sent[1:]] == ["<p>1 fr</p>", "<p>2 fr</p>", "<p>3 fr</p>"]


def test_a_socket_that_is_closing_gets_no_more_pushes():
    sent = []
    consumer = watcher(sent)

    async def story():
        await consumer.accept()
        consumer.ended = True
        await consumer.shared_message(push(1))

    async_to_sync(story)()
    assert [message["type"] for message in sent] == ["websocket.accept"]


@pytest.fixture
def own_redis():
    if REDIS_SERVER is None:
        pytest.skip("needs a redis-server binary on PATH")
    server = OwnRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_a_group_lost_with_redis_is_joined_again_and_its_sockets_told_to_reconnect(own_redis):
    """Redis replaced (stopped, started empty): the layer forgot the process's shared group.
    The hub joins it again once Redis answers, and asks its sockets to reconnect and re-read
    (4012), since pushes sent meanwhile were lost; pushes reach the group again."""
    import asyncio

    from channels_redis.core import RedisChannelLayer

    from shop.notifications.consumers import CLOSE_RECONNECT
    from shop.notifications.fanout import group_hub

    sent_a, sent_b = [], []
    a, b = watcher(sent_a), watcher(sent_b)

    async def story():
        layer = RedisChannelLayer(hosts=[{"address": own_redis.url, "socket_timeout": 30}], prefix="soko:test")
        for consumer in (a, b):
            consumer.channel_layer = layer
            await consumer.accept()
            await consumer.shared_join("auction.7")
        await layer.group_send("auction.7", push(1))
        await asyncio.sleep(0.5)
        own_redis.stop()
        await asyncio.sleep(1.5)
        own_redis.start()  # empty: no group, no channel
        for _ in range(100):
            if any(message.get("code") == CLOSE_RECONNECT for message in sent_a):
                break
            await asyncio.sleep(0.1)
        for _ in range(5):  # a pooled connection from before the restart fails once
            try:
                await layer.group_send("auction.7", push(2))
                break
            except redis.ConnectionError:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        await group_hub(layer).leave("auction.7", a)
        await group_hub(layer).leave("auction.7", b)
        await layer.flush()

    async_to_sync(story)()
    for sent in (sent_a, sent_b):
        assert [message.get("text") for message in sent if message["type"] == "websocket.send"] == [
            "<p>1 fr</p>",
            "<p>2 fr</p>",
        ]
        assert {"type": "websocket.close", "code": CLOSE_RECONNECT} in [
            {key: message[key] for key in ("type", "code") if key in message} for message in sent
        ]
