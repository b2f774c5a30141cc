"""Scale mode's channel layer: a receive that is cancelled ends, even when the read under
it takes the first cancellation in and reads again (as channels-redis's blocking read
through redis-py can), so a socket's consumer and an event loop's shutdown never wait
for ever on it."""

import asyncio

import pytest
from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer

from shop.core.channel_layer import RedisChannelLayer

HOSTS = [{"address": "redis://127.0.0.1:6379/15"}]


def a_read_that_takes_cancellations_in(taken: int = 1):
    """channels-redis's receive as it misbehaves: the first ``taken`` cancellations are
    caught and the blocking read starts again; only the next one ends it."""
    cancellations = []

    async def receive(self, channel):
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancellations.append(channel)
                if len(cancellations) > taken:
                    raise

    return receive, cancellations


async def cancelled_then_waited(layer, seconds: float, cancellations: list, *, again: bool = False) -> tuple[bool, int]:
    """Cancel a receive of ``layer`` as a socket's end does (channels cancels the receive
    task; ``again``: the consumer's end then cancels it once more): whether it ended in
    time, and how many cancellations the read under it had seen by then."""
    receiving = asyncio.ensure_future(layer.receive("specific.x!y"))
    await asyncio.sleep(0.05)
    receiving.cancel()
    if again:
        await asyncio.sleep(0.02)
        receiving.cancel()
    done, _pending = await asyncio.wait({receiving}, timeout=seconds)
    seen = len(cancellations)
    for task in asyncio.all_tasks() - {asyncio.current_task()}:  # leave nothing behind
        task.cancel()
    return receiving in done, seen


@pytest.mark.parametrize(("taken", "again"), [(1, False), (1, True), (3, True)])
def test_a_cancelled_receive_ends_even_when_the_read_takes_cancellations_in(monkeypatch, taken, again):
    receive, cancellations = a_read_that_takes_cancellations_in(taken)
    monkeypatch.setattr(ChannelsRedisLayer, "receive", receive)

    # Ended, and not by leaving the read behind: it was cancelled until that ended it.
    layer = RedisChannelLayer(hosts=HOSTS)
    assert asyncio.run(cancelled_then_waited(layer, 3, cancellations, again=again)) == (True, taken + 1)


def test_channels_redis_alone_would_wait_for_ever(monkeypatch):
    """What the layer is for: the same read under channels-redis's own receive is still
    running after the cancellation."""
    receive, cancellations = a_read_that_takes_cancellations_in()
    monkeypatch.setattr(ChannelsRedisLayer, "receive", receive)

    assert asyncio.run(cancelled_then_waited(ChannelsRedisLayer(hosts=HOSTS), 0.5, cancellations)) == (False, 1)


def test_a_receive_still_gives_its_message_and_its_error(monkeypatch):
    async def receive(self, channel):
        if channel == "specific.x!broken":
            raise ConnectionError("Redis went away")
        return {"type": "chat.message", "channel": channel}

    monkeypatch.setattr(ChannelsRedisLayer, "receive", receive)
    layer = RedisChannelLayer(hosts=HOSTS)

    assert asyncio.run(layer.receive("specific.x!y")) == {"type": "chat.message", "channel": "specific.x!y"}
    with pytest.raises(ConnectionError):
        asyncio.run(layer.receive("specific.x!broken"))


@pytest.mark.redis
def test_scale_mode_uses_this_layer():
    from channels.layers import get_channel_layer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
