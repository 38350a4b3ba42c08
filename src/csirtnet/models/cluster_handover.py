"""Handovers of a cluster's lead from one organisation to the next, with the minutes and documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, IdMixin


class ClusterHandover(IdMixin, Base):
    """The outgoing lead hands the cluster to the incoming one on `handed_over_on`."""

    __tablename__ = "cluster_handover"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    from_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    to_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    handed_over_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClusterHandoverDocument(Base):
    """A document of a handover (signed minutes, the plan handed on), stored in the content store."""

    __tablename__ = "cluster_handover_document"

    handover_id: Mapped[int] = mapped_column(ForeignKey("cluster_handover.id", ondelete="CASCADE"), primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True)
