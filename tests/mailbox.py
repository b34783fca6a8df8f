"""A real SMTP server (aiosmtpd) on a free local port, collecting what the app sends."""
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (mail from, rcpt to) as the server saw them
        port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.host, self.port = "127.0.0.1", port

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this per message
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 5) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
        return self.messages

    def text(self, index: int) -> str:
        """The plain-text body of a message."""
        return self.messages[index].get_body(preferencelist=("plain",)).get_content()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes) if address in rcpts]

    def clear(self) -> None:
        self.messages.clear()
        self.envelopes.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
