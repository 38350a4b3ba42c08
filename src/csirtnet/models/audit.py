"""The audit log: one row per change, chained by SHA-256 so edits, removals and reorderings show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.models.base import Base, JSONType


class AuditRecord(Base):
    __tablename__ = "audit_record"

    # `seq` is contiguous and assigned under a lock: a gap means a removed record.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(320))
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The source of the content (authz.derived.Guard): readers who may not see it get no content. Outside
    # the hash (audit.service.compute_hash), so a migration could fill it in for existing records.
    guard_kind: Mapped[str | None] = mapped_column(String(20))
    guard_id: Mapped[int | None] = mapped_column(BigInteger)
    guard_tlp: Mapped[str | None] = mapped_column(String(12))
    guard_also_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_audit_record_object", "object_type", "object_id"),)
