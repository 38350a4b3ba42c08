"""The feed API (/api/v1/feeds): sources and their runs, a report uploaded to a source, the events
members' sensors post to an API source (JSON lines), the quarantine, the rules and the
prefix-to-ASN table. Configuration and runs are the coordinating body's (authz.feeds); posting
events takes `feeds:submit` on an API source one may post to.

A report or a sensor's post is processed while the request waits (feeds.processing: the runner's
own transactions create the run, commit each batch and finish the run; the request's transaction
is committed before, so they never wait for it) and answered with the run and its counts."""

from __future__ import annotations

import io
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import feeds as rules
from csirtnet.config import get_settings
from csirtnet.errors import AppError, NotFound, ValidationFailed
from csirtnet.feeds import processing, reads, service
from csirtnet.feeds.schemas import (
    AsnTableLoaded,
    AsnTableRead,
    FeedQuarantinePage,
    FeedRuleCreate,
    FeedRuleRead,
    FeedRuleUpdate,
    FeedRunRead,
    FeedSourceCreate,
    FeedSourceRead,
    FeedSourceUpdate,
)
from csirtnet.kit.files import clean_filename
from csirtnet.kit.pagination import Page
from csirtnet.models import FeedSource

router = APIRouter(tags=["feeds"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
MAX_POST_BYTES = 16 * 2**20  # a sensor posts often and little; a whole report is an upload
NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/jsonlines")


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


_MEDIA_415: dict[int | str, dict[str, Any]] = {
    415: {
        "description": "Unsupported media type",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused (naming "body") beyond `limit` bytes without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ValidationFailed("body", f"is larger than {limit:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ValidationFailed("body", f"is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# -- static paths first: rules, runs, the quarantine, the ASN table --------------------------------


@router.get("/feeds/rules", response_model=list[FeedRuleRead])
def list_rules(session: Session, who: ApiUser) -> list[FeedRuleRead]:
    """The rules that turn events into actions (the coordinating body)."""
    return reads.list_rules(session, who)


@router.post("/feeds/rules", response_model=FeedRuleRead, status_code=201)
def create_rule(body: FeedRuleCreate, session: Session, who: ApiUser) -> FeedRuleRead:
    """Add a rule: matching events open an incident, add a sighting or raise the member's flag."""
    return FeedRuleRead.model_validate(service.create_rule(session, who, body))


@router.patch("/feeds/rules/{rule_id}", response_model=FeedRuleRead)
def update_rule(rule_id: Id, body: FeedRuleUpdate, session: Session, who: ApiUser) -> FeedRuleRead:
    """Change a rule."""
    return FeedRuleRead.model_validate(service.update_rule(session, who, rule_id, body))


@router.delete("/feeds/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: Id, session: Session, who: ApiUser) -> Response:
    """Remove a rule (what it did stays)."""
    service.delete_rule(session, who, rule_id)
    return Response(status_code=204)


@router.get("/feeds/runs/{run_id}", response_model=FeedRunRead)
def get_run(run_id: Id, session: Session, who: ApiUser) -> FeedRunRead:
    """One run: its origin, files, status and counts."""
    return reads.get_run(session, who, run_id)


@router.get("/feeds/quarantine", response_model=FeedQuarantinePage)
def list_quarantine(
    session: Session,
    who: ApiUser,
    source_id: OptionalId = None,
    run_id: OptionalId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> FeedQuarantinePage:
    """Quarantined lines with their file, line and reason (of a source or a run), and counts per source."""
    return reads.list_quarantine(session, who, source_id=source_id, run_id=run_id, limit=limit, offset=offset)


@router.get("/feeds/asn-table", response_model=AsnTableRead)
def get_asn_table(session: Session, who: ApiUser) -> AsnTableRead:
    """How many prefixes the prefix-to-ASN table holds, and the first ones."""
    return reads.asn_table(session, who)


@router.put(
    "/feeds/asn-table",
    response_model=AsnTableLoaded,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "One 'prefix asn' (or 'prefix,asn') a line; '#' starts a comment",
            "content": {"text/plain": {"schema": {"type": "string", "minLength": 1}}},
        }
    },
)
async def put_asn_table(request: Request, session: Session, who: ApiUser) -> AsnTableLoaded:
    """Replace the prefix-to-ASN table (all lines or none; a bad line is named)."""
    rules.require_manage(who)
    data = await _body(request, get_settings().max_upload_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("body", "is not UTF-8 text") from None
    loaded = await run_in_threadpool(service.load_asn_table, session, who, text)
    return AsnTableLoaded(prefixes=loaded.prefixes, replaced=loaded.replaced)


# -- sources ---------------------------------------------------------------------------------------


@router.get("/feeds", response_model=list[FeedSourceRead])
def list_sources(session: Session, who: ApiUser) -> list[FeedSourceRead]:
    """Every source with its counts over all runs and of its last run."""
    return reads.list_sources(session, who)


@router.post("/feeds", response_model=FeedSourceRead, status_code=201)
def create_source(body: FeedSourceCreate, session: Session, who: ApiUser) -> FeedSourceRead:
    """Configure a source: name, provider, kind, parser (and mapping), schedule, TLP, actions, dedupe."""
    row = service.create_source(session, who, body)
    return reads.get_source(session, who, row.id)


@router.get("/feeds/{source_id}", response_model=FeedSourceRead)
def get_source(source_id: Id, session: Session, who: ApiUser) -> FeedSourceRead:
    """One source with its counts."""
    return reads.get_source(session, who, source_id)


@router.patch("/feeds/{source_id}", response_model=FeedSourceRead)
def update_source(source_id: Id, body: FeedSourceUpdate, session: Session, who: ApiUser) -> FeedSourceRead:
    """Change a source."""
    service.update_source(session, who, source_id, body)
    return reads.get_source(session, who, source_id)


@router.delete("/feeds/{source_id}", status_code=204)
def delete_source(source_id: Id, session: Session, who: ApiUser) -> Response:
    """Remove a source with its runs, quarantine, digests, rules and events."""
    service.delete_source(session, who, source_id)
    return Response(status_code=204)


@router.get("/feeds/{source_id}/runs", response_model=Page[FeedRunRead])
def list_runs(
    source_id: Id,
    session: Session,
    who: ApiUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="The last run id served")] = None,
) -> Page[FeedRunRead]:
    """A source's runs, newest first."""
    reads.get_source(session, who, source_id)
    runs = reads.list_runs(session, who, source_id=source_id, limit=limit + 1, before=cursor)
    more = len(runs) > limit
    runs = runs[:limit]
    return Page[FeedRunRead](items=runs, next_cursor=str(runs[-1].id) if more and runs else None)


@router.post("/feeds/{source_id}/runs", response_model=FeedRunRead, status_code=201)
def upload_report(
    source_id: Id,
    session: Session,
    who: ApiUser,
    file: Annotated[UploadFile, File(description="A report for this source (e.g. a Shadowserver CSV)")],
) -> FeedRunRead:
    """Process an uploaded report for this source now; the run with its counts (quarantined lines
    are in the run's quarantine, never a failure of the upload)."""
    source = service.get_source_row(session, who, source_id)
    name = clean_filename(file.filename or "upload") or "upload"
    return processing.process_stream(session, who, source, name, file.file, origin="upload")


_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "description": "Events as JSON lines (one object a line) or as a JSON array of objects",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            },
        },
    }
}


