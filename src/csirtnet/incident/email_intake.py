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
from dataclasses import field as dataclass_field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.db import Database
from csirtnet.errors import AppError
from csirtnet.i18n import N_, translate
from csirtnet.incident import intake, quarantine
from csirtnet.incident.attachments import MAX_ATTACHMENTS, Attachment
from csirtnet.incident.schemas import ReportCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, QuarantineReason, QuarantineSource, ReportChannel

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
    attachments: list[Attachment]  # every file the message carries (the limit is ingest's to apply)
    message_id: str | None
    sender: str


class EmailRejected(Exception):
    """The message cannot become a report as it is; it goes to the quarantine with the reason."""

    def __init__(self, message: str, reason: QuarantineReason = QuarantineReason.REJECTED) -> None:
        super().__init__(message)
        self.reason = reason


# Notes the intake adds to a report's description when it read the message in a way the sender did
# not ask for, in the report's language (the reader must know the text is not exactly as sent).
CHARSET_NOTE = N_('[The message declares the unknown charset "%(charset)s"; its text was read as %(how)s.]')
NO_BOUNDARY_NOTE = N_("[The message is multipart without a boundary; its whole body is kept as text.]")
NUL_NOTE = N_("[The message held %(count)s NUL byte(s), shown as \ufffd.]")
KEPT_NOTE = N_("[Values the report form does not take, as sent:]")
Note = tuple[str, dict[str, str]]


def _say(language: str, note: Note) -> str:
    msgid, params = note
    return translate(language, msgid) % params


def _decoded(data: bytes, charset: str | None) -> tuple[str, Note | None]:
    """Bytes of a text part as text, and a note when its charset was unknown: the text is then read
    as UTF-8 if it is valid UTF-8, else as Latin-1 (one character per byte, so no byte is lost)."""
    if charset:
        try:
            return data.decode(charset, errors="replace"), None
        except LookupError:
            pass
    try:
        text, how = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, how = data.decode("latin-1"), "Latin-1"
    if not charset:
        return text, None
    return text, (CHARSET_NOTE, {"charset": charset[:40], "how": how})


def _text_of(part: EmailMessage) -> tuple[str, Note | None]:
    try:
        return str(part.get_content()), None
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)
        return _decoded(payload if isinstance(payload, bytes) else b"", part.get_content_charset())


def _body(message: EmailMessage) -> tuple[str, list[Note]]:
    """The message's text and notes on how it was read (said in the report, never silent)."""
    if message.get_content_maintype() == "multipart" and not message.is_multipart():
        # A multipart without a boundary: the parts cannot be told apart, so the whole body is the text.
        payload = message.get_payload(decode=True)
        text, note = _decoded(payload if isinstance(payload, bytes) else b"", message.get_content_charset())
        notes: list[Note] = [(NO_BOUNDARY_NOTE, {})]
        return text.strip(), notes + ([note] if note else [])
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None or not isinstance(part, EmailMessage):
        return "", []
    text, note = _text_of(part)
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text.strip(), [note] if note else []


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
    body, notes = _body(message)
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
    if any(ord(c) > 127 for c in body + subject) or "tbsc" in subject.lower():
        values["language"] = "vi"
    else:
        values["language"] = "en"
    description = "\n".join(rest).strip() or title
    description = description if len(description) >= 10 else f"{title}\n\n{description}".strip()
    said = [_say(values["language"], note) for note in notes]
    values["description"] = "\n\n".join([description, *said]) if said else description
    if "detected_at" not in values:
        try:
            values["detected_at"] = parsedate_to_datetime(str(message["date"])) if message["date"] else utcnow()
        except (TypeError, ValueError):
            values["detected_at"] = utcnow()
    attachments: list[Attachment] = []
    for part in message.iter_attachments() if message.is_multipart() else ():
        if not isinstance(part, EmailMessage):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            name = (part.get_filename() or "attachment").replace("\x00", "\ufffd")
            attachments.append(Attachment(name, part.get_content_type(), data))
    message_id = str(message.get("message-id", "")).strip().replace("\x00", "\ufffd") or None
    return ParsedEmail(_without_nul(values), formal, attachments, message_id, address.replace("\x00", "\ufffd"))


