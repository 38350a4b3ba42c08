"""Receiving evidence over HTTP: a streamed multipart upload (the API and the web page), parsed as
it arrives and written into the evidence store without ever holding the file in memory.

The body has two parts, in this order: `metadata` (JSON, an `EvidenceCreate`: the collection
record and the hashes the collector states) and `file` (the bytes). The metadata is read and
checked, with the right to add evidence to the incident, before the first byte of the file is
kept; the file's bytes are gathered into ~1 MiB batches and handed to a thread, which feeds the
store's writer (it hashes SHA-256, SHA-1 and MD5 while writing). Only then is the item registered,
in the request's transaction.

Nothing is left behind when anything fails: an invalid metadata part, no right to add, a client
that disconnects halfway, a stated hash that differs (422 naming `sha256`, `sha1` or `md5` with
both values), a full disk, a refused registration, or a transaction that does not commit. Before
the store commits, the writer's temporary file is removed; after, the stored file is removed
again when the transaction rolls back and no `evidence_content` row refers to it (the same bytes
uploaded earlier stay: the store keeps one copy for every item that links it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session, SessionTransaction
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from csirtnet.authz import Subject
from csirtnet.authz import evidence as rules
from csirtnet.authz.incident import get_visible
from csirtnet.errors import AppError, FieldError, ValidationFailed
from csirtnet.evidence import service
from csirtnet.evidence.schemas import EvidenceCreate
from csirtnet.evidence.store import (
    Digests,
    EvidenceStore,
    EvidenceWriter,
    ExpectedHashes,
    HashMismatch,
    evidence_store,
)
from csirtnet.models import EvidenceContent, EvidenceItem, EvidenceKind

log = logging.getLogger(__name__)

BATCH = 1024 * 1024  # bytes handed to the writer's thread at once
METADATA_LIMIT = 256 * 1024  # the metadata part is a small JSON object
OTHER_PART_LIMIT = 64 * 1024  # a part we do not use (e.g. a form's csrf_token) may be sent, small

# What the OpenAPI document says the upload takes (the route reads the body itself).
REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["metadata", "file"],
                "properties": {
                    "metadata": {"$ref": "#/components/schemas/EvidenceCreate"},
                    "file": {"type": "string", "format": "binary"},
                },
            },
            "encoding": {"metadata": {"contentType": "application/json"}},
        }
    },
}


class UploadInterrupted(AppError):
    """The client stopped sending before the body ended; nothing was kept."""

    status = 400
    code = "upload_interrupted"
    title = "Upload interrupted"


def _metadata_errors(exc: ValidationError) -> ValidationFailed:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        errors.append(FieldError(f"metadata.{loc}" if loc else "metadata", str(err.get("msg", "invalid"))))
    first = errors[0] if errors else FieldError("metadata", "invalid")
    return ValidationFailed(first.field, first.message, errors=errors)


def parse_metadata(raw: bytes) -> EvidenceCreate:
    """The metadata part as an EvidenceCreate (422 naming `metadata.<field>` when it is not one)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("metadata", "is not a JSON object") from None
    if not isinstance(value, dict):
        raise ValidationFailed("metadata", "is not a JSON object")
    try:
        return EvidenceCreate.model_validate(value)
    except ValidationError as exc:
        raise _metadata_errors(exc) from None


def stated_hashes(data: EvidenceCreate) -> ExpectedHashes | None:
    if data.sha256 is None and data.sha1 is None and data.md5 is None:
        return None
    return ExpectedHashes(sha256=data.sha256, sha1=data.sha1, md5=data.md5)


def mismatch_error(exc: HashMismatch) -> ValidationFailed:
    """A stated hash that differs, named by its field with both values."""
    return ValidationFailed(
        exc.algorithm,
        f"the file received has {exc.algorithm.upper()} {exc.computed}, not {exc.stated} as stated; nothing was stored",
    )


# -- removing stored content nobody registered ------------------------------------------------------


def _referenced(bind: Any, sha256: str) -> bool:
    query = select(EvidenceContent.id).where(EvidenceContent.sha256 == sha256).limit(1)
    if isinstance(bind, Connection):
        return bind.execute(query).first() is not None
    with bind.connect() as conn:
        return conn.execute(query).first() is not None


