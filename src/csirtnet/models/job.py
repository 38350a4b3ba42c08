"""The job outbox: written in the transaction that causes the work, run after it commits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from csirtnet.kit.time import utcnow
from csirtnet.models.base import Base, JSONType


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for run_after
    RUNNING = "running"  # claimed by a worker until locked_until
    DONE = "done"
    FAILED = "failed"  # gave up after max_attempts; an admin may retry it


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The source of the content (authz.derived.Guard): readers who may not see it see no payload.
    guard_kind: Mapped[str | None] = mapped_column(String(20))
    guard_id: Mapped[int | None] = mapped_column(BigInteger)
    guard_tlp: Mapped[str | None] = mapped_column(String(12))
    guard_also_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_job_status_run_after", "status", "run_after"),)
