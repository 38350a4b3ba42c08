"""An advisory's exports from its page: the CSAF 2.0 document and the PDF (in the reader's
language), for whoever may read the advisory (the same service functions as the API)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from csirtnet.advisory import export
from csirtnet.auth.deps import PageUser, Session
from csirtnet.web.render import request_language

router = APIRouter(include_in_schema=False)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/advisories/{advisory_id}/csaf.json")
def csaf_json(request: Request, session: Session, who: PageUser, advisory_id: int) -> Response:
    name, body = export.export_csaf(session, who, advisory_id, "vi")
    return Response(body, media_type="application/json", headers=_attachment(name))


@router.get("/advisories/{advisory_id}/advisory.pdf")
def advisory_pdf(
    request: Request,
    session: Session,
    who: PageUser,
    advisory_id: int,
    lang: str | None = Query(default=None, pattern="^(vi|en)$"),
) -> Response:
    name, body = export.advisory_pdf(session, who, advisory_id, lang or request_language(request))
    return Response(body, media_type="application/pdf", headers=_attachment(name))
