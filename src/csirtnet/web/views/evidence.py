"""The evidence pages: the incident's Evidence tab, adding an item (its whole collection record and
its file, uploaded by streaming with a progress bar), and an item's page (record, hashes, custody
timeline, checks, and a form for each custody step the reader may take), its download and its
export as a .zip for legal proceedings.

Adding a digital item with a script: the page first checks the typed record (`…/evidence/check`:
errors come back as the page with every error at its field, nothing uploaded yet), then sends one
multipart request — the record as a `metadata` JSON part first, then the file — which streams into
the evidence store while it hashes (static/evidence-upload.js shows the progress). Without a script
(or for a physical item) the form is posted as it is and read on the one form path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import UploadFile

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.errors import AppError, FieldError, Forbidden, NotFound, ValidationFailed
from csirtnet.evidence import checks, export, reads, service, upload
from csirtnet.evidence import schemas as es
from csirtnet.evidence.store import DiskFull, ExpectedHashes, HashMismatch, evidence_store
from csirtnet.i18n import N_, translate, translate_message
from csirtnet.incident import workspace_reads
from csirtnet.kit.time import utcnow
from csirtnet.models import EvidenceItem
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views import evidence_forms as ef
from csirtnet.web.views.incidents.common import common
from csirtnet.web.views.incidents.page import TABS, file_size, user_zone

router = APIRouter(include_in_schema=False)


def _say(request: Request, message: str) -> str:
    return translate(request_language(request), message)


# -- the incident's Evidence tab -------------------------------------------------------------------


@router.get("/incidents/{incident_id}/evidence")
def incident_evidence(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    page = workspace_reads.incident_page(session, who, incident_id)
    if not reads.can_see_section(session, who, page.incident):
        raise NotFound("evidence")
    section = reads.incident_section(session, who, page.incident)
    return render(
        request,
        "evidence/tab.html",
        {
            **common(request),
            "page": page,
            "incident": page.incident,
            "org": page.organisation,
            "tabs": TABS,
            "tab": "evidence",
            "show_evidence": True,
            "section": section,
            "file_size": file_size,
        },
    )


# -- adding an item ------------------------------------------------------------------------------


def _add_page(
    request: Request, session: DbSession, who: Subject, incident_id: int, form: BoundForm, status: int = 200
) -> Response:
    incident = reads.add_page(session, who, incident_id)
    return render(
        request,
        "evidence/add.html",
        {"incident": incident, "form": form, "digital_types": [v for v, _ in ef.DIGITAL_CHOICES]},
        status_code=status,
    )


def _blank_add(request: Request) -> BoundForm:
    zone = user_zone(request)
    return ef.ADD.blank(
        {"kind": "digital", "tlp": "amber", "original": "1", "iso_stage": "acquisition", "collected_at": utcnow()},
        zone=zone,
    )


@router.get("/incidents/{incident_id}/evidence/new")
def add_form(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    return _add_page(request, session, who, incident_id, _blank_add(request))


def _record(form: BoundForm) -> es.EvidenceCreate | None:
    """The typed collection record as `EvidenceCreate` (errors on their fields)."""
    values = form.values()
    values["original"] = form.text("original") != "0"
    values["collected_timezone"] = form.zone_of("collected_at")
    values["kind"] = values.get("kind") or "digital"
    for name in ("volatility", "legal_basis_date"):
        values[name] = values.get(name) or None
    return form.validate(es.EvidenceCreate, values)


@router.post("/incidents/{incident_id}/evidence/check")
async def check_record(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    """The record checked before its file is sent: the record as the upload's metadata part, or
    the page with its errors (422)."""
    reads.add_page(session, who, incident_id)
    form = await ef.ADD.read(request, zone=user_zone(request))
    data = _record(form)
    if data is None:
        return _add_page(request, session, who, incident_id, form, 422)
    return JSONResponse({"metadata": data.model_dump(mode="json", exclude_none=True)})


def _stored(file: UploadFile, data: es.EvidenceCreate) -> Any:
    """The upload written into the evidence store while it is hashed; a stated hash that differs
    stores nothing."""
    expected = ExpectedHashes(sha256=data.sha256, sha1=data.sha1, md5=data.md5)
    try:
        return evidence_store().ingest_stream(file.file, expected)
    except HashMismatch as exc:
        raise upload.mismatch_error(exc) from None
    except DiskFull:
        raise ValidationFailed("file", "the evidence store is full; nothing was stored") from None


def _added(request: Request, item: EvidenceItem, *, scripted: bool) -> Response:
    message = _say(request, N_("Evidence %(reference)s registered.")).replace("%(reference)s", item.reference)
    target = redirect(f"/evidence/{item.id}", flash=message)
    if not scripted:
        return target
    answer = JSONResponse({"location": f"/evidence/{item.id}", "id": item.id, "reference": item.reference})
    for cookie in target.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", cookie)
    return answer


def _streamed(request: Request) -> bool:
    """The page's script streams the upload (the token in a header, the body left unread)."""
    return request.headers.get("x-evidence-upload") == "stream" and bool(request.headers.get("x-csrf-token"))


