"""The member directory API: search members by name, capability, skill, sector, province, cluster."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, paginate_keyset
from csirtnet.models import Organisation
from csirtnet.organisation import directory, repository
from csirtnet.organisation.schemas import DirectoryEntry

router = APIRouter(prefix="/directory", tags=["directory"])


@router.get("", response_model=Page[DirectoryEntry])
def search(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200, description="Name or member code, accents ignored"),
    service: str | None = Query(default=None, max_length=80, description="A FIRST service key"),
    skill: str | None = Query(default=None, max_length=60, description="An expert skill key"),
    sector: str | None = Query(default=None, max_length=80),
    province: str | None = Query(default=None, max_length=80),
    cluster_id: int | None = Query(default=None),
    kind: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[DirectoryEntry]:
    """Search the member directory, by name (Vietnamese order)."""
    query = repository.directory(
        who, q=q, service=service, skill=skill, sector=sector, province=province, cluster_id=cluster_id, kind=kind
    )
    orgs, next_cursor = paginate_keyset(
        session, query, (Organisation.name_sort, Organisation.id), limit=limit, cursor=cursor
    )
    return Page[DirectoryEntry](items=directory.entries(session, who, list(orgs)), next_cursor=next_cursor)


@router.get("/export.csv", **downloads.CSV)
def export_csv(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    service: str | None = Query(default=None, max_length=80),
    skill: str | None = Query(default=None, max_length=60),
    sector: str | None = Query(default=None, max_length=80),
    province: str | None = Query(default=None, max_length=80),
    cluster_id: int | None = Query(default=None),
    kind: str | None = Query(default=None, max_length=40),
    lang: str = Query(default="vi", pattern="^(vi|en)$"),
) -> Response:
    """The directory (same filters) as CSV, UTF-8 with BOM for Excel."""
    query = repository.directory(
        who, q=q, service=service, skill=skill, sector=sector, province=province, cluster_id=cluster_id, kind=kind
    )
    rows = directory.entries(session, who, list(session.scalars(query)))
    return Response(
        directory.to_csv(rows, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )
