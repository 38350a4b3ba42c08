"""The audit log API: admins browse and filter; org admins see their organisation's records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from csirtnet.audit import repository
from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit.pagination import Page, paginate
from csirtnet.kit.schemas import Moment
from csirtnet.models import AuditRecord

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditRead(BaseModel):
    """A record; `redacted` when the reader may not see what it concerns: then it holds no summary,
    no object id and no hash (a hash would let a reader confirm a guessed value)."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    actor_user_id: int | None
    actor_label: str
    organisation_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    request_id: str | None
    ip: str | None
    summary: dict[str, Any]
    hash: str | None
    redacted: bool = False

    @classmethod
    def of(cls, entry: repository.Entry) -> AuditRead:
        read = cls.model_validate(entry.record)
        if entry.redacted:
            return read.model_copy(update={"summary": {}, "object_id": None, "hash": None, "redacted": True})
        return read


@router.get("", response_model=Page[AuditRead])
def list_audit(
    session: Session,
    who: ApiUser,
    action: str | None = Query(default=None, max_length=80),
    actor: str | None = Query(default=None, max_length=320),
    object_type: str | None = Query(default=None, max_length=60),
    object_id: str | None = Query(default=None, max_length=80),
    organisation_id: int | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[AuditRead]:
    """Audit records, newest first, filtered by action prefix, actor, object, organisation and time."""
    query = repository.records(
        who,
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        organisation_id=organisation_id,
        since=since,
        until=until,
    )
    rows, next_cursor = paginate(session, query, AuditRecord.seq, limit=limit, cursor=cursor)
    return Page[AuditRead](
        items=[AuditRead.of(e) for e in repository.entries(session, who, rows)], next_cursor=next_cursor
    )
