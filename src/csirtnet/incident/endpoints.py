"""The incidents API: reports and triage, incidents, their workflow, timeline, tasks, discussion,
observables, correlations, participants, deadlines, search and export."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz.incident import get_visible
from csirtnet.authz.permissions import Permission
from csirtnet.incident import (
    correlation,
    deadlines,
    discussion,
    export,
    intake,
    observables,
    participants,
    repository,
    task_service,
    timeline,
    triage,
    workflow,
)
from csirtnet.incident.schemas import (
    AttachReport,
    Classification,
    ClosingReport,
    CommentCreate,
    CommentRead,
    CorrelationRead,
    EvidenceRoleChange,
    IncidentDetail,
    IncidentExport,
    IncidentRead,
    LinkCreate,
    ObservableCreate,
    ObservableRead,
    OpenFromReport,
    ParticipantCreate,
    ParticipantRead,
    PhaseChange,
    RejectReport,
    ReportCreate,
    ReportRead,
    TaskCreate,
    TaskRead,
    TaskUpdate,
    TimelineEntryCreate,
    TimelineRead,
)
from csirtnet.kit import downloads
from csirtnet.kit.pagination import Page, page_of, paginate, paginate_keyset
from csirtnet.kit.schemas import InputSchema
from csirtnet.models import (
    Incident,
    IncidentComment,
    IncidentObservable,
    IncidentParticipant,
    IncidentReport,
    IncidentTask,
    IncidentTimelineEntry,
    ReportChannel,
)

router = APIRouter(prefix="/incidents", tags=["incidents"])


# -- reports and triage ------------------------------------------------------------------------


SEARCH_HELP = (
    'Words, accents and case ignored; every word must match the start of a word ("ransom" finds '
    'ransomware, "10.0.0" finds 10.0.0.15, "evil.example" finds mail.evil.example); words of one '
    "or two letters match whole words (docs/adr/0013-word-search.md)"
)


@router.post("/reports", response_model=ReportRead, status_code=201)
def submit_report(body: ReportCreate, request: Request, session: Session, who: ApiUser) -> ReportRead:
    """Report an incident (Circular 20 form 03 content); it enters the triage queue."""
    client = request.client.host if request.client else None
    received = intake.submit(session, who, body, channel=ReportChannel.API, source_ip=client)
    return ReportRead.model_validate(received.report)


@router.get("/reports", response_model=Page[ReportRead])
def list_reports(
    session: Session,
    who: ApiUser,
    status: str | None = Query(default=None, max_length=20),
    q: str | None = Query(default=None, max_length=200, description=SEARCH_HELP),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ReportRead]:
    """Reports you may see; status=new is the triage queue."""
    return page_of(
        ReportRead,
        paginate(session, repository.reports(who, status=status, q=q), IncidentReport.id, limit=limit, cursor=cursor),
    )


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(report_id: int, session: Session, who: ApiUser) -> ReportRead:
    """One report."""
    return ReportRead.model_validate(triage.get_report(session, who, report_id))


@router.post("/reports/{report_id}/open", response_model=IncidentRead, status_code=201)
def open_incident(report_id: int, body: OpenFromReport, session: Session, who: ApiUser) -> IncidentRead:
    """Open an incident from a report, classifying it."""
    return IncidentRead.model_validate(triage.open_incident(session, who, report_id, body))


@router.post("/reports/{report_id}/attach", response_model=IncidentRead)
def attach_report(report_id: int, body: AttachReport, session: Session, who: ApiUser) -> IncidentRead:
    """Attach a report to an existing incident (duplicates merge)."""
    return IncidentRead.model_validate(triage.attach_report(session, who, report_id, body.incident_id))


@router.post("/reports/{report_id}/reject", response_model=ReportRead)
def reject_report(report_id: int, body: RejectReport, session: Session, who: ApiUser) -> ReportRead:
    """Reject a report with the reason the reporter will read."""
    return ReportRead.model_validate(triage.reject_report(session, who, report_id, body.reason))


# -- lists, search, statistics -------------------------------------------------------------------


@router.get("", response_model=Page[IncidentRead])
def list_incidents(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=200, description=SEARCH_HELP),
    phase: str | None = Query(default=None, max_length=20),
    severity: str | None = Query(default=None, max_length=20),
    rsit_class: str | None = Query(default=None, max_length=60),
    province: str | None = Query(default=None, max_length=80),
    organisation_id: int | None = None,
    overdue: bool | None = None,
    mine: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[IncidentRead]:
    """Incidents you may see, filtered and searched (Vietnamese or English, accents ignored)."""
    filters = repository.IncidentFilters(
        q=q,
        phase=phase,
        severity=severity,
        rsit_class=rsit_class,
        province=province,
        organisation_id=organisation_id,
        overdue=overdue,
        mine=mine,
    )
    return page_of(IncidentRead, repository.page(session, who, filters, limit=limit, cursor=cursor))


class ProvinceCount(BaseModel):
    province: str
    total: int
    open: int
    serious: int
    overdue: int


@router.get("/by-province", response_model=list[ProvinceCount])
def by_province(session: Session, who: ApiUser) -> list[ProvinceCount]:
    """Incident counts per province (of the incidents you may see).

    A plain list: an aggregate with one row per province, never longer than the provinces."""
    return [ProvinceCount(**r.__dict__) for r in repository.by_province(session, who)]


class RuleRead(BaseModel):
    key: str
    label_vi: str
    label_en: str
    anchor: str
    offset_minutes: int | None
    condition: str | None
    satisfied_by: str
    remind_before_minutes: int


class ProfileRead(BaseModel):
    key: str
    name_vi: str
    name_en: str
    description: str | None
    active: bool
    is_default: bool
    rules: list[RuleRead]


class RuleWrite(InputSchema):
    label_vi: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    anchor: str = Field(max_length=40)
    offset_minutes: int | None = Field(default=None, ge=0)
    condition: Literal["serious", "normal", "major", "ransom_paid"] | None = None
    satisfied_by: Literal["report", "closing", "manual"] = "manual"
    remind_before_minutes: int = Field(default=0, ge=0)


def _profile_read(p: object) -> ProfileRead:
    return ProfileRead.model_validate(p, from_attributes=True)


@router.get("/deadline-profiles", response_model=list[ProfileRead])
def list_profiles(session: Session, who: ApiUser) -> list[ProfileRead]:
    """The regulatory deadline profiles and their rules.

    A plain list: the profiles are a small set fixed by regulation, edited by platform admins."""
    from csirtnet.authz import require

    require(who, Permission.INCIDENTS_READ)
    return [_profile_read(p) for p in deadlines.profiles(session, active_only=False)]


@router.put("/deadline-profiles/{profile_key}/rules/{rule_key}", response_model=ProfileRead)
def save_rule(profile_key: str, rule_key: str, body: RuleWrite, session: Session, who: ApiUser) -> ProfileRead:
    """Add or change a rule of a profile (platform admins); open incidents are recomputed."""
    deadlines.save_rule(session, who, profile_key, deadlines.RuleInput(key=rule_key, **body.model_dump()))
    prof = deadlines.profile(session, profile_key)
    return _profile_read(prof)


@router.delete("/deadline-profiles/{profile_key}/rules/{rule_key}", status_code=204)
def delete_rule(profile_key: str, rule_key: str, session: Session, who: ApiUser) -> Response:
    """Remove a rule of a profile (platform admins)."""
    deadlines.delete_rule(session, who, profile_key, rule_key)
    return Response(status_code=204)


# -- one incident ------------------------------------------------------------------------------


@router.get("/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: int, session: Session, who: ApiUser) -> IncidentDetail:
    """One incident with its deadlines, participants and correlations."""
    incident = get_visible(session, who, incident_id)
    return export.detail(session, who, incident)


@router.patch("/{incident_id}", response_model=IncidentRead)
def classify_incident(incident_id: int, body: Classification, session: Session, who: ApiUser) -> IncidentRead:
    """Change the classification (RSIT, severity with reason, TLP, PAP, impact, profile)."""
    return IncidentRead.model_validate(triage.update_classification(session, who, incident_id, body))


@router.post("/{incident_id}/phase", response_model=IncidentRead)
def change_phase(incident_id: int, body: PhaseChange, session: Session, who: ApiUser) -> IncidentRead:
    """Move to another phase (closing needs closing_report)."""
    return IncidentRead.model_validate(workflow.change_phase(session, who, incident_id, body))


@router.post("/{incident_id}/close", response_model=IncidentRead)
def close_incident(incident_id: int, body: ClosingReport, session: Session, who: ApiUser) -> IncidentRead:
    """Close with the closing report (Circular 20 form 04)."""
    return IncidentRead.model_validate(workflow.close(session, who, incident_id, body))


@router.post("/{incident_id}/links", status_code=201)
def link_incident(incident_id: int, body: LinkCreate, session: Session, who: ApiUser) -> dict[str, int | str]:
    """Link a related incident (you must see both)."""
    link = triage.link_incidents(session, who, incident_id, body.other_incident_id, body.note)
    return {"id": link.id, "kind": link.kind}


@router.post("/{incident_id}/deadlines/{rule_key}/met", response_model=IncidentDetail)
def deadline_met(incident_id: int, rule_key: str, session: Session, who: ApiUser) -> IncidentDetail:
    """Record that a manual obligation (e.g. NIS2's 72-hour notification) was fulfilled."""
    from csirtnet.authz.incident import require_work

    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    deadlines.mark_met(session, who, incident, rule_key)
    return export.detail(session, who, incident)


@router.get("/{incident_id}/timeline", response_model=Page[TimelineRead])
def get_timeline(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TimelineRead]:
    """The timeline: manual entries and every change, oldest first."""
    incident = get_visible(session, who, incident_id)
    return page_of(
        TimelineRead,
        paginate_keyset(
            session,
            timeline.entries_query(who, incident),
            (IncidentTimelineEntry.occurred_at, IncidentTimelineEntry.id),
            limit=limit,
            cursor=cursor,
        ),
    )


@router.post("/{incident_id}/timeline", response_model=TimelineRead, status_code=201)
def add_timeline(incident_id: int, body: TimelineEntryCreate, session: Session, who: ApiUser) -> TimelineRead:
    """Add a timeline entry with its own time and time zone."""
    return TimelineRead.model_validate(timeline.add_entry(session, who, incident_id, body))


@router.get("/{incident_id}/tasks", response_model=Page[TaskRead])
def get_tasks(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TaskRead]:
    """The incident's tasks, oldest first."""
    incident = get_visible(session, who, incident_id)
    return page_of(
        TaskRead,
        paginate(
            session, task_service.tasks_query(incident), IncidentTask.id, limit=limit, cursor=cursor, descending=False
        ),
    )


@router.post("/{incident_id}/tasks", response_model=TaskRead, status_code=201)
def create_task(incident_id: int, body: TaskCreate, session: Session, who: ApiUser) -> TaskRead:
    """Create a task (owner and assignees are told)."""
    return TaskRead.model_validate(task_service.create(session, who, incident_id, body))


@router.patch("/{incident_id}/tasks/{task_id}", response_model=TaskRead)
def update_task(incident_id: int, task_id: int, body: TaskUpdate, session: Session, who: ApiUser) -> TaskRead:
    """Change a task."""
    return TaskRead.model_validate(task_service.update(session, who, incident_id, task_id, body))


@router.get("/{incident_id}/comments", response_model=Page[CommentRead])
def get_comments(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[CommentRead]:
    """The discussion thread, oldest first."""
    incident = get_visible(session, who, incident_id)
    return page_of(
        CommentRead,
        paginate(
            session,
            discussion.comments_query(incident),
            IncidentComment.id,
            limit=limit,
            cursor=cursor,
            descending=False,
        ),
    )


@router.post("/{incident_id}/comments", response_model=CommentRead, status_code=201)
def post_comment(incident_id: int, body: CommentCreate, session: Session, who: ApiUser) -> CommentRead:
    """Post to the thread; @email or @[Full Name] mentions notify."""
    return CommentRead.model_validate(discussion.post(session, who, incident_id, body.body))


@router.get("/{incident_id}/observables", response_model=Page[ObservableRead])
def get_observables(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ObservableRead]:
    """The incident's observables, oldest first."""
    incident = get_visible(session, who, incident_id)
    return page_of(
        ObservableRead,
        paginate(
            session,
            observables.observables_query(who, incident),
            IncidentObservable.id,
            limit=limit,
            cursor=cursor,
            descending=False,
        ),
    )


@router.post("/{incident_id}/observables", response_model=ObservableRead, status_code=201)
def add_observable(incident_id: int, body: ObservableCreate, session: Session, who: ApiUser) -> ObservableRead:
    """Add an observable (normalised; defanged values accepted)."""
    return ObservableRead.model_validate(observables.add(session, who, incident_id, body))


@router.delete("/{incident_id}/observables/{observable_id}", status_code=204)
def remove_observable(incident_id: int, observable_id: int, session: Session, who: ApiUser) -> Response:
    """Remove an observable."""
    observables.remove(session, who, incident_id, observable_id)
    return Response(status_code=204)


@router.get("/{incident_id}/correlations", response_model=Page[CorrelationRead])
def get_correlations(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=1000),
) -> Page[CorrelationRead]:
    """Other incidents you may see that share an observable with this one, newest first."""
    incident = get_visible(session, who, incident_id)
    rows, next_cursor = correlation.correlations_page(session, who, incident, limit=limit, cursor=cursor)
    return Page[CorrelationRead](items=[CorrelationRead(**c.__dict__) for c in rows], next_cursor=next_cursor)


@router.get("/{incident_id}/participants", response_model=Page[ParticipantRead])
def get_participants(
    incident_id: int,
    session: Session,
    who: ApiUser,
    limit: int = Query(default=100, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[ParticipantRead]:
    """Participants, past and present, by when they started."""
    incident = get_visible(session, who, incident_id)
    return page_of(
        ParticipantRead,
        paginate_keyset(
            session,
            participants.participants_query(incident),
            (IncidentParticipant.starts_at, IncidentParticipant.id),
            limit=limit,
            cursor=cursor,
        ),
    )


@router.post("/{incident_id}/participants", response_model=ParticipantRead, status_code=201)
def add_participant(incident_id: int, body: ParticipantCreate, session: Session, who: ApiUser) -> ParticipantRead:
    """Add a participant (a user, or a whole organisation), optionally until a given time."""
    return ParticipantRead.model_validate(participants.add(session, who, incident_id, body))


@router.post("/{incident_id}/participants/{participant_id}/evidence-role", response_model=ParticipantRead)
def change_evidence_role(
    incident_id: int, participant_id: int, body: EvidenceRoleChange, session: Session, who: ApiUser
) -> ParticipantRead:
    """Give a named participant an evidence role (custodian, analyst, observer) or take it away."""
    row = participants.set_evidence_role(session, who, incident_id, participant_id, body.evidence_role)
    return ParticipantRead.model_validate(row)


@router.post("/{incident_id}/participants/{participant_id}/end", response_model=ParticipantRead)
def end_participant(incident_id: int, participant_id: int, session: Session, who: ApiUser) -> ParticipantRead:
    """End a participation now (its access ends with it)."""
    return ParticipantRead.model_validate(participants.end(session, who, incident_id, participant_id))


@router.get("/{incident_id}/export.json", response_model=IncidentExport)
def export_json(incident_id: int, session: Session, who: ApiUser) -> IncidentExport:
    """The whole incident as one JSON document."""
    return export.export_json(session, who, incident_id)


@router.get("/{incident_id}/export.pdf", **downloads.PDF)
def export_as_pdf(
    incident_id: int,
    session: Session,
    who: ApiUser,
    form: str = Query(default="both", max_length=10),
    lang: str = Query(default="vi", max_length=2),
) -> Response:
    """Form 03 (initial) and/or form 04 (closing) as PDF, in Vietnamese or English."""
    from csirtnet.incident import export_pdf  # fpdf costs a web process ~58 MB: loaded when a PDF is asked for

    data = export_pdf.export_pdf(session, who, incident_id, form=form, lang=lang)
    incident = session.get(Incident, incident_id)
    name = f"{incident.reference if incident else incident_id}-{form}-{lang}.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
