"""Pages of the members domain: directory, profiles (contacts, systems, services, experts,
constituency), applications review, overlaps, lookup, stale confirmations and the CSV import.
They call the same service functions as the API (csirtnet.organisation); every form is on the one
form path (csirtnet.web.forms, declared in member_page_forms) and comes back in place on an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, require
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import reads as cluster_reads
from csirtnet.errors import OutOfRange
from csirtnet.i18n import N_
from csirtnet.kit.files import download
from csirtnet.organisation import (
    application,
    constituency,
    directory,
    experts,
    importer,
    reads,
    stale,
)
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm, Form
from csirtnet.web.render import render, request_language
from csirtnet.web.views import member_page_forms as mf
from csirtnet.web.views import members_profile
from csirtnet.web.views.members_profile import saved_redirect, vocab

router = APIRouter(include_in_schema=False)
PAGE = 50


def _query(request: Request, form: Form) -> BoundForm:
    return form.from_data(FormData(list(request.query_params.multi_items())))


def _not_too_long(form: BoundForm, name: str, limit: int = 200) -> str:
    value = form.text(name)
    if len(value) > limit:
        form.fail(name, N_("This is too long."))
    return value


def _filters(request: Request) -> tuple[BoundForm, dict[str, Any]]:
    """The directory's filters as typed, and as the directory reads them."""
    form = _query(request, mf.DIRECTORY_FILTERS)
    q = _not_too_long(form, "q")
    cluster = form.text("cluster_id")
    if cluster and not cluster.isdigit():
        form.fail("cluster_id", N_("Choose one of the offered values."))
    return form, {
        "q": q or None,
        "service": form.optional("service"),
        "skill": form.optional("skill"),
        "sector": form.optional("sector"),
        "province": form.optional("province"),
        "cluster_id": int(cluster) if cluster.isdigit() else None,
        "kind": request.query_params.get("kind") or None,
    }


# -- directory -------------------------------------------------------------------------------


@router.get("/members")
def directory_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.ORGANISATIONS_READ)  # asked first: filters are checked only for readers
    language = request_language(request)
    form, filters = _filters(request)
    raw_offset = request.query_params.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    orgs = reads.directory(session, who, offset=offset, limit=PAGE + 1, **filters) if form.ok else []
    more = len(orgs) > PAGE
    rows = directory.entries(session, who, orgs[:PAGE])
    provinces, sectors = reads.directory_choices(session)
    clusters = cluster_reads.clusters_among(session, None)
    return render(
        request,
        "members/directory.html",
        {
            **vocab(language),
            "rows": rows,
            "form": form,
            "choices": {
                "service": mf.service_choices(language),
                "skill": mf.skill_choices(language),
                "sector": [(s, labels.SECTORS.get(s, s)) for s in sectors],
                "province": [(p, p) for p in provinces],
                "cluster_id": [(str(c.id), c.name) for c in clusters],
            },
            "next_offset": offset + PAGE if more else None,
            "is_coordinator": organisation_authz.sees_all_members(who),
        },
        status_code=200 if form.ok else 422,
    )


