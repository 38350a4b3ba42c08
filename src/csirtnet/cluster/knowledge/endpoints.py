"""The knowledge-base API."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.cluster import files
from csirtnet.cluster.knowledge import service
from csirtnet.cluster.knowledge.schemas import DocumentCreate, DocumentRead, DocumentUpdate
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, paginate
from csirtnet.models import KnowledgeDocument
from csirtnet.models.knowledge import KnowledgeKind

router = APIRouter(prefix="/knowledge", tags=["knowledge"])


@router.get("", response_model=Page[DocumentRead])
def search_documents(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200, description="Words in either language, accents optional"),
    kind: KnowledgeKind | None = None,
    tag: str | None = Query(default=None, max_length=40),
    cluster_id: int | None = None,
    event_id: int | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[DocumentRead]:
    """Search the documents you may read (TLP enforced)."""
    query = service.search(
        session, who, q=q, kind=kind.value if kind else None, tag=tag, cluster_id=cluster_id, event_id=event_id
    )
    rows, next_cursor = paginate(session, query, KnowledgeDocument.id, limit=limit, cursor=cursor)
    return Page[DocumentRead](items=service.reads(session, who, rows), next_cursor=next_cursor)


@router.post("", response_model=DocumentRead, status_code=201)
def create_document(body: DocumentCreate, session: Session, who: ApiUser) -> DocumentRead:
    """Add a document; attach uploads (POST /cluster-files) by id."""
    return service.reads(session, who, [service.create(session, who, body)])[0]


@router.get("/{document_id}", response_model=DocumentRead)
def get_document(document_id: int, session: Session, who: ApiUser) -> DocumentRead:
    """One document."""
    return service.reads(session, who, [service.get(session, who, document_id)])[0]


@router.patch("/{document_id}", response_model=DocumentRead)
def update_document(document_id: int, body: DocumentUpdate, session: Session, who: ApiUser) -> DocumentRead:
    """Change a document (author, their organisation's admins, coordinator)."""
    return service.reads(session, who, [service.update(session, who, document_id, body)])[0]


@router.get("/{document_id}/files/{file_id}", **downloads.FILE)
def document_file(document_id: int, file_id: int, session: Session, who: ApiUser) -> StreamingResponse:
    """Download a document's file."""
    return files.download(service.document_file(session, who, document_id, file_id))
