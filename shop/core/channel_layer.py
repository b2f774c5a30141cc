"""The channel layer of scale mode: channels-redis, with a receive whose cancellation
always ends it.

A socket's consumer receives from the layer in a task of its own, which channels cancels
when the socket ends, and then awaits. channels-redis's receive sits in a blocking
``BZPOPMIN`` through redis-py, and a cancellation that reaches it at the wrong moment can
be taken in and the read started again: the task then lives on, still reading, and
whatever awaits it (the consumer's end, or an event loop's shutdown, which waits for
every task it cancelled) waits for ever. The layer here runs that receive in a task of
its own and, when cancelled, cancels it again until it has ended; a second cancellation
meanwhile (channels cancels the receive, then the consumer's own end cancels it again)
does not stop it from doing so.
"""

import asyncio
import logging

from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer

log = logging.getLogger(__name__)

# How long a cancelled receive is given before it is cancelled again, and how many times.
RECANCEL_SECONDS = 0.1
RECANCEL_TIMES = 100


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
    """Cancel ``receiving`` until it has ended (a cancellation may be taken in), whatever
    cancels the caller meanwhile; give up, and say so, after ``RECANCEL_TIMES`` tries."""
    for _ in range(RECANCEL_TIMES):
        if receiving.done():
            break
        receiving.cancel()
        try:
            await asyncio.wait({receiving}, timeout=RECANCEL_SECONDS)
        except asyncio.CancelledError:
            continue  # the caller ends once the read has: the cancellation is raised then
    else:
        log.warning("a channel-layer receive did not end after %s cancellations", RECANCEL_TIMES)
        return
    if not receiving.cancelled():
        receiving.exception()  # read, so an error it ended with is not reported as never retrieved
