"""What every fake provider shares: a threaded HTTP server on a local port, started and
stopped as a context manager."""

import threading
from http.server import ThreadingHTTPServer

# How often a server's loop looks whether it is asked to stop: ``shutdown`` waits for that
# look, and socketserver's default (half a second) added as much to every test with a fake.
POLL_SECONDS = 0.01


def serve_in_background(server) -> None:
    """Serve ``server`` (any socketserver) in a daemon thread until ``server.shutdown()``."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True).start()


class FakeServer:
    """Subclasses set up their state, then call ``super().__init__(port, handler)``.

    ``lose_answers(n)``: the next ``n`` API requests are carried out, but the connection
    closes before the answer is sent, as when the network drops it on the way back; the
    client cannot tell whether the provider did what it asked. ``only="POST /v1/…"`` loses
    only the answers to requests whose method and path start so (the others are answered)."""

    def __init__(self, port: int, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._answers_to_lose = 0
        self._losing_only = ""
        self._losing = threading.Lock()

    def lose_answers(self, count: int, *, only: str = "") -> None:
        with self._losing:
            self._answers_to_lose, self._losing_only = count, only

    def answer_lost(self, method: str = "", path: str = "") -> bool:
        """Whether the answer to the request just carried out is to be lost (counted)."""
        with self._losing:
            if self._answers_to_lose <= 0 or not f"{method} {path}".startswith(self._losing_only):
                return False
            self._answers_to_lose -= 1
            return True

    def __enter__(self):
        serve_in_background(self.server)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
