"""The evidence API: an incident's items, streamed uploads, each custody step, the custody log and
the checks of an item, its content, verification, the legal export package and the platform key."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session as DbSession
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.evidence import get_visible_item
from csirtnet.errors import NotFound
from csirtnet.evidence import checks, custody, repository, service, signing, upload
from csirtnet.evidence.schemas import (
    AnalysisRecord,
    CheckOut,
    CheckRead,
    ContentRead,
    CopyRequest,
    CustodyEntryRead,
    DisposalRecord,
    EvidenceCreate,
    EvidenceRead,
    KeyRead,
    Note,
    Reason,
    ReturnRecord,
    SealRecord,
    TransferOffer,
)
from csirtnet.evidence.store import EvidenceStore, evidence_store
from csirtnet.kit import downloads
from csirtnet.kit.schemas import InputSchema
from csirtnet.models import EvidenceItem

router = APIRouter(tags=["evidence"])
MAX_EXPORT = 500  # items in one package (evidence.export.MAX_ITEMS)


class ZipDownload(downloads.FileDownload):
    """An evidence package (.zip), streamed as it is written."""

    media_type = "application/zip"


ZIP = downloads.declare(ZipDownload, "The evidence package as a zip (README.txt inside says how to check it)")


def _read(item: EvidenceItem) -> EvidenceRead:
    content = item.content
    values = {name: getattr(item, name) for name in EvidenceRead.model_fields if name != "content"}
    values["content"] = (
        ContentRead(
            sha256=content.sha256,
            sha1=content.sha1,
            md5=content.md5,
            size=content.size,
            encrypted=content.key_id is not None,
        )
        if content is not None
        else None
    )
    return EvidenceRead.model_validate(values)


# -- an incident's items -------------------------------------------------------------------------------


@router.get("/incidents/{incident_id}/evidence", response_model=list[EvidenceRead])
def list_evidence(incident_id: int, session: Session, who: ApiUser) -> list[EvidenceRead]:
    """The incident's evidence items you may see."""
    return [_read(item) for item in repository.items_of_incident(session, who, incident_id)]


@router.post("/incidents/{incident_id}/evidence", response_model=EvidenceRead, status_code=201)
def add_physical(incident_id: int, body: EvidenceCreate, session: Session, who: ApiUser) -> EvidenceRead:
    """Register a physical item (a disk, a phone, a server) described by its collection record."""
    return _read(service.add_item(session, who, incident_id, body))


@router.post(
    "/incidents/{incident_id}/evidence/upload",
    response_model=EvidenceRead,
    status_code=201,
    openapi_extra={"requestBody": upload.REQUEST_BODY},
)
async def upload_file(incident_id: int, request: Request, session: Session, who: ApiUser) -> EvidenceRead:
    """Upload a digital item, streamed: a `metadata` part (JSON), then the `file` part."""
    item = await upload.upload_item(request, session, who, incident_id)
    return await run_in_threadpool(_read, item)


# -- the platform key and the export package (fixed paths before /evidence/{item_id}) ----------------


@router.get("/evidence/key", response_model=KeyRead)
def public_key(who: ApiUser) -> KeyRead:
    """The platform's Ed25519 evidence key (PEM) and its SHA-256 fingerprint."""
    return KeyRead(
        algorithm="Ed25519",
        public_key_pem=signing.public_pem().decode("ascii"),
        fingerprint_sha256=signing.fingerprint(signing.public_key()),
    )


