"""Files attached to an incident (logs, screenshots, memos), each with its own TLP: a TLP:RED
attachment is for the incident's named participants only, as a TLP:RED observable is
(authz.incident.visible_attachments_clause). The bytes are in the content store (StoredFile)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin
from csirtnet.models.stored_file import StoredFile


class IncidentAttachment(IdMixin, Base):
    __tablename__ = "incident_attachment"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    tlp: Mapped[str] = mapped_column(String(20), default="amber")
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Joined: every list of attachments shows the file's name and size.
    file: Mapped[StoredFile] = relationship(lazy="joined")
