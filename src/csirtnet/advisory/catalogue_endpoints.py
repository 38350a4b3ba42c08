"""The vulnerability catalogues and vendor CSAF API: known vulnerabilities (KEV, CVE JSON 5), importing
a catalogue or a CSAF document (the format detected), the imported vendor advisories with their
product trees, and the CSAF providers polled for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from csirtnet.advisory import catalogue, csaf_store
from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Permission, require
from csirtnet.errors import NotFound
from csirtnet.kit.pagination import Page
from csirtnet.kit.schemas import InputSchema

router = APIRouter(tags=["advisories"])


class VulnerabilityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    cve_id: str
    title: str | None
    description: str | None
    cvss_vector: str | None
    cvss_score: float | None
    published_at: datetime | None
    affected: list[dict[str, Any]]
    cwes: list[str]
    known_exploited: bool
    kev_vendor: str | None
    kev_product: str | None
    kev_name: str | None
    kev_date_added: date | None
    kev_due_date: date | None
    kev_required_action: str | None
    kev_ransomware: str | None


class ImportRead(BaseModel):
    format: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    catalog_version: str | None = None
    csaf_document_id: int | None = None
    created: bool | None = None


class CsafDocumentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    publisher_name: str
    publisher_namespace: str
    tracking_id: str
    version: str
    title: str
    tlp: str | None
    status: str
    current_release_date: datetime
    cve_ids: list[str]
    source_url: str | None
    imported_at: datetime


class ProductRowRead(BaseModel):
    vendor: str
    product: str
    version: str
    product_id: str


class CsafDocumentRead(CsafDocumentSummary):
    products: list[ProductRowRead]
    document: dict[str, Any]


class SourceCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    metadata_url: str = Field(min_length=10, max_length=2000, description="The provider's provider-metadata.json")
    interval_hours: int = Field(default=6, ge=1, le=168)


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    metadata_url: str
    enabled: bool
    interval_hours: int
    last_polled_at: datetime | None
    last_status: str | None
    last_error: str | None
    documents_imported: int


class PollRead(BaseModel):
    status: str
    imported: int
    unchanged: int
    problems: list[dict[str, str]]


@router.get("/vulnerabilities", response_model=Page[VulnerabilityRead])
def list_vulnerabilities(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200, description="A CVE id (or its prefix) or words"),
    known_exploited: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[VulnerabilityRead]:
    """Known vulnerabilities (CVE records and the KEV catalogue), newest first."""
    require(who, Permission.ADVISORIES_READ)
    rows, next_cursor = catalogue.vulnerabilities_page(
        session, q=q, known_exploited_only=known_exploited, cursor=cursor, limit=limit
    )
    return Page[VulnerabilityRead](items=[VulnerabilityRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/vulnerabilities/{cve_id}", response_model=VulnerabilityRead)
def get_vulnerability(
    session: Session, who: ApiUser, cve_id: str = Path(pattern=r"^CVE-\d{4}-\d{4,}$", max_length=30)
) -> VulnerabilityRead:
    """One vulnerability by its CVE id: is it known to be exploited?"""
    require(who, Permission.ADVISORIES_READ)
    row = catalogue.get_vulnerability(session, cve_id)
    if row is None:
        raise NotFound("vulnerability")
    return VulnerabilityRead.model_validate(row)


@router.post("/advisories/import", response_model=ImportRead)
def import_document(
    session: Session, who: ApiUser, body: dict[str, Any] | list[Any] = Body(description="KEV, CVE JSON 5 or CSAF 2.0")
) -> ImportRead:
    """Import the CISA KEV catalogue, CVE JSON 5 records or a CSAF 2.0 document (the format is detected)."""
    require(who, Permission.ADVISORIES_MANAGE)
    kind = catalogue.detect_format(body)
    if kind == "csaf":
        assert isinstance(body, dict)
        row, created = csaf_store.import_csaf(session, who, body)
        return ImportRead(format="csaf", csaf_document_id=row.id, created=created, added=int(created))
    result = (
        catalogue.import_kev(session, who, body) if kind == "kev" else catalogue.import_cve_records(session, who, body)
    )
    return ImportRead(
        format=result.format,
        added=result.added,
        updated=result.updated,
        unchanged=result.unchanged,
        catalog_version=result.catalog_version,
    )


@router.get("/csaf-documents", response_model=Page[CsafDocumentSummary])
def list_csaf_documents(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[CsafDocumentSummary]:
    """Imported vendor CSAF advisories you may read, the most recently imported first."""
    require(who, Permission.ADVISORIES_READ)
    rows, next_cursor = csaf_store.csaf_documents_page(session, who, q=q, cursor=cursor, limit=limit)
    return Page[CsafDocumentSummary](
        items=[CsafDocumentSummary.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get("/csaf-documents/{document_id}", response_model=CsafDocumentRead)
def get_csaf_document(document_id: int, session: Session, who: ApiUser) -> CsafDocumentRead:
    """One imported vendor CSAF advisory, with its product tree flattened."""
    require(who, Permission.ADVISORIES_READ)
    row = csaf_store.get_csaf_document(session, who, document_id)
    summary = CsafDocumentSummary.model_validate(row)
    products = [ProductRowRead(**p._asdict()) for p in csaf_store.product_tree_rows(row.document)]
    return CsafDocumentRead(**summary.model_dump(), products=products, document=row.document)


@router.get("/csaf-sources", response_model=list[SourceRead])
def list_sources(session: Session, who: ApiUser) -> list[SourceRead]:
    """The CSAF providers polled for vendor advisories."""
    require(who, Permission.ADVISORIES_MANAGE)
    return [SourceRead.model_validate(s) for s in csaf_store.sources(session)]


@router.post("/csaf-sources", response_model=SourceRead, status_code=201)
def add_source(body: SourceCreate, session: Session, who: ApiUser) -> SourceRead:
    """Poll a CSAF provider (its provider-metadata.json) every `interval_hours`."""
    source = csaf_store.add_source(session, who, body.name, body.metadata_url, body.interval_hours)
    return SourceRead.model_validate(source)


@router.post("/csaf-sources/{source_id}/poll", response_model=PollRead)
def poll_source(source_id: int, session: Session, who: ApiUser) -> PollRead:
    """Poll a CSAF provider now."""
    require(who, Permission.ADVISORIES_MANAGE)
    result = csaf_store.poll_source(session, source_id)
    return PollRead(
        status=result.status,
        imported=result.imported,
        unchanged=result.unchanged,
        problems=[{"url": url, "reason": reason} for url, reason in result.problems],
    )
