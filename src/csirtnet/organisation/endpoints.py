"""The organisations API: profiles, contacts, information systems, FIRST services, experts and
constituency of one organisation, stale confirmations, and the CSV import."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz.organisation import profile_organisation_ids, profile_visible
from csirtnet.errors import FieldError, ValidationFailed
from csirtnet.kit.pagination import Page, page_of, paginate, paginate_keyset
from csirtnet.models import Expert, Organisation
from csirtnet.organisation import constituency, experts, importer, repository, service, stale
from csirtnet.organisation.schemas import (
    ClaimCreate,
    ClaimRead,
    ContactCreate,
    ContactRead,
    ExpertCreate,
    ExpertRead,
    OrganisationCreate,
    OrganisationEntry,
    OrganisationRead,
    OrganisationUpdate,
    OrganisationView,
    ProfileRead,
    ServicesUpdate,
    StaleRead,
    SystemCreate,
    SystemRead,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationView])
def list_organisations(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    kind: str | None = Query(default=None, max_length=40),
    province: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[OrganisationView]:
    """List member organisations; search by name without accents. Full profiles (`profile: full`)
    where the caller may read them, directory entries (`profile: directory`) elsewhere."""
    rows, next_cursor = paginate(
        session,
        repository.organisations(who, q=q, kind=kind, province=province),
        Organisation.id,
        limit=limit,
        cursor=cursor,
    )
    full = profile_organisation_ids(session, who)
    return Page[OrganisationView](items=[_view(o, full is None or o.id in full) for o in rows], next_cursor=next_cursor)


def _view(org: Organisation, full: bool) -> OrganisationEntry | OrganisationRead:
    return OrganisationRead.model_validate(org) if full else OrganisationEntry.model_validate(org)


@router.post("", response_model=OrganisationRead, status_code=201)
def create_organisation(body: OrganisationCreate, session: Session, who: ApiUser) -> OrganisationRead:
    """Register an organisation."""
    return OrganisationRead.model_validate(service.create(session, who, body))


@router.get("/stale", response_model=Page[StaleRead])
def list_stale(
    session: Session,
    who: ApiUser,
    days: int | None = Query(default=None, ge=0, le=3650),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[StaleRead]:
    """Members whose contacts and constituency were not confirmed within the limit, longest first."""
    entries, next_cursor = stale.stale_page(session, who, max_age_days=days, limit=limit, cursor=cursor)
    items = [
        StaleRead(
            id=e.organisation.id,
            name=e.organisation.name,
            member_code=e.organisation.member_code,
            confirmed_at=e.organisation.confirmed_at,
            created_at=e.organisation.created_at,
            reminded_at=e.organisation.stale_reminded_at,
            days_since=e.days,
        )
        for e in entries
    ]
    return Page[StaleRead](items=items, next_cursor=next_cursor)


@router.post("/import")
def import_csv(
    session: Session,
    who: ApiUser,
    file: Annotated[UploadFile, File(description="CSV, UTF-8; columns in docs/members.md")],
    apply_valid: Annotated[bool, Form()] = False,
) -> dict[str, object]:
    """Import organisations, contacts, constituency and cluster membership from CSV (all or nothing,
    or only the valid rows with apply_valid)."""
    report = importer.run(session, who, file.file.read(), apply_valid=apply_valid)
    if report.errors and not report.applied:
        raise ValidationFailed(
            "file",
            "nothing was imported",
            errors=[FieldError(f"line {e.line}: {e.field}", e.message) for e in report.errors],
        )
    return {
        "applied": report.applied,
        "rows": report.rows,
        "valid": report.valid,
        "organisations_created": report.organisations_created,
        "organisations_updated": report.organisations_updated,
        "contacts_added": report.contacts_added,
        "claims_added": report.claims_added,
        "cluster_memberships_added": report.cluster_memberships_added,
        "unchanged": report.unchanged,
        "overlaps": report.overlaps,
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }


@router.get("/{organisation_id}", response_model=OrganisationView)
def get_organisation(organisation_id: int, session: Session, who: ApiUser) -> OrganisationEntry | OrganisationRead:
    """One organisation: its full profile where the caller may read it, else its directory entry."""
    org = service.get(session, who, organisation_id)
    return _view(org, profile_visible(session, who, org.id))


@router.patch("/{organisation_id}", response_model=OrganisationRead)
def update_organisation(
    organisation_id: int, body: OrganisationUpdate, session: Session, who: ApiUser
) -> OrganisationRead:
    """Change an organisation's profile."""
    return OrganisationRead.model_validate(service.update(session, who, organisation_id, body))


