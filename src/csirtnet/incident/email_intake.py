"""Reports by email: an SMTP service csirtnet runs itself (aiosmtpd), and a Maildir poller for a
mailbox another MTA delivers to. A subject starting with "[TBSC]" marks a formal notification
under Circular 20/2017; attachments go to the content store.

The body may carry form 03 fields as "Label: value" lines (Vietnamese or English labels, e.g.
"Hệ thống: Cổng thông tin tỉnh", "IP: 203.0.113.10", "Thời gian phát hiện: 2026-03-01 08:30");
whatever is not recognised stays in the description. The sender is NOT authenticated by its
From address: every emailed report is handled like a public one (tracking link to the sender),
and triage decides which member organisation it concerns.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import mailbox
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.config import get_settings
from csirtnet.db import Database
from csirtnet.errors import AppError
from csirtnet.incident import intake
from csirtnet.incident.attachments import MAX_ATTACHMENTS, Attachment
from csirtnet.incident.schemas import ReportCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, ReportChannel

log = logging.getLogger("csirtnet.incident.email")

FORMAL_PREFIX = "[TBSC]"
# Recognised "Label: value" lines -> report fields.
_LABELS: dict[str, str] = {
    "he thong": "system_name",
    "ten he thong": "system_name",
    "system": "system_name",
    "cap do": "system_security_level",
    "cap do he thong": "system_security_level",
    "security level": "system_security_level",
    "ten mien": "system_domains",
    "domain": "system_domains",
    "domains": "system_domains",
    "ip": "system_ips",
    "dia chi ip": "system_ips",
    "ips": "system_ips",
    "thoi gian phat hien": "detected_at",
    "phat hien luc": "detected_at",
    "detected": "detected_at",
    "detected at": "detected_at",
    "don vi van hanh": "operating_unit",
    "operating unit": "operating_unit",
    "to chuc": "organisation_name",
    "don vi": "organisation_name",
    "organisation": "organisation_name",
    "organization": "organisation_name",
    "dien thoai": "reporter_phone",
    "phone": "reporter_phone",
    "nguoi bao cao": "reporter_name",
    "reporter": "reporter_name",
    "phuong thuc phat hien": "detection_method",
    "detection method": "detection_method",
    "da thong bao": "already_notified",
    "notified": "already_notified",
    "de nghi ho tro": "support_requested",
    "support requested": "support_requested",
}
_LINE = re.compile(r"^\s*([^:\n]{2,40}):\s*(.+?)\s*$")


@dataclass(frozen=True)
class ParsedEmail:
    values: dict[str, Any]
    formal: bool
    attachments: list[Attachment]
    message_id: str | None
    sender: str


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return str(text).strip()


def _detected(value: str, zone: str) -> datetime | None:
    value = value.strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))


def parse(raw: bytes, *, zone: str | None = None) -> ParsedEmail:
    """Read a raw RFC 5322 message into report values (not yet validated)."""
    from csirtnet.kit.text import fold

    zone = zone or get_settings().timezone
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    subject = " ".join(str(message.get("subject", "")).split())
    formal = subject.upper().startswith(FORMAL_PREFIX)
    title = subject[len(FORMAL_PREFIX) :].strip() if formal else subject
    name, address = parseaddr(str(message.get("from", "")))
    body = _body(message)
    values: dict[str, Any] = {
        "title": title or "(no subject)",
        "reporter_name": name or address or "unknown",
        "reporter_email": address or None,
        "language": "vi",
    }
    rest: list[str] = []
    for line in body.splitlines():
        m = _LINE.match(line)
        field = _LABELS.get(fold(m.group(1))) if m else None
        if m and field:
            value = m.group(2)
            if field == "detected_at":
                values[field] = _detected(value, zone) or value
            elif field in values and field in ("system_ips", "system_domains"):
                values[field] = f"{values[field]}, {value}"
            else:
                values[field] = value
        else:
            rest.append(line)
    description = "\n".join(rest).strip() or title
    values["description"] = description if len(description) >= 10 else f"{title}\n\n{description}".strip()
    if "detected_at" not in values:
        try:
            values["detected_at"] = parsedate_to_datetime(str(message["date"])) if message["date"] else utcnow()
        except (TypeError, ValueError):
            values["detected_at"] = utcnow()
    if any(ord(c) > 127 for c in body + subject) or "tbsc" in subject.lower():
        values["language"] = "vi"
    else:
        values["language"] = "en"
    attachments: list[Attachment] = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            attachments.append(Attachment(part.get_filename() or "attachment", part.get_content_type(), data))
    message_id = str(message.get("message-id", "")).strip() or None
    return ParsedEmail(values, formal, attachments[:MAX_ATTACHMENTS], message_id, address)


def ingest(session: Session, raw: bytes, *, peer: str | None = None) -> IncidentReport:
    """File one email as a report (once: a message id seen before returns the earlier report)."""
    parsed = parse(raw)
    if parsed.message_id:
        earlier = session.scalar(
            select(IncidentReport).where(IncidentReport.email_message_id == parsed.message_id[:300])
        )
        if earlier is not None:
            return earlier
    try:
        data = ReportCreate.model_validate(parsed.values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise EmailRejected(f"{field}: {first.get('msg')}") from None
    who = intake.public_subject(f"email:{parsed.sender}")
    received = intake.submit(
        session,
        who,
        data,
        channel=ReportChannel.EMAIL,
        source_ip=peer,
        formal=parsed.formal,
        attachments=parsed.attachments,
        email_message_id=parsed.message_id[:300] if parsed.message_id else None,
        email_from=parsed.sender[:320] or None,
    )
    return received.report


class EmailRejected(Exception):
    """The message cannot become a report; the SMTP answer says why."""


# -- the SMTP service ----------------------------------------------------------------------------


class IntakeHandler:
    """aiosmtpd handler: every accepted message becomes a report in its own unit of work."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        peer = session.peer[0] if getattr(session, "peer", None) else None
        try:
            reference = await asyncio.to_thread(self._store, raw, peer)
        except EmailRejected as exc:
            return f"550 5.6.0 Not a usable incident report: {exc}"
        except AppError as exc:
            return f"550 5.7.1 {exc.message}"
        except Exception:  # a broken message must not kill the server; the sender retries
            log.exception("email intake failed")
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 Received as {reference}"

    def _store(self, raw: bytes, peer: str | None) -> str:
        with self.database.unit_of_work() as session:
            return ingest(session, raw, peer=peer).reference


