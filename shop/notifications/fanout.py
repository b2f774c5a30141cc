"""A crowded group's pushes fanned out inside the server process.

A socket that joins a group with its own channel costs the server a channel-layer receive
for every push (with channels-redis: two tasks and a shared lock per socket, then channels'
dispatch): for an auction watched by a thousand pages, that was most of a push's time.
Sockets that join through the process's ``GroupHub`` instead share one channel per group:
the layer delivers each push to the process once, and the hub hands it to every local
socket of the group, in the order received, where it only becomes a frame.
"""

import asyncio
import logging
import weakref

from channels.consumer import get_handler_name

log = logging.getLogger(__name__)

# Seconds a hub waits before trying the layer again after it failed (Redis restarting).
RETRY_SECONDS = 1.0
# Sockets handed a push between two turns of the event loop: a frame goes out on the next
# turn, so the first watchers need not wait until the last one's frame is made.
YIELD_EVERY = 25


class GroupHub:
    """This process's members of shared groups, on one event loop and one channel layer."""

    def __init__(self, layer):
        self.layer = layer
        self.lock = asyncio.Lock()
        self.members: dict[str, set] = {}
        self.channels: dict[str, str] = {}
        self.readers: dict[str, asyncio.Task] = {}

    async def join(self, group: str, consumer) -> None:
        """Add ``consumer`` to ``group``; its handler for each message's type is called
        with every message sent to the group from now on."""
        async with self.lock:
            if group not in self.channels:
                self.channels[group] = await self.layer.new_channel()
                self.readers[group] = asyncio.ensure_future(self.read(group, self.channels[group]))
            # Every join renews the membership, so a group the layer expired or lost is joined again.
            await self.layer.group_add(group, self.channels[group])
            self.members.setdefault(group, set()).add(consumer)

    async def leave(self, group: str, consumer) -> None:
        async with self.lock:
            members = self.members.get(group)
            if members is None or consumer not in members:
                return
            members.discard(consumer)
            if members:
                return
            del self.members[group]
            channel = self.channels.pop(group)
            self.readers.pop(group).cancel()
            await self.layer.group_discard(group, channel)

    async def rejoin(self, group: str, channel: str) -> None:
        """After the layer failed (Redis restarted empty, or unreachable for a while): join
        the group again as soon as the layer answers, then tell its sockets that pushes may
        have been lost meanwhile (they close asking the page to reconnect and re-read)."""
        while True:
            try:
                await self.layer.group_add(group, channel)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(RETRY_SECONDS)
        for consumer in list(self.members.get(group, ())):
            try:
                await consumer.shared_group_lost()
            except Exception:
                log.exception("shared group %s: a socket could not be told to reconnect", group)

    def size(self, group: str) -> int:
        return len(self.members.get(group, ()))

    async def read(self, group: str, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("shared group %s: receive failed", group, exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                await self.rejoin(group, channel)
                continue
            for number, consumer in enumerate(list(self.members.get(group, ())), start=1):
                try:
                    await consumer.shared_message(message)
                except Exception:
                    log.exception("shared group %s: a socket's handler failed", group)
                if number % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # the server writes out the frames made so far


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupHub]" = weakref.WeakKeyDictionary()


def group_hub(layer) -> GroupHub:
    """The hub of the running event loop for ``layer`` (a server runs one loop; tests, one each)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = GroupHub(layer)
    return hub


async def dispatch_to(consumer, message: dict) -> None:
    """Call ``consumer``'s handler for ``message``'s type, as channels' dispatch would."""
    handler = getattr(consumer, get_handler_name(message), None)
    if handler is None:
        raise ValueError(f"No handler for message type {message['type']}")
    await handler(message)
