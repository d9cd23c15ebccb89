"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives. Used by the drill and tests."""
from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    subject: str
    body: str
    message_id: str
    date: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.fail_next > 0:
            self.sink.fail_next -= 1
            return "451 try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            text = msg.get_body(("plain",))
            html = msg.get_body(("html",))
            self.sink.messages.append(Received(
                tuple(envelope.rcpt_tos), str(msg["Subject"]), text.get_content() if text else "",
                str(msg["Message-ID"]), str(msg["Date"]), html.get_content() if html else None,
                tuple((k, str(v)) for k, v in msg.items())))
        return "250 Message accepted for delivery"


class _PortZeroController(Controller):
    """Bind port 0 (the OS picks a free one), then learn the port before the readiness probe."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    def __init__(self):
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()
        self.fail_next = 0
        self._controller = _PortZeroController(_Handler(self), hostname="127.0.0.1", port=0)

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    @property
    def port(self) -> int:
        return self._controller.port

    def stop(self) -> None:
        if self._controller._thread is not None:
            self._controller.stop()

    def take(self) -> list[Received]:
        with self.lock:
            out, self.messages = self.messages, []
        return out

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
