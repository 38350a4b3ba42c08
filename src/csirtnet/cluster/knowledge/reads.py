"""What the knowledge-base pages read: a page of the documents a search finds within their TLP."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.cluster.knowledge import service
from csirtnet.kit.pagination import paginate
from csirtnet.models import KnowledgeDocument


def search_page(
    session: Session,
    who: Subject,
    *,
    q: str,
    kind: str | None,
    tag: str | None,
    cursor: str | None,
    limit: int = 50,
) -> tuple[list[KnowledgeDocument], str | None]:
    """One page of the documents the search finds, and the cursor of the next page."""
    query = service.search(session, who, q=q, kind=kind, tag=tag)
    rows, next_cursor = paginate(session, query, KnowledgeDocument.id, limit=limit, cursor=cursor)
    return list(rows), next_cursor
