"""The organisations API."""

from __future__ import annotations

from fastapi import APIRouter, Query

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.kit.pagination import Page, paginate
from csirtnet.models import Organisation
from csirtnet.organisation import repository, service
from csirtnet.organisation.schemas import OrganisationCreate, OrganisationRead, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationRead])
def list_organisations(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200),
    kind: str | None = Query(default=None, max_length=40),
    province: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[OrganisationRead]:
    """List member organisations; search by name without accents."""
    rows, next_cursor = paginate(
        session,
        repository.organisations(who, q=q, kind=kind, province=province),
        Organisation.id,
        limit=limit,
        cursor=cursor,
    )
    return Page[OrganisationRead](items=[OrganisationRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("", response_model=OrganisationRead, status_code=201)
def create_organisation(body: OrganisationCreate, session: Session, who: ApiUser) -> OrganisationRead:
    """Register an organisation."""
    return OrganisationRead.model_validate(service.create(session, who, body))


@router.get("/{organisation_id}", response_model=OrganisationRead)
def get_organisation(organisation_id: int, session: Session, who: ApiUser) -> OrganisationRead:
    """One organisation."""
    return OrganisationRead.model_validate(service.get(session, who, organisation_id))


@router.patch("/{organisation_id}", response_model=OrganisationRead)
def update_organisation(
    organisation_id: int, body: OrganisationUpdate, session: Session, who: ApiUser
) -> OrganisationRead:
    """Change an organisation's profile."""
    return OrganisationRead.model_validate(service.update(session, who, organisation_id, body))
