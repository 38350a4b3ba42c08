"""What the import pages read: the imports a reader may see (newest first, keyset pages) and one
import's report with what it skipped (authz.intel: whoever imported it, their organisation, the
coordinating body)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.models import IntelImport


def imports_page(
    session: Session, who: Subject, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[IntelImport], str | None]:
    """One page of the imports `who` may see, newest first."""
    query = select(IntelImport).where(rules.visible_imports_clause(who))
    rows, next_cursor = paginate_keyset(
        session, query, [IntelImport.started_at, IntelImport.id], limit=limit, cursor=cursor, descending=True
    )
    return list(rows), next_cursor


def get_import(session: Session, who: Subject, ref: str) -> IntelImport:
    """One import by its id or its UUID (an indicator's `origin_ref`); NotFound when `who` may not
    read it (absent and hidden look the same)."""
    query = select(IntelImport).where(rules.visible_imports_clause(who))
    if ref.isdigit() and len(ref) < 10:
        query = query.where(IntelImport.id == int(ref))
    else:
        try:
            query = query.where(IntelImport.uuid == str(uuid.UUID(ref)))
        except ValueError:
            raise NotFound("import") from None
    row = session.scalar(query)
    if row is None:
        raise NotFound("import")
    return row
