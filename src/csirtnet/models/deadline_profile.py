"""Regulatory deadline profiles as data: a profile (Vietnam Circular 20, NIS2 art. 23, CISA, CIRCIA…)
holds rules; each rule says from which moment (`anchor`), after how long, under which condition a
report is due, and what meets it. Admins edit them; nothing about a regulation is hard-coded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class DeadlineProfile(IdMixin, TimestampMixin, Base):
    __tablename__ = "deadline_profile"

    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    rules: Mapped[list[DeadlineRule]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="DeadlineRule.position"
    )


class DeadlineRule(IdMixin, Base):
    """One obligation. `anchor`: detected | reported | opened | ransom_paid | the key of an earlier
    rule (its met time, else its due time). `offset_minutes` None: due when the response ends.
    `condition`: None (always) | serious | normal | major | ransom_paid. `satisfied_by`:
    report (met when reported) | closing (met by the closing report) | manual (a person marks it)."""

    __tablename__ = "deadline_rule"
    __table_args__ = (UniqueConstraint("profile_id", "key"),)

    profile_id: Mapped[int] = mapped_column(ForeignKey("deadline_profile.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label_vi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    anchor: Mapped[str] = mapped_column(String(40), default="detected")
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    condition: Mapped[str | None] = mapped_column(String(20))
    satisfied_by: Mapped[str] = mapped_column(String(20), default="manual")
    remind_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class IncidentDeadline(IdMixin, Base):
    """A rule applied to one incident: its due time and what happened to it."""

    __tablename__ = "incident_deadline"
    __table_args__ = (UniqueConstraint("incident_id", "rule_key"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    profile_key: Mapped[str] = mapped_column(String(40))
    rule_key: Mapped[str] = mapped_column(String(40))
    label_vi: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(index=True)  # None: due when the response ends
    offset_minutes: Mapped[int | None] = mapped_column(Integer)  # 0: "immediately"
    satisfied_by: Mapped[str] = mapped_column(String(20), default="manual")
    met_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
