"""A real SMTP server on loopback (aiosmtpd) for tests that send email.

`smtp_server` points the settings at it and returns the list of messages it received, parsed
(`msg["Subject"]`, `msg["To"]`, `msg.get_content()` are decoded text). Under CI=true a server
that cannot start fails the run; elsewhere the test skips.
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest

from csirtnet.config import Settings


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def text_of(message: EmailMessage) -> str:
    """The plain-text body of a received message."""
    part = message.get_body(("plain",))
    assert part is not None, "the message has no text/plain part"
    return str(part.get_content())


@pytest.fixture
def smtp_server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmailMessage]]:
    from tests.conftest import IN_CI

    try:
        from aiosmtpd.controller import Controller

        handler = _Collect()
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
        controller.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
        message = f"the loopback SMTP server did not start: {exc!r}"
        if IN_CI:
            pytest.fail(message + " (CI=true: mail tests must run)", pytrace=False)
        pytest.skip(message)
    monkeypatch.setenv("CSIRTNET_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CSIRTNET_SMTP_PORT", str(port))
    monkeypatch.setenv("CSIRTNET_MAIL_ENABLED", "true")
    # The settings object is cached and shared with the app under test: point it at the server too.
    settings.smtp_host, settings.smtp_port, settings.mail_enabled = "127.0.0.1", port, True
    try:
        yield handler.messages
    finally:
        controller.stop()
