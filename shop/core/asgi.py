"""Django's HTTP under ASGI on a fixed set of long-lived threads.

Django's ASGI handler runs each request's view code in a thread-sensitive context of its
own, and asgiref gives each such context a new thread: every request began on a fresh
thread, and since database connections belong to their thread, every request opened a
new connection and left the old one to the garbage collector. This middleware enters the
context first, with one of ``SOKO_ASGI_THREADS`` single-thread executors that live as
long as the process (Django's handler then uses the context it finds). A request waits
for a free executor, so the threads, and the connections they keep (``CONN_MAX_AGE``,
checked before reuse), stay bounded and are reused, under daphne in the embedded mode as
in scale mode.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


class ReusedThreads:
    def __init__(self, app, threads: int):
        self.app = app
        self.threads = threads
        self._free: asyncio.Queue | None = None

    def _executors(self) -> asyncio.Queue:
        if self._free is None:  # made in the server's event loop, on the first request
            self._free = asyncio.Queue()
            for number in range(self.threads):
                self._free.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"soko-http-{number}"))
        return self._free

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        free = self._executors()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                return await self.app(scope, receive, send)
        finally:
            free.put_nowait(executor)