def start_smtp(database: Database, host: str, port: int) -> Any:
    """Start the SMTP intake in a background thread; returns the aiosmtpd Controller (call .stop())."""
    from aiosmtpd.controller import Controller

    controller = Controller(
        IntakeHandler(database),
        hostname=host,
        port=port,
        data_size_limit=get_settings().max_upload_bytes,
        ready_timeout=10,
    )
    controller.start()
    return controller


# -- the Maildir poller --------------------------------------------------------------------------


def poll_maildir(database: Database, path: Path) -> tuple[int, int]:
    """File every new message of a Maildir and move it to cur/ (rejected ones get flag "F").
    Returns (filed, rejected)."""
    box = mailbox.Maildir(str(path), create=False)
    filed = rejected = 0
    for key in list(box.iterkeys()):
        msg = box.get_message(key)
        if msg.get_subdir() != "new":
            continue
        raw = box.get_bytes(key)
        try:
            with database.unit_of_work() as session:
                ingest(session, raw)
            filed += 1
        except (EmailRejected, AppError) as exc:
            log.warning("maildir message rejected", extra={"key": key, "error": str(exc)})
            msg.add_flag("F")
            rejected += 1
        msg.set_subdir("cur")
        msg.add_flag("S")
        box[key] = msg
    return filed, rejected
