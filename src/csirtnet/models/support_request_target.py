"""One member organisation a support request was sent to, with its place in the ranking, the
explanation of that place, its deadline and its answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, IdMixin, JSONType, TimestampMixin


class TargetStatus(StrEnum):
    """Where the request stands with one member organisation."""

    PENDING = "pending"  # sent; the organisation has until its deadline to answer
    ACCEPTED = "accepted"  # the organisation named experts
    DECLINED = "declined"  # the organisation said no, with a reason
    EXPIRED = "expired"  # the deadline passed without an answer; the next match was asked
    WITHDRAWN = "withdrawn"  # no longer needed (fulfilled or cancelled before it answered)


class SupportRequestTarget(IdMixin, TimestampMixin, Base):
    __tablename__ = "support_request_target"
    __table_args__ = (UniqueConstraint("support_request_id", "organisation_id"),)

    support_request_id: Mapped[int] = mapped_column(ForeignKey("support_request.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)  # 1: first asked; 2…: escalations
    rank: Mapped[int] = mapped_column(Integer)  # place in the ranking when it was sent (1 = best)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # the score's components
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # TargetStatus
    sent_at: Mapped[datetime]
    respond_by: Mapped[datetime] = mapped_column(index=True)
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
