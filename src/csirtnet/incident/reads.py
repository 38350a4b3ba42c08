"""What the incident pages read: the incident page's tabs, the choices of its forms, and what
waits for a person.

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
from typing import Literal, NamedTuple

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, can
from csirtnet.authz.incident import (
    Abilities,
    abilities,
    get_visible,
    visible_incidents_clause,
    worked_incidents_clause,
)
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.incident import (
    correlation,
    deadlines,
    discussion,
    files,
    intake,
    observables,
    participants,
    repository,
    task_service,
    timeline,
)
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    Deployment,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentDeadline,
    IncidentObservable,
    IncidentParticipant,
    IncidentReport,
    IncidentTask,
    IncidentTaskAssignee,
    IncidentTaskUpdate,
    IncidentTimelineEntry,
    Organisation,
    Phase,
    ReportStatus,
    RequestStatus,
    StoredFile,
    SupportRequest,
    TaskStatus,
    User,
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


# -- the incident page ---------------------------------------------------------------------------
#
# The page is split in tabs, each a URL of its own (/incidents/{id}, /tasks, /observables,
# /timeline, /discussion, /files); each tab reads only what it shows, in a fixed number of
# statements whatever the number of rows (tests/incident/test_workspace.py counts them).


class Person(NamedTuple):
    id: int
    full_name: str
    organisation_id: int
    is_active: bool
    name_sort: str


@dataclass(frozen=True)
class IncidentPage:
    """What every tab of the incident page shows: the incident, its organisation, what the reader
    may do, and since when it is overdue (its earliest overdue deadline)."""

    incident: Incident
    organisation: Organisation | None
    able: Abilities
    overdue_since: datetime | None


def incident_page(session: Session, who: Subject, incident_id: int) -> IncidentPage:
    """The incident (NotFound when the reader may not see it; a TLP:RED read is audited)."""
    incident = get_visible(session, who, incident_id)
    overdue_since = None
    if incident.overdue and incident.phase != Phase.CLOSED.value:
        overdue_since = session.scalar(
            select(func.min(IncidentDeadline.due_at)).where(
                IncidentDeadline.incident_id == incident.id,
                IncidentDeadline.met_at.is_(None),
                IncidentDeadline.due_at <= utcnow(),
            )
        )
    return IncidentPage(
        incident=incident,
        organisation=session.get(Organisation, incident.reporting_organisation_id),
        able=abilities(session, who, incident),
        overdue_since=overdue_since,
    )


def people(
    session: Session, incident: Incident, named: set[int], mentioned: set[int]
) -> tuple[dict[int, Person], list[Person]]:
    """In one round trip: the users the page names (authors, owners, participants) and the people
    tasks can go to — active named participants and active users of the reporting organisation,
    the first 200 by name. Both parts are index lookups under one IN (an OR of them made
    PostgreSQL scan every user: 9 ms with 20,000 users). Only the columns the page shows: whole
    User objects (with their organisation, joined) cost a millisecond more."""
    colleagues = (
        select(User.id)
        .where(User.organisation_id == incident.reporting_organisation_id, User.is_active.is_(True))
        .order_by(User.name_sort)
        .limit(200)
    )
    wanted = union(select(User.id).where(User.id.in_(named | mentioned)), colleagues.subquery().select())
    rows = [
        Person(*row)
        for row in session.execute(
            select(User.id, User.full_name, User.organisation_id, User.is_active, User.name_sort).where(
                User.id.in_(wanted.scalar_subquery())
            )
        )
    ]
    candidates = sorted(
        (u for u in rows if u.is_active and (u.id in named or u.organisation_id == incident.reporting_organisation_id)),
        key=lambda u: u.name_sort,
    )[:200]
    return {u.id: u for u in rows}, candidates


def _named_now(session: Session, incident: Incident) -> tuple[list[IncidentParticipant], set[int]]:
    now = utcnow()
    parts = participants.participants_of(session, incident)
    return parts, {p.user_id for p in parts if p.user_id and p.is_active(now)}


@dataclass(frozen=True)
class PendingRequest:
    id: int
    experts_needed: int
    urgency: str
    created_at: datetime


@dataclass(frozen=True)
class SummaryTab:
    deadlines: list[IncidentDeadline]
    participants: list[IncidentParticipant]
    active_ids: set[int]
    people: dict[int, Person]
    organisations: dict[int, str]
    links: list[correlation.LinkedIncident]
    reports: list[IncidentReport]
    pending_requests: list[PendingRequest]
    next_phase: str | None  # the phase the response moves to next (offered first)
    other_phases: list[str]  # where else it may go from here (back, or skipping ahead)
    can_close: bool  # the closing report is offered (the phase allows closing)


def summary_tab(session: Session, who: Subject, page: IncidentPage) -> SummaryTab:
    """The summary: deadlines, participants, linked incidents, reports, pending support requests
    and the phases the response may move to."""
    from csirtnet.incident import export, workflow
    from csirtnet.mobilisation import reads as mobilisation_reads

    incident = page.incident
    now = utcnow()
    parts, named = _named_now(session, incident)
    users, _ = people(session, incident, named, {p.user_id for p in parts if p.user_id})
    org_ids = {p.organisation_id for p in parts if p.organisation_id} | {incident.reporting_organisation_id}
    allowed = [p.value for p in workflow.allowed_next(incident.phase)]
    forward = workflow.next_phase(incident.phase)
    requests = (
        mobilisation_reads.incident_requests(session, who, incident.id, limit=20)
        if can(who, Permission.MOBILISATION_READ)
        else []
    )
    return SummaryTab(
        deadlines=deadlines.deadlines_of(session, incident),
        participants=parts,
        active_ids={p.id for p in parts if p.is_active(now)},
        people=users,
        organisations=organisation_reads.names(session, org_ids),
        links=correlation.linked(session, who, incident),
        reports=export.reports_of(session, who, incident),
        pending_requests=[
            PendingRequest(r.id, r.experts_needed, r.urgency, r.created_at)
            for r in requests
            if r.status == RequestStatus.OPEN.value
        ],
        next_phase=forward.value if forward and forward.value in allowed and forward != Phase.CLOSED else None,
        other_phases=[p for p in allowed if p != Phase.CLOSED.value and (forward is None or p != forward.value)],
        # A new incident is not closed from its first page: closing comes at the end of the response.
        can_close=Phase.CLOSED.value in allowed and incident.phase != Phase.TRIAGE.value,
    )


@dataclass(frozen=True)
class TaskRow:
    task: IncidentTask
    updates: int
    last_update_at: datetime | None


@dataclass(frozen=True)
class TasksTab:
    tasks: list[TaskRow]
    people: dict[int, Person]
    candidates: list[Person]


def tasks_tab(session: Session, page: IncidentPage) -> TasksTab:
    """The incident's tasks with their assignees, how many log entries each has and when the last
    was written (one grouped query), and the people tasks can go to."""
    incident = page.incident
    tasks = task_service.tasks_of(session, incident)
    counts = {
        task_id: (int(n), last)
        for task_id, n, last in session.execute(
            select(
                IncidentTaskUpdate.task_id, func.count(IncidentTaskUpdate.id), func.max(IncidentTaskUpdate.created_at)
            )
            .join(IncidentTask, IncidentTask.id == IncidentTaskUpdate.task_id)
            .where(IncidentTask.incident_id == incident.id)
            .group_by(IncidentTaskUpdate.task_id)
        )
    }
    _, named = _named_now(session, incident)
    mentioned = {t.owner_id for t in tasks if t.owner_id} | {a for t in tasks for a in t.assignee_ids}
    users, candidates = people(session, incident, named, mentioned)
    rows = [TaskRow(t, *counts.get(t.id, (0, None))) for t in tasks]
    return TasksTab(rows, users, candidates)


@dataclass(frozen=True)
class TaskPage:
    task: IncidentTask
    log: list[IncidentTaskUpdate]
    people: dict[int, Person]
    candidates: list[Person]


def task_page(session: Session, page: IncidentPage, task_id: int) -> TaskPage:
    """One task of the incident with its log (NotFound for another incident's task)."""
    task = session.get(IncidentTask, task_id)
    if task is None or task.incident_id != page.incident.id:
        raise NotFound("task")
    log = task_service.log_of(session, task)
    _, named = _named_now(session, page.incident)
    mentioned = {task.owner_id or 0, task.created_by_id or 0, *task.assignee_ids}
    mentioned |= {e.author_id for e in log if e.author_id}
    for entry in log:
        for change in (entry.changes or {}).values():
            if isinstance(change, dict):
                mentioned |= {v for v in change.values() if isinstance(v, int)}
                mentioned |= {i for v in change.values() if isinstance(v, list) for i in v if isinstance(i, int)}
    users, candidates = people(session, page.incident, named, mentioned)
    return TaskPage(task, log, users, candidates)


@dataclass(frozen=True)
class ObservablesTab:
    observables: list[IncidentObservable]
    correlations: dict[tuple[str, str], list[correlation.Correlation]]


def observables_tab(session: Session, who: Subject, page: IncidentPage) -> ObservablesTab:
    """The observables the reader may see, each with the other incidents it is also seen in."""
    shared: dict[tuple[str, str], list[correlation.Correlation]] = {}
    for c in correlation.correlations(session, who, page.incident):
        shared.setdefault((c.observable_kind, c.observable_value), []).append(c)
    return ObservablesTab(observables.observables_of(session, who, page.incident), shared)


@dataclass(frozen=True)
class TimelineItem:
    entry: IncidentTimelineEntry
    text: str  # in words, in the reader's language
    author: str | None


def timeline_tab(session: Session, who: Subject, page: IncidentPage, language: str) -> list[TimelineItem]:
    """The timeline the reader may read (authz.incident.visible_timeline_clause), in words."""
    entries = timeline.entries(session, who, page.incident)
    return timeline_in_words(session, page.incident, entries, language)


def timeline_in_words(
    session: Session, incident: Incident, entries: list[IncidentTimelineEntry], language: str
) -> list[TimelineItem]:
    """Entries already read through the timeline's one query, with their words and authors."""
    from csirtnet.cluster import reads as cluster_reads

    user_ids, org_ids, cluster_ids, profile_keys = timeline.referenced_ids(entries)
    user_ids |= {e.author_id for e in entries if e.author_id}
    users, _ = people(session, incident, set(), user_ids) if user_ids else ({}, [])
    names = timeline.Names(
        people={i: p.full_name for i, p in users.items()},
        organisations=organisation_reads.names(session, org_ids) if org_ids else {},
        clusters={c.id: c.name for c in cluster_reads.clusters_among(session, cluster_ids)} if cluster_ids else {},
        profiles={p.key: (p.name_vi, p.name_en) for p in deadlines.profile_names(session) if p.key in profile_keys}
        if profile_keys
        else {},
    )
    return [
        TimelineItem(
            e,
            timeline.describe(e.action, e.details, language, names) if e.kind == "change" else e.text,
            users[e.author_id].full_name if e.author_id in users else None,
        )
        for e in entries
    ]


@dataclass(frozen=True)
class DiscussionTab:
    comments: list[IncidentComment]
    people: dict[int, Person]


def discussion_tab(session: Session, page: IncidentPage) -> DiscussionTab:
    comments = discussion.comments_of(session, page.incident)
    users, _ = people(session, page.incident, set(), {c.author_id for c in comments if c.author_id})
    return DiscussionTab(comments, users)


@dataclass(frozen=True)
class FilesTab:
    attachments: list[IncidentAttachment]
    people: dict[int, Person]


def files_tab(session: Session, who: Subject, page: IncidentPage) -> FilesTab:
    """The files the reader may see (a TLP:RED file only for the named participants)."""
    rows = files.attachments_of(session, who, page.incident)
    users, _ = people(session, page.incident, set(), {a.created_by_id for a in rows if a.created_by_id})
    return FilesTab(rows, users)


# -- what the incident pages' forms offer ------------------------------------------------------------


def cluster_choices(session: Session) -> list[tuple[str, str]]:
    from csirtnet.cluster import reads as cluster_reads

    return [(str(c.id), c.name) for c in cluster_reads.clusters_among(session, None)]


def profile_choices(session: Session, language: str) -> list[tuple[str, str]]:
    return [(p.key, p.name_vi if language == "vi" else p.name_en) for p in deadlines.profile_names(session)]


def organisation_choices(session: Session) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in organisation_reads.organisations_among(session, None)]


