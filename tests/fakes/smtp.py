"""A local SMTP server that speaks enough of the protocol for smtplib, with the answers a
test chooses: it can refuse recipients (550, for good) or be busy (451, for now)."""

import socketserver
from dataclasses import dataclass, field

from tests.fakes.server import serve_in_background


@dataclass
class SmtpBehaviour:
    rcpt_reply: str = "250 OK"
    received: list[bytes] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        behaviour: SmtpBehaviour = self.server.behaviour
        self.reply("220 fake.smtp.test ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 fake.smtp.test")
            elif command.startswith("MAIL FROM"):
                self.reply("250 OK")
            elif command.startswith("RCPT TO"):
                self.reply(behaviour.rcpt_reply)
            elif command == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                behaviour.received.append(b"".join(lines))
                self.reply("250 OK queued")
            elif command == "RSET" or command == "NOOP":
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class FakeSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: SmtpBehaviour):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour

    def __enter__(self):
        serve_in_background(self)
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    @property
    def port(self) -> int:
        return self.server_address[1]
