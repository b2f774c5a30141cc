"""What every fake provider shares: a threaded HTTP server on a local port, started and
stopped as a context manager."""

import threading
from http.server import ThreadingHTTPServer


class FakeServer:
    """Subclasses set up their state, then call ``super().__init__(port, handler)``."""

    def __init__(self, port: int, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
