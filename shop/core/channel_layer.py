"""The channel layer of scale mode: channels-redis, with a receive whose cancellation
always ends it.

A socket's consumer receives from the layer in a task of its own, which channels cancels
when the socket ends, and then awaits. channels-redis's receive sits in a blocking
``BZPOPMIN`` through redis-py, and a cancellation that reaches it at the wrong moment can
be taken in and the read started again: the task then lives on, still reading, and
whatever awaits it (the consumer's end, or an event loop's shutdown) waits for ever. The
layer here runs that receive in a task of its own and, when cancelled, cancels it again
until it has ended.
"""

import asyncio

from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer

# How long a cancelled receive is given before it is cancelled again.
RECANCEL_SECONDS = 0.1


class RedisChannelLayer(ChannelsRedisLayer):
    async def receive(self, channel):
        receiving = asyncio.ensure_future(super().receive(channel))
        try:
            # Shielded: a cancellation of this receive reaches the handler below, not the read.
            return await asyncio.shield(receiving)
        except asyncio.CancelledError:
            await receive_cancelled(receiving)
            raise


async def receive_cancelled(receiving: asyncio.Future) -> None:
    """Cancel ``receiving`` until it has ended (a cancellation may be taken in once)."""
    while not receiving.done():
        receiving.cancel()
        await asyncio.wait({receiving}, timeout=RECANCEL_SECONDS)
    if not receiving.cancelled():
        receiving.exception()  # read, so an error it ended with is not reported as never retrieved
