"""Closed operations API: metrics for Prometheus (token with metrics:read), jobs for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from csirtnet import audit, worker
from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import require
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import Page, paginate
from csirtnet.metrics import REGISTRY
from csirtnet.models import Job

router = APIRouter(tags=["operations"])
metrics_router = APIRouter(tags=["operations"])


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    attempts: int
    max_attempts: int
    run_after: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]
    redacted: bool = Field(default=False, description="The payload is withheld: its source is hidden from the reader")

    @classmethod
    def of(cls, row: Job, readable: bool = True) -> JobRead:
        read = cls.model_validate(row)
        return read if readable else read.model_copy(update={"payload": {}, "redacted": True})


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(who: ApiUser) -> Response:
    """Prometheus exposition format; needs the metrics:read scope."""
    require(who, Permission.METRICS_READ)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/jobs", response_model=Page[JobRead], summary="List background jobs")
def list_jobs(
    session: Session,
    who: ApiUser,
    status: str | None = Query(default=None, max_length=12),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[JobRead]:
    """Background jobs, newest first; filter by status (queued, running, done, failed)."""
    require(who, Permission.JOBS_READ)
    rows, next_cursor = paginate(session, worker.jobs(status), Job.id, limit=limit, cursor=cursor)
    return Page[JobRead](
        items=[JobRead.of(row, seen) for row, seen in worker.readable(session, who, rows)], next_cursor=next_cursor
    )


@router.post("/jobs/{job_id}/retry", response_model=JobRead, summary="Retry a failed job")
def retry_job(job_id: int, session: Session, who: ApiUser) -> JobRead:
    """Queue a failed job again."""
    require(who, Permission.JOBS_WRITE)
    row = worker.retry(session, job_id)
    if row is None:
        raise NotFound("failed job")
    audit.record(session, who, "job.retried", row, name=row.name)
    return JobRead.of(row, *(seen for _, seen in worker.readable(session, who, [row])))
