"""A request for member experts on an incident, raised by the coordinator or a cluster lead.

What is needed (FIRST services, skills with a minimum level), where (on site in a province, or
remote), from when and for how long, how urgently, how many experts, and by when members must
answer. Matching and the answers live in csirtnet.mobilisation; each organisation asked is a
`SupportRequestTarget`, each expert sent a `Deployment`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin


class Urgency(StrEnum):
    LOW = "low"  # within days; business hours are enough
    NORMAL = "normal"  # within a day or two; business hours are enough
    HIGH = "high"  # today; experts are needed around the clock
    CRITICAL = "critical"  # now: a serious incident is under way

    @property
    def around_the_clock(self) -> bool:
        """High and critical requests need cover at any hour, not only in business hours."""
        return self in (Urgency.HIGH, Urgency.CRITICAL)


class Mode(StrEnum):
    ON_SITE = "on_site"  # the expert travels to the affected organisation
    REMOTE = "remote"  # the expert works from their own desk


class RequestStatus(StrEnum):
    OPEN = "open"  # waiting for members to answer
    FULFILLED = "fulfilled"  # as many experts accepted as were asked for
    UNFILLED = "unfilled"  # every suitable member was asked; too few accepted
    CANCELLED = "cancelled"  # withdrawn by the requester


class SupportRequest(IdMixin, TimestampMixin, Base):
    __tablename__ = "support_request"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requesting_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # Set when a cluster lead raised it for a cluster the incident is shared with.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list)  # vocabulary.first_services keys
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"skill", "min_level"}]
    mode: Mapped[str] = mapped_column(String(20))  # Mode
    province: Mapped[str | None] = mapped_column(String(80))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    urgency: Mapped[str] = mapped_column(String(20))  # Urgency
    experts_needed: Mapped[int] = mapped_column(Integer, default=1)
    response_deadline: Mapped[datetime]  # the first organisations asked answer by then
    # How long each organisation gets to answer; escalations give the next match as long.
    response_window_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # RequestStatus
    closed_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
