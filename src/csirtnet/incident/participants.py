"""Adding and ending participants. Access follows the active rows (csirtnet.authz.incident)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.authz.incident import active_participation_clause, get_visible, require_command
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.incident import events
from csirtnet.incident.common import incident_link, record_change
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentParticipant, Organisation, User
from csirtnet.notification.service import notify


def participants_query(incident: Incident, *, active_only: bool = False) -> Select[IncidentParticipant]:
    """The incident's participants, past and present, by when they started."""
    query = select(IncidentParticipant).where(IncidentParticipant.incident_id == incident.id)
    if active_only:
        query = query.where(active_participation_clause(utcnow()))
    return query.order_by(IncidentParticipant.starts_at, IncidentParticipant.id)


def participants_of(session: Session, incident: Incident, *, active_only: bool = False) -> list[IncidentParticipant]:
    return list(session.scalars(participants_query(incident, active_only=active_only)))


def add(session: Session, who: Subject, incident_id: int, data: ParticipantCreate) -> IncidentParticipant:
    """Name a user (or a whole organisation) as a participant from `starts_at` to `ends_at`."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_command(session, who, incident)
    user = None
    if data.user_id is not None:
        user = session.get(User, data.user_id)
        if user is None or not user.is_active:
            raise ValidationFailed("user_id", "no such active user")
    org_id = user.organisation_id if user is not None else data.organisation_id
    if org_id is None:
        raise ValidationFailed("user_id", "name a user or an organisation")
    if user is None and session.get(Organisation, org_id) is None:
        raise ValidationFailed("organisation_id", "no such organisation")
    if data.organisation_id is not None and user is not None and data.organisation_id != user.organisation_id:
        raise ValidationFailed("organisation_id", "the user belongs to another organisation")
    if data.evidence_role is not None and user is None:
        raise ValidationFailed("evidence_role", "evidence goes to named people: name a user")
    starts = data.starts_at or utcnow()
    if data.ends_at is not None and data.ends_at <= starts:
        raise ValidationFailed("ends_at", "must be after the start")
    row = IncidentParticipant(
        incident_id=incident.id,
        user_id=user.id if user else None,
        organisation_id=org_id,
        role=data.role,
        evidence_role=data.evidence_role,
        starts_at=starts,
        ends_at=data.ends_at,
        added_by_id=who.user_id,
        note=data.note,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        who,
        incident,
        "incident.participant_added",
        participant_id=row.id,
        user_id=row.user_id,
        participant_organisation_id=org_id,
        role=data.role,
        evidence_role=data.evidence_role,
        ends_at=data.ends_at,
    )
    if user is not None and user.id != who.user_id:
        notify(
            session,
            events.PARTICIPANT_ADDED.key,
            [user],
            {"reference": incident.reference, "title": incident.title, "role": data.role},
            link=incident_link(incident),
            guard=guard_of(incident),
        )
    return row


def set_evidence_role(
    session: Session, who: Subject, incident_id: int, participant_id: int, evidence_role: str | None
) -> IncidentParticipant:
    """Give a named participant a part in the incident's evidence, change it, or take it away."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_command(session, who, incident)
    row = session.get(IncidentParticipant, participant_id)
    if row is None or row.incident_id != incident.id:
        raise NotFound("participant")
    if evidence_role is not None and row.user_id is None:
        raise ValidationFailed("evidence_role", "evidence goes to named people: name a user")
    if row.evidence_role == evidence_role:
        return row
    row.evidence_role = evidence_role
    record_change(
        session,
        who,
        incident,
        "incident.evidence_role_changed",
        participant_id=row.id,
        user_id=row.user_id,
        evidence_role=evidence_role,
    )
    return row


def end(session: Session, who: Subject, incident_id: int, participant_id: int) -> IncidentParticipant:
    """End a participation now: the access it gave ends with it."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_command(session, who, incident)
    row = session.get(IncidentParticipant, participant_id)
    if row is None or row.incident_id != incident.id:
        raise NotFound("participant")
    now = utcnow()
    if row.ends_at is not None and row.ends_at <= now:
        return row
    row.ends_at = now
    record_change(session, who, incident, "incident.participant_ended", participant_id=row.id, user_id=row.user_id)
    return row