def _as_lines(data: bytes, media: str) -> bytes:
    """A JSON array's objects as JSON lines (element i is line i+1); JSON lines as they came."""
    if media in NDJSON:
        return data
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ValidationFailed(
            "body", "is not JSON (send an array of events, or JSON lines as application/x-ndjson)"
        ) from None
    if not isinstance(parsed, list):
        raise ValidationFailed("body", "must be an array of events (or JSON lines as application/x-ndjson)")
    return b"\n".join(orjson.dumps(item) for item in parsed)


@router.post(
    "/feeds/{source_id}/events",
    response_model=FeedRunRead,
    status_code=201,
    openapi_extra=_EVENTS_BODY,
    responses=_MEDIA_415,
)
async def post_events(source_id: Id, request: Request, session: Session, who: ApiUser) -> FeedRunRead:
    """A sensor's events for an API source: processed now, the run with its counts (a bad line is
    quarantined with its line number; the others are kept)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in (*NDJSON, "application/json"):
        raise UnsupportedMediaType("Send JSON lines as application/x-ndjson, or a JSON array as application/json")

    def source() -> FeedSource:
        row = session.get(FeedSource, source_id)
        if row is None:
            raise NotFound("feed source")
        rules.require_submit(who, row)
        return row

    row = await run_in_threadpool(source)
    data = _as_lines(await _body(request, MAX_POST_BYTES), media)
    if not data.strip():
        raise ValidationFailed("body", "holds no event")
    return await run_in_threadpool(
        processing.process_stream, session, who, row, "api.jsonl", io.BytesIO(data), origin="api"
    )
