"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the delivery tests: it keeps what it accepts, or refuses
with a real SMTP 451 while ``refuse`` is set."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []  # (mail from, recipients, raw message)
        self.refused = 0
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refused += 1
            return "451 4.3.0 mailbox busy, try later"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@contextmanager
def smtp_server(**controller_options: Any) -> Iterator[tuple[Sink, int]]:
    """``(sink, port)`` of a server running until the block ends; options go to aiosmtpd's Controller."""
    sink = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd checks readiness by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=20, **controller_options)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
