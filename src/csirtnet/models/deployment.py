"""One member expert sent to work an incident: from when to when, the hours spent and the outcome.

`status` moves planned → active (at `starts_at`) → released (explicitly, or at `ends_at`). The
expert's access to the incident is the IncidentParticipant row whose `deployment_id` is this row;
release ends it. `expert_name` keeps who it was if the expert is later removed from the roster.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class DeploymentStatus(StrEnum):
    PLANNED = "planned"  # accepted; starts later
    ACTIVE = "active"  # the expert works the incident and can open it
    RELEASED = "released"  # over; access ended


class Deployment(IdMixin, TimestampMixin, Base):
    __tablename__ = "deployment"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    support_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_request.id", ondelete="SET NULL"), index=True
    )
    target_id: Mapped[int | None] = mapped_column(ForeignKey("support_request_target.id", ondelete="SET NULL"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id", ondelete="SET NULL"), index=True)
    expert_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]  # the planned end
    released_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)  # DeploymentStatus
    hours: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(Text)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
