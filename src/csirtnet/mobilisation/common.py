"""Pieces every mobilisation module uses: the system subject, local times for messages, the
incident's timeline entries, and the matching's inputs built from a stored request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.errors import NotFound
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.mobilisation import repository
from csirtnet.mobilisation.matching import Component, OrganisationMatch, Requirement, SkillNeed, rank_organisations
from csirtnet.models import Incident, IncidentTimelineEntry, Mode, SupportRequest, Urgency, User

SYSTEM = Subject.system("mobilisation")


def moment(value: datetime) -> str:
    """A moment as notification parameters keep it (ISO 8601, UTC): each reader sees it in their
    language and zone (notification.events.moment_text)."""
    return as_utc(value).isoformat(timespec="minutes")


def no_longer_waits(session: Session, request_id: int, organisation_id: int) -> None:
    """The organisation answered the request (or was let off it): its admins' "experts requested"
    notifications are read, so the home page stops listing them."""
    from csirtnet.mobilisation.events import REQUEST_RECEIVED
    from csirtnet.notification.service import mark_handled

    admins = [u.id for u in repository.organisation_admins(session, organisation_id)]
    mark_handled(session, f"/mobilisation/requests/{request_id}", [REQUEST_RECEIVED.key], admins)


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def timeline(session: Session, who: Subject, incident_id: int, action: str, **details: Any) -> None:
    """The incident's automatic timeline entry for a mobilisation step (as incident.common does)."""
    session.add(
        IncidentTimelineEntry(
            incident_id=incident_id,
            occurred_at=utcnow(),
            timezone="UTC",
            kind="change",
            action=action,
            text="",
            details=plain(details),
            author_id=who.user_id,
        )
    )


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident")
    return incident


def components_json(components: tuple[Component, ...]) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            "points": round(c.points, 2),
            "max_points": c.max_points,
            "label": c.label.as_dict(),
            "reason": c.reason.as_dict(),
        }
        for c in components
    ]


def requirement_of(request: SupportRequest) -> Requirement:
    return Requirement(
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        skills=tuple(SkillNeed(str(s["skill"]), int(s.get("min_level", 1))) for s in request.skills),
        capabilities=tuple(request.capabilities),
        mode=Mode(request.mode),
        province=request.province,
        urgency=Urgency(request.urgency),
        experts_needed=request.experts_needed,
        zone=get_settings().timezone,
    )


def rank(session: Session, request: SupportRequest, incident: Incident) -> list[OrganisationMatch]:
    orgs, experts = repository.candidate_pool(session, request, incident)
    return rank_organisations(requirement_of(request), orgs, experts)


def requesters(session: Session, request: SupportRequest) -> list[User]:
    if request.requested_by_id is None:
        return []
    user = session.get(User, request.requested_by_id)
    return [user] if user is not None else []
