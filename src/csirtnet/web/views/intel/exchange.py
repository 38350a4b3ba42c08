"""Indicator exchange pages: the imports (what each brought: created, new versions, unchanged,
skipped; its status), an upload (a STIX 2.1 bundle or a MISP event, into a collection the reader
shares into, with the TLP of unmarked objects), one import with what it skipped and why, and the
export page (STIX, MISP feed, CSV, blocklist, RPZ, Suricata; one collection or all the reader
reads), which downloads what the reader may see.

Imports go through `intel.importing.import_path` (the one ingestion engine); exports through
`intel.stix.export.bundle` and `intel.exports.stream`, written to a temporary file first so the
download is served after the request's transaction has ended."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session as DbSession
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.intel import exchange_reads
from csirtnet.kit.files import clean_filename
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import TLP
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render
from csirtnet.web.views.intel import common
from csirtnet.web.views.intel.page_forms import EXPORT, IMPORT

router = APIRouter(include_in_schema=False)
PAGE = 50
MAX_UPLOAD = 200 * 1024 * 1024  # a page upload; bigger files go through the CLI


def _require_read(who: Subject) -> None:
    if not rules.can_read(who):
        raise Forbidden("You may not read indicators")


# -- imports -----------------------------------------------------------------------------------


def _imports_page(
    request: Request,
    session: DbSession,
    who: Subject,
    form: BoundForm | None,
    *,
    cursor: str | None = None,
    status: int = 200,
) -> Response:
    _require_read(who)
    rows, next_cursor = exchange_reads.imports_page(session, who, cursor=cursor, limit=PAGE)
    may_share = rules.can_share(who)
    if form is None and may_share:
        form = IMPORT.blank({"collection": "national", "default_tlp": TLP.AMBER.value})
    return render(
        request,
        "intel/imports.html",
        {
            "rows": rows,
            "next_cursor": next_cursor,
            "form": form if may_share else None,
            "collections": common.collection_choices(request, session, who, writable=True),
            "names": common.collection_names(request, session, who),
            "may_share": may_share,
            "may_manage": rules.can_manage(who),
        },
        status_code=status,
    )


@router.get("/indicators/imports")
def imports(
    request: Request, session: Session, who: PageUser, cursor: str | None = Query(default=None, max_length=200)
) -> Response:
    return _imports_page(request, session, who, None, cursor=cursor)


@router.post("/indicators/imports")
async def upload(request: Request, session: Session, who: PageUser) -> Response:
    """Import an uploaded STIX bundle or MISP event; the import's page shows what it skipped."""
    from csirtnet.intel import importing  # the one ingestion engine's file path (reads whole bundles)

    rules.require_share(who)
    form = await IMPORT.read(request)
    form.missing_required()
    collection = form.text("collection")
    if collection and collection not in dict(common.collection_choices(request, session, who, writable=True)):
        form.fail("collection", N_("Choose one of the offered values."))
    tlp = form.text("default_tlp")
    if tlp and tlp not in {t.value for t in TLP}:
        form.fail("default_tlp", N_("Choose one of the offered values."))
    uploads = form.uploads.get("file") or []
    path: Path | None = None
    try:
        if form.ok and uploads:
            path = await _spool(uploads[0], form)
        if path is not None and form.ok:
            done = form.attempt(
                session,
                lambda: importing.import_path(session, who, path, collection=collection, default_tlp=TLP(tlp)),
            )
            if done is not None and form.ok:
                return redirect(
                    f"/indicators/imports/{done.id}",
                    flash=common.say(request, N_("The file is imported; what it skipped is listed below.")),
                )
    finally:
        for item in uploads:
            await item.close()
        if path is not None:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
    return _imports_page(request, session, who, form, status=422)


