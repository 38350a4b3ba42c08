"""Warnings and advisories: what the coordinator (or a cluster lead, or a member for its own people)
tells the network, to whom it was told, what each recipient was sent, and how each answered.

An advisory is written as a draft, optionally reviewed by a second coordinator (four-eyes), and
published: its audience is resolved then and frozen as `AdvisoryRecipient` rows (one per
organisation told), and each person told gets an `AdvisoryDelivery` row per version (email and
in-app; the organisation's webhooks are stamped on the recipient row). Every published version is
an `AdvisoryVersion` with the fields as they were and what changed from the version before.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.text import fold
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin, fit


class AdvisoryKind(StrEnum):
    WARNING = "warning"  # short and urgent: act now
    ADVISORY = "advisory"  # the full write-up


class AdvisoryStatus(StrEnum):
    DRAFT = "draft"  # being written; only its authors and the coordinator see it
    IN_REVIEW = "in_review"  # waiting for a second coordinator (four-eyes)
    PUBLISHED = "published"  # told to its audience; updates make new versions
    WITHDRAWN = "withdrawn"  # no longer in force; kept with everything it was sent


class AdvisorySeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AckStatus(StrEnum):
    PENDING = "pending"  # not answered (for the current acknowledgement round)
    RECEIVED = "received"  # read; acting on it
    APPLIED = "applied"  # the recommended actions are applied
    NOT_AFFECTED = "not_affected"  # the organisation runs nothing affected
    NEEDS_HELP = "needs_help"  # cannot act alone: a support request is opened


class Advisory(IdMixin, TimestampMixin, Base):
    __tablename__ = "advisory"

    reference: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. CSN-ADV-2026-0007
    kind: Mapped[str] = mapped_column(String(20))  # AdvisoryKind
    status: Mapped[str] = mapped_column(String(20), index=True)  # AdvisoryStatus
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered without raw HTML
    severity: Mapped[str] = mapped_column(String(20))  # AdvisorySeverity
    tlp: Mapped[str] = mapped_column(String(20))  # vocabulary.TLP
    pap: Mapped[str] = mapped_column(String(20))  # vocabulary.PAP
    cvss_vector: Mapped[str | None] = mapped_column(String(200))  # CVSS:3.1/… for the advisory's CVEs
    cvss_score: Mapped[float | None] = mapped_column(Float)
    cve_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # [{"vendor", "product", "versions": [..]}]; versions are exact ("2.4.57") or ranges ("<2.4.58").
    affected_products: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # [{"type", "value"}]: typed values the indicator-sharing capability picks up.
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    recommended_actions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    references: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"url", "summary"}]
    csaf_document_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)  # vendor CSAF it refers to
    deadline_at: Mapped[datetime | None]  # act by then; reminders before, escalation after
    # Who is to be told: {"network": bool, "cluster_ids", "sectors", "provinces", "security_levels",
    # "organisation_ids", "user_ids"}; resolved when published into AdvisoryRecipient rows.
    audience: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    publisher_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # Set when a cluster lead publishes for its cluster; the audience stays within it.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(20), default="1.0")  # the published version ("1.0", "1.1"…)
    ack_round: Mapped[int] = mapped_column(Integer, default=1)  # an update asking for fresh answers adds one
    published_at: Mapped[datetime | None]  # first publication
    released_at: Mapped[datetime | None]  # the current version's publication
    withdrawn_at: Mapped[datetime | None]
    title_fold: Mapped[str] = mapped_column(String(600), default="", index=True)


@event.listens_for(Advisory, "before_insert")
@event.listens_for(Advisory, "before_update")
def _derive_title_fold(_mapper: object, _conn: object, advisory: Advisory) -> None:
    text = f"{advisory.reference} {advisory.title} {' '.join(advisory.cve_ids or [])}"
    advisory.title_fold = fit(Advisory.title_fold, fold(text))


class AdvisoryVersion(IdMixin, Base):
    __tablename__ = "advisory_version"
    __table_args__ = (UniqueConstraint("advisory_id", "version"),)

    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisory.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the published fields as they were
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"field","before","after"}]
    note: Mapped[str | None] = mapped_column(Text)  # what the update is about
    fresh_ack: Mapped[bool] = mapped_column(Boolean, default=False)  # recipients answer again
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class AdvisoryRecipient(IdMixin, Base):
    """One organisation told; its answer for the current acknowledgement round."""

    __tablename__ = "advisory_recipient"
    __table_args__ = (
        UniqueConstraint("advisory_id", "organisation_id"),
        Index("ix_advisory_recipient_org_advisory", "organisation_id", "advisory_id"),
    )

    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisory.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    # Frozen when told, for the tracking view's groups: the cluster and province it had then.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"))
    province: Mapped[str | None] = mapped_column(String(80))
    likely_affected: Mapped[bool] = mapped_column(Boolean, default=False)
    matched_products: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default=AckStatus.PENDING.value)  # AckStatus
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answered_version: Mapped[str | None] = mapped_column(String(20))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # every answer, oldest first
    told_at: Mapped[datetime]
    webhook_at: Mapped[datetime | None]  # the organisation's webhooks were called
    reminded_at: Mapped[datetime | None]  # reminder before the deadline (this round)
    escalated_at: Mapped[datetime | None]  # escalation after the deadline (this round)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    support_request_id: Mapped[int | None] = mapped_column(ForeignKey("support_request.id", ondelete="SET NULL"))


class AdvisoryDelivery(IdMixin, Base):
    """What one person was sent, per version: the email (address and language) and the in-app note."""

    __tablename__ = "advisory_delivery"
    __table_args__ = (
        UniqueConstraint("advisory_id", "version", "kind", "user_id"),
        Index("ix_advisory_delivery_user", "user_id", "advisory_id"),
    )

    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisory.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("advisory_recipient.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), default="publish")  # publish, update, reminder, escalation
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    queued_at: Mapped[datetime]
    emailed_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]  # the in-app notification was written
    error: Mapped[str | None] = mapped_column(Text)