def _without_nul(values: dict[str, Any]) -> dict[str, Any]:
    """A NUL byte is no text (PostgreSQL refuses it, SQLite keeps it): each is shown as U+FFFD and
    the description says so, so the report reads the same on both databases."""
    found = 0
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            found += value.count("\x00")
            value = value.replace("\x00", "\ufffd")
        out[name] = value
    if found:
        note = _say(str(out.get("language", "en")), (NUL_NOTE, {"count": str(found)}))
        out["description"] = f"{out.get('description', '')}\n\n{note}"
    return out


def _earlier(session: Session, message_id: str | None) -> IncidentReport | None:
    if not message_id:
        return None
    return session.scalar(select(IncidentReport).where(IncidentReport.email_message_id == message_id[:300]))


_REQUIRED_TEXT = {
    "title": (3, 300, "(no subject)"),
    "description": (10, 20000, "(no text)"),
    "reporter_name": (2, 200, "unknown"),
}


def _accepted_values(values: dict[str, Any]) -> ReportCreate:
    """What a coordinator releases: a value the schema refuses is moved, as sent, into the
    description and left out; a required text too long is cut and too short completed; a detection
    time that cannot be read (or lies in the future) becomes now (the raw message stays in the
    quarantine, linked to the report, so nothing the sender wrote is lost). Raises ValidationError
    only if the values still do not fit."""
    values = dict(values)
    kept: list[str] = []
    detected = values.get("detected_at")
    if isinstance(detected, datetime) and detected > utcnow() + intake.CLOCK_SKEW:
        kept.append(f"detected_at: {detected.isoformat()}")
        values["detected_at"] = utcnow()
    try:
        return ReportCreate.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc", ())
            name = str(loc[0]) if loc else ""
            if name in _REQUIRED_TEXT:
                shortest, longest, stand_in = _REQUIRED_TEXT[name]
                text = str(values.get(name) or "").strip()
                if len(text) > longest:
                    if name != "description":
                        kept.append(f"{name}: {text}")
                    values[name] = text[: longest - 3] + "..."
                elif len(text) < shortest:
                    values[name] = f"{text} {stand_in}".strip()
            elif name == "detected_at":
                kept.append(f"detected_at: {values.get('detected_at')}")
                values["detected_at"] = utcnow()
            elif name in values:
                kept.append(f"{name}: {values.pop(name)}")
    if kept:
        note = translate(str(values.get("language", "en")), KEPT_NOTE)
        values["description"] = "\n".join([str(values.get("description", "")), "", note, *kept])[:20000]
    return ReportCreate.model_validate(values)


def ingest(
    session: Session, raw: bytes, *, peer: str | None = None, accepted_by: Subject | None = None
) -> IncidentReport:
    """File one email as a report (once: a message id seen before returns the earlier report).

    Raises EmailRejected when the message cannot be filed as it is (the caller quarantines it).
    `accepted_by` is the coordinator releasing it from the quarantine: the report then keeps every
    attachment, and values the schema refuses are kept in the description rather than refused."""
    try:
        parsed = parse(raw)
    except Exception as exc:  # a message the parser cannot read is quarantined, never lost
        log.warning("email intake could not parse a message", exc_info=True)
        raise EmailRejected(f"the message cannot be read: {type(exc).__name__}", QuarantineReason.UNPARSEABLE) from exc
    earlier = _earlier(session, parsed.message_id)
    if earlier is not None:
        return earlier
    if accepted_by is None and len(parsed.attachments) > MAX_ATTACHMENTS:
        raise EmailRejected(
            f"{len(parsed.attachments)} attachments; a report takes at most {MAX_ATTACHMENTS}",
            QuarantineReason.TOO_MANY_ATTACHMENTS,
        )
    try:
        data = (
            _accepted_values(parsed.values) if accepted_by is not None else ReportCreate.model_validate(parsed.values)
        )
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
        raise EmailRejected("; ".join(problems)) from None
    who = intake.public_subject(f"email:{parsed.sender}")
    try:
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
            max_attachments=None if accepted_by is not None else MAX_ATTACHMENTS,
            contact_required=accepted_by is None,
        )
    except AppError as exc:
        raise EmailRejected(exc.message, QuarantineReason.REFUSED) from exc
    return received.report


