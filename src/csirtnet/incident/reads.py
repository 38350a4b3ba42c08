"""What the incident pages read: the incident list, the triage queue and a report's page, and what
waits for a person (the incident page's tabs are read by incident.workspace_reads).

What waits for a person, for the home page and the "My tasks" page: their tasks across incidents,
the deadlines of the incidents they work or coordinate, the reports waiting in triage, and the
counts of the incident lists. Every query is scoped through authz.incident (an incident the reader
may no longer see takes its tasks and deadlines with it); the pages only render what these return.
And the public tracking page's view of a report (its status and outcome, never the incident's
content).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, can
from csirtnet.authz.incident import (
    visible_incidents_clause,
    worked_incidents_clause,
)
from csirtnet.authz.permissions import Permission
from csirtnet.errors import ValidationFailed
from csirtnet.incident import (
    intake,
    repository,
)
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    Incident,
    IncidentDeadline,
    IncidentReport,
    IncidentTask,
    IncidentTaskAssignee,
    Organisation,
    Phase,
    ReportStatus,
    StoredFile,
    TaskStatus,
)
from csirtnet.organisation import reads as organisation_reads

# A deadline is shown from this long before it is due (Circular 20's five days fit).
DUE_WITHIN = timedelta(days=7)
OPEN_TASK = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)
TaskView = Literal["open", "done", "all"]
TASK_VIEWS: tuple[TaskView, ...] = ("open", "done", "all")


@dataclass(frozen=True)
class IncidentRef:
    id: int
    reference: str
    title: str


@dataclass(frozen=True)
class TaskItem:
    id: int
    title: str
    status: str
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    owned: bool  # the reader owns it (else it is assigned to them)
    incident: IncidentRef

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN_TASK and self.due_at is not None and as_utc(self.due_at) <= now


@dataclass(frozen=True)
class DeadlineItem:
    id: int
    label_vi: str
    label_en: str
    due_at: datetime
    incident: IncidentRef

    def overdue(self, now: datetime) -> bool:
        return as_utc(self.due_at) <= now


@dataclass(frozen=True)
class ReportItem:
    id: int
    reference: str
    title: str
    reported_at: datetime
    formal: bool


@dataclass(frozen=True)
class Counts:
    open: int
    mine: int
    overdue: int
    queue: int | None  # None: the reader does not triage


def _mine(who: Subject) -> ColumnElement[bool]:
    assigned = select(IncidentTaskAssignee.task_id).where(IncidentTaskAssignee.user_id == who.user_id)
    return or_(IncidentTask.owner_id == who.user_id, IncidentTask.id.in_(assigned))


def my_tasks_query(
    who: Subject, *, view: TaskView = "open", overdue: bool = False, now: datetime | None = None
) -> Select[IncidentTask, Incident]:
    """The tasks the reader owns or is assigned, on incidents they may see: open ones most urgent
    first (the earliest due, then the oldest), finished ones latest first."""
    if view not in TASK_VIEWS:
        raise ValidationFailed("status", f"must be one of {', '.join(TASK_VIEWS)}")
    query = (
        select(IncidentTask, Incident)
        .join(Incident, Incident.id == IncidentTask.incident_id)
        .where(_mine(who), visible_incidents_clause(who))
    )
    if view == "open":
        query = query.where(IncidentTask.status.in_(OPEN_TASK))
    elif view == "done":
        query = query.where(IncidentTask.status.not_in(OPEN_TASK))
    if overdue:
        query = query.where(IncidentTask.status.in_(OPEN_TASK), IncidentTask.due_at <= (now or utcnow()))
    if view == "done":
        return query.order_by(IncidentTask.completed_at.desc(), IncidentTask.id.desc())
    return query.order_by(IncidentTask.due_at.is_(None), IncidentTask.due_at, IncidentTask.created_at, IncidentTask.id)


def my_tasks(
    session: Session,
    who: Subject,
    *,
    view: TaskView = "open",
    overdue: bool = False,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[TaskItem]:
    """`my_tasks_query` read: each task with its incident."""
    if who.user_id is None or not can(who, Permission.INCIDENTS_READ):
        return []
    query = my_tasks_query(who, view=view, overdue=overdue, now=now)
    if limit is not None:
        query = query.limit(limit)
    return [
        TaskItem(
            id=task.id,
            title=task.title,
            status=task.status,
            due_at=task.due_at,
            created_at=task.created_at,
            completed_at=task.completed_at,
            owned=task.owner_id == who.user_id,
            incident=IncidentRef(incident.id, incident.reference, incident.title),
        )
        for task, incident in session.execute(query)
    ]


def due_deadlines(session: Session, who: Subject, *, limit: int, now: datetime | None = None) -> list[DeadlineItem]:
    """Deadlines not yet met of the open incidents the reader works or coordinates, overdue or due
    within DUE_WITHIN, the earliest first."""
    if who.user_id is None or not can(who, Permission.INCIDENTS_WRITE):
        return []
    now = now or utcnow()
    rows = session.execute(
        select(
            IncidentDeadline.id,
            IncidentDeadline.label_vi,
            IncidentDeadline.label_en,
            IncidentDeadline.due_at,
            Incident.id,
            Incident.reference,
            Incident.title,
        )
        .join(Incident, Incident.id == IncidentDeadline.incident_id)
        .where(
            IncidentDeadline.met_at.is_(None),
            IncidentDeadline.due_at <= now + DUE_WITHIN,
            Incident.phase != Phase.CLOSED.value,
            worked_incidents_clause(who),
        )
        .order_by(IncidentDeadline.due_at, IncidentDeadline.id)
        .limit(limit)
    )
    return [
        DeadlineItem(d_id, label_vi, label_en, due_at, IncidentRef(i_id, reference, title))
        for d_id, label_vi, label_en, due_at, i_id, reference, title in rows
        if due_at is not None  # the query asks for a due time; this tells the type checker
    ]


def triage_queue(session: Session, who: Subject, *, limit: int) -> list[ReportItem]:
    """Reports waiting in triage, the oldest first (for those who triage)."""
    if not can(who, Permission.INCIDENTS_TRIAGE):
        return []
    query = repository.reports(who, status=ReportStatus.NEW.value).with_only_columns(
        IncidentReport.id,
        IncidentReport.reference,
        IncidentReport.title,
        IncidentReport.reported_at,
        IncidentReport.formal,
    )
    rows = session.execute(query.order_by(IncidentReport.reported_at, IncidentReport.id).limit(limit))
    return [ReportItem(*row) for row in rows]


def counts(session: Session, who: Subject) -> Counts | None:
    """The incident lists' sizes, for the reader: open, mine, overdue, waiting for triage."""
    if not can(who, Permission.INCIDENTS_READ):
        return None

    def count(filters: repository.IncidentFilters) -> int:
        query = repository.incidents(who, filters).with_only_columns(func.count(Incident.id)).order_by(None)
        return int(session.scalar(query) or 0)

    queue = None
    if can(who, Permission.INCIDENTS_TRIAGE):
        query = repository.reports(who, status=ReportStatus.NEW.value).with_only_columns(func.count(IncidentReport.id))
        queue = int(session.scalar(query) or 0)
    return Counts(
        open=count(repository.IncidentFilters(open_only=True)),
        mine=count(repository.IncidentFilters(open_only=True, mine=True)),
        overdue=count(repository.IncidentFilters(open_only=True, overdue=True)),
        queue=queue,
    )