def province_choices(session: Session) -> list[str]:
    """The provinces of the member organisations (the list's filter)."""
    return sorted({p for p in session.scalars(select(Organisation.province).distinct()) if p})


def incident_by_reference(session: Session, who: Subject, reference: str) -> int | None:
    """The id of the incident `reference` names ("SC-2026-000001" or its number), if the reader may see it."""
    raw = reference.strip().upper()
    query = select(Incident.id).where(visible_incidents_clause(who))
    if raw.isdigit():
        return session.scalar(query.where(Incident.id == int(raw)))
    return session.scalar(query.where(Incident.reference == raw)) if raw else None


def user_by_email(session: Session, email: str) -> int | None:
    return session.scalar(select(User.id).where(User.email == email.strip().lower()))


def organisation_by_code(session: Session, code: str) -> int | None:
    """The organisation a member code or short name names."""
    code = code.strip()
    if not code:
        return None
    return session.scalar(
        select(Organisation.id).where(or_(Organisation.member_code == code, Organisation.short_name == code)).limit(1)
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


# -- the case report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseParticipant:
    name: str
    role: str
    active: bool
    ends_at: datetime | None


@dataclass(frozen=True)
class CaseReport:
    """The whole case as its reader may see it, through the same reads as the incident page: the
    HTML case report and the PDF (incident.export_pdf) both render this."""

    incident: Incident
    organisation: Organisation | None
    reports: list[IncidentReport]
    timeline: list[TimelineItem]
    tasks: list[IncidentTask]
    observables: list[IncidentObservable]
    attachments: list[IncidentAttachment]
    participants: list[CaseParticipant]
    requests: list[SupportRequest]
    deployments: list[Deployment]
    people: dict[int, Person]
    deadlines: list[IncidentDeadline]


def case_report(session: Session, who: Subject, incident_id: int, language: str) -> CaseReport:
    """Everything of the incident the reader may see, for the case report (a TLP:RED read is audited)."""
    from csirtnet.incident import export
    from csirtnet.mobilisation import reads as mobilisation_reads

    page = incident_page(session, who, incident_id)
    incident = page.incident
    now = utcnow()
    parts, named = _named_now(session, incident)
    tasks = task_service.tasks_of(session, incident)
    mentioned = {p.user_id for p in parts if p.user_id} | {t.owner_id for t in tasks if t.owner_id}
    mentioned |= {a for t in tasks for a in t.assignee_ids}
    users, _ = people(session, incident, named, mentioned)
    org_names = organisation_reads.names(session, {p.organisation_id for p in parts if p.organisation_id})
    mobilised = can(who, Permission.MOBILISATION_READ)
    return CaseReport(
        incident=incident,
        organisation=page.organisation,
        reports=export.reports_of(session, who, incident),
        timeline=timeline_tab(session, who, page, language),
        tasks=tasks,
        observables=observables.observables_of(session, who, incident),
        attachments=files.attachments_of(session, who, incident),
        participants=[
            CaseParticipant(
                users[p.user_id].full_name
                if p.user_id and p.user_id in users
                else org_names.get(p.organisation_id or 0, "—"),
                p.role,
                p.is_active(now),
                p.ends_at,
            )
            for p in parts
        ],
        requests=mobilisation_reads.incident_requests(session, who, incident.id, limit=100) if mobilised else [],
        deployments=mobilisation_reads.incident_deployments(session, who, incident.id) if mobilised else [],
        people=users,
        deadlines=deadlines.deadlines_of(session, incident),
    )
