"""Tasks of an incident: an owner, assignees, a due date and a status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class IncidentTask(IdMixin, TimestampMixin, Base):
    __tablename__ = "incident_task"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    # Indexed: "my tasks" (the home page, /incidents/tasks) starts from the person.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.OPEN.value)
    completed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    assignee_rows: Mapped[list[IncidentTaskAssignee]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def assignee_ids(self) -> list[int]:
        return sorted(a.user_id for a in self.assignee_rows)


class IncidentTaskAssignee(Base):
    __tablename__ = "incident_task_assignee"

    task_id: Mapped[int] = mapped_column(ForeignKey("incident_task.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )  # the key starts with the task; "my tasks" asks by the person
