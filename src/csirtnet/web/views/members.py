"""Pages of the members domain: directory, profiles (contacts, systems, services, experts,
constituency), applications review, overlaps, lookup, stale confirmations and the CSV import.
They call the same service functions as the API (csirtnet.organisation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can, can_manage_organisation
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.organisation import profile_visible
from csirtnet.authz.permissions import Permission
from csirtnet.cluster import reads as cluster_reads
from csirtnet.db import savepoint
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.i18n import N_, translate
from csirtnet.kit.files import download
from csirtnet.models import Organisation
from csirtnet.models.contact import ContactRole
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation import (
    application,
    constituency,
    directory,
    experts,
    importer,
    reads,
    service,
    stale,
)
from csirtnet.organisation.schemas import (
    PROFILE_FIELDS,
    ContactCreate,
    ExpertCreate,
    ExpertUpdate,
    OrganisationUpdate,
    ServicesUpdate,
    SystemCreate,
)
from csirtnet.vocabulary import first_services, skills
from csirtnet.web import member_forms as forms
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
PAGE = 50


def _attempt(session: DbSession, request: Request, change: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run a change in a savepoint; a refused one leaves nothing behind and returns its message."""
    language = request_language(request)
    try:
        with savepoint(session):
            return change(), None
    except (Forbidden, NotFound):
        raise
    except ValidationError as exc:
        errs = forms.from_validation(exc, language)
        return None, "; ".join(f"{k}: {v}" for k, v in errs.items())
    except AppError as exc:
        errs = forms.from_app_error(exc, language)
        return None, "; ".join(v if k == "_" else f"{k}: {v}" for k, v in errs.items())


def _done(request: Request, url: str, error: str | None, ok: str) -> Response:
    if error:
        return redirect(url, flash=error, kind="error")
    return redirect(url, flash=translate(request_language(request), ok))


def _filters(request: Request) -> dict[str, Any]:
    p = request.query_params
    cluster = p.get("cluster_id") or ""
    return {
        "q": p.get("q") or None,
        "service": p.get("service") or None,
        "skill": p.get("skill") or None,
        "sector": p.get("sector") or None,
        "province": p.get("province") or None,
        "cluster_id": int(cluster) if cluster.isdigit() else None,
        "kind": p.get("kind") or None,
    }


def _vocab(language: str) -> dict[str, Any]:
    return {
        "areas": first_services.AREAS,
        "services_by_key": first_services.SERVICES,
        "skill_names": {k: v.get(language, k) for k, v in skills.SKILLS.items()},
        "kinds": [k.value for k in OrganisationKind if k != OrganisationKind.COORDINATOR],
        "roles": [r.value for r in ContactRole],
    }


# -- directory -------------------------------------------------------------------------------


@router.get("/members")
def directory_page(request: Request, session: Session, who: PageUser) -> Response:
    language = request_language(request)
    filters = _filters(request)
    raw_offset = request.query_params.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    orgs = reads.directory(session, who, offset=offset, limit=PAGE + 1, **filters)
    more = len(orgs) > PAGE
    rows = directory.entries(session, who, orgs[:PAGE])
    provinces, sectors = reads.directory_choices(session)
    clusters = cluster_reads.clusters_among(session, None)
    return render(
        request,
        "members/directory.html",
        {
            **_vocab(language),
            "rows": rows,
            "f": filters,
            "provinces": provinces,
            "sectors": sectors,
            "clusters": clusters,
            "next_offset": offset + PAGE if more else None,
            "is_coordinator": organisation_authz.sees_all_members(who),
        },
    )