def remove_unreferenced(store: EvidenceStore, bind: Any, stored: Digests) -> None:
    """Remove content this upload put in the store when no evidence_content row refers to it (its
    item was never registered). Content that was there already (`created` false) stays: another
    upload of the same bytes may be registering it. The file is read-only and write-once: only
    this path removes one."""
    if not stored.created:
        return
    sha256 = stored.sha256
    try:
        if _referenced(bind, sha256):
            return
        store.path_for(sha256).unlink(missing_ok=True)
    except Exception:  # a clean-up must not hide the error that caused it; the next verify names leftovers
        log.exception("could not remove unregistered evidence content", extra={"sha256": sha256})


def discard_unregistered(session: Session, stored: Digests) -> None:
    """Content stored for an item the request then did not register (a refused form): removed now,
    unless another item refers to it."""
    remove_unreferenced(evidence_store(), session.get_bind(), stored)


def remove_unless_committed(session: Session, store: EvidenceStore, stored: Digests) -> None:
    """Once the session's transaction ends: if it did not commit, remove the content it stored.
    (The listeners stay with the session, which lives for one request, and act once.)"""
    state = {"committed": False, "done": False}
    bind = session.get_bind()

    def committed(_session: Session) -> None:
        state["committed"] = True

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        if state["done"] or transaction.parent is not None or transaction.nested:
            return
        state["done"] = True
        if not state["committed"]:
            remove_unreferenced(store, bind, stored)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)


# -- the streaming parser ---------------------------------------------------------------------------


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)


@dataclass
class Received:
    """What the upload brought: the checked metadata, the stored content, the file's name and type."""

    data: EvidenceCreate
    digests: Digests
    filename: str
    content_type: str | None


