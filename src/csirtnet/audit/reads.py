"""What the pages read from the audit log, through audit.repository (scoped by authz)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from csirtnet.audit import repository
from csirtnet.authz import Subject
from csirtnet.kit.pagination import paginate
from csirtnet.models import AuditRecord


def latest_of(session: Session, who: Subject, object_type: str, object_id: str, limit: int = 10) -> list[AuditRecord]:
    """The latest records about one object, newest first."""
    query = repository.records(who, object_type=object_type, object_id=object_id)
    return list(session.scalars(query.order_by(AuditRecord.seq.desc()).limit(limit)))


def records_page(
    session: Session, who: Subject, *, cursor: str | None, limit: int, **filters: Any
) -> tuple[list[AuditRecord], str | None]:
    """One page of the audit records the subject may read, matching the filters, newest first."""
    rows, next_cursor = paginate(
        session, repository.records(who, **filters), AuditRecord.seq, limit=limit, cursor=cursor
    )
    return list(rows), next_cursor
