"""Who takes part in an incident, in which role, and for how long.

A row is ACTIVE when `starts_at <= now` and (`ends_at` is null or `now < ends_at`); access
(csirtnet.authz.incident) follows active rows only, so ending a participation ends the access.
Mobilisation sets `deployment_id` when the participation comes from a deployment of a member
expert (no foreign key: the mobilisation tables come later in the migration chain).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin


class ParticipantRole(StrEnum):
    COMMANDER = "commander"  # leads the response (usually coordinator staff)
    LIAISON = "liaison"  # the affected organisation's contact
    RESPONDER = "responder"  # works the incident (often a mobilised member expert)
    OBSERVER = "observer"  # reads, does not change
    REPORTER = "reporter"  # reported it; follows it


class IncidentParticipant(IdMixin, Base):
    __tablename__ = "incident_participant"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=ParticipantRole.RESPONDER.value)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    deployment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # The participant's part in the incident's evidence (models.evidence.EvidenceRole); null: none.
    evidence_role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)