@router.get("/members/directory.csv")
def directory_csv(request: Request, session: Session, who: PageUser) -> Response:
    form, filters = _filters(request)
    if not form.ok:
        raise OutOfRange("The filters are not valid; correct them on the directory page")
    rows = directory.entries(session, who, reads.directory(session, who, **filters))
    return Response(
        directory.to_csv(rows, request_language(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )


@router.get("/members/lookup")
def lookup_page(request: Request, session: Session, who: PageUser) -> Response:
    asked = "q" in request.query_params
    form = mf.LOOKUP.from_data(FormData(list(request.query_params.multi_items())))
    result = None
    if asked:
        form.missing_required()
        q = form.text("q")
        result = form.attempt(session, lambda: constituency.lookup(session, who, q))
    return render(
        request,
        "members/lookup.html",
        {"form": form, "result": result},
        status_code=200 if form.ok else 422,
    )


@router.get("/members/experts")
def experts_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.EXPERTS_READ)
    language = request_language(request)
    form = _query(request, mf.EXPERT_FILTERS)
    q = _not_too_long(form, "q")
    province = _not_too_long(form, "province", 80)
    available = form.text("available")
    if available not in ("", "yes", "no"):
        form.fail("available", N_("Choose one of the offered values."))
    rows = []
    if form.ok:
        rows = reads.experts(
            session,
            who,
            limit=200,
            q=q or None,
            skill=form.optional("skill"),
            province=province or None,
            available={"yes": True, "no": False}.get(available),
        )
    return render(
        request,
        "members/experts.html",
        {
            **vocab(language),
            "rows": experts.reads(session, who, rows),
            "form": form,
            "skill_choices": mf.skill_choices(language),
        },
        status_code=200 if form.ok else 422,
    )


# -- applications -----------------------------------------------------------------------------


@router.get("/members/applications")
def applications_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.APPLICATIONS_READ)
    form = _query(request, mf.APPLICATION_FILTERS)
    status = form.text("status")
    if status and status not in labels.APPLICATION_STATUSES:
        form.fail("status", N_("Choose one of the offered values."))
    rows = reads.applications(session, who, status=status or None) if form.ok else []
    return render(
        request, "members/applications.html", {"rows": rows, "form": form}, status_code=200 if form.ok else 422
    )


