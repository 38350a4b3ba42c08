"""A link between two incidents: related (a person said so), or correlated (a shared observable).

Stored once per pair with `incident_id < other_incident_id`; readers look both ways.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin


class LinkKind(StrEnum):
    RELATED = "related"
    CORRELATED = "correlated"


class IncidentLink(IdMixin, Base):
    __tablename__ = "incident_link"
    __table_args__ = (
        UniqueConstraint("incident_id", "other_incident_id", "kind"),
        CheckConstraint("incident_id < other_incident_id", name="ordered_pair"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    other_incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=LinkKind.RELATED.value)
    note: Mapped[str | None] = mapped_column(Text)
    # The marking of what the link was derived from: a correlation through a TLP:RED observable is
    # RED, shown only to the users named on both incidents (authz.incident.visible_content_clause).
    tlp: Mapped[str | None] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
