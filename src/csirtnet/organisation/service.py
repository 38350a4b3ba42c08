"""Creating and changing organisations and their profiles: contacts, information systems, FIRST
services, and the periodic confirmation. Every change is audited in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject, can_manage_organisation, require
from csirtnet.authz import organisation as organisation_authz
from csirtnet.authz.organisation import profile_visible
from csirtnet.authz.permissions import Permission
from csirtnet.errors import Conflict, FieldError, Forbidden, NotFound
from csirtnet.kit.time import utcnow
from csirtnet.models import InformationSystem, Organisation, OrganisationContact, ServiceOffer
from csirtnet.notification.service import mark_handled
from csirtnet.organisation import events, repository
from csirtnet.organisation.schemas import (
    ContactCreate,
    OrganisationCreate,
    OrganisationUpdate,
    ProfileRead,
    SystemCreate,
)


def get(session: Session, who: Subject, organisation_id: int) -> Organisation:
    require(who, Permission.ORGANISATIONS_READ)
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("organisation")
    return org


def get_managed(session: Session, who: Subject, organisation_id: int) -> Organisation:
    """An organisation the subject may change; others' look absent."""
    org = get(session, who, organisation_id)
    if not can_manage_organisation(who, org.id):
        if profile_visible(session, who, org.id):
            raise Forbidden("Only the organisation's admins and the coordinator change its profile")
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
    require(who, Permission.ORGANISATIONS_WRITE)
    organisation_authz.require_register_organisations(who)
    _check_code_free(session, data.member_code)
    org = Organisation(**data.model_dump())
    session.add(org)
    session.flush()
    audit.record(session, who, "organisation.created", org, organisation_id=org.id, name=org.name, kind=org.kind)
    return org


def update(session: Session, who: Subject, organisation_id: int, data: OrganisationUpdate) -> Organisation:
    """Change an organisation's profile; member codes and status are the coordinator's."""
    org = get_managed(session, who, organisation_id)
    fields = data.model_dump(exclude_unset=True)
    if "status" in fields or "member_code" in fields:
        organisation_authz.require_set_network_fields(who)
    if "member_code" in fields:
        _check_code_free(session, fields.get("member_code"), exclude_id=org.id)
    changes = {}
    for name, value in fields.items():
        if value is not None and hasattr(value, "value"):
            value = value.value
        if name in ("incident_email",) and value is not None:
            value = str(value).lower()
        if value != getattr(org, name):
            changes[name] = {"from": getattr(org, name), "to": value}
            setattr(org, name, value)
    if changes:
        audit.record(session, who, "organisation.updated", org, organisation_id=org.id, changes=changes)
    return org


def profile(session: Session, who: Subject, organisation_id: int) -> ProfileRead:
    """The full profile, for the organisation itself and the coordinator."""
    from csirtnet.organisation.schemas import ContactRead, OrganisationRead, SystemRead

    org = get(session, who, organisation_id)
    if not profile_visible(session, who, org.id):
        raise NotFound("organisation profile")
    return ProfileRead(
        organisation=OrganisationRead.model_validate(org),
        contacts=[ContactRead.model_validate(c) for c in session.scalars(repository.contacts(session, who, org.id))],
        systems=[SystemRead.model_validate(s) for s in session.scalars(repository.systems(session, who, org.id))],
        services=sorted(s.service for s in session.scalars(repository.services(who, [org.id]))),
    )


def add_contact(session: Session, who: Subject, organisation_id: int, data: ContactCreate) -> OrganisationContact:
    org = get_managed(session, who, organisation_id)
    contact = OrganisationContact(
        organisation_id=org.id,
        role=data.role.value,
        full_name=data.full_name.strip(),
        position=data.position,
        email=str(data.email).lower() if data.email else None,
        phone=data.phone,
    )
    session.add(contact)
    session.flush()
    audit.record(session, who, "organisation.contact_added", contact, role=contact.role, name=contact.full_name)
    return contact


def remove_contact(session: Session, who: Subject, organisation_id: int, contact_id: int) -> None:
    org = get_managed(session, who, organisation_id)
    contact = session.get(OrganisationContact, contact_id)
    if contact is None or contact.organisation_id != org.id:
        raise NotFound("contact")
    audit.record(session, who, "organisation.contact_removed", contact, role=contact.role, name=contact.full_name)
    session.delete(contact)


def add_system(session: Session, who: Subject, organisation_id: int, data: SystemCreate) -> InformationSystem:
    org = get_managed(session, who, organisation_id)
    system = InformationSystem(organisation_id=org.id, **data.model_dump())
    session.add(system)
    session.flush()
    audit.record(
        session,
        who,
        "organisation.system_added",
        system,
        name=system.name,
        security_level=system.security_level,
        national_important=system.national_important,
    )
    return system


def remove_system(session: Session, who: Subject, organisation_id: int, system_id: int) -> None:
    org = get_managed(session, who, organisation_id)
    system = session.get(InformationSystem, system_id)
    if system is None or system.organisation_id != org.id:
        raise NotFound("information system")
    audit.record(session, who, "organisation.system_removed", system, name=system.name)
    session.delete(system)


def set_services(session: Session, who: Subject, organisation_id: int, services: list[str]) -> list[str]:
    """Replace the FIRST services the member offers (keys validated by the schema)."""
    org = get_managed(session, who, organisation_id)
    current = set(session.scalars(select(ServiceOffer.service).where(ServiceOffer.organisation_id == org.id)))
    wanted = set(services)
    if current == wanted:
        return sorted(current)
    removed, added = current - wanted, wanted - current
    if removed:
        session.execute(
            delete(ServiceOffer).where(ServiceOffer.organisation_id == org.id, ServiceOffer.service.in_(removed))
        )
    session.add_all(ServiceOffer(organisation_id=org.id, service=s) for s in sorted(added))
    audit.record(session, who, "organisation.services_changed", org, added=sorted(added), removed=sorted(removed))
    return sorted(wanted)


def confirm(session: Session, who: Subject, organisation_id: int) -> Organisation:
    """An admin confirms the contacts and constituency are current; the stale reminders stop."""
    org = get_managed(session, who, organisation_id)
    org.confirmed_at = utcnow()
    org.stale_reminded_at = None
    # The reminders to confirm are answered, for every admin who was reminded.
    admins = [u.id for u in repository.organisation_admins(session, org.id)]
    mark_handled(session, f"/members/{org.id}", [events.CONFIRMATION_DUE.key], admins)
    audit.record(session, who, "organisation.confirmed", org, organisation_id=org.id)
    return org
