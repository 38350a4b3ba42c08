"""Indicator exchange over the API: upload a STIX 2.1 bundle or a MISP event to import (the one
ingestion engine, through intel.importing), read the imports one may see with what they skipped,
and download an export — a STIX 2.1 bundle (streamed, intel.stix.export) or the defenders'
formats (CSV, blocklists, RPZ, Suricata: intel.exports) — of what one may see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response, StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.config import get_settings
from csirtnet.db import get_database
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.intel import exchange_reads, importing
from csirtnet.intel.stix import export as stix_export
from csirtnet.kit.files import clean_filename
from csirtnet.kit.pagination import Page
from csirtnet.kit.time import as_utc
from csirtnet.models import IntelImport
from csirtnet.vocabulary.enums import TLP

router = APIRouter(tags=["indicators"])

STIX_MEDIA = "application/stix+json;version=2.1"
EXPORT_FORMATS = (
    "stix",
    "csv",
    "rpz",
    "suricata",
    "blocklist-ips",
    "blocklist-networks",
    "blocklist-domains",
    "blocklist-urls",
    "blocklist-hashes",
)


class IndicatorImportRead(BaseModel):
    """One import: what it brought and what it skipped, with the reason (the first thousand)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: str
    format: str
    source: str
    collection: str
    status: str
    total: int
    created: int
    versions: int
    unchanged: int
    skipped: int
    indicators: int
    tlp: str
    failures: list[dict[str, Any]]
    started_at: datetime
    finished_at: datetime | None


class StixExportDownload(StreamingResponse):
    media_type = STIX_MEDIA


def _read(row: IntelImport) -> IndicatorImportRead:
    return IndicatorImportRead.model_validate(row)


@router.post("/indicators/imports", response_model=IndicatorImportRead, status_code=201)
def upload_import(
    session: Session,
    who: ApiUser,
    file: Annotated[UploadFile, File(description="A STIX 2.1 bundle or a MISP event (JSON)")],
    collection: Annotated[str, Form(max_length=60)] = "national",
    tlp: Annotated[TLP, Form(description="TLP of objects that carry no TLP marking")] = TLP.AMBER,
) -> IndicatorImportRead:
    """Import a STIX 2.1 bundle or a MISP event into a collection you may share into; the import's
    report (created, new versions, unchanged, skipped with the reason, typed indicators)."""
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed("file", f"is larger than {limit // 2**20} MB: split it, or post it to TAXII in pages")
    name = clean_filename(file.filename or "upload.json")
    row = importing.import_upload(session, who, data, filename=name, collection=collection, default_tlp=tlp)
    return _read(row)


@router.get("/indicators/imports", response_model=Page[IndicatorImportRead])
def list_imports(
    session: Session,
    who: ApiUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[IndicatorImportRead]:
    """The imports you may see (yours, your organisation's; the coordinating body sees all), newest first."""
    if not intel_authz.can_read(who):
        raise Forbidden("You may not read indicators")
    rows, next_cursor = exchange_reads.imports_page(session, who, cursor=cursor, limit=limit)
    return Page[IndicatorImportRead](items=[_read(r) for r in rows], next_cursor=next_cursor)


@router.get("/indicators/imports/{import_id}", response_model=IndicatorImportRead)
def get_import(
    session: Session,
    who: ApiUser,
    import_id: Annotated[str, Path(max_length=40, description="The import's id or UUID")],
) -> IndicatorImportRead:
    """One import's report."""
    return _read(exchange_reads.get_import(session, who, import_id))


def _stix_pieces(
    who: Subject, collection: str | None, since: datetime | None, kinds: list[str] | None
) -> Iterator[bytes]:
    # The request's session is closed before a streamed answer is sent: the bundle is read in a
    # unit of work of its own (writing only its audit record at the end).
    with get_database().unit_of_work(write=False) as session:
        yield from stix_export.bundle(session, who, collection=collection, since=since, kinds=kinds)


_EXPORT_MEDIA = {
    # A STIX bundle is a JSON document (clients parse it as one): declared as an object, not bytes.
    STIX_MEDIA: {"schema": {"type": "object", "required": ["type", "id"]}},
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string", "format": "binary"}},
    "text/dns": {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/indicators/export",
    response_class=StixExportDownload,
    responses={200: {"description": "The export, as an attachment", "content": _EXPORT_MEDIA}},
)
def export_indicators(
    session: Session,
    who: ApiUser,
    format: Annotated[str, Query(max_length=30, description=", ".join(EXPORT_FORMATS))] = "stix",
    collection: Annotated[str | None, Query(max_length=60)] = None,
    added_after: Annotated[datetime | None, Query(description="STIX only: objects added after this moment")] = None,
    types: Annotated[str | None, Query(max_length=1000, description="STIX only: types, comma-separated")] = None,
) -> Response:
    """Download what you may see: a STIX 2.1 bundle (streamed) or CSV, a blocklist, an RPZ zone,
    Suricata rules."""
    if format not in EXPORT_FORMATS:
        raise ValidationFailed("format", f"{format!r} is not an export format ({', '.join(EXPORT_FORMATS)})")
    if format == "stix":
        key = stix_export.check_access(session, who, collection)
        kinds = stix_export.check_kinds(types.split(",")) if types else None
        if added_after is not None and added_after.tzinfo is None:
            raise ValidationFailed("added_after", "must carry its time zone (e.g. 2026-12-06T10:00:00Z)")
        since = as_utc(added_after) if added_after is not None else None
        return StixExportDownload(
            _stix_pieces(who, key, since, kinds),
            media_type=STIX_MEDIA,
            headers={"Content-Disposition": 'attachment; filename="csirtnet-stix-bundle.json"'},
        )
    from csirtnet.intel import exports

    rendered = exports.stream(session, who, format, collection=collection)
    return Response(
        rendered.body,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )
