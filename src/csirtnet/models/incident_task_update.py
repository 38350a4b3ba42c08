"""A task's log: who wrote what, when, and the status changes and reassignments made with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType


class IncidentTaskUpdate(IdMixin, Base):
    __tablename__ = "incident_task_update"

    # Indexed: a task's page and the incident's task table read the log by task.
    task_id: Mapped[int] = mapped_column(ForeignKey("incident_task.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    # Other changes made with the entry, as {"owner_id": {"from": 3, "to": 5}, "due_at": {...}, ...}.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
