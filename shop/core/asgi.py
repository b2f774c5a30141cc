"""Django's HTTP under ASGI: each request, its error page included, on one of a fixed set of
long-lived threads.

Django's ASGI handler runs each request's view code in a thread-sensitive context of its
own, and asgiref gives each such context a new thread. ``ReusedThreads`` enters the
context first, with one of ``SOKO_ASGI_THREADS`` single-thread executors that live as
long as the process (Django's handler then uses the context it finds); a request waits
for a free one. SQLite connections, which belong to their thread, are kept and reused.

``RequestThreadHandler`` runs the whole middleware chain in that thread, as WSGI does.
Django's own ASGI handler turns an exception that leaves the view's middleware (a 404, a
403, a 500) into its error page on another thread, one of the event loop's default
executor: that thread opened a database connection of its own that no request ever gave
back, and the 500 handler there could not see the exception it answered
(``sys.exc_info()`` is per thread), so it could not tell a missing connection (503) from
a bug (500).
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler


class RequestThreadHandler(ASGIHandler):
    """Django's ASGI handler with a synchronous middleware chain, run in the request's thread."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def request_thread_application() -> RequestThreadHandler:
    """``django.core.asgi.get_asgi_application`` with the handler above."""
    django.setup(set_prefix=False)
    return RequestThreadHandler()


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
