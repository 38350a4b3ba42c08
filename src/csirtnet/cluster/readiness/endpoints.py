"""The readiness API: members' yearly records, evidence, and coverage with its CSV export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from csirtnet.auth.deps import ApiUser, Session, request_language
from csirtnet.cluster import files
from csirtnet.cluster.readiness import coverage, service
from csirtnet.cluster.readiness.schemas import (
    CoverageRead,
    EvidenceAdd,
    EvidenceRead,
    ReadinessRead,
    ReadinessSummary,
    ReadinessUpdate,
)
from csirtnet.errors import NotFound
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, paginate_keyset
from csirtnet.models import ReadinessRecord

router = APIRouter(prefix="/readiness", tags=["readiness"])

Year = Annotated[int, Path(ge=2000, le=2100)]
Grouping = Literal["cluster", "sector", "province"]


@router.get("", response_model=Page[ReadinessSummary])
def list_records(
    session: Session,
    who: ApiUser,
    year: int | None = Query(default=None, ge=2000, le=2100),
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ReadinessSummary]:
    """Records you may read: your own organisation's; a cluster lead's admins also their cluster's;
    the coordinator all. Latest year first."""
    rows, next_cursor = paginate_keyset(
        session,
        service.records(session, who, year=year),
        (ReadinessRecord.year, ReadinessRecord.organisation_id),
        descending=(True, False),
        limit=limit,
        cursor=cursor,
    )
    return Page[ReadinessSummary](items=service.summaries(session, rows), next_cursor=next_cursor)


@router.get("/coverage", response_model=CoverageRead)
def get_coverage(
    session: Session,
    who: ApiUser,
    year: int = Query(ge=2000, le=2100),
    group_by: Grouping = "cluster",
    cluster_id: int | None = None,
) -> CoverageRead:
    """Per cluster, sector or province: % of members meeting each criterion, and the gaps."""
    return coverage.coverage(session, who, year, group_by, cluster_id)


@router.get("/coverage.csv", **downloads.CSV)
def export_coverage(
    request: Request,
    session: Session,
    who: ApiUser,
    year: int = Query(ge=2000, le=2100),
    group_by: Grouping = "cluster",
    cluster_id: int | None = None,
    kind: Literal["coverage", "gaps"] = "coverage",
) -> Response:
    """Coverage or gaps as CSV (UTF-8 with BOM), headers in the caller's language."""
    report = coverage.coverage(session, who, year, group_by, cluster_id)
    text = coverage.to_csv(report, request_language(request), kind)
    name = f"readiness-{kind}-{year}-{group_by}.csv"
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{organisation_id}/{year}", response_model=ReadinessRead)
def get_record(organisation_id: int, year: Year, session: Session, who: ApiUser) -> ReadinessRead:
    """A member's record for a year (`recorded` is false when nothing was filed)."""
    return service.read(session, who, organisation_id, year)


@router.put("/{organisation_id}/{year}", response_model=ReadinessRead)
def save_record(
    organisation_id: int, year: Year, body: ReadinessUpdate, session: Session, who: ApiUser
) -> ReadinessRead:
    """File or update your organisation's record for the year (org admins)."""
    service.save(session, who, organisation_id, year, body)
    return service.read(session, who, organisation_id, year)


@router.post("/{organisation_id}/{year}/evidence", response_model=EvidenceRead, status_code=201)
def add_evidence(organisation_id: int, year: Year, body: EvidenceAdd, session: Session, who: ApiUser) -> EvidenceRead:
    """Attach an uploaded document (POST /cluster-files first) as evidence for one criterion."""
    evidence = service.add_evidence(session, who, organisation_id, year, body)
    for item in service.read(session, who, organisation_id, year).evidence:
        if item.id == evidence.id:
            return item
    raise NotFound("evidence")


@router.delete("/{organisation_id}/{year}/evidence/{evidence_id}", status_code=204)
def remove_evidence(organisation_id: int, year: Year, evidence_id: int, session: Session, who: ApiUser) -> Response:
    """Remove a piece of evidence from the record."""
    service.remove_evidence(session, who, organisation_id, year, evidence_id)
    return Response(status_code=204)


@router.get("/{organisation_id}/{year}/evidence/{evidence_id}/file", **downloads.FILE)
def evidence_file(
    organisation_id: int, year: Year, evidence_id: int, session: Session, who: ApiUser
) -> StreamingResponse:
    """Download an evidence document."""
    return files.download(service.evidence_file(session, who, organisation_id, year, evidence_id))
