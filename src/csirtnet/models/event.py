"""Events of the network or of a cluster (workshops, seminars, trainings), with registrations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, TimestampMixin


class EventKind(StrEnum):
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    TRAINING = "training"
    OTHER = "other"


class NetworkEvent(IdMixin, TimestampMixin, Base):
    """An event for the whole network (cluster_id empty) or for one cluster's members."""

    __tablename__ = "network_event"

    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.WORKSHOP.value)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    organiser_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]


class EventRegistration(IdMixin, Base):
    __tablename__ = "event_registration"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("network_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None until the organiser marks it
    attendance_marked_at: Mapped[datetime | None]
