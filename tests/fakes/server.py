"""What every fake provider shares: a threaded HTTP server on a local port, started and
stopped as a context manager."""

import threading
from http.server import ThreadingHTTPServer


class FakeServer:
    """Subclasses set up their state, then call ``super().__init__(port, handler)``.

    ``lose_answers(n)``: the next ``n`` API requests are carried out, but the connection
    closes before the answer is sent, as when the network drops it on the way back; the
    client cannot tell whether the provider did what it asked."""

    def __init__(self, port: int, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._answers_to_lose = 0
        self._losing = threading.Lock()

    def lose_answers(self, count: int) -> None:
        with self._losing:
            self._answers_to_lose = count

    def answer_lost(self) -> bool:
        """Whether the answer to the request just carried out is to be lost (counted)."""
        with self._losing:
            if self._answers_to_lose <= 0:
                return False
            self._answers_to_lose -= 1
            return True

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