async def _spool(upload: UploadFile, form: BoundForm) -> Path | None:
    """The upload in a temporary file named as the user named it (the importer detects the format
    from the name and the content); None, with the error on the field, when it is too big."""
    directory = Path(tempfile.mkdtemp(prefix="csirtnet-intel-"))
    path = directory / (clean_filename(upload.filename or "") or "upload.json")
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                path.unlink()
                directory.rmdir()
                form.fail("file", N_("The file is too big for a page upload; import it with csirtnet intel import."))
                return None
            out.write(chunk)
    return path


@router.get("/indicators/imports/{ref}")
def import_page(request: Request, session: Session, who: PageUser, ref: str) -> Response:
    """One import by its id (or its UUID, as an indicator names the import it came with)."""
    _require_read(who)
    row = exchange_reads.get_import(session, who, ref)
    return render(
        request,
        "intel/import.html",
        {
            "row": row,
            "names": common.collection_names(request, session, who),
            "may_share": rules.can_share(who),
            "may_manage": rules.can_manage(who),
        },
    )


# -- export ---------------------------------------------------------------------------------

# Each format's file: its suffix and media type ("zip": a directory written by intel.exports, zipped).
_FILES = {
    "stix": ("json", "application/json"),
    "misp-feed": ("zip", "application/zip"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "blocklist-ips": ("txt", "text/plain; charset=utf-8"),
    "blocklist-networks": ("txt", "text/plain; charset=utf-8"),
    "blocklist-domains": ("txt", "text/plain; charset=utf-8"),
    "blocklist-urls": ("txt", "text/plain; charset=utf-8"),
    "blocklist-hashes": ("txt", "text/plain; charset=utf-8"),
    "rpz": ("rpz", "text/dns; charset=utf-8"),
    "suricata": ("zip", "application/zip"),
}


@router.get("/indicators/export")
def export(request: Request, session: Session, who: PageUser) -> Response:
    """The export form; with a format chosen, the download of what the reader may see."""
    _require_read(who)
    params: list[tuple[str, str | UploadFile]] = list(request.query_params.multi_items())
    form = EXPORT.from_data(FormData(params)) if params else EXPORT.blank({"format": "stix"})
    collections = common.collection_choices(request, session, who)
    if params:
        form.missing_required()
        fmt, collection = form.text("format"), form.optional("collection")
        if fmt and fmt not in _FILES:
            form.fail("format", N_("Choose one of the offered values."))
        if collection is not None and collection not in dict(collections):
            form.fail("collection", N_("Choose one of the offered values."))
        if form.ok:
            return _download(session, who, fmt, collection)
    return render(
        request,
        "intel/export.html",
        {
            "form": form,
            "collections": collections,
            "may_share": rules.can_share(who),
            "may_manage": rules.can_manage(who),
        },
        status_code=200 if form.ok else 422,
    )


def _download(session: DbSession, who: Subject, fmt: str, collection: str | None) -> Response:
    """Write the export into a temporary directory while the session is open, then serve the file
    (a directory zipped); the directory goes once the answer is sent."""
    from csirtnet.intel import exports  # imported where an export is made, not by every page

    suffix, media = _FILES[fmt]
    folder = Path(tempfile.mkdtemp(prefix="csirtnet-export-"))
    try:
        if fmt == "stix":
            from csirtnet.intel.stix import export as stix_export

            path = folder / "indicators.json"
            with path.open("wb") as out:
                for chunk in stix_export.bundle(session, who, collection=collection):
                    out.write(chunk)
        elif suffix == "zip":
            written = folder / fmt
            if fmt == "suricata":
                written.mkdir()
                exports.write(session, who, fmt, written / "csirtnet.rules", collection=collection)
            else:
                exports.write(session, who, fmt, written, collection=collection)
            path = Path(shutil.make_archive(str(folder / "export"), "zip", root_dir=written))
        else:
            path = folder / f"indicators.{suffix}"
            exports.write(session, who, fmt, path, collection=collection)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return FileResponse(
        path,
        media_type=media,
        filename=f"indicators-{fmt}-{stamp}.{suffix}",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