def _application_page(
    request: Request,
    session: DbSession,
    who: Subject,
    application_id: int,
    *,
    sent: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    app = application.get(session, who, application_id)
    open_for_decision = app.status not in ("approved", "rejected")
    given = {sent.form.id: sent} if sent is not None else {}
    return render(
        request,
        "members/application.html",
        {
            **vocab(request_language(request)),
            "app": app,
            "messages": application.messages(session, app),
            "documents": application.attached(session, app),
            "can_review": can(who, Permission.APPLICATIONS_REVIEW),
            "question_form": given.get(mf.REQUEST_INFO.id) or mf.REQUEST_INFO.blank(),
            "approve_form": given.get(mf.APPROVE.id)
            or mf.APPROVE.blank(
                {
                    "member_code": application.next_member_code(session) if open_for_decision else "",
                    "admin_email": app.applicant_email,
                    "admin_name": app.applicant_name,
                }
            ),
            "decline_form": given.get(mf.DECLINE.id) or mf.DECLINE.blank(),
        },
        status_code=status_code,
    )


@router.get("/members/applications/{application_id}")
def application_page(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    return _application_page(request, session, who, application_id)


@router.get("/members/applications/{application_id}/documents/{file_id}")
def application_document(session: Session, who: PageUser, application_id: int, file_id: int) -> Response:
    return download(application.document(session, who, application_id, file_id))


@router.post("/members/applications/{application_id}/request-info")
async def application_request_info(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    require(who, Permission.APPLICATIONS_REVIEW)
    form = await mf.REQUEST_INFO.read(request)
    form.missing_required()
    form.attempt(session, lambda: application.request_info(session, who, application_id, form.text("question")))
    if not form.ok:
        return _application_page(request, session, who, application_id, sent=form, status_code=422)
    return saved_redirect(
        request, f"/members/applications/{application_id}", N_("The question was sent to the applicant.")
    )


@router.post("/members/applications/{application_id}/approve")
async def application_approve(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    require(who, Permission.APPLICATIONS_REVIEW)
    form = await mf.APPROVE.read(request)
    result = form.attempt(
        session,
        lambda: application.approve(
            session,
            who,
            application_id,
            member_code=form.optional("member_code"),
            admin_email=form.optional("admin_email"),
            admin_name=form.optional("admin_name"),
        ),
    )
    if result is None:
        return _application_page(request, session, who, application_id, sent=form, status_code=422)
    org, _user = result
    return saved_redirect(request, f"/members/{org.id}", N_("The application is approved and the admin invited."))


@router.post("/members/applications/{application_id}/reject")
async def application_reject(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    require(who, Permission.APPLICATIONS_REVIEW)
    form = await mf.DECLINE.read(request)
    form.missing_required()
    form.attempt(session, lambda: application.reject(session, who, application_id, form.text("reason")))
    if not form.ok:
        return _application_page(request, session, who, application_id, sent=form, status_code=422)
    return saved_redirect(request, f"/members/applications/{application_id}", N_("The application is declined."))


# -- constituency overlaps, stale profiles, import -----------------------------------------------


def _conflicts_page(
    request: Request,
    session: DbSession,
    who: Subject,
    *,
    rejecting: int | None = None,
    sent: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    found = constituency.overlaps(session, who, organisation_authz.overlap_organisation_id(who))
    ids = {o.broader.organisation_id for o in found} | {o.narrower.organisation_id for o in found}
    return render(
        request,
        "members/conflicts.html",
        {
            "overlaps": found,
            "names": reads.names(session, ids),
            "can_resolve": organisation_authz.can_resolve_overlaps(who),
            "rejecting": rejecting,
            "reject_form": sent or mf.CLAIM_REJECT.blank(),
        },
        status_code=status_code,
    )


@router.get("/members/constituency/conflicts")
def conflicts_page(request: Request, session: Session, who: PageUser) -> Response:
    raw = request.query_params.get("reject") or ""
    return _conflicts_page(request, session, who, rejecting=int(raw) if raw.isdigit() else None)


@router.post("/members/constituency/claims/{claim_id}/resolve")
async def resolve_claim(request: Request, session: Session, who: PageUser, claim_id: int) -> Response:
    require(who, Permission.CONSTITUENCY_RESOLVE)
    organisation_authz.require_resolve_overlaps(who)
    data = await request.form()
    action = data.get("action")
    form = mf.CLAIM_REJECT.from_data(data)
    change: Callable[[], object]
    if action == "reject":
        form.missing_required()
        change = lambda: constituency.reject(session, who, claim_id, form.text("reason"))  # noqa: E731
    elif action == "accept":
        change = lambda: constituency.accept_overlap(session, who, claim_id)  # noqa: E731
    elif action == "delegated":
        parent = data.get("parent_claim_id")
        parent_id = int(parent) if isinstance(parent, str) and parent.isdigit() else 0
        change = lambda: constituency.mark_delegated(session, who, claim_id, parent_id)  # noqa: E731
    else:
        return _conflicts_page(request, session, who, status_code=422)
    form.attempt(session, change)
    if not form.ok:
        rejecting = claim_id if action == "reject" else None
        return _conflicts_page(request, session, who, rejecting=rejecting, sent=form, status_code=422)
    return saved_redirect(request, "/members/constituency/conflicts", N_("The overlap is resolved."))


@router.get("/members/stale")
def stale_page(request: Request, session: Session, who: PageUser) -> Response:
    organisation_authz.require_see_stale(who)
    return render(request, "members/stale.html", {"rows": stale.stale(session, who)})


@router.get("/members/import")
def import_page(request: Request, session: Session, who: PageUser) -> Response:
    organisation_authz.require_import_members(who)
    return render(
        request, "members/import.html", {"report": None, "columns": importer.COLUMNS, "form": mf.IMPORT.blank()}
    )


@router.post("/members/import")
async def import_submit(request: Request, session: Session, who: PageUser) -> Response:
    organisation_authz.require_import_members(who)
    data = await request.form()
    try:
        form = mf.IMPORT.from_data(data)
        form.missing_required()
        uploads = form.uploads.get("file", [])
        content = await uploads[0].read() if uploads else b""
    finally:
        await data.close()
    report = None
    if form.ok:
        report = importer.run(session, who, content, apply_valid=form.checked("apply_valid"))
    ok = report is not None and (report.applied or report.clean)
    return render(
        request,
        "members/import.html",
        {"report": report, "columns": importer.COLUMNS, "form": form},
        status_code=200 if ok else 422,
    )


# The profile pages come last: /members/{organisation_id} must not shadow the addresses above.
router.include_router(members_profile.router)
