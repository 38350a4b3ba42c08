"""Exports of one incident: JSON (everything the reader may see of it, in one document that
parses back into `IncidentExport`), and the incident detail assembled for pages and the API."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, visible_reports_clause
from csirtnet.incident import correlation, deadlines, discussion, observables, participants, task_service, timeline
from csirtnet.incident.schemas import (
    CommentRead,
    CorrelationRead,
    DeadlineRead,
    IncidentDetail,
    IncidentExport,
    IncidentRead,
    ObservableRead,
    ParticipantRead,
    ReportRead,
    TaskRead,
    TimelineRead,
)
from csirtnet.models import Incident, IncidentReport


def reports_of(session: Session, who: Subject, incident: Incident) -> list[IncidentReport]:
    """The incident's reports, the first one being the initial report (form 03).

    Whoever may see the incident may see the reports that make it up, except confidential reports,
    which follow the report rule (their reporter and the coordinators)."""
    return list(
        session.scalars(
            select(IncidentReport)
            .where(
                IncidentReport.incident_id == incident.id,
                or_(IncidentReport.confidential.is_(False), visible_reports_clause(who)),
            )
            .order_by(IncidentReport.id)
        )
    )


def detail(session: Session, who: Subject, incident: Incident) -> IncidentDetail:
    base = IncidentRead.model_validate(incident).model_dump()
    return IncidentDetail(
        **base,
        deadlines=[DeadlineRead.model_validate(d) for d in deadlines.deadlines_of(session, incident)],
        participants=[ParticipantRead.model_validate(p) for p in participants.participants_of(session, incident)],
        correlations=[CorrelationRead(**c.__dict__) for c in correlation.correlations(session, who, incident)],
    )


def export_json(session: Session, who: Subject, incident_id: int) -> IncidentExport:
    """The whole incident as one JSON document (the export is audited)."""
    incident = get_visible(session, who, incident_id)
    audit.record(
        session,
        who,
        "incident.exported",
        incident,
        organisation_id=incident.reporting_organisation_id,
        reference=incident.reference,
        format="json",
    )
    return IncidentExport(
        incident=IncidentRead.model_validate(incident),
        reports=[ReportRead.model_validate(r) for r in reports_of(session, who, incident)],
        deadlines=[DeadlineRead.model_validate(d) for d in deadlines.deadlines_of(session, incident)],
        participants=[ParticipantRead.model_validate(p) for p in participants.participants_of(session, incident)],
        timeline=[TimelineRead.model_validate(e) for e in timeline.entries(session, who, incident)],
        tasks=[TaskRead.model_validate(t) for t in task_service.tasks_of(session, incident)],
        comments=[CommentRead.model_validate(c) for c in discussion.comments_of(session, incident)],
        observables=[ObservableRead.model_validate(o) for o in observables.observables_of(session, who, incident)],
        correlations=[CorrelationRead(**c.__dict__) for c in correlation.correlations(session, who, incident)],
    )
