"""The incident's timeline: entries people write (with their own time and time zone) and one
automatic entry for every change the platform makes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin, JSONType


class IncidentTimelineEntry(IdMixin, Base):
    __tablename__ = "incident_timeline_entry"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")  # as the author gave it
    kind: Mapped[str] = mapped_column(String(10), default="manual")  # manual | change
    action: Mapped[str | None] = mapped_column(String(60))  # for changes: the audit action
    text: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Who may read the entry beyond the incident's readers (authz.incident.visible_timeline_clause):
    # the TLP of its content when marked apart from the incident (a TLP:RED observable's value), and
    # the other incident it names (a link). No foreign key: a vanished incident hides the entry.
    tlp: Mapped[str | None] = mapped_column(String(12))
    other_incident_id: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