@router.get("/members/directory.csv")
def directory_csv(request: Request, session: Session, who: PageUser) -> Response:
    rows = directory.entries(session, who, reads.directory(session, who, **_filters(request)))
    return Response(
        directory.to_csv(rows, request_language(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )


@router.get("/members/lookup")
def lookup_page(request: Request, session: Session, who: PageUser) -> Response:
    q = (request.query_params.get("q") or "").strip()
    result, error = None, None
    if q:
        result, error = _attempt(session, request, lambda: constituency.lookup(session, who, q))
    return render(request, "members/lookup.html", {"q": q, "result": result, "error": error})


@router.get("/members/experts")
def experts_page(request: Request, session: Session, who: PageUser) -> Response:
    language = request_language(request)
    p = request.query_params
    available = {"yes": True, "no": False}.get(p.get("available", ""))
    rows = reads.experts(
        session,
        who,
        limit=200,
        q=p.get("q") or None,
        skill=p.get("skill") or None,
        province=p.get("province") or None,
        available=available,
    )
    return render(
        request,
        "members/experts.html",
        {
            **_vocab(language),
            "rows": experts.reads(session, who, rows),
            "f": {k: p.get(k, "") for k in ("q", "skill", "province", "available")},
        },
    )


# -- applications -----------------------------------------------------------------------------


@router.get("/members/applications")
def applications_page(request: Request, session: Session, who: PageUser) -> Response:
    status = request.query_params.get("status") or None
    rows = reads.applications(session, who, status=status)
    return render(request, "members/applications.html", {"rows": rows, "status": status or ""})


@router.get("/members/applications/{application_id}")
def application_page(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    app = application.get(session, who, application_id)
    return render(
        request,
        "members/application.html",
        {
            **_vocab(request_language(request)),
            "app": app,
            "messages": application.messages(session, app),
            "documents": application.attached(session, app),
            "next_code": application.next_member_code(session) if app.status not in ("approved", "rejected") else "",
            "can_review": can(who, Permission.APPLICATIONS_REVIEW),
        },
    )


@router.get("/members/applications/{application_id}/documents/{file_id}")
def application_document(session: Session, who: PageUser, application_id: int, file_id: int) -> Response:
    return download(application.document(session, who, application_id, file_id))


@router.post("/members/applications/{application_id}/request-info")
async def application_request_info(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    form = await request.form()
    question = forms.text(form, "question") or ""
    _, error = _attempt(session, request, lambda: application.request_info(session, who, application_id, question))
    return _done(
        request, f"/members/applications/{application_id}", error, N_("The question was sent to the applicant.")
    )


@router.post("/members/applications/{application_id}/approve")
async def application_approve(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    form = await request.form()
    result, error = _attempt(
        session,
        request,
        lambda: application.approve(
            session,
            who,
            application_id,
            member_code=forms.text(form, "member_code"),
            admin_email=forms.text(form, "admin_email"),
            admin_name=forms.text(form, "admin_name"),
        ),
    )
    if error or result is None:
        return redirect(f"/members/applications/{application_id}", flash=error or "", kind="error")
    org, _user = result
    return _done(request, f"/members/{org.id}", None, N_("The application is approved and the admin invited."))


@router.post("/members/applications/{application_id}/reject")
async def application_reject(request: Request, session: Session, who: PageUser, application_id: int) -> Response:
    form = await request.form()
    reason = forms.text(form, "reason") or ""
    _, error = _attempt(session, request, lambda: application.reject(session, who, application_id, reason))
    return _done(request, f"/members/applications/{application_id}", error, N_("The application is declined."))


# -- constituency overlaps, stale profiles, import -----------------------------------------------


@router.get("/members/constituency/conflicts")
def conflicts_page(request: Request, session: Session, who: PageUser) -> Response:
    found = constituency.overlaps(session, who, organisation_authz.overlap_organisation_id(who))
    ids = {o.broader.organisation_id for o in found} | {o.narrower.organisation_id for o in found}
    return render(
        request,
        "members/conflicts.html",
        {
            "overlaps": found,
            "names": reads.names(session, ids),
            "can_resolve": organisation_authz.can_resolve_overlaps(who),
        },
    )


@router.post("/members/constituency/claims/{claim_id}/resolve")
async def resolve_claim(request: Request, session: Session, who: PageUser, claim_id: int) -> Response:
    form = await request.form()
    action = forms.text(form, "action")
    change: Callable[[], object]
    if action == "reject":
        change = lambda: constituency.reject(session, who, claim_id, forms.text(form, "reason") or "")  # noqa: E731
    elif action == "accept":
        change = lambda: constituency.accept_overlap(session, who, claim_id)  # noqa: E731
    elif action == "delegated":
        parent = forms.text(form, "parent_claim_id") or ""
        change = lambda: constituency.mark_delegated(  # noqa: E731
            session, who, claim_id, int(parent) if parent.isdigit() else 0
        )
    else:
        raise NotFound("action")
    _, error = _attempt(session, request, change)
    return _done(request, "/members/constituency/conflicts", error, N_("The overlap is resolved."))


@router.get("/members/stale")
def stale_page(request: Request, session: Session, who: PageUser) -> Response:
    organisation_authz.require_see_stale(who)
    return render(request, "members/stale.html", {"rows": stale.stale(session, who)})


@router.get("/members/import")
def import_page(request: Request, session: Session, who: PageUser) -> Response:
    organisation_authz.require_import_members(who)
    return render(request, "members/import.html", {"report": None, "columns": importer.COLUMNS})


@router.post("/members/import")
async def import_submit(request: Request, session: Session, who: PageUser) -> Response:
    form = await request.form()
    try:
        uploads = await forms.uploads(form, "file")
        data = uploads[0].data if uploads else b""
        apply_valid = form.get("apply_valid") == "on"
    finally:
        await form.close()
    report = importer.run(session, who, data, apply_valid=apply_valid)
    return render(
        request,
        "members/import.html",
        {"report": report, "columns": importer.COLUMNS, "apply_valid": apply_valid},
        status_code=200 if report.applied or report.clean else 422,
    )


# -- one member's profile ------------------------------------------------------------------------


def _profile_context(session: DbSession, who: Subject, org: Organisation, language: str) -> dict[str, Any]:
    full = profile_visible(session, who, org.id)
    entry = directory.entries(session, who, [org])[0]
    ctx: dict[str, Any] = {
        **_vocab(language),
        "org": org,
        "entry": entry,
        "full": full,
        "editable": can_manage_organisation(who, org.id),
        "is_coordinator": organisation_authz.sees_all_members(who),
        "experts": experts.reads(session, who, reads.experts(session, who, organisation_id=org.id)),
    }
    if full:
        profile = service.profile(session, who, org.id)
        ctx["contacts"] = profile.contacts
        ctx["systems"] = profile.systems
        ctx["claims"] = reads.claims(session, who, org.id)
        ctx["members"] = reads.other_members(session, org.id)
    return ctx


@router.get("/members/{organisation_id}")
def profile_page(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    org = service.get(session, who, organisation_id)
    return render(request, "members/profile.html", _profile_context(session, who, org, request_language(request)))


def _model(model: type[BaseModel], values: dict[str, Any]) -> Any:
    return model.model_validate({k: v for k, v in values.items() if v is not None})


@router.post("/members/{organisation_id}/profile")
async def profile_submit(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    fields = (*PROFILE_FIELDS, "capability_description", "staff_count")
    values = {f: forms.text(form, f) for f in fields if f in form}

    def change() -> object:
        data = OrganisationUpdate.model_validate(values)
        return service.update(session, who, organisation_id, data)

    _, error = _attempt(session, request, change)
    return _done(request, f"/members/{organisation_id}", error, N_("The profile is saved."))


@router.post("/members/{organisation_id}/confirm")
def profile_confirm(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    _, error = _attempt(session, request, lambda: service.confirm(session, who, organisation_id))
    return _done(request, f"/members/{organisation_id}", error, N_("Thank you: the data is confirmed as current."))


@router.post("/members/{organisation_id}/contacts")
async def contact_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    values = {f: forms.text(form, f) for f in ("role", "full_name", "position", "email", "phone")}
    _, error = _attempt(
        session,
        request,
        lambda: service.add_contact(session, who, organisation_id, _model(ContactCreate, values)),
    )
    return _done(request, f"/members/{organisation_id}#contacts", error, N_("The contact is added."))


@router.post("/members/{organisation_id}/contacts/{contact_id}/delete")
def contact_remove(
    request: Request, session: Session, who: PageUser, organisation_id: int, contact_id: int
) -> Response:
    _, error = _attempt(session, request, lambda: service.remove_contact(session, who, organisation_id, contact_id))
    return _done(request, f"/members/{organisation_id}#contacts", error, N_("The contact is removed."))


@router.post("/members/{organisation_id}/systems")
async def system_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    values: dict[str, Any] = {f: forms.text(form, f) for f in ("name", "security_level", "description")}
    values["national_important"] = form.get("national_important") == "on"
    _, error = _attempt(
        session, request, lambda: service.add_system(session, who, organisation_id, _model(SystemCreate, values))
    )
    return _done(request, f"/members/{organisation_id}#systems", error, N_("The system is added."))


@router.post("/members/{organisation_id}/systems/{system_id}/delete")
def system_remove(request: Request, session: Session, who: PageUser, organisation_id: int, system_id: int) -> Response:
    _, error = _attempt(session, request, lambda: service.remove_system(session, who, organisation_id, system_id))
    return _done(request, f"/members/{organisation_id}#systems", error, N_("The system is removed."))


@router.post("/members/{organisation_id}/services")
async def services_set(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    chosen = [s for s in form.getlist("services") if isinstance(s, str)]
    _, error = _attempt(
        session,
        request,
        lambda: service.set_services(session, who, organisation_id, ServicesUpdate(services=chosen).services),
    )
    return _done(request, f"/members/{organisation_id}#services", error, N_("The services are saved."))


@router.post("/members/{organisation_id}/constituency")
async def claim_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    value, note = forms.text(form, "value") or "", forms.text(form, "note")
    _, error = _attempt(
        session, request, lambda: constituency.add_claim(session, who, organisation_id, value, note=note)
    )
    return _done(request, f"/members/{organisation_id}#constituency", error, N_("The claim is added."))


@router.post("/members/{organisation_id}/constituency/{claim_id}/delete")
def claim_remove(request: Request, session: Session, who: PageUser, organisation_id: int, claim_id: int) -> Response:
    _, error = _attempt(session, request, lambda: constituency.remove_claim(session, who, claim_id))
    return _done(request, f"/members/{organisation_id}#constituency", error, N_("The claim is removed."))


@router.post("/members/{organisation_id}/constituency/{claim_id}/delegate")
async def claim_delegate(
    request: Request, session: Session, who: PageUser, organisation_id: int, claim_id: int
) -> Response:
    form = await request.form()
    value = forms.text(form, "value") or ""
    target = forms.text(form, "organisation_id") or ""
    _, error = _attempt(
        session,
        request,
        lambda: constituency.delegate(session, who, claim_id, value, int(target) if target.isdigit() else 0),
    )
    return _done(request, f"/members/{organisation_id}#constituency", error, N_("The part is delegated."))


@router.post("/members/{organisation_id}/experts")
async def expert_add(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    form = await request.form()
    values: dict[str, Any] = {f: forms.text(form, f) for f in ("full_name", "email", "phone", "province")}
    values["max_deployments"] = forms.text(form, "max_deployments") or 1
    values["available"] = form.get("available") == "on"
    values["on_site"] = form.get("on_site") == "on"
    level = forms.text(form, "level") or "2"
    values["skills"] = [{"skill": s, "level": level} for s in form.getlist("skills") if isinstance(s, str)]
    values["certifications"] = [c.strip() for c in (forms.text(form, "certifications") or "").split(",") if c.strip()]
    values["languages"] = [c.strip() for c in (forms.text(form, "languages") or "").split(",") if c.strip()]
    _, error = _attempt(
        session, request, lambda: experts.create(session, who, organisation_id, _model(ExpertCreate, values))
    )
    return _done(request, f"/members/{organisation_id}#experts", error, N_("The expert is added."))


@router.post("/members/{organisation_id}/experts/{expert_id}/availability")
async def expert_availability(
    request: Request, session: Session, who: PageUser, organisation_id: int, expert_id: int
) -> Response:
    form = await request.form()
    available = form.get("available") == "on"
    _, error = _attempt(
        session, request, lambda: experts.update(session, who, expert_id, ExpertUpdate(available=available))
    )
    return _done(request, f"/members/{organisation_id}#experts", error, N_("The expert is updated."))


@router.post("/members/{organisation_id}/experts/{expert_id}/delete")
def expert_remove(request: Request, session: Session, who: PageUser, organisation_id: int, expert_id: int) -> Response:
    reads.expert_of(session, organisation_id, expert_id)
    _, error = _attempt(session, request, lambda: experts.remove(session, who, expert_id))
    return _done(request, f"/members/{organisation_id}#experts", error, N_("The expert is removed."))
