"""A member's yearly readiness record: anti-malware, backups, response team, systems, drills."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, TimestampMixin


class ReadinessCriterion(StrEnum):
    """What the coordinator measures coverage by (csirtnet.cluster.readiness.service.meets)."""

    ANTIMALWARE = "antimalware"  # centralised anti-malware connected to national monitoring (Directive 14/CT-TTg)
    BACKUP = "backup"  # backup and recovery plan, restore tested in the last 12 months
    IR_TEAM = "ir_team"  # an incident-response team with a 24/7 contact
    SYSTEMS = "systems"  # an inventory of information systems with approved security levels
    DRILLS = "drills"  # took part in at least one drill during the year


class ReadinessRecord(IdMixin, TimestampMixin, Base):
    __tablename__ = "readiness_record"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    antimalware_deployed: Mapped[bool] = mapped_column(Boolean, default=False)
    antimalware_connected: Mapped[bool] = mapped_column(Boolean, default=False)
    antimalware_connected_on: Mapped[date | None] = mapped_column(Date)
    backup_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    last_restore_test_on: Mapped[date | None] = mapped_column(Date)
    ir_team: Mapped[bool] = mapped_column(Boolean, default=False)
    ir_contact_24x7: Mapped[str | None] = mapped_column(String(200))
    systems_inventory: Mapped[bool] = mapped_column(Boolean, default=False)
    systems_approved_count: Mapped[int | None] = mapped_column(Integer)
    statement: Mapped[str | None] = mapped_column(Text)  # yearly statement, e.g. "no data-loss incident in 2024"
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ReadinessDrill(IdMixin, Base):
    """A drill the member took part in, e.g. the ASEAN ACID drill, ranked 3rd of 63."""

    __tablename__ = "readiness_drill"

    record_id: Mapped[int] = mapped_column(ForeignKey("readiness_record.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(300))
    rank: Mapped[int | None] = mapped_column(Integer)
    participants: Mapped[int | None] = mapped_column(Integer)
    exercise_id: Mapped[int | None] = mapped_column(  # set when the result came from a csirtnet exercise
        ForeignKey("exercise.id", ondelete="SET NULL"), index=True
    )


class ReadinessEvidence(IdMixin, Base):
    """A document proving one criterion, dated."""

    __tablename__ = "readiness_evidence"

    record_id: Mapped[int] = mapped_column(ForeignKey("readiness_record.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str] = mapped_column(String(20))
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    dated_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadinessAction(IdMixin, Base):
    """Something to improve, e.g. a lesson an exercise taught this member; followed up in its record."""

    __tablename__ = "readiness_action"

    record_id: Mapped[int] = mapped_column(ForeignKey("readiness_record.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercise.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
