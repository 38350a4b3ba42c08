"""Pages: administration of organisations — list and search, register (coordinator and platform
admins), edit (also an organisation admin, for their own organisation's profile)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can_manage_organisation
from csirtnet.authz import organisation as organisation_authz
from csirtnet.errors import Forbidden
from csirtnet.models import Organisation
from csirtnet.organisation import reads as organisation_reads
from csirtnet.organisation import service as organisation_service
from csirtnet.organisation.schemas import OrganisationCreate, OrganisationUpdate
from csirtnet.vocabulary import labels
from csirtnet.web.forms import FormErrors, attempt, blank_to_none, parse
from csirtnet.web.render import redirect, request_language
from csirtnet.web.views.admin_common import admin_render, may_admin_organisations, tr

router = APIRouter(include_in_schema=False)

ORGANISATIONS_PER_PAGE = 50
_TEXT_FIELDS = ("name", "name_en", "short_name", "member_code", "sector", "province")


def _require_admin(who: Subject) -> None:
    if not may_admin_organisations(who):
        raise Forbidden("You may not use the administration pages")


def _may_register(who: Subject) -> bool:
    return organisation_authz.can_register_organisations(who)


def _kind_options(language: str) -> list[tuple[str, str]]:
    return [(k, i18n.translate(language, v)) for k, v in labels.ORGANISATION_KINDS.items()]


def _status_options(language: str) -> list[tuple[str, str]]:
    return [(k, i18n.translate(language, v)) for k, v in labels.ORGANISATION_STATUSES.items()]


@router.get("/admin/organisations")
def organisations_page(
    request: Request, session: Session, who: PageUser, q: str = "", kind: str = "", cursor: str = ""
) -> Response:
    _require_admin(who)
    rows, next_cursor = organisation_reads.organisations_page(
        session, who, q=q.strip()[:200] or None, kind=kind or None, cursor=cursor or None, limit=ORGANISATIONS_PER_PAGE
    )
    language = request_language(request)
    return admin_render(
        request,
        who,
        "admin/organisations.html",
        {
            "organisations": [(o, can_manage_organisation(who, o.id)) for o in rows],
            "next_cursor": next_cursor,
            "filters": {"q": q, "kind": kind},
            "kind_options": _kind_options(language),
            "kind_labels": labels.ORGANISATION_KINDS,
            "status_labels": labels.ORGANISATION_STATUSES,
            "may_register": _may_register(who),
            "first_page": not cursor,
        },
    )


def _form_page(
    request: Request,
    who: Subject,
    *,
    organisation: Organisation | None,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    language = request_language(request)
    return admin_render(
        request,
        who,
        "admin/organisation_form.html",
        {
            "organisation": organisation,
            "values": values,
            "errors": errors or {},
            "kind_options": _kind_options(language),
            "status_options": _status_options(language),
            "coordinator_fields": organisation_authz.can_set_network_fields(who),
            "may_set_coordinator": organisation_authz.can_mark_coordinator(who),
        },
        status_code=status_code,
    )


def _form_values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in _TEXT_FIELDS}
    values["kind"] = form.get("kind", "")
    values["status"] = form.get("status", "")
    values["is_coordinator"] = bool(form.get("is_coordinator"))
    return values


@router.get("/admin/organisations/new")
def new_organisation_page(request: Request, who: PageUser) -> Response:
    if not _may_register(who):
        raise Forbidden("Only the coordinator registers organisations")
    empty = dict.fromkeys(_TEXT_FIELDS, "") | {"kind": "", "status": "", "is_coordinator": False}
    return _form_page(request, who, organisation=None, values=empty)


@router.post("/admin/organisations/new")
def create_organisation(
    request: Request,
    session: Session,
    who: PageUser,
    name: Annotated[str, Form(max_length=600)] = "",
    name_en: Annotated[str, Form(max_length=600)] = "",
    short_name: Annotated[str, Form(max_length=200)] = "",
    member_code: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=60)] = "",
    sector: Annotated[str, Form(max_length=200)] = "",
    province: Annotated[str, Form(max_length=200)] = "",
    is_coordinator: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if not _may_register(who):
        raise Forbidden("Only the coordinator registers organisations")
    values = _form_values(
        {
            "name": name,
            "name_en": name_en,
            "short_name": short_name,
            "member_code": member_code,
            "kind": kind,
            "sector": sector,
            "province": province,
            "is_coordinator": is_coordinator if organisation_authz.can_mark_coordinator(who) else "",
        }
    )
    errors: FormErrors = {}
    fields: dict[str, Any] = {n: blank_to_none(values[n]) for n in _TEXT_FIELDS}
    fields["name"] = values["name"]
    if values["kind"]:
        fields["kind"] = values["kind"]
    fields["is_coordinator"] = values["is_coordinator"]
    data = parse(OrganisationCreate, errors, **fields)
    org = None
    if data is not None:
        org = attempt(session, errors, lambda: organisation_service.create(session, who, data))
    if org is None:
        return _form_page(request, who, organisation=None, values=values, errors=errors, status_code=422)
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
    values = {n: getattr(org, n) or "" for n in _TEXT_FIELDS} | {
        "kind": org.kind,
        "status": org.status,
        "is_coordinator": org.is_coordinator,
    }
    return _form_page(request, who, organisation=org, values=values)


@router.post("/admin/organisations/{organisation_id}")
def update_organisation(
    request: Request,
    session: Session,
    who: PageUser,
    organisation_id: int,
    name: Annotated[str, Form(max_length=600)] = "",
    name_en: Annotated[str, Form(max_length=600)] = "",
    short_name: Annotated[str, Form(max_length=200)] = "",
    member_code: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=60)] = "",
    sector: Annotated[str, Form(max_length=200)] = "",
    province: Annotated[str, Form(max_length=200)] = "",
    status: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    org = _editable(session, who, organisation_id)
    values = _form_values(
        {
            "name": name,
            "name_en": name_en,
            "short_name": short_name,
            "member_code": member_code,
            "kind": kind,
            "sector": sector,
            "province": province,
            "status": status,
        }
    )
    values["is_coordinator"] = org.is_coordinator
    errors: FormErrors = {}
    fields: dict[str, Any] = {n: blank_to_none(values[n]) for n in ("name_en", "short_name", "sector", "province")}
    fields["name"] = values["name"]
    if values["kind"]:
        fields["kind"] = values["kind"]
    if organisation_authz.can_set_network_fields(who):
        # Only the coordinator changes member codes and status (the service says so too).
        fields["member_code"] = blank_to_none(values["member_code"])
        if values["status"]:
            fields["status"] = values["status"]
    else:
        values["member_code"] = org.member_code or ""
        values["status"] = org.status
    data = parse(OrganisationUpdate, errors, **fields)
    if data is not None:
        attempt(session, errors, lambda: organisation_service.update(session, who, org.id, data))
    if errors:
        return _form_page(request, who, organisation=org, values=values, errors=errors, status_code=422)
    return redirect(f"/admin/organisations/{org.id}", flash=tr(request, "The changes are saved."))
