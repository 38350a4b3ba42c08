"""Sending email over SMTP (smtplib); the settings say where."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from csirtnet.config import Settings
from csirtnet.kit.hashing import sha256_hex


def build_message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="csirtnet.local")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    # Python's header folding drops the space between words when it folds a long non-ASCII subject
    # ("từ chối dịch vụ" arrived as "từ chốidịch vụ"); headers are written unfolded instead.
    msg.policy = msg.policy.clone(max_line_length=998)
    return msg


def send(settings: Settings, msg: EmailMessage) -> None:
    if not settings.smtp_host:
        _write_to_outbox(settings, msg)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(msg)


def _write_to_outbox(settings: Settings, msg: EmailMessage) -> None:
    """No SMTP server configured: keep the message as an .eml file an operator can open."""
    outbox = settings.data_dir / "mail-outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-{sha256_hex(str(msg['Message-ID']))[:12]}.eml"
    (outbox / name).write_bytes(bytes(msg))
