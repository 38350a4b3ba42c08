"""Pieces every incident service uses: references, the change record (audit + timeline entry in
the same transaction), derived search text, and who to tell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.authz.incident import active_participation_clause
from csirtnet.kit.search import words
from csirtnet.kit.text import sort_key
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Incident,
    IncidentObservable,
    IncidentParticipant,
    IncidentReport,
    IncidentTimelineEntry,
    Organisation,
    User,
    UserRole,
)
from csirtnet.models.base import fit
from csirtnet.vocabulary import Role

_REFERENCE_LOCK = 7_305_118_005  # PostgreSQL advisory lock: "incident references"


def next_reference(session: Session, prefix: str, model: Any) -> str:
    """ "SC-2026-000123" for incidents, "BC-2026-000045" for reports, "EV-2026-000042" for evidence
    (any model with a unique `reference`): per year, never reused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFERENCE_LOCK})
    year = utcnow().year
    stem = f"{prefix}-{year}-"
    last = session.scalar(select(func.max(model.reference)).where(model.reference.like(stem + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:06d}"


def record_change(
    session: Session,
    who: Subject,
    incident: Incident,
    action: str,
    *,
    at: datetime | None = None,
    content_tlp: str | None = None,
    other_incident_id: int | None = None,
    **details: Any,
) -> None:
    """The audit record and the automatic timeline entry of one change, in the caller's transaction.

    Both carry what their details were derived from (authz.derived): `content_tlp` when they hold
    content marked apart from the incident (an observable's value), `other_incident_id` when they
    name another incident. Readers who may not see those see neither entry nor summary."""
    audit.record(
        session,
        who,
        action,
        incident,
        organisation_id=incident.reporting_organisation_id,
        guard=Guard(GuardKind.INCIDENT, incident.id, content_tlp, other_incident_id),
        reference=incident.reference,
        **details,
    )
    session.add(
        IncidentTimelineEntry(
            tlp=content_tlp,
            other_incident_id=other_incident_id,
            incident_id=incident.id,
            occurred_at=at or utcnow(),
            timezone="UTC",
            kind="change",
            action=action,
            text="",
            details={k: _plain(v) for k, v in details.items()},
            author_id=who.user_id,
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def refresh_search_text(session: Session, incident: Incident) -> None:
    """Keep the accent-free words of everything a person might search an incident by (kit.search)."""
    org = session.get(Organisation, incident.reporting_organisation_id)
    # TLP:RED observables stay out of the search text: finding an incident by one would tell
    # its readers that it holds a value only its named participants may see.
    observables = session.scalars(
        select(IncidentObservable.value).where(
            IncidentObservable.incident_id == incident.id, IncidentObservable.tlp != "red"
        )
    ).all()
    parts = [
        incident.reference,
        incident.title,
        incident.description,
        incident.system_name or "",
        incident.operating_unit or "",
        " ".join(incident.system_domains or []),
        " ".join(incident.system_ips or []),
        incident.rsit_class or "",
        incident.rsit_type or "",
        incident.province or "",
        incident.sector or "",
        org.name if org else "",
        (org.short_name or "") if org else "",
        " ".join(observables),
    ]
    incident.search_words = words(" ".join(parts))
    incident.title_sort = fit(Incident.title_sort, sort_key(incident.title))


def report_search_words(report: IncidentReport) -> str:
    return words(
        " ".join(
            [
                report.reference,
                report.title,
                report.description,
                report.reporter_name,
                report.organisation_name or "",
                report.system_name or "",
                " ".join(report.system_domains or []),
                " ".join(report.system_ips or []),
            ]
        )
    )


def coordinators(session: Session) -> list[User]:
    """The coordinating body's staff: who triages and who is told of escalations."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COORDINATOR.value, User.is_active.is_(True))
            .order_by(User.id)
        ).unique()
    )


def participant_users(session: Session, incident: Incident, now: datetime | None = None) -> list[User]:
    """Users named as active participants."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(User)
            .join(IncidentParticipant, IncidentParticipant.user_id == User.id)
            .where(IncidentParticipant.incident_id == incident.id, active_participation_clause(now))
            .order_by(User.id)
        ).unique()
    )


def incident_link(incident: Incident) -> str:
    return f"/incidents/{incident.id}"