class _Events:
    """The parser's callbacks, queued: they run inside `write()` and the consumer is async."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, bytes]] = []
        self.field = b""
        self.value = b""

    def callbacks(self) -> dict[str, Callable[..., None]]:
        def data_of(kind: str) -> Callable[[bytes, int, int], None]:
            def on(data: bytes, start: int, end: int) -> None:
                self.queue.append((kind, data[start:end]))

            return on

        return {
            "on_part_begin": lambda: self.queue.append(("begin", b"")),
            "on_part_data": data_of("data"),
            "on_part_end": lambda: self.queue.append(("part_end", b"")),
            "on_header_field": data_of("header_field"),
            "on_header_value": data_of("header_value"),
            "on_header_end": lambda: self.queue.append(("header_end", b"")),
            "on_headers_finished": lambda: self.queue.append(("headers_done", b"")),
            "on_end": lambda: self.queue.append(("end", b"")),
        }


def _boundary(request: Request) -> bytes:
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ValidationFailed("file", "send the item as multipart/form-data: a `metadata` part, then a `file` part")
    return boundary


def _disposition(part: _Part) -> None:
    _kind, params = parse_options_header(part.headers.get(b"content-disposition", b""))
    part.name = params.get(b"name", b"").decode("utf-8", "replace")
    filename = params.get(b"filename")
    part.filename = filename.decode("utf-8", "replace") if filename is not None else None
    content_type = part.headers.get(b"content-type")
    part.content_type = content_type.decode("latin-1")[:120] if content_type else None


async def receive(
    request: Request,
    store: EvidenceStore,
    check: Callable[[EvidenceCreate], None],
    bind: Any,
) -> Received:
    """Read a streamed multipart upload into the store. `check(metadata)` runs in a thread once the
    metadata part is read, before the file is (raise to refuse: nothing is kept). The returned
    content is stored; the caller registers it or removes it."""
    events = _Events()
    parser = MultipartParser(_boundary(request), events.callbacks())  # type: ignore[arg-type]
    part = _Part()
    header_field = b""
    header_value = b""
    metadata_raw = bytearray()
    data: EvidenceCreate | None = None
    writer: EvidenceWriter | None = None
    batch: list[bytes] = []
    batched = 0
    other = 0
    received: Received | None = None
    file_part: _Part | None = None

    async def hand_over() -> None:
        nonlocal batch, batched
        if writer is not None and batch:
            chunks, batch, batched = batch, [], 0
            await run_in_threadpool(_write_all, writer, chunks)

    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise ValidationFailed("file", f"the multipart body is malformed: {exc}") from None
            for kind, value in events.queue:
                if kind == "begin":
                    part, header_field, header_value, other = _Part(), b"", b"", 0
                elif kind == "header_field":
                    header_field += value
                elif kind == "header_value":
                    header_value += value
                elif kind == "header_end":
                    part.headers[header_field.lower()] = header_value
                    header_field, header_value = b"", b""
                elif kind == "headers_done":
                    _disposition(part)
                    if part.name == "file":
                        if received is not None or writer is not None:
                            raise ValidationFailed("file", "send one file per upload")
                        if data is None:
                            raise ValidationFailed("metadata", "the metadata part must come before the file part")
                        expected = stated_hashes(data)
                        writer = await run_in_threadpool(store.writer, expected)
                        file_part = part
                elif kind == "data":
                    if part.name == "file" and writer is not None:
                        batch.append(value)
                        batched += len(value)
                        if batched >= BATCH:
                            await hand_over()
                    elif part.name == "metadata":
                        metadata_raw += value
                        if len(metadata_raw) > METADATA_LIMIT:
                            raise ValidationFailed("metadata", "is too large")
                    else:
                        other += len(value)
                        if other > OTHER_PART_LIMIT:
                            raise ValidationFailed(
                                part.name or "file", "unexpected large part; send `metadata` and `file`"
                            )
                elif kind == "part_end":
                    if part.name == "metadata":
                        if data is not None:
                            raise ValidationFailed("metadata", "send one metadata part")
                        data = parse_metadata(bytes(metadata_raw))
                        if data.kind != EvidenceKind.DIGITAL:
                            raise ValidationFailed(
                                "metadata.kind", "an upload is a digital item; describe a physical one in JSON"
                            )
                        await run_in_threadpool(check, data)
                    elif part.name == "file" and writer is not None and file_part is not None:
                        await hand_over()
                        active, writer = writer, None
                        try:
                            digests = await run_in_threadpool(active.commit)
                        except HashMismatch as exc:
                            raise mismatch_error(exc) from None
                        assert data is not None
                        received = Received(data, digests, file_part.filename or "content", file_part.content_type)
            events.queue.clear()
        parser.finalize()
    except ClientDisconnect:
        _abandon(writer, received, store, bind)
        raise UploadInterrupted("The upload was interrupted before the file ended; nothing was stored") from None
    except BaseException:
        _abandon(writer, received, store, bind)
        raise
    if received is None:
        _abandon(writer, None, store, bind)
        if data is None:
            raise ValidationFailed("metadata", "the upload has no metadata part")
        raise ValidationFailed("file", "the upload has no file part (or it was cut short)")
    return received


def _write_all(writer: EvidenceWriter, chunks: list[bytes]) -> None:
    for chunk in chunks:
        writer.write(chunk)


def _abandon(writer: EvidenceWriter | None, received: Received | None, store: EvidenceStore, bind: Any) -> None:
    if writer is not None:
        writer.abort()
    if received is not None:
        # Stored but never registered: removed unless another item already links the same bytes.
        remove_unreferenced(store, bind, received.digests)


async def upload_item(request: Request, session: Session, who: Subject, incident_id: int) -> EvidenceItem:
    """Receive a streamed upload and register it as an item of the incident, in the request's
    transaction (see the module docstring for what is left when anything fails)."""
    store = evidence_store()

    def check(data: EvidenceCreate) -> None:
        incident = get_visible(session, who, incident_id, audit_read=False)
        rules.require_add_evidence(session, who, incident, data.tlp.value)

    received = await receive(request, store, check, session.get_bind())
    remove_unless_committed(session, store, received.digests)
    return await run_in_threadpool(
        service.add_item,
        session,
        who,
        incident_id,
        received.data,
        stored=received.digests,
        filename=received.filename,
        content_type=received.content_type,
    )
