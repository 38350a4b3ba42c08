"""A cluster's yearly plan: its activities and the year-end summary."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class PlanActivityKind(StrEnum):
    WORKSHOP = "workshop"  # a workshop or seminar of the cluster
    DRILL = "drill"  # an exercise the cluster runs or joins (APCERT, ASEAN ACID, live-fire)
    TRAINING = "training"  # a course for members' staff
    CHANNEL = "channel"  # an information-exchange channel to set up or run
    OTHER = "other"


class PlanActivityStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ClusterPlan(IdMixin, TimestampMixin, Base):
    __tablename__ = "cluster_plan"
    __table_args__ = (UniqueConstraint("cluster_id", "year"),)

    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)  # the year-end summary


class ClusterPlanActivity(IdMixin, TimestampMixin, Base):
    __tablename__ = "cluster_plan_activity"

    plan_id: Mapped[int] = mapped_column(ForeignKey("cluster_plan.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=PlanActivityKind.OTHER.value)
    title: Mapped[str] = mapped_column(String(300))
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=PlanActivityStatus.PLANNED.value)
    notes: Mapped[str | None] = mapped_column(Text)
