"""Deployments after acceptance: release (explicit or at the end date), start, hours and outcome.
Release ends the expert's access to the incident (their IncidentParticipant row ends with it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import mobilisation as mob_authz
from csirtnet.authz.derived import guard_of
from csirtnet.errors import Conflict, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import events, repository
from csirtnet.mobilisation.common import SYSTEM, get_incident, timeline
from csirtnet.mobilisation.schemas import ReleaseBody
from csirtnet.models import Deployment, DeploymentStatus, Expert, Incident, IncidentParticipant, SupportRequest, User
from csirtnet.models.incident_participant import ParticipantRole
from csirtnet.notification.service import notify


def deploy(
    session: Session,
    *,
    incident: Incident,
    request: SupportRequest,
    target_id: int,
    expert: Expert,
    starts_at: datetime,
    ends_at: datetime,
    status: DeploymentStatus,
    accepted_by_id: int | None,
    added_by_id: int | None,
    note: str,
) -> Deployment:
    """Deploy an expert on the incident: the Deployment and, for an expert with an account, the
    IncidentParticipant row whose access lasts the deployment (release ends it). The caller
    records the audit and timeline entries of the step it is part of."""
    deployment = Deployment(
        incident_id=incident.id,
        support_request_id=request.id,
        target_id=target_id,
        expert_id=expert.id,
        expert_name=expert.full_name,
        user_id=expert.user_id,
        organisation_id=expert.organisation_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status.value,
        accepted_by_id=accepted_by_id,
    )
    session.add(deployment)
    session.flush()
    if expert.user_id is not None:
        # A row without a user would open the incident to the whole organisation: only experts
        # with an account get one (the deployment is recorded either way).
        session.add(
            IncidentParticipant(
                incident_id=incident.id,
                user_id=expert.user_id,
                organisation_id=expert.organisation_id,
                role=ParticipantRole.RESPONDER.value,
                starts_at=starts_at,
                ends_at=ends_at,
                added_by_id=added_by_id,
                deployment_id=deployment.id,
                note=note,
            )
        )
    return deployment


def _end_access(session: Session, deployment: Deployment, at: datetime) -> None:
    rows = session.scalars(select(IncidentParticipant).where(IncidentParticipant.deployment_id == deployment.id))
    for row in rows:
        end = max(at, row.starts_at)
        if row.ends_at is None or row.ends_at > end:
            row.ends_at = end


def _check_hours(deployment: Deployment, hours: float | None, until: datetime) -> None:
    if hours is None:
        return
    span = max(0.0, (min(until, deployment.ends_at) - deployment.starts_at).total_seconds() / 3600)
    if hours > span + 1e-9:
        raise ValidationFailed("hours", f"at most {span:.1f} hours fit between the start and the end of the deployment")


def release(
    session: Session, who: Subject, deployment_id: int, body: ReleaseBody, *, now: datetime | None = None
) -> Deployment:
    """End a deployment now: the expert's access to the incident ends with it."""
    now = now or utcnow()
    deployment = repository.get_deployment(session, who, deployment_id, for_update=True)
    request = session.get(SupportRequest, deployment.support_request_id) if deployment.support_request_id else None
    mob_authz.require_release(session, who, deployment, request)
    if deployment.status == DeploymentStatus.RELEASED.value:
        raise Conflict("The expert was already released")
    _check_hours(deployment, body.hours, now)
    incident = get_incident(session, deployment.incident_id)
    deployment.status = DeploymentStatus.RELEASED.value
    deployment.released_at = max(now, deployment.starts_at) if now < deployment.ends_at else deployment.ends_at
    deployment.released_by_id = who.user_id
    if body.hours is not None:
        deployment.hours = body.hours
    if body.outcome:
        deployment.outcome = body.outcome
    _end_access(session, deployment, now)
    audit.record(
        session,
        who,
        "mobilisation.expert_released",
        deployment,
        reference=incident.reference,
        expert=deployment.expert_name,
        released_at=deployment.released_at,
        hours=deployment.hours,
        outcome=deployment.outcome,
    )
    timeline(
        session,
        who,
        incident.id,
        "mobilisation.expert_released",
        deployment_id=deployment.id,
        expert=deployment.expert_name,
        hours=deployment.hours,
    )
    _notify_released(session, deployment, incident)
    return deployment


def _notify_released(session: Session, deployment: Deployment, incident: Incident) -> None:
    if deployment.user_id is None:
        return
    user = session.get(User, deployment.user_id)
    notify(
        session,
        events.RELEASED.key,
        [user] if user is not None else [],
        {"reference": incident.reference, "hours": deployment.hours if deployment.hours is not None else ""},
        link="/mobilisation",
        guard=guard_of(deployment),
    )


def record(
    session: Session, who: Subject, deployment_id: int, body: ReleaseBody, *, now: datetime | None = None
) -> Deployment:
    """Record (or correct) the hours and outcome of a deployment."""
    now = now or utcnow()
    deployment = repository.get_deployment(session, who, deployment_id, for_update=True)
    request = session.get(SupportRequest, deployment.support_request_id) if deployment.support_request_id else None
    mob_authz.require_release(session, who, deployment, request)
    _check_hours(deployment, body.hours, deployment.released_at or now)
    changes: dict[str, Any] = {}
    fields = body.model_dump(exclude_unset=True)
    for name in ("hours", "outcome"):
        if name in fields and fields[name] != getattr(deployment, name):
            changes[name] = {"from": getattr(deployment, name), "to": fields[name]}
            setattr(deployment, name, fields[name])
    if changes:
        audit.record(session, who, "mobilisation.deployment_recorded", deployment, changes=changes)
        timeline(
            session,
            who,
            deployment.incident_id,
            "mobilisation.deployment_recorded",
            deployment_id=deployment.id,
            expert=deployment.expert_name,
            hours=deployment.hours,
        )
    return deployment


def start_due(session: Session, deployment_id: int, *, now: datetime | None = None) -> None:
    """A planned deployment whose start has come becomes active (the access row already starts then)."""
    now = now or utcnow()
    deployment = session.get(Deployment, deployment_id)
    if deployment is None or deployment.status != DeploymentStatus.PLANNED.value or deployment.starts_at > now:
        return
    deployment.status = DeploymentStatus.ACTIVE.value
    audit.record(session, SYSTEM, "mobilisation.deployment_started", deployment, expert=deployment.expert_name)
    timeline(
        session,
        SYSTEM,
        deployment.incident_id,
        "mobilisation.deployment_started",
        deployment_id=deployment.id,
        expert=deployment.expert_name,
    )


def end_due(session: Session, deployment_id: int, *, now: datetime | None = None) -> None:
    """A deployment whose end date has come is released; its access row has ended at the same time."""
    now = now or utcnow()
    deployment = session.get(Deployment, deployment_id)
    if deployment is None or deployment.status == DeploymentStatus.RELEASED.value or deployment.ends_at > now:
        return
    incident = get_incident(session, deployment.incident_id)
    deployment.status = DeploymentStatus.RELEASED.value
    deployment.released_at = deployment.ends_at
    _end_access(session, deployment, deployment.ends_at)
    audit.record(
        session,
        SYSTEM,
        "mobilisation.expert_released",
        deployment,
        reference=incident.reference,
        expert=deployment.expert_name,
        released_at=deployment.released_at,
        at_end_date=True,
    )
    timeline(
        session,
        SYSTEM,
        incident.id,
        "mobilisation.expert_released",
        deployment_id=deployment.id,
        expert=deployment.expert_name,
        at_end_date=True,
    )
    _notify_released(session, deployment, incident)
