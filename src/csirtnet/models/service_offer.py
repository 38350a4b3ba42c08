"""The FIRST CSIRT Services Framework services a member offers (keys from vocabulary.first_services)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base


class ServiceOffer(Base):
    __tablename__ = "service_offer"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
