"""The catalogues advisories draw on: known vulnerabilities (CVE records and the CISA KEV catalogue,
public data every member may search) and the vendor CSAF advisories imported (which carry their own
TLP: members read the WHITE and GREEN ones, the coordinating body all, authz.advisory.visible_csaf_documents_clause).
Fixed paths: listed in PAGE_MODULES before /advisories/{advisory_id}."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from csirtnet.advisory import catalogue, csaf_store, page_reads
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject
from csirtnet.authz import advisory as advisory_authz
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.web.render import render
from csirtnet.web.views.advisories import page_forms as pf

router = APIRouter(include_in_schema=False)
PAGE = 50


def _query(request: Request) -> FormData:
    return FormData([(k, v) for k, v in request.query_params.multi_items()])


@router.get("/advisories/vulnerabilities")
def vulnerabilities(
    request: Request,
    session: Session,
    who: PageUser,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    form = pf.VULNERABILITY_FILTERS.from_data(_query(request))
    if len(form.text("q")) > 200:
        form.fail("q", N_("This is too long."))
    kev = form.checked("kev") or form.text("kev") in ("1", "true")
    found = (
        form.attempt(
            session,
            lambda: catalogue.vulnerabilities_page(
                session, q=form.optional("q"), known_exploited_only=kev, cursor=cursor, limit=PAGE
            ),
        )
        if form.ok
        else None
    )
    rows, next_cursor = found if found is not None else ([], None)
    return render(
        request,
        "advisories/vulnerabilities.html",
        {"form": form, "rows": rows, "next_cursor": next_cursor, "csaf": advisory_authz.can_read_csaf_documents(who)},
        status_code=200 if form.ok else 422,
    )


def _require_catalogues(who: Subject) -> None:
    if not advisory_authz.can_read_csaf_documents(who):
        raise Forbidden("You may not read the imported vendor advisories")


@router.get("/advisories/csaf")
def csaf_documents(
    request: Request,
    session: Session,
    who: PageUser,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    _require_catalogues(who)
    form = pf.CSAF_FILTERS.from_data(_query(request))
    if len(form.text("q")) > 200:
        form.fail("q", N_("This is too long."))
    found = (
        form.attempt(
            session,
            lambda: csaf_store.csaf_documents_page(session, who, q=form.optional("q"), cursor=cursor, limit=PAGE),
        )
        if form.ok
        else None
    )
    rows, next_cursor = found if found is not None else ([], None)
    return render(
        request,
        "advisories/csaf_list.html",
        {"form": form, "rows": rows, "next_cursor": next_cursor},
        status_code=200 if form.ok else 422,
    )


@router.get("/advisories/csaf/{csaf_id}")
def csaf_document(request: Request, session: Session, who: PageUser, csaf_id: int) -> Response:
    _require_catalogues(who)
    document = csaf_store.get_csaf_document(session, who, csaf_id)
    products = csaf_store.product_tree_rows(document.document)
    names = {p.product_id: " ".join(x for x in (p.vendor, p.product, p.version) if x) for p in products}
    return render(
        request,
        "advisories/csaf_document.html",
        {
            "document": document,
            "products": products,
            "vulnerabilities": page_reads.csaf_vulnerabilities(document.document, names),
        },
    )
