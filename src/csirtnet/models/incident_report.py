"""Reports of incidents as they arrive (UI, API, public form, email), before and after triage.

A report carries the content of Circular 20/2017's initial report (form 03). Triage opens an
incident from it, attaches it to an existing incident (duplicates merge), or rejects it with a
reason. Public reporters follow it with a tracking link whose token is stored only as a hash.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.search import lexemes_index
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin


class ReportStatus(StrEnum):
    NEW = "new"  # waiting in the triage queue
    OPENED = "opened"  # an incident was opened from it
    ATTACHED = "attached"  # merged into an existing incident
    REJECTED = "rejected"  # not an incident (reason given)


class ReportChannel(StrEnum):
    WEB = "web"  # a member, logged in
    API = "api"  # a member's system, with a token
    PUBLIC = "public"  # anyone, through /report
    EMAIL = "email"  # the SMTP intake or the mailbox poller
    FEED = "feed"  # a security feed's rule (feeds.rules), on an event it matched


class IncidentReport(IdMixin, TimestampMixin, Base):
    __tablename__ = "incident_report"

    reference: Mapped[str] = mapped_column(String(30), unique=True)  # "BC-2026-000045"
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.NEW.value, index=True)
    channel: Mapped[str] = mapped_column(String(20), default=ReportChannel.WEB.value)
    formal: Mapped[bool] = mapped_column(Boolean, default=False)  # a "[TBSC]" regulatory notification
    language: Mapped[str] = mapped_column(String(5), default="vi")
    title: Mapped[str] = mapped_column(String(300))
    # 1. Reporter and contact.
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reporting_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    organisation_name: Mapped[str | None] = mapped_column(String(300))  # as written by the reporter
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_position: Mapped[str | None] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(320))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    operating_unit: Mapped[str | None] = mapped_column(String(300))
    # 2. The affected system.
    system_name: Mapped[str | None] = mapped_column(String(300))
    system_domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_ips: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_security_level: Mapped[int | None] = mapped_column(Integer)
    system_on_national_list: Mapped[bool] = mapped_column(Boolean, default=False)
    system_providers: Mapped[str | None] = mapped_column(Text)
    # 3. The incident.
    description: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[datetime]
    incident_status: Mapped[str | None] = mapped_column(String(40))  # ongoing|contained|resolved|unknown
    detection_method: Mapped[str | None] = mapped_column(Text)
    already_notified: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime]
    # Optional parts of form 03.
    operating_system: Mapped[str | None] = mapped_column(Text)
    services: Mapped[str | None] = mapped_column(Text)
    security_measures: Mapped[str | None] = mapped_column(Text)
    public_ips: Mapped[list[str]] = mapped_column(JSONType, default=list)
    purpose: Mapped[str | None] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    support_requested: Mapped[str | None] = mapped_column(Text)
    # Triage.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"), index=True)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    triaged_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Public follow-up and abuse control.
    tracking_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # With the server's secret key, rebuilds the tracking token when the acknowledgement is sent
    # (kit.hashing.derive_token): the token itself is never stored, nor put in a job.
    tracking_nonce: Mapped[str | None] = mapped_column(String(32))
    source_ip: Mapped[str | None] = mapped_column(String(64), index=True)
    email_message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    email_from: Mapped[str | None] = mapped_column(String(320))
    # Accent-free words (kit.search); deferred: no page reads them.
    search_words: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)


# PostgreSQL: a GIN index over the words and their beginnings (kit.search); SQLite scans.
lexemes_index("ix_incident_report_search_words", IncidentReport.__table__.c.search_words)


class IncidentReportAttachment(IdMixin, Base):
    """A file that came with a report (kept in the content store, see models.StoredFile)."""

    __tablename__ = "incident_report_attachment"

    report_id: Mapped[int] = mapped_column(ForeignKey("incident_report.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
