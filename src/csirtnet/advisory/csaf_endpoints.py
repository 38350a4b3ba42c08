"""The members' CSAF directories (TLP:GREEN and AMBER, in the CSAF layout) and an advisory's own
exports (CSAF JSON, PDF). Each lists and serves only what the caller may read."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from csirtnet.advisory import csaf_provider, export
from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit import downloads

router = APIRouter(tags=["csaf"])


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


Folder = Literal["green", "amber"]
Language = Literal["vi", "en"]


@router.get("/csaf/{folder}/index.txt", **downloads.TEXT)
def member_index(folder: Folder, session: Session, who: ApiUser) -> PlainTextResponse:
    """The paths of the folder's documents you may read."""
    return PlainTextResponse(csaf_provider.index(session, who, folder))


@router.get("/csaf/{folder}/changes.csv", **downloads.CSV)
def member_changes(folder: Folder, session: Session, who: ApiUser) -> Response:
    """The folder's documents you may read, with their last change, newest first."""
    return Response(csaf_provider.changes(session, who, folder), media_type="text/csv; charset=utf-8")


@router.get("/csaf/{folder}/feed-tlp-{feed_folder}.json", **downloads.JSON_FILE)
def member_feed(folder: Folder, feed_folder: Folder, session: Session, who: ApiUser) -> JSONResponse:
    """The folder's ROLIE feed (the documents you may read)."""
    if feed_folder != folder:
        from csirtnet.errors import NotFound

        raise NotFound("CSAF feed")
    return JSONResponse(csaf_provider.feed(session, who, folder))


@router.get("/csaf/{folder}/{year}/{name}", **downloads.CSAF_FILE)
def member_document(
    folder: Folder,
    session: Session,
    who: ApiUser,
    year: str = Path(pattern=r"^\d{4}$"),
    name: str = Path(pattern=r"^[+\-a-z0-9_]+\.json(\.sha256|\.sha512)?$", max_length=300),
) -> Response:
    """A CSAF document you may read, or its .sha256 / .sha512."""
    media_type, body = csaf_provider.document(session, who, folder, year, name)
    return Response(body, media_type=media_type)


@router.get("/advisories/{advisory_id}/csaf.json", **downloads.JSON_FILE)
def advisory_csaf(advisory_id: int, session: Session, who: ApiUser, lang: Language = Query(default="en")) -> Response:
    """The advisory as a CSAF 2.0 document (profile csaf_security_advisory)."""
    name, body = export.export_csaf(session, who, advisory_id, lang)
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/advisories/{advisory_id}/advisory.pdf", **downloads.PDF)
def advisory_pdf(advisory_id: int, session: Session, who: ApiUser, lang: Language = Query(default="vi")) -> Response:
    """The advisory as a PDF, TLP marked on every page."""
    name, body = export.advisory_pdf(session, who, advisory_id, lang)
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
