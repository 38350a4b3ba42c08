"""What the pages read from the audit log, through audit.repository (scoped by authz).

Records come as `Entry`s: redacted where their source is hidden from the reader (authz.derived)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from csirtnet.audit import repository
from csirtnet.audit.repository import Entry
from csirtnet.authz import Subject
from csirtnet.kit.pagination import paginate
from csirtnet.models import AuditRecord

__all__ = ["Entry", "latest_of", "records_page"]


def latest_of(session: Session, who: Subject, object_type: str, object_id: str, limit: int = 10) -> list[Entry]:
    """The latest records about one object, newest first, redacted where their source is hidden."""
    query = repository.records(who, object_type=object_type, object_id=object_id)
    return repository.entries(session, who, list(session.scalars(query.order_by(AuditRecord.seq.desc()).limit(limit))))


def records_page(
    session: Session, who: Subject, *, cursor: str | None, limit: int, **filters: Any
) -> tuple[list[Entry], str | None]:
    """One page of the audit records the subject may read, matching the filters, newest first, each
    redacted where its source is hidden from the subject."""
    rows, next_cursor = paginate(
        session, repository.records(who, **filters), AuditRecord.seq, limit=limit, cursor=cursor
    )
    return repository.entries(session, who, list(rows)), next_cursor
