"""Creating and changing organisations; every change is audited in the same transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, can_manage_organisation, require
from csirtnet.errors import Conflict, FieldError, Forbidden, NotFound
from csirtnet.models import Organisation
from csirtnet.organisation.schemas import OrganisationCreate, OrganisationUpdate


def get(session: Session, who: Subject, organisation_id: int) -> Organisation:
    require(who, "organisations:read")
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("organisation")
    return org


def _check_code_free(session: Session, code: str | None, exclude_id: int | None = None) -> None:
    if not code:
        return
    query = select(Organisation.id).where(Organisation.member_code == code)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if session.scalar(query) is not None:
        raise Conflict(f"The member code {code} is already used", errors=[FieldError("member_code", "already used")])


def create(session: Session, who: Subject, data: OrganisationCreate) -> Organisation:
    """Register an organisation (coordinators and platform admins)."""
    require(who, "organisations:write")
    if not (who.is_platform_admin or who.sees_everything):
        raise Forbidden("Only the coordinator registers organisations")
    _check_code_free(session, data.member_code)
    org = Organisation(**data.model_dump())
    session.add(org)
    session.flush()
    audit.record(session, who, "organisation.created", org, organisation_id=org.id, name=org.name, kind=org.kind)
    return org


def update(session: Session, who: Subject, organisation_id: int, data: OrganisationUpdate) -> Organisation:
    org = get(session, who, organisation_id)
    if not can_manage_organisation(who, org.id):
        raise Forbidden("You may only change your own organisation")
    fields = data.model_dump(exclude_unset=True)
    if ("status" in fields or "member_code" in fields) and not who.sees_everything:
        raise Forbidden("Only the coordinator changes member codes and status")
    _check_code_free(session, fields.get("member_code"), exclude_id=org.id)
    changes = {}
    for name, value in fields.items():
        if value != getattr(org, name):
            changes[name] = {"from": getattr(org, name), "to": value}
            setattr(org, name, value)
    if changes:
        audit.record(session, who, "organisation.updated", org, organisation_id=org.id, changes=changes)
    return org