def receive(database: Database, raw: bytes, *, source: QuarantineSource, peer: str | None = None) -> Outcome:
    """File one message as a report, or else keep it whole in the quarantine with the reason, each
    in its own unit of work (a refused report leaves nothing half-written). Only a failure to store
    it at all (the database is down) raises: then the message must stay with its sender or mailbox."""
    try:
        with database.unit_of_work() as session:
            return Outcome(report_reference=ingest(session, raw, peer=peer).reference)
    except EmailRejected as exc:
        reason, detail = exc.reason, str(exc)
    except OperationalError:
        raise  # the database itself: a temporary failure, the message is kept where it is
    except Exception as exc:  # a fault of ours on this message: quarantined with the reason, not lost
        log.exception("email intake failed on a message")
        reason, detail = QuarantineReason.UNPARSEABLE, f"the intake failed on it: {type(exc).__name__}"
    with database.unit_of_work() as session:
        row = quarantine.keep(session, raw, source=source, reason=reason, detail=detail, peer=peer)
        return Outcome(quarantine_id=row.id)


@dataclass(frozen=True)
class Outcome:
    report_reference: str | None = None
    quarantine_id: int | None = None


# -- the SMTP service ----------------------------------------------------------------------------


class IntakeHandler:
    """aiosmtpd handler: every message becomes a report or is quarantined, in its own unit of work.
    Content the intake will never accept is answered 250 (quarantined), never 451: a temporary
    failure would make the sender retry forever. 451 is only for the database being unavailable."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        peer = session.peer[0] if getattr(session, "peer", None) else None
        try:
            outcome = await asyncio.to_thread(receive, self.database, raw, source=QuarantineSource.SMTP, peer=peer)
        except Exception:  # the message could not be stored at all: the sender keeps it and retries
            log.exception("email intake could not store a message")
            return "451 4.3.0 Temporary failure, try again later"
        if outcome.quarantine_id is not None:
            return f"250 2.0.0 Received; held for review by the coordinators (Q-{outcome.quarantine_id})"
        return f"250 2.0.0 Received as {outcome.report_reference}"


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


@dataclass
class PollSummary:
    filed: int = 0
    quarantined: int = 0
    failed: int = 0  # could be neither filed nor quarantined: left in new/ for the next run
    quarantine_ids: list[int] = dataclass_field(default_factory=list)


def poll_maildir(database: Database, path: Path) -> PollSummary:
    """File every new message of a Maildir, or quarantine it with the reason, and move it out of
    new/ to cur/ (a quarantined one flagged "F"). A bad message never stops the run; only a message
    that could not be stored at all (the database is down) stays in new/ and counts as failed."""
    box = mailbox.Maildir(str(path), create=False)
    summary = PollSummary()
    for key in list(box.iterkeys()):
        msg = box.get_message(key)
        if msg.get_subdir() != "new":
            continue
        raw = box.get_bytes(key)
        try:
            outcome = receive(database, raw, source=QuarantineSource.MAILDIR)
        except Exception:
            log.exception("maildir message could not be stored", extra={"key": key})
            summary.failed += 1
            continue
        if outcome.quarantine_id is not None:
            log.warning("maildir message quarantined", extra={"key": key, "quarantine_id": outcome.quarantine_id})
            summary.quarantined += 1
            summary.quarantine_ids.append(outcome.quarantine_id)
            msg.add_flag("F")
        else:
            summary.filed += 1
        msg.set_subdir("cur")
        msg.add_flag("S")
        box[key] = msg
    return summary