@router.get("/evidence/export.zip", **ZIP)
def export_zip(
    session: Session,
    who: ApiUser,
    ids: list[int] = Query(alias="id", min_length=1, max_length=MAX_EXPORT, description="An item id; repeat for more"),
    files: bool = Query(default=True, description="false: the package without the items' files"),
) -> StreamingResponse:
    """The legal export package of the items as a zip (each item's log records the export)."""
    from csirtnet.evidence import export  # the package (and its PDF) only when one is asked for

    items, info = export.prepare(session, who, ids, with_files=files, via="api")
    return ZipDownload(
        export.zip_chunks(items, info, with_files=files),
        headers={
            "Content-Disposition": f'attachment; filename="{export.zip_name()}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- one item ------------------------------------------------------------------------------------------


@router.get("/evidence/{item_id}", response_model=EvidenceRead)
def get_item(item_id: int, session: Session, who: ApiUser) -> EvidenceRead:
    """One item and its collection record (the view is recorded in its custody log)."""
    item = get_visible_item(session, who, item_id)
    service.record_view(session, who, item, via="api")
    return _read(item)


@router.get("/evidence/{item_id}/custody", response_model=list[CustodyEntryRead])
def custody_log(item_id: int, session: Session, who: ApiUser) -> list[CustodyEntryRead]:
    """The item's custody log: every entry as signed, with its hash and signature."""
    item = get_visible_item(session, who, item_id)
    return [
        CustodyEntryRead(
            seq=row.seq,
            action=row.action,
            at=row.at,
            actor_id=row.actor_id,
            entry=custody.parsed(row),
            hash=row.hash,
            signature=row.signature,
        )
        for row in repository.custody_of(session, item)
    ]


@router.get("/evidence/{item_id}/checks", response_model=list[CheckRead])
def check_history(item_id: int, session: Session, who: ApiUser) -> list[CheckRead]:
    """The item's latest verifications, newest first."""
    item = get_visible_item(session, who, item_id)
    return [CheckRead.model_validate(row) for row in repository.checks_of(session, item)]


def _content_chunks(store: EvidenceStore, sha256: str) -> Iterator[bytes]:
    with store.open_plain(sha256) as chunks:
        yield from chunks


@router.get("/evidence/{item_id}/content", **downloads.FILE)
def download_content(item_id: int, session: Session, who: ApiUser) -> StreamingResponse:
    """The item's file as an attachment, decrypted (the download is recorded in its custody log)."""
    item = service.record_download(session, who, item_id, via="api")
    content = item.content
    store = evidence_store()
    if content is None or not store.exists(content.sha256):
        raise NotFound("evidence content")
    return downloads.FileDownload(
        _content_chunks(store, content.sha256),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename or item.reference)}",
            "Content-Length": str(content.size),
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- custody steps -------------------------------------------------------------------------------------


# Each step: (path, body, the service function, its one-line doc, the answer's status). One route
# per row, registered below with its body type in its signature (so the API docs name each body).
StepService = Callable[[DbSession, Subject, int, Any], EvidenceItem]
STEPS: tuple[tuple[str, type[InputSchema], StepService, str, int], ...] = (
    ("seal", SealRecord, service.seal, "Record the item's seal (number, where it is kept).", 200),
    (
        "transfer",
        TransferOffer,
        service.offer_transfer,
        "Offer the item to another handler; custody moves when they acknowledge.",
        200,
    ),
    (
        "acknowledge",
        Note,
        service.acknowledge_transfer,
        "Acknowledge a transfer offered to you: you now hold the item.",
        200,
    ),
    (
        "decline",
        Reason,
        service.decline_transfer,
        "Decline a transfer offered to you: the item stays with its custodian.",
        200,
    ),
    ("cancel-transfer", Note, service.cancel_transfer, "Withdraw a transfer nobody has acknowledged yet.", 200),
    ("check-out", CheckOut, service.check_out, "Take the item you hold out of storage for analysis.", 200),
    ("check-in", Note, service.check_in, "Put the item you hold back into storage.", 200),
    ("analysis", AnalysisRecord, service.record_analysis, "Record what your analysis of the item used and found.", 200),
    (
        "copy",
        CopyRequest,
        service.copy,
        "Make a working copy of a digital item: a new item on the same stored content.",
        201,
    ),
    (
        "return",
        ReturnRecord,
        service.return_item,
        "Record that the item went back to its owner (its custody here ends).",
        200,
    ),
    (
        "dispose",
        DisposalRecord,
        service.dispose,
        "Record the item's destruction or release under an authorisation (coordinators).",
        200,
    ),
)


def _step_route(path: str, body_type: type[InputSchema], step: StepService, doc: str, status: int) -> None:
    def endpoint(item_id: int, body: InputSchema, session: DbSession, who: Subject) -> EvidenceRead:
        return _read(step(session, who, item_id, body))

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("item_id", kind, annotation=int),
            inspect.Parameter("body", kind, annotation=body_type),
            inspect.Parameter("session", kind, annotation=Session),
            inspect.Parameter("who", kind, annotation=ApiUser),
        ],
        return_annotation=EvidenceRead,
    )
    endpoint.__name__ = endpoint.__qualname__ = f"evidence_{path.replace('-', '_')}"
    endpoint.__doc__ = doc
    router.add_api_route(
        f"/evidence/{{item_id}}/{path}", endpoint, methods=["POST"], response_model=EvidenceRead, status_code=status
    )


for _step in STEPS:
    _step_route(*_step)


@router.post("/evidence/{item_id}/verify", response_model=CheckRead)
def verify(item_id: int, session: Session, who: ApiUser) -> CheckRead:
    """Re-hash the item's content and check its custody log now; the check is kept in its history."""
    item = get_visible_item(session, who, item_id)
    finding = checks.verify_item(session, item)
    return CheckRead.model_validate(checks.record(session, who, item, finding, trigger="user"))
