"""Email the intake could not file as a report, kept whole until a coordinator decides.

Nothing that reaches the intake is dropped: a message it cannot parse or accept (too many
attachments, a report the schema refuses, a fault of the parser) is stored as it arrived (its raw
bytes in the content store, addressed by `raw_sha256`) with the reason, for the coordinators who
triage reports (authz.incident.can_handle_quarantine). A coordinator releases it (it is filed as a
report, `report_id`) or discards it with a reason. The raw message may hold TLP:RED content: it
is read only by those who triage, and once released only by those who may read its report.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin


class QuarantineStatus(StrEnum):
    PENDING = "pending"  # waiting for a coordinator
    RELEASED = "released"  # filed as a report
    DISCARDED = "discarded"  # dropped on purpose, with a reason


class QuarantineReason(StrEnum):
    """Why a message was not filed (each named in vocabulary/labels.py)."""

    UNPARSEABLE = "unparseable"  # the parser failed on it
    REJECTED = "rejected"  # it parsed, but the report schema refuses its values
    TOO_MANY_ATTACHMENTS = "too_many_attachments"  # more files than a report takes
    REFUSED = "refused"  # the report could not be filed (e.g. an attachment too large)


class QuarantineSource(StrEnum):
    SMTP = "smtp"  # the SMTP intake service
    MAILDIR = "maildir"  # the Maildir poller
    DEMO = "demo"


class QuarantinedMessage(IdMixin, Base):
    __tablename__ = "intake_quarantine"

    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=QuarantineStatus.PENDING.value, index=True)
    reason: Mapped[str] = mapped_column(String(40))  # a QuarantineReason
    detail: Mapped[str] = mapped_column(Text, default="")  # what went wrong, in the intake's words
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_size: Mapped[int] = mapped_column(BigInteger)
    # Read from the headers as far as they could be read, for the coordinator's list.
    subject: Mapped[str | None] = mapped_column(String(300))
    sender: Mapped[str | None] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(300))
    peer: Mapped[str | None] = mapped_column(String(64))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("incident_report.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    discard_reason: Mapped[str | None] = mapped_column(Text)