@router.get("/{organisation_id}/profile", response_model=ProfileRead)
def get_profile(organisation_id: int, session: Session, who: ApiUser) -> ProfileRead:
    """The full profile (the organisation itself and the coordinator)."""
    return service.profile(session, who, organisation_id)


@router.post("/{organisation_id}/confirm", response_model=OrganisationRead)
def confirm_profile(organisation_id: int, session: Session, who: ApiUser) -> OrganisationRead:
    """Confirm that the contacts and constituency are current."""
    return OrganisationRead.model_validate(service.confirm(session, who, organisation_id))


@router.post("/{organisation_id}/contacts", response_model=ContactRead, status_code=201)
def add_contact(organisation_id: int, body: ContactCreate, session: Session, who: ApiUser) -> ContactRead:
    """Add a contact in a role (24/7 incident contact, focal point, leadership, infosec leader, technical)."""
    return ContactRead.model_validate(service.add_contact(session, who, organisation_id, body))


@router.delete("/{organisation_id}/contacts/{contact_id}", status_code=204)
def remove_contact(organisation_id: int, contact_id: int, session: Session, who: ApiUser) -> Response:
    """Remove a contact."""
    service.remove_contact(session, who, organisation_id, contact_id)
    return Response(status_code=204)


@router.post("/{organisation_id}/systems", response_model=SystemRead, status_code=201)
def add_system(organisation_id: int, body: SystemCreate, session: Session, who: ApiUser) -> SystemRead:
    """Add an information system with its security level."""
    return SystemRead.model_validate(service.add_system(session, who, organisation_id, body))


@router.delete("/{organisation_id}/systems/{system_id}", status_code=204)
def remove_system(organisation_id: int, system_id: int, session: Session, who: ApiUser) -> Response:
    """Remove an information system."""
    service.remove_system(session, who, organisation_id, system_id)
    return Response(status_code=204)


@router.put("/{organisation_id}/services", response_model=ServicesUpdate)
def set_services(organisation_id: int, body: ServicesUpdate, session: Session, who: ApiUser) -> ServicesUpdate:
    """Replace the FIRST CSIRT Services Framework services the member offers."""
    return ServicesUpdate(services=service.set_services(session, who, organisation_id, body.services))


@router.get("/{organisation_id}/constituency", response_model=Page[ClaimRead])
def list_claims(
    organisation_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ClaimRead]:
    """The organisation's constituency claims in address order (the organisation itself and the coordinator)."""
    service.get(session, who, organisation_id)
    return page_of(
        ClaimRead,
        paginate_keyset(
            session,
            repository.claims(session, who, organisation_id=organisation_id),
            repository.claim_order,
            limit=limit,
            cursor=cursor,
            key_of=repository.claim_key,
        ),
    )


@router.post("/{organisation_id}/constituency", response_model=ClaimRead, status_code=201)
def add_claim(organisation_id: int, body: ClaimCreate, session: Session, who: ApiUser) -> ClaimRead:
    """Claim an IP prefix, AS number or domain; overlaps with other members go to the coordinator."""
    return ClaimRead.model_validate(constituency.add_claim(session, who, organisation_id, body.value, note=body.note))


@router.get("/{organisation_id}/experts", response_model=Page[ExpertRead])
def list_experts(
    organisation_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[ExpertRead]:
    """The organisation's experts by name (contact details for the organisation and the coordinator only)."""
    service.get(session, who, organisation_id)
    rows, next_cursor = paginate_keyset(
        session,
        repository.experts(who, organisation_id=organisation_id),
        (Expert.name_fold, Expert.id),
        limit=limit,
        cursor=cursor,
    )
    return Page[ExpertRead](items=experts.reads(session, who, rows), next_cursor=next_cursor)


@router.post("/{organisation_id}/experts", response_model=ExpertRead, status_code=201)
def add_expert(organisation_id: int, body: ExpertCreate, session: Session, who: ApiUser) -> ExpertRead:
    """Offer an expert to the network."""
    expert = experts.create(session, who, organisation_id, body)
    name = service.get(session, who, organisation_id).name
    return experts.to_read(who, expert, name, profile_organisation_ids(session, who))
