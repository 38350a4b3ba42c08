"""Membership applications from the public form, the questions and answers about them, and their
supporting documents. The applicant follows one through a secret link (only its hash is kept)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.text import fold
from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin, fit


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for a coordinator
    INFO_REQUESTED = "info_requested"  # a coordinator asked a question; waiting for the applicant
    ANSWERED = "answered"  # the applicant answered; waiting for a coordinator again
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def open(self) -> bool:
        return self not in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


class ApplicantKind(StrEnum):
    ORGANISATION = "organisation"
    INDIVIDUAL = "individual"  # an individual expert


class MembershipApplication(IdMixin, TimestampMixin, Base):
    __tablename__ = "membership_application"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # With the server's secret key, rebuilds the tracking token when the confirmation is sent
    # (kit.hashing.derive_token): the token itself is never stored, nor put in a job.
    tracking_nonce: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.SUBMITTED.value, index=True)
    applicant_kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_email: Mapped[str] = mapped_column(String(320))
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    organisation_name: Mapped[str] = mapped_column(String(300))
    organisation_name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str | None] = mapped_column(String(80))
    province: Mapped[str | None] = mapped_column(String(80))
    owner_agency: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(300))
    incident_email: Mapped[str | None] = mapped_column(String(320))
    incident_phone: Mapped[str | None] = mapped_column(String(40))
    capability_description: Mapped[str | None] = mapped_column(Text)
    staff_count: Mapped[int | None] = mapped_column(Integer)
    # The rest of the dossier: {"contacts": [...], "systems": [...], "services": [...], "experts": [...]}
    dossier: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    submitted_ip: Mapped[str | None] = mapped_column(String(64), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    name_fold: Mapped[str] = mapped_column(String(600), default="", index=True)


class ApplicationMessage(IdMixin, Base):
    """A coordinator's question or the applicant's answer."""

    __tablename__ = "application_message"

    application_id: Mapped[int] = mapped_column(ForeignKey("membership_application.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(12))  # "coordinator" or "applicant"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationDocument(Base):
    __tablename__ = "application_document"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("membership_application.id", ondelete="CASCADE"), primary_key=True
    )
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(MembershipApplication, "before_insert")
@event.listens_for(MembershipApplication, "before_update")
def _derive_application_keys(_mapper: object, _conn: object, app: MembershipApplication) -> None:
    app.name_fold = fit(
        MembershipApplication.name_fold, fold(f"{app.organisation_name} {app.applicant_name} {app.applicant_email}")
    )
