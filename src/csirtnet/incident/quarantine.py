"""The intake's quarantine: email that could not be filed as a report is kept whole, with the
reason, until a coordinator releases it (it is filed as a report, every attachment kept) or
discards it with a reason. Nothing the intake receives is dropped or answered with a temporary
failure for content it will never accept (docs/incidents.md, "Email intake").

Who may: authz.incident.can_handle_quarantine (the coordinators, the platform admin, the CLI).
Audit records name the quarantined message by id and its reason code, never its subject, sender
or text (the raw message may hold TLP:RED content).
"""

from __future__ import annotations

import email
import email.policy
from email.utils import parseaddr

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import require_handle_quarantine
from csirtnet.errors import Conflict, ValidationFailed
from csirtnet.incident import events, repository
from csirtnet.incident.common import coordinators
from csirtnet.kit.files import blob_store
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, QuarantinedMessage, QuarantineReason, QuarantineSource, QuarantineStatus
from csirtnet.notification.service import notify

LINK = "/incidents/quarantine"


def _headers(raw: bytes) -> tuple[str | None, str | None, str | None]:
    """Subject, sender and message id, as far as the headers can be read (for the list only)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        subject = " ".join(str(message.get("subject", "")).split()) or None
        sender = parseaddr(str(message.get("from", "")))[1] or None
        message_id = str(message.get("message-id", "")).strip() or None
    except Exception:  # noqa: BLE001 -- headers beyond reading: the raw message still says everything
        return None, None, None
    return _text(subject, 300), _text(sender, 320), _text(message_id, 300)


def _text(value: str | None, limit: int) -> str | None:
    """Header text as a column holds it: cut to its size, a NUL byte (which PostgreSQL refuses)
    shown as U+FFFD; the raw message keeps the original."""
    return value.replace("\x00", "\ufffd")[:limit] if value else None


def keep(
    session: Session,
    raw: bytes,
    *,
    source: QuarantineSource,
    reason: QuarantineReason,
    detail: str,
    peer: str | None = None,
) -> QuarantinedMessage:
    """Keep a message the intake could not file; the coordinators are told. The same bytes
    arriving again while the first copy waits (a sender's retry) are kept once."""
    sha, size = blob_store().put_bytes(raw)
    waiting = repository.waiting_quarantined_copy(session, sha)
    if waiting is not None:
        return waiting
    subject, sender, message_id = _headers(raw)
    row = QuarantinedMessage(
        received_at=utcnow(),
        source=source.value,
        status=QuarantineStatus.PENDING.value,
        reason=reason.value,
        detail=_text(detail, 4000) or "",
        raw_sha256=sha,
        raw_size=size,
        subject=subject,
        sender=sender,
        message_id=message_id,
        peer=_text(peer, 64),
    )
    session.add(row)
    session.flush()
    who = Subject.system(f"intake:{source.value}")
    audit.record(session, who, "intake.quarantined", row, quarantine_id=row.id, reason=row.reason)
    notify(
        session,
        events.EMAIL_QUARANTINED.key,
        coordinators(session),
        {"quarantine_id": row.id},
        guard=None,  # the notification names the message by id only
        link=f"{LINK}/{row.id}",
    )
    return row


def raw_bytes(row: QuarantinedMessage) -> bytes:
    """The message as it arrived (the row was found through authz by the caller)."""
    with blob_store().open(row.raw_sha256) as fh:
        return fh.read()


def _pending(session: Session, who: Subject, quarantine_id: int) -> QuarantinedMessage:
    require_handle_quarantine(who)
    row = repository.quarantined_message(session, who, quarantine_id)
    if row.status != QuarantineStatus.PENDING.value:
        raise Conflict(f"Message Q-{row.id} was already {row.status}")
    return row


def release(session: Session, who: Subject, quarantine_id: int) -> IncidentReport:
    """File a quarantined message as a report: the coordinator accepts it as it is (every
    attachment kept; values the report form refuses are kept, as sent, in its description)."""
    from csirtnet.incident.email_intake import EmailRejected, ingest

    row = _pending(session, who, quarantine_id)
    try:
        report = ingest(session, raw_bytes(row), peer=row.peer, accepted_by=who)
    except EmailRejected as exc:
        raise ValidationFailed("message", f"it still cannot be filed as a report: {exc}") from None
    row.status = QuarantineStatus.RELEASED.value
    row.report_id = report.id
    row.decided_by_id = who.user_id
    row.decided_at = utcnow()
    audit.record(session, who, "intake.released", row, guard=None, quarantine_id=row.id, report_id=report.id)
    return report


def discard(session: Session, who: Subject, quarantine_id: int, reason: str) -> QuarantinedMessage:
    """Discard a quarantined message on purpose, with the reason (the raw message is kept)."""
    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise ValidationFailed("reason", "say why the message is discarded")
    row = _pending(session, who, quarantine_id)
    row.status = QuarantineStatus.DISCARDED.value
    row.discard_reason = reason[:2000]
    row.decided_by_id = who.user_id
    row.decided_at = utcnow()
    audit.record(session, who, "intake.discarded", row, guard=None, quarantine_id=row.id)
    return row
