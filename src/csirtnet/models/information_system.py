"""A member's information systems with their security level (Law 86/2015 art. 21, Decree 85/2016)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, TimestampMixin


class InformationSystem(IdMixin, TimestampMixin, Base):
    __tablename__ = "information_system"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    security_level: Mapped[int] = mapped_column(Integer)  # csirtnet.vocabulary.SecurityLevel, 1-5
    # On the national list of information systems important to national security.
    national_important: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
