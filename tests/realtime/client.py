"""A WebSocket client on a plain TCP socket, for tests against a live daphne server.

A hostile client sends what browsers and client libraries refuse to (text frames that are
not UTF-8, frames as fast as the connection takes them), so the frames are built here
(RFC 6455: client frames masked, the server's not).
"""

from __future__ import annotations

import base64
import os
import select
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
# No close code in the server's close frame, or the connection dropped without one.
NO_STATUS, ABNORMAL = 1005, 1006


class Closed(Exception):
    def __init__(self, code: int, reason: str = ""):
        super().__init__(f"closed with {code} {reason!r}")
        self.code, self.reason = code, reason


def frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One masked client frame."""
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    key = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
    return head + mask + masked


class RawSocket:
    """One socket: ``RawSocket(base_url, "/ws/notifications/", cookie="sessionid=...")``.
    ``accepted`` says whether the server opened it (101) or refused the handshake."""

    def __init__(self, base_url: str, path: str, *, cookie: str = "", headers: dict | None = None, timeout: float = 5):
        parts = urlsplit(base_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.closed: Closed | None = None
        self._send_lock = threading.Lock()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {parts.scheme}://{parts.netloc}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError(f"no handshake answer for {path}")
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].split()
        self.status = int(status_line[1]) if len(status_line) > 1 else 0
        self.accepted = self.status == 101

    def send_raw(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data)

    def send_text(self, text: str | bytes) -> None:
        """A text frame; bytes go as they are (so they need not be UTF-8)."""
        self.send_raw(frame(TEXT, text.encode() if isinstance(text, str) else text))

    def send_binary(self, data: bytes) -> None:
        self.send_raw(frame(BINARY, data))

    def _read(self, count: int, deadline: float) -> bytes:
        while len(self.buffer) < count:
            # Waits with select, not a socket timeout: that would apply to a flood's sends
            # from another thread too.
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                raise Closed(ABNORMAL) from None
            if not chunk:
                raise Closed(ABNORMAL)
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self, timeout: float = 5) -> str | bytes:
        """The next message from the server. Raises Closed when the server closes (or the
        connection drops), TimeoutError when nothing comes in time."""
        if self.closed is not None:
            raise self.closed
        deadline = time.monotonic() + timeout
        while True:
            first, second = self._read(2, deadline)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2, deadline))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8, deadline))
            payload = self._read(length, deadline)
            if opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else NO_STATUS
                self.closed = Closed(code, payload[2:].decode(errors="replace"))
                raise self.closed
            if opcode == PING:
                self.send_raw(frame(PONG, payload))
                continue
            if opcode == TEXT:
                return payload.decode()
            if opcode == BINARY:
                return payload

    def close_code(self, timeout: float = 5) -> int | None:
        """Read until the server closes: its close code, or None if it stays open."""
        try:
            while True:
                self.receive(timeout)
        except Closed as closed:
            return closed.code
        except TimeoutError:
            return None

    def close(self) -> None:
        try:
            if self.accepted and self.closed is None:
                self.send_raw(frame(CLOSE, struct.pack("!H", 1000)))
        except OSError:
            pass
        self.sock.close()


class Flood:
    """Sends one frame over and over on a socket, as fast as the connection takes it, from
    a thread, for ``seconds`` or until the server drops the connection; the server's close
    frame does not stop it (a hostile client ignores it). Another thread reads what the
    server sends."""

    def __init__(self, raw: RawSocket, payload: bytes = b'{"typing": 1}', *, opcode: int = TEXT, seconds: float = 5):
        self.raw, self.seconds = raw, seconds
        self.batch = frame(opcode, payload) * 100
        self.sent = 0
        self.close_code: int | None = None
        self.closed_after: float | None = None
        self.dropped_after: float | None = None
        self.started = threading.Event()
        self._over = threading.Event()
        self._sender = threading.Thread(target=self._send, daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)

    def start(self) -> Flood:
        self.began = time.monotonic()
        self._sender.start()
        self._reader.start()
        return self

    def _send(self):
        until = self.began + self.seconds
        try:
            while time.monotonic() < until:
                self.raw.send_raw(self.batch)
                self.sent += 100
                if self.sent >= 1000:
                    self.started.set()
        except OSError:
            self.dropped_after = time.monotonic() - self.began
        self.started.set()

    def _read(self):
        while not self._over.is_set():
            try:
                self.raw.receive(timeout=0.2)
            except TimeoutError:
                continue
            except Closed as closed:
                self.close_code, self.closed_after = closed.code, time.monotonic() - self.began
                break

    def join(self, grace: float = 5) -> Flood:
        """Wait for the sender to stop, then up to ``grace`` seconds for the server's close."""
        self._sender.join()
        self._reader.join(grace)
        self._over.set()
        self._reader.join()
        return self