@dataclass(frozen=True)
class ReportTracking:
    report: IncidentReport
    incident_reference: str | None  # the incident it opened or joined, once triaged
    incident_closed: bool


def report_tracking(session: Session, token: str) -> ReportTracking | None:
    """The report a tracking link names, with the reference and closed state of its incident."""
    report = intake.find_by_token(session, token)
    if report is None:
        return None
    incident = session.get(Incident, report.incident_id) if report.incident_id else None
    return ReportTracking(
        report=report,
        incident_reference=incident.reference if incident else None,
        incident_closed=bool(incident and incident.closed_at),
    )


# -- the incident list and the triage queue --------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    rows: list[Incident]
    next_cursor: str | None
    organisations: dict[int, Organisation]  # of the rows
    next_due: dict[int, datetime]  # each row's earliest deadline not met
    phase_counts: dict[str, int]
    queue_size: int | None  # reports waiting for triage (for those who triage)


def incident_list(
    session: Session, who: Subject, filters: repository.IncidentFilters, *, cursor: str | None, limit: int = 30
) -> ListPage:
    """One page of the incident list with what its rows show, in a fixed number of statements."""
    rows, next_cursor = repository.page(session, who, filters, limit=limit, cursor=cursor)
    ids = [r.id for r in rows]
    orgs = {
        o.id: o for o in organisation_reads.organisations_among(session, {r.reporting_organisation_id for r in rows})
    }
    next_due = {
        incident_id: due
        for incident_id, due in session.execute(
            select(IncidentDeadline.incident_id, func.min(IncidentDeadline.due_at))
            .where(
                IncidentDeadline.incident_id.in_(ids),
                IncidentDeadline.met_at.is_(None),
                IncidentDeadline.due_at.is_not(None),
            )
            .group_by(IncidentDeadline.incident_id)
        )
        if due is not None
    }
    queue = None
    if can(who, Permission.INCIDENTS_TRIAGE):
        query = repository.reports(who, status=ReportStatus.NEW.value).with_only_columns(func.count(IncidentReport.id))
        queue = int(session.scalar(query) or 0)
    return ListPage(list(rows), next_cursor, orgs, next_due, repository.phase_counts(session, who), queue)


def report_queue(
    session: Session, who: Subject, *, status: str | None, q: str | None, cursor: str | None, limit: int = 30
) -> tuple[list[IncidentReport], str | None]:
    """One page of the reports the reader may see (the triage queue is status "new"), newest first."""
    from csirtnet.kit.pagination import paginate

    rows, next_cursor = paginate(
        session, repository.reports(who, status=status, q=q), IncidentReport.id, limit=limit, cursor=cursor
    )
    return list(rows), next_cursor


@dataclass(frozen=True)
class ReportPage:
    report: IncidentReport
    attachments: list[tuple[int, StoredFile]]
    incident: Incident | None  # the incident it became, when the reader may see it
    organisation: Organisation | None
    can_triage: bool


def report_page(session: Session, who: Subject, report_id: int) -> ReportPage:
    """A report with its files, its incident (if the reader may see it) and whether it waits for
    the reader's triage."""
    from csirtnet.authz.incident import can_view
    from csirtnet.incident import triage

    report = triage.get_report(session, who, report_id)
    incident = None
    if report.incident_id and can_view(session, who, report.incident_id):
        incident = session.get(Incident, report.incident_id)
    organisation = (
        session.get(Organisation, report.reporting_organisation_id) if report.reporting_organisation_id else None
    )
    return ReportPage(
        report=report,
        attachments=triage.report_files(session, report),
        incident=incident,
        organisation=organisation,
        can_triage=can(who, Permission.INCIDENTS_TRIAGE) and report.status == ReportStatus.NEW.value,
    )