def _for_page(request: Request, exc: AppError) -> ValidationFailed:
    """An upload's refusal as the page's script shows it: each error on the add form's control
    (its input id), in the reader's language, labelled. Raised, so the request's transaction rolls
    back and the upload removes what it stored."""
    language = request_language(request)
    out = []
    for error in exc.errors or [FieldError("", exc.message)]:
        name = error.field.removeprefix("metadata.").split(".", 1)[0]
        name = ef.ADD.locations.get(name, name)
        message = translate_message(language, error.message)
        if name in ef.ADD.fields:
            label = translate(language, ef.ADD[name].label)
            out.append(FieldError(f"{ef.ADD.id}-{name}", f"{label}: {message}"))
        else:
            out.append(FieldError("", message))
    return ValidationFailed(out[0].field, out[0].message, errors=out)


@router.post("/incidents/{incident_id}/evidence")
async def add_item(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    """Register an item: streamed by the page's script (a `metadata` part, then the file, through
    evidence.upload), or the plain form on the one form path."""
    reads.add_page(session, who, incident_id)
    if _streamed(request):
        try:
            streamed = await upload.upload_item(request, session, who, incident_id)
        except (Forbidden, NotFound):
            raise
        except AppError as exc:
            raise _for_page(request, exc) from None
        return _added(request, streamed, scripted=True)
    form = await ef.ADD.read(request, zone=user_zone(request))
    record = _record(form)
    uploads = form.uploads.get("file") or []
    if record is not None and record.kind.value == "digital" and not uploads:
        form.fail("file", N_("Choose the item's file."))
    if record is not None and record.kind.value == "physical" and uploads:
        form.fail("file", N_("A physical item has no file; describe it instead."))
    if record is not None and record.collected_at > utcnow():
        form.fail("collected_at", N_("is in the future"))
    stored: list[Any] = []
    item = form.attempt(session, _adder(session, who, incident_id, record, uploads[0] if uploads else None, stored))
    if item is None or not form.ok:
        for digests in stored:  # refused after its file was stored: the bytes go too
            upload.discard_unregistered(session, digests)
        return _add_page(request, session, who, incident_id, form, 422)
    return _added(request, item, scripted=False)


def _adder(
    session: DbSession,
    who: Subject,
    incident_id: int,
    record: es.EvidenceCreate | None,
    file: UploadFile | None,
    stored_out: list[Any],
) -> Callable[[], EvidenceItem | None]:
    """Without a script: the posted file (already received by the form parser) into the store,
    then the item. Everything the service checks is checked before the file is stored."""

    def run() -> EvidenceItem | None:
        if record is None:
            return None
        stored = _stored(file, record) if file is not None else None
        if stored is not None:
            stored_out.append(stored)
        return service.add_item(
            session,
            who,
            incident_id,
            record,
            stored=stored,
            filename=file.filename if file is not None else None,
            content_type=file.content_type if file is not None else None,
        )

    return run


# -- an item's page --------------------------------------------------------------------------------


def _item_page(
    request: Request,
    session: DbSession,
    who: Subject,
    item_id: int,
    *,
    bound: BoundForm | None = None,
    status: int = 200,
) -> Response:
    page = reads.item_page(session, who, item_id)
    return _render_item(request, page, bound=bound, status=status)


def _render_item(
    request: Request, page: reads.ItemPage, *, bound: BoundForm | None = None, status: int = 200
) -> Response:
    zone = user_zone(request)
    forms = {step: form.blank(zone=zone) for step, form in ef.STEP_FORMS.items()}
    forms["seal"] = ef.SEAL.blank({"seal_number": page.item.seal_number, "location": page.item.location})
    if bound is not None:
        for step, blank in forms.items():
            if blank.form is bound.form:
                forms[step] = bound
    return render(
        request,
        "evidence/item.html",
        {
            "page": page,
            "item": page.item,
            "incident": page.incident,
            "forms": forms,
            "people_choices": [(str(i), name) for i, name in page.candidates],
            # The form shown open: the one that came back with errors, or the one a link asks for.
            "open_form": bound.form.id if bound is not None else request.query_params.get("open"),
            "file_size": file_size,
        },
        status_code=status,
    )


@router.get("/evidence/{item_id}")
def item_page(request: Request, session: Session, who: PageUser, item_id: int) -> Response:
    # Looking at the record is itself in the item's log (NotFound first when it is not visible).
    service.record_view(session, who, reads.visible_item(session, who, item_id), via="web")
    return _item_page(request, session, who, item_id)


_STEPS: dict[str, tuple[type[Any], Callable[..., EvidenceItem], str]] = {
    "seal": (es.SealRecord, service.seal, N_("The seal is recorded.")),
    "transfer": (
        es.TransferOffer,
        service.offer_transfer,
        N_("The transfer is offered; custody moves when it is acknowledged."),
    ),
    "acknowledge": (es.Note, service.acknowledge_transfer, N_("You now hold the item.")),
    "decline": (es.Reason, service.decline_transfer, N_("You declined the item.")),
    "cancel-transfer": (es.Note, service.cancel_transfer, N_("The transfer is withdrawn.")),
    "check-out": (es.CheckOut, service.check_out, N_("The item is checked out for analysis.")),
    "check-in": (es.Note, service.check_in, N_("The item is checked back in.")),
    "analysis": (es.AnalysisRecord, service.record_analysis, N_("The analysis is recorded.")),
    "copy": (es.CopyRequest, service.copy, N_("The copy is registered.")),
    "return": (es.ReturnRecord, service.return_item, N_("The return is recorded.")),
    "dispose": (es.DisposalRecord, service.dispose, N_("The disposal is recorded.")),
}


@router.post("/evidence/{item_id}/verify")
def verify_now(request: Request, session: Session, who: PageUser, item_id: int) -> Response:
    item = reads.visible_item(session, who, item_id)
    finding = checks.verify_item(session, item)
    checks.record(session, who, item, finding, trigger="user")
    message = N_("Verified: the file and the custody log are intact.") if finding.ok else N_("Verification failed.")
    return redirect(
        f"/evidence/{item_id}#checks", flash=_say(request, message), kind="success" if finding.ok else "error"
    )


@router.post("/evidence/{item_id}/{step}")
async def custody_step(request: Request, session: Session, who: PageUser, item_id: int, step: str) -> Response:
    if step not in _STEPS:
        raise NotFound("page")
    schema, change, done = _STEPS[step]
    reads.visible_item(session, who, item_id)  # NotFound before the form is read
    form = await ef.STEP_FORMS[step].read(request, zone=user_zone(request))
    values = form.values()
    if step == "transfer":
        raw = form.text("to_user_id")
        values["to_user_id"] = int(raw) if raw.isdigit() else (raw or None)
    data = form.validate(schema, values)
    result = form.attempt(session, lambda: change(session, who, item_id, data) if data is not None else None)
    if result is None or not form.ok:
        return _item_page(request, session, who, item_id, bound=form, status=422)
    target = result.id if step == "copy" else item_id
    return redirect(f"/evidence/{target}", flash=_say(request, done))


# -- the file and the package -----------------------------------------------------------------------


def _chunks(sha256: str) -> Iterator[bytes]:
    with evidence_store().open_plain(sha256) as reader:
        yield from reader


@router.get("/evidence/{item_id}/file")
def download(request: Request, session: Session, who: PageUser, item_id: int) -> Response:
    try:
        item = service.record_download(session, who, item_id, via="web")
    except ValidationFailed:
        raise NotFound("file") from None
    content = item.content
    assert content is not None
    if not evidence_store().exists(content.sha256):
        raise NotFound("file")
    return StreamingResponse(
        _chunks(content.sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename or item.reference)}",
            "Content-Length": str(content.size),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/evidence/{item_id}/export.zip")
def export_zip(
    request: Request, session: Session, who: PageUser, item_id: int, files: int = Query(default=1, ge=0, le=1)
) -> Response:
    try:
        items, info = export.prepare(session, who, [item_id], with_files=bool(files), via="web")
    except AppError as exc:
        if isinstance(exc, NotFound):
            raise
        raise NotFound("evidence item") from None
    return StreamingResponse(
        export.zip_chunks(items, info, with_files=bool(files)),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{export.zip_name()}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
