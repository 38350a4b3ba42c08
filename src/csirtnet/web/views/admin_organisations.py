"""Pages: administration of organisations — list and search, register (coordinator and platform
admins), edit (also an organisation admin, for their own organisation's profile)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can_manage_organisation
from csirtnet.authz import organisation as organisation_authz
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.models import Organisation
from csirtnet.organisation import reads as organisation_reads
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.schemas import OrganisationCreate, OrganisationUpdate
from csirtnet.vocabulary import labels
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect
from csirtnet.web.views import admin_forms as af
from csirtnet.web.views.admin_common import admin_render, may_admin_organisations, query_form, tr

router = APIRouter(include_in_schema=False)

ORGANISATIONS_PER_PAGE = 50


def _require_admin(who: Subject) -> None:
    if not may_admin_organisations(who):
        raise Forbidden("You may not use the administration pages")


def _may_register(who: Subject) -> bool:
    return organisation_authz.can_register_organisations(who)


@router.get("/admin/organisations")
def organisations_page(request: Request, session: Session, who: PageUser, cursor: str = "") -> Response:
    _require_admin(who)
    form = query_form(request, af.ORGANISATION_FILTERS)
    q, kind = form.text("q"), form.text("kind")
    if len(q) > 200:
        form.fail("q", N_("This is too long."))
    if kind and kind not in labels.ORGANISATION_KINDS:
        form.fail("kind", N_("Choose one of the offered values."))
    rows: list[Organisation] = []
    next_cursor = None
    if form.ok:
        rows, next_cursor = organisation_reads.organisations_page(
            session, who, q=q or None, kind=kind or None, cursor=cursor or None, limit=ORGANISATIONS_PER_PAGE
        )
    return admin_render(
        request,
        who,
        "admin/organisations.html",
        {
            "organisations": [(o, can_manage_organisation(who, o.id)) for o in rows],
            "next_cursor": next_cursor,
            "form": form,
            "filters": {"q": q, "kind": kind},
            "kind_labels": labels.ORGANISATION_KINDS,
            "status_labels": labels.ORGANISATION_STATUSES,
            "may_register": _may_register(who),
            "first_page": not cursor,
        },
        status_code=200 if form.ok else 422,
    )


def _form_page(
    request: Request,
    who: Subject,
    *,
    organisation: Organisation | None,
    form: BoundForm,
    status_code: int = 200,
) -> Response:
    return admin_render(
        request,
        who,
        "admin/organisation_form.html",
        {
            "organisation": organisation,
            "form": form,
            "coordinator_fields": organisation_authz.can_set_network_fields(who),
            "may_set_coordinator": organisation_authz.can_mark_coordinator(who),
        },
        status_code=status_code,
    )


@router.get("/admin/organisations/new")
def new_organisation_page(request: Request, who: PageUser) -> Response:
    if not _may_register(who):
        raise Forbidden("Only the coordinator registers organisations")
    form = af.ORGANISATION_NEW.blank({"kind": "private_enterprise"})
    return _form_page(request, who, organisation=None, form=form)


@router.post("/admin/organisations/new")
async def create_organisation(request: Request, session: Session, who: PageUser) -> Response:
    if not _may_register(who):
        raise Forbidden("Only the coordinator registers organisations")
    form = await af.ORGANISATION_NEW.read(request)
    values = form.values()
    if not organisation_authz.can_set_network_fields(who):
        values.pop("member_code")
    if not organisation_authz.can_mark_coordinator(who):
        values["is_coordinator"] = False
    data = form.validate(OrganisationCreate, {k: v for k, v in values.items() if v is not None})
    org = form.attempt(session, lambda: organisation_service.create(session, who, data)) if data is not None else None
    if org is None:
        return _form_page(request, who, organisation=None, form=form, status_code=422)
    return redirect(f"/admin/organisations/{org.id}", flash=tr(request, "The organisation is registered."))


def _editable(session: DbSession, who: Subject, organisation_id: int) -> Organisation:
    _require_admin(who)
    org = organisation_service.get(session, who, organisation_id)
    if not can_manage_organisation(who, org.id):
        raise Forbidden("You may only change your own organisation")
    return org


@router.get("/admin/organisations/{organisation_id}")
def organisation_page(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    org = _editable(session, who, organisation_id)
    form = af.ORGANISATION_EDIT.blank({name: getattr(org, name) for name in af.ORGANISATION_EDIT.fields})
    return _form_page(request, who, organisation=org, form=form)


@router.post("/admin/organisations/{organisation_id}")
async def update_organisation(request: Request, session: Session, who: PageUser, organisation_id: int) -> Response:
    org = _editable(session, who, organisation_id)
    form = await af.ORGANISATION_EDIT.read(request)
    values = form.values()
    if organisation_authz.can_set_network_fields(who):
        # Only the coordinator changes member codes and status (the service says so too).
        form.missing_required()
    else:
        values.pop("member_code")
        values.pop("status")
        form.raw["member_code"] = org.member_code or ""
        form.raw["status"] = org.status
    if not values.get("kind"):
        values.pop("kind")
    data = form.validate(OrganisationUpdate, values)
    if data is not None:
        form.attempt(session, lambda: organisation_service.update(session, who, org.id, data))
    if not form.ok:
        return _form_page(request, who, organisation=org, form=form, status_code=422)
    return redirect(f"/admin/organisations/{org.id}", flash=tr(request, "The changes are saved."))
