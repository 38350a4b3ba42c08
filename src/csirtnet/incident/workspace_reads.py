"""What the incident page reads, tab by tab (summary, tasks and each task, observables, timeline,
discussion, files), the choices its forms offer, and the case report: every query scoped through
authz.incident, each tab in a fixed number of statements whatever its number of rows
(tests/incident/test_workspace.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, can
from csirtnet.authz.incident import (
    Abilities,
    abilities,
    get_visible,
    visible_incidents_clause,
)
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound
from csirtnet.incident import (
    correlation,
    deadlines,
    discussion,
    files,
    observables,
    participants,
    task_service,
    timeline,
)
from csirtnet.kit.time import utcnow
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
    IncidentTaskUpdate,
    IncidentTimelineEntry,
    Organisation,
    Phase,
    RequestStatus,
    SupportRequest,
    User,
)
from csirtnet.organisation import reads as organisation_reads

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
    # (kind, value) -> the shared indicators and advisories it matches (intel.correlation.Correlations).
    shared_indicators: dict[tuple[str, str], Any]


def observables_tab(session: Session, who: Subject, page: IncidentPage) -> ObservablesTab:
    """The observables the reader may see, each with the other incidents it is also seen in and the
    shared indicators it matches (both read through the reader's clauses)."""
    from csirtnet.intel import correlation as intel_correlation

    shared: dict[tuple[str, str], list[correlation.Correlation]] = {}
    for c in correlation.correlations(session, who, page.incident):
        shared.setdefault((c.observable_kind, c.observable_value), []).append(c)
    indicators = intel_correlation.for_incident(session, who, page.incident)
    return ObservablesTab(observables.observables_of(session, who, page.incident), shared, indicators)


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
