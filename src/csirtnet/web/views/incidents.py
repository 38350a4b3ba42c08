"""Pages of the incident domain: the triage queue, reporting, incident lists and search, the incident
page (timeline, tasks, participants, observables, discussion, deadlines), the province table,
exports and the deadline profiles. Every page calls the same services and repository as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can
from csirtnet.authz.incident import can_command, can_discuss, can_work, get_visible
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.incident import (
    correlation,
    deadlines,
    discussion,
    export,
    export_pdf,
    forms,
    intake,
    observables,
    participants,
    repository,
    task_service,
    timeline,
    triage,
    workflow,
)
from csirtnet.incident.attachments import store
from csirtnet.incident.schemas import (
    SERIOUS_CRITERIA,
    Classification,
    ClosingReport,
    ObservableCreate,
    OpenFromReport,
    ParticipantCreate,
    PhaseChange,
    ReportCreate,
    TaskCreate,
    TaskUpdate,
    TimelineEntryCreate,
)
from csirtnet.incident.severity import suggest
from csirtnet.kit.pagination import paginate
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Cluster,
    Incident,
    IncidentParticipant,
    IncidentReport,
    IncidentReportAttachment,
    Organisation,
    ReportChannel,
    StoredFile,
    User,
)
from csirtnet.vocabulary import PAP, TLP, rsit
from csirtnet.web import i18n
from csirtnet.web.i18n import N_
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.home import Panel, register_panel

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

PHASE_LABELS = {
    "triage": N_("Triage"),
    "analysis": N_("Analysis"),
    "containment": N_("Containment"),
    "eradication": N_("Eradication"),
    "recovery": N_("Recovery"),
    "post_incident": N_("Post-incident"),
    "closed": N_("Closed"),
}
REPORT_STATUS_LABELS = {
    "new": N_("Waiting for triage"),
    "opened": N_("Incident opened"),
    "attached": N_("Attached to an incident"),
    "rejected": N_("Rejected"),
}
CHANNEL_LABELS = {"web": N_("Web"), "api": N_("API"), "public": N_("Public form"), "email": N_("Email")}
ROLE_LABELS = {
    "commander": N_("Commander"),
    "liaison": N_("Liaison"),
    "responder": N_("Responder"),
    "observer": N_("Observer"),
    "reporter": N_("Reporter"),
}
TASK_STATUS_LABELS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}
CRITERIA_LABELS = {
    "service_interruption": N_("Service interruption"),
    "state_secret_disclosure": N_("Possible disclosure of state secrets"),
    "integrity_unrecoverable": N_("Unrecoverable loss of integrity"),
    "loss_of_control": N_("Loss of control of the system"),
    "wide_spread": N_("Wide spread"),
}
IMPACT_FUNCTIONAL = {"none": N_("None"), "low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
IMPACT_INFORMATION = {
    "none": N_("None"),
    "privacy": N_("Privacy breach"),
    "proprietary": N_("Proprietary breach"),
    "integrity": N_("Integrity loss"),
}
IMPACT_RECOVERABILITY = {
    "regular": N_("Regular"),
    "supplemented": N_("Supplemented"),
    "extended": N_("Extended"),
    "not_recoverable": N_("Not recoverable"),
}
RSIT_CLASS_LABELS = {
    "abusive-content": N_("Abusive content"),
    "malicious-code": N_("Malicious code"),
    "information-gathering": N_("Information gathering"),
    "intrusion-attempts": N_("Intrusion attempts"),
    "intrusions": N_("Intrusions"),
    "availability": N_("Availability"),
    "information-content-security": N_("Information content security"),
    "fraud": N_("Fraud"),
    "vulnerable": N_("Vulnerable"),
    "other": N_("Other"),
    "test": N_("Test"),
}
OBSERVABLE_KINDS = {
    "ip": N_("IP address"),
    "domain": N_("Domain"),
    "url": N_("URL"),
    "email": N_("Email address"),
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
}
CHANGE_TEXT = {
    "incident.opened": N_("Incident opened from report {report}"),
    "incident.classified": N_("Classification changed: {fields}"),
    "incident.phase_changed": N_("Phase changed from {from_phase} to {to_phase}"),
    "incident.report_attached": N_("Report {report} attached"),
    "incident.linked": N_("Linked with another incident"),
    "incident.participant_added": N_("Participant added as {role}"),
    "incident.participant_ended": N_("A participation ended"),
    "incident.task_created": N_("Task created: {title}"),
    "incident.task_updated": N_("Task updated: {title}"),
    "incident.observable_added": N_("Observable added: {kind} {value}"),
    "incident.observable_removed": N_("Observable removed: {kind} {value}"),
    "incident.deadline_met": N_("Deadline met: {label}"),
    "incident.deadline_overdue": N_("Deadline overdue: {label}"),
}
SATISFIED_BY_LABELS = {
    "report": N_("met by the report"),
    "closing": N_("met by the closing report"),
    "manual": N_("marked by a participant"),
}


def _tr(request: Request) -> Callable[[str], str]:
    lang = request_language(request)
    return lambda message: i18n.translate(lang, message)


def _attempt(session: DbSession, change: Callable[[], T]) -> T:
    """Run a change in a savepoint, so a refused change leaves nothing behind in the request's
    transaction (which still commits what came before, e.g. the audit of a read)."""
    with session.begin_nested():
        return change()


def _fail(request: Request, url: str, exc: AppError) -> Response:
    say = _tr(request)
    detail = "; ".join(f"{e.field}: {say(e.message)}" for e in exc.errors) if exc.errors else say(exc.message)
    return redirect(url, flash=f"{say('Not saved')}: {detail}", kind="error")


def _change_text(request: Request, action: str | None, details: dict[str, Any]) -> str:
    say = _tr(request)
    template = CHANGE_TEXT.get(action or "")
    if template is None:
        return action or ""
    params = {k: v for k, v in details.items() if isinstance(v, str | int)}
    for key in ("from_phase", "to_phase"):
        if key in params:
            params[key] = say(PHASE_LABELS.get(str(params[key]), str(params[key])))
    if "role" in params:
        params["role"] = say(ROLE_LABELS.get(str(params["role"]), str(params["role"])))
    if "label" in details and request_language(request) == "en":
        params["label"] = details.get("label", "")
    params["fields"] = ", ".join(sorted((details.get("changes") or {}).keys()))
    try:
        return say(template).format(**params)
    except (KeyError, IndexError):
        return say(template)


def _common(request: Request) -> dict[str, Any]:
    return {
        "phase_labels": PHASE_LABELS,
        "report_status_labels": REPORT_STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "role_labels": ROLE_LABELS,
        "task_status_labels": TASK_STATUS_LABELS,
        "criteria_labels": CRITERIA_LABELS,
        "rsit_class_labels": RSIT_CLASS_LABELS,
        "observable_kinds": OBSERVABLE_KINDS,
        "impact_functional": IMPACT_FUNCTIONAL,
        "impact_information": IMPACT_INFORMATION,
        "impact_recoverability": IMPACT_RECOVERABILITY,
        "satisfied_by_labels": SATISFIED_BY_LABELS,
        "taxonomy": rsit.taxonomy(),
        "tlps": [t.value for t in TLP],
        "paps": [p.value for p in PAP],
        "now": utcnow(),
    }


# -- lists -----------------------------------------------------------------------------------------


def _panel(session: DbSession, who: Subject) -> dict[str, Any] | None:
    """The home page's incident counts (of what the subject may see)."""
    if not can(who, "incidents:read"):
        return None
    from sqlalchemy import func

    def count(filters: repository.IncidentFilters) -> int:
        query = repository.incidents(who, filters).with_only_columns(func.count(Incident.id)).order_by(None)
        return int(session.scalar(query) or 0)

    queue = None
    if can(who, "incidents:triage"):
        query = repository.reports(who, status="new").with_only_columns(func.count(IncidentReport.id))
        queue = int(session.scalar(query) or 0)
    return {
        "open": count(repository.IncidentFilters(open_only=True)),
        "mine": count(repository.IncidentFilters(open_only=True, mine=True)),
        "overdue": count(repository.IncidentFilters(open_only=True, overdue=True)),
        "queue": queue,
    }


register_panel(Panel("incidents", "incidents/panel.html", 10, _panel))


def _bool(value: str | None) -> bool | None:
    return None if value in (None, "") else value in ("1", "true", "yes", "on")


@router.get("/incidents")
def incident_list(
    request: Request,
    session: Session,
    who: PageUser,
    q: str | None = Query(default=None, max_length=200),
    phase: str | None = Query(default=None, max_length=20),
    severity: str | None = Query(default=None, max_length=20),
    rsit_class: str | None = Query(default=None, max_length=60),
    province: str | None = Query(default=None, max_length=80),
    organisation_id: str | None = Query(default=None, max_length=12),
    overdue: str | None = Query(default=None, max_length=5),
    mine: str | None = Query(default=None, max_length=5),
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    org_id = int(organisation_id) if organisation_id and organisation_id.isdigit() else None
    filters = repository.IncidentFilters(
        q=q,
        phase=phase or None,
        severity=severity or None,
        rsit_class=rsit_class or None,
        province=province or None,
        organisation_id=org_id,
        overdue=_bool(overdue),
        mine=bool(_bool(mine)),
    )
    rows, next_cursor = paginate(session, repository.incidents(who, filters), Incident.id, limit=30, cursor=cursor)
    orgs = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({r.reporting_organisation_id for r in rows}))
        )
    }
    from sqlalchemy import func

    from csirtnet.models import IncidentDeadline

    next_due = dict(
        session.execute(
            select(IncidentDeadline.incident_id, func.min(IncidentDeadline.due_at))
            .where(
                IncidentDeadline.incident_id.in_([r.id for r in rows]),
                IncidentDeadline.met_at.is_(None),
                IncidentDeadline.due_at.is_not(None),
            )
            .group_by(IncidentDeadline.incident_id)
        ).all()
    )
    provinces = sorted({p for p in session.scalars(select(Organisation.province).distinct()) if p})
    queue_size = None
    if can(who, "incidents:triage"):
        queue_size = len(
            session.scalars(repository.reports(who, status="new").with_only_columns(IncidentReport.id)).all()
        )
    return render(
        request,
        "incidents/list.html",
        {
            **_common(request),
            "rows": rows,
            "orgs": orgs,
            "next_due": next_due,
            "next_cursor": next_cursor,
            "filters": filters,
            "provinces": provinces,
            "organisations": session.scalars(select(Organisation).order_by(Organisation.name_sort)).all()
            if who.sees_everything
            else [],
            "phase_counts": repository.phase_counts(session, who),
            "queue_size": queue_size,
            "overdue_param": overdue or "",
            "mine_param": mine or "",
        },
    )


@router.get("/incidents/provinces")
def by_province(request: Request, session: Session, who: PageUser) -> Response:
    rows = repository.by_province(session, who)
    top = max((r.total for r in rows), default=0)
    return render(request, "incidents/provinces.html", {**_common(request), "rows": rows, "top": top})


# -- reporting and triage -----------------------------------------------------------------------


@router.get("/incidents/report")
def report_page(request: Request, session: Session, who: PageUser) -> Response:
    if not can(who, "incidents:report"):
        raise Forbidden("You may not report incidents from this account")
    user = session.get(User, who.user_id)
    values: dict[str, Any] = {"language": request_language(request)}
    if user is not None:
        values.update(reporter_name=user.full_name, reporter_email=user.email, reporter_phone=user.phone or "")
        values["operating_unit"] = user.organisation.name
    return render(request, "incidents/report.html", {"values": values, "errors": {}, "public": False})


@router.post("/incidents/report")
async def report_submit(request: Request, session: Session, who: PageUser) -> Response:
    form = await request.form()
    files = await forms.uploads(form)
    user = session.get(User, who.user_id)
    zone = user.timezone if user else "Asia/Ho_Chi_Minh"
    values = forms.report_values(form, zone)
    errors: forms.Errors = {}
    data = forms.parse(ReportCreate, values, errors)
    if data is None:
        return render(
            request, "incidents/report.html", {"values": values, "errors": errors, "public": False}, status_code=422
        )
    try:
        received = _attempt(
            session,
            lambda: intake.submit(session, who, data, channel=ReportChannel.WEB, attachments=files),
        )
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        forms.app_error(exc, errors)
        return render(
            request,
            "incidents/report.html",
            {"values": values, "errors": errors, "public": False},
            status_code=exc.status,
        )
    say = _tr(request)
    return redirect(
        f"/incidents/reports/{received.report.id}",
        flash=say("Your report was received and is waiting for triage.") + f" ({received.report.reference})",
    )


@router.get("/incidents/reports")
def report_queue(
    request: Request,
    session: Session,
    who: PageUser,
    status: str = Query(default="new", max_length=20),
    q: str | None = Query(default=None, max_length=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    rows, next_cursor = paginate(
        session, repository.reports(who, status=status or None, q=q), IncidentReport.id, limit=30, cursor=cursor
    )
    return render(
        request,
        "incidents/queue.html",
        {
            **_common(request),
            "rows": rows,
            "next_cursor": next_cursor,
            "status": status,
            "q": q or "",
            "can_triage": can(who, "incidents:triage"),
        },
    )


@router.get("/incidents/reports/{report_id}")
def report_detail(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    report = triage.get_report(session, who, report_id)
    attachments = session.execute(
        select(IncidentReportAttachment.id, StoredFile)
        .join(StoredFile, StoredFile.id == IncidentReportAttachment.stored_file_id)
        .where(IncidentReportAttachment.report_id == report.id)
    ).all()
    incident = session.get(Incident, report.incident_id) if report.incident_id else None
    visible_incident = incident if incident and _visible(session, who, incident.id) else None
    suggestion = suggest(report.system_security_level, report.system_on_national_list, [])
    org = session.get(Organisation, report.reporting_organisation_id) if report.reporting_organisation_id else None
    return render(
        request,
        "incidents/report_detail.html",
        {
            **_common(request),
            "report": report,
            "attachments": attachments,
            "incident": visible_incident,
            "org": org,
            "can_triage": can(who, "incidents:triage") and report.status == "new",
            "organisations": session.scalars(select(Organisation).order_by(Organisation.name_sort)).all(),
            "profiles": deadlines.profiles(session),
            "default_profile": deadlines.default_profile_key(session),
            "suggestion": suggestion,
            "values": {},
        },
    )


def _visible(session: DbSession, who: Subject, incident_id: int) -> bool:
    from csirtnet.authz.incident import can_view

    return can_view(session, who, incident_id)


@router.get("/incidents/reports/{report_id}/attachments/{attachment_id}")
def report_attachment(
    request: Request, session: Session, who: PageUser, report_id: int, attachment_id: int
) -> Response:
    report = triage.get_report(session, who, report_id)
    row = session.execute(
        select(StoredFile)
        .join(IncidentReportAttachment, IncidentReportAttachment.stored_file_id == StoredFile.id)
        .where(IncidentReportAttachment.id == attachment_id, IncidentReportAttachment.report_id == report.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("attachment")
    with store().open(row.sha256) as fh:
        data = fh.read()
    safe = "".join(c for c in row.filename if c.isalnum() or c in "._-") or "attachment"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"},
    )


def _classification_values(form: Any) -> dict[str, Any]:
    """Classification fields from a triage or edit form (only those present are sent)."""
    values: dict[str, Any] = {}
    for name in (
        "rsit_class",
        "rsit_type",
        "severity",
        "severity_reason",
        "tlp",
        "pap",
        "sector",
        "province",
        "impact_functional",
        "impact_information",
        "impact_recoverability",
        "deadline_profile_key",
        "title",
    ):
        if name in form:
            values[name] = forms.text(form, name)
    for name in ("system_security_level", "shared_with_cluster_id", "reporting_organisation_id"):
        if name in form:
            raw = forms.text(form, name)
            values[name] = raw
    if "rsit" in form:
        raw = forms.text(form, "rsit") or ""
        klass, _, kind = raw.partition("/")
        values["rsit_class"], values["rsit_type"] = (klass or None), (kind or None)
    if "classification_form" in form:
        values["serious_criteria"] = [c for c in form.getlist("serious_criteria") if isinstance(c, str)]
        values["is_major"] = form.get("is_major") == "on"
        values["data_loss"] = form.get("data_loss") == "on"
        values["system_on_national_list"] = form.get("system_on_national_list") == "on"
    # An empty choice means "not set" for optional fields, and "leave as is" for required ones.
    for name in ("severity", "tlp", "pap", "deadline_profile_key", "title"):
        if values.get(name) is None:
            values.pop(name, None)
    if not values.get("severity_reason"):
        values.pop("severity_reason", None)
    return values


@router.post("/incidents/reports/{report_id}/open")
async def report_open(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await request.form()
    values = _classification_values(form)
    errors: forms.Errors = {}
    data = forms.parse(OpenFromReport, values, errors)
    back = f"/incidents/reports/{report_id}"
    if data is None:
        say = _tr(request)
        detail = "; ".join(f"{k}: {say(v)}" for k, v in errors.items())
        return redirect(back, flash=f"{say('Not saved')}: {detail}", kind="error")
    try:
        incident = _attempt(session, lambda: triage.open_incident(session, who, report_id, data))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return _fail(request, back, exc)
    return redirect(f"/incidents/{incident.id}", flash=_tr(request)("Incident opened.") + f" {incident.reference}")


@router.post("/incidents/reports/{report_id}/attach")
async def report_attach(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await request.form()
    raw = (forms.text(form, "incident") or "").strip()
    back = f"/incidents/reports/{report_id}"
    target = None
    if raw.isdigit():
        target = int(raw)
    elif raw:
        target = session.scalar(select(Incident.id).where(Incident.reference == raw.upper()))
    if target is None:
        say = _tr(request)
        return redirect(
            back, flash=f"{say('Not saved')}: {say('Give the reference of an incident you may see.')}", kind="error"
        )
    try:
        incident = _attempt(session, lambda: triage.attach_report(session, who, report_id, target))
    except Forbidden:
        raise
    except AppError as exc:
        return _fail(request, back, exc)
    return redirect(f"/incidents/{incident.id}", flash=_tr(request)("The report was attached to the incident."))


@router.post("/incidents/reports/{report_id}/reject")
async def report_reject(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await request.form()
    reason = forms.text(form, "reason") or ""
    back = f"/incidents/reports/{report_id}"
    try:
        _attempt(session, lambda: triage.reject_report(session, who, report_id, reason))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return _fail(request, back, exc)
    return redirect("/incidents/reports", flash=_tr(request)("The report was rejected; the reporter is told why."))


# -- deadline profiles -------------------------------------------------------------------------------


@router.get("/incidents/deadline-profiles")
def profiles_page(request: Request, session: Session, who: PageUser) -> Response:
    return render(
        request,
        "incidents/profiles.html",
        {
            **_common(request),
            "profiles": deadlines.profiles(session, active_only=False),
            "can_edit": can(who, "incidents:admin"),
            "anchors": deadlines.ANCHORS,
            "conditions": deadlines.CONDITIONS,
            "satisfied": deadlines.SATISFIED_BY,
        },
    )


@router.post("/incidents/deadline-profiles/{profile_key}/rules")
async def save_rule(request: Request, session: Session, who: PageUser, profile_key: str) -> Response:
    form = await request.form()

    def number(name: str) -> int | None:
        raw = forms.text(form, name)
        return int(raw) if raw and raw.lstrip("-").isdigit() else None

    data = deadlines.RuleInput(
        key=forms.text(form, "key") or "",
        label_vi=forms.text(form, "label_vi") or "",
        label_en=forms.text(form, "label_en") or "",
        anchor=forms.text(form, "anchor") or "",
        offset_minutes=number("offset_minutes"),
        condition=forms.text(form, "condition"),
        satisfied_by=forms.text(form, "satisfied_by") or "manual",
        remind_before_minutes=number("remind_before_minutes") or 0,
    )
    url = "/incidents/deadline-profiles"
    try:
        _attempt(session, lambda: deadlines.save_rule(session, who, profile_key, data))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return _fail(request, url, exc)
    return redirect(url, flash=_tr(request)("Rule saved; open incidents on this profile were recomputed."))


@router.post("/incidents/deadline-profiles/{profile_key}/default")
def make_default(request: Request, session: Session, who: PageUser, profile_key: str) -> Response:
    url = "/incidents/deadline-profiles"
    try:
        _attempt(session, lambda: deadlines.set_profile_state(session, who, profile_key, is_default=True))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return _fail(request, url, exc)
    return redirect(url, flash=_tr(request)("Default profile changed."))


# -- the incident page ------------------------------------------------------------------------------


def _candidates(session: DbSession, incident: Incident) -> list[User]:
    """People tasks can go to: active participants, the reporting organisation's users."""
    now = utcnow()
    from csirtnet.authz.incident import active_participation_clause

    named = select(IncidentParticipant.user_id).where(
        IncidentParticipant.incident_id == incident.id, active_participation_clause(now)
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.is_active.is_(True),
                or_(User.id.in_(named), User.organisation_id == incident.reporting_organisation_id),
            )
            .order_by(User.name_sort)
            .limit(200)
        )
    )


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    incident = get_visible(session, who, incident_id)
    now = utcnow()
    parts = participants.participants_of(session, incident)
    user_ids = {p.user_id for p in parts if p.user_id} | {incident.reporter_user_id or 0}
    entries = timeline.entries(session, incident)
    tasks = task_service.tasks_of(session, incident)
    comments = discussion.comments_of(session, incident)
    user_ids |= {e.author_id for e in entries if e.author_id} | {c.author_id for c in comments if c.author_id}
    user_ids |= {t.owner_id for t in tasks if t.owner_id} | {a for t in tasks for a in t.assignee_ids}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    org_ids = {p.organisation_id for p in parts} | {incident.reporting_organisation_id}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    dls = deadlines.deadlines_of(session, incident)
    return render(
        request,
        "incidents/detail.html",
        {
            **_common(request),
            "incident": incident,
            "org": orgs.get(incident.reporting_organisation_id),
            "orgs": orgs,
            "users": users,
            "participants": parts,
            "active_ids": {p.id for p in parts if p.is_active(now)},
            "entries": [
                (e, _change_text(request, e.action, e.details) if e.kind == "change" else e.text) for e in entries
            ],
            "tasks": tasks,
            "comments": comments,
            "observables": observables.observables_of(session, who, incident),
            "correlations": correlation.correlations(session, who, incident),
            "links": correlation.linked(session, who, incident),
            "deadlines": dls,
            "is_overdue": deadlines.is_overdue,
            "is_late": deadlines.is_late,
            "reports": export.reports_of(session, who, incident),
            "next_phases": workflow.allowed_next(incident.phase),
            "can_work": can_work(session, who, incident),
            "can_command": can_command(session, who, incident),
            "can_discuss": can_discuss(session, who, incident),
            "candidates": _candidates(session, incident),
            "profiles": deadlines.profiles(session),
            "clusters": session.scalars(select(Cluster).order_by(Cluster.id)).all(),
            "suggestion": suggest(
                incident.system_security_level, incident.system_on_national_list, incident.serious_criteria
            ),
            "criteria": SERIOUS_CRITERIA,
            "user_zone": (users.get(who.user_id or 0).timezone if users.get(who.user_id or 0) else None)  # type: ignore[union-attr]
            or "Asia/Ho_Chi_Minh",
        },
    )


def _incident_action(
    request: Request, session: DbSession, incident_id: int, change: Callable[[], object], done: str, anchor: str = ""
) -> Response:
    url = f"/incidents/{incident_id}"
    try:
        _attempt(session, change)
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return _fail(request, url + anchor, exc)
    return redirect(url + anchor, flash=_tr(request)(done))


def _parse_or_fail(request: Request, url: str, model: type[M], values: dict[str, Any]) -> M | Response:
    errors: forms.Errors = {}
    data = forms.parse(model, values, errors)
    if data is None:
        say = _tr(request)
        detail = "; ".join(f"{k}: {say(v)}" for k, v in errors.items())
        return redirect(url, flash=f"{say('Not saved')}: {detail}", kind="error")
    return data


@router.post("/incidents/{incident_id}/classify")
async def classify(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values = _classification_values(form)
    data = _parse_or_fail(request, f"/incidents/{incident_id}#classification", Classification, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: triage.update_classification(session, who, incident_id, data),
        N_("Classification saved."),
        "#classification",
    )


@router.post("/incidents/{incident_id}/phase")
async def phase(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values: dict[str, Any] = {"phase": forms.text(form, "phase") or "", "note": forms.text(form, "note")}
    if values["phase"] == "closed" and "result" in form:
        values["closing_report"] = {
            "result": forms.text(form, "result") or "",
            "root_cause": forms.text(form, "root_cause") or "",
            "actions_taken": forms.text(form, "actions_taken") or "",
            "lessons_learned": forms.text(form, "lessons_learned") or "",
        }
    data = _parse_or_fail(request, f"/incidents/{incident_id}#workflow", PhaseChange, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: workflow.change_phase(session, who, incident_id, data),
        N_("Phase changed."),
        "#workflow",
    )


@router.post("/incidents/{incident_id}/close")
async def close(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values = {
        "result": forms.text(form, "result") or "",
        "root_cause": forms.text(form, "root_cause") or "",
        "actions_taken": forms.text(form, "actions_taken") or "",
        "lessons_learned": forms.text(form, "lessons_learned") or "",
    }
    data = _parse_or_fail(request, f"/incidents/{incident_id}#workflow", ClosingReport, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: workflow.close(session, who, incident_id, data),
        N_("The incident is closed with its closing report."),
        "#workflow",
    )


@router.post("/incidents/{incident_id}/timeline")
async def add_timeline(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    zone = forms.text(form, "timezone") or "Asia/Ho_Chi_Minh"
    values = {"occurred_at": forms.text(form, "occurred_at"), "timezone": zone, "text": forms.text(form, "text") or ""}
    data = _parse_or_fail(request, f"/incidents/{incident_id}#timeline", TimelineEntryCreate, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: timeline.add_entry(session, who, incident_id, data),
        N_("Timeline entry added."),
        "#timeline",
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


@router.post("/incidents/{incident_id}/tasks")
async def add_task(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    due = forms.local_datetime(forms.text(form, "due_at"), forms.text(form, "timezone") or "Asia/Ho_Chi_Minh")
    values = {
        "title": forms.text(form, "title") or "",
        "description": forms.text(form, "description"),
        "owner_id": _int(form.get("owner_id")),
        "assignee_ids": [i for i in (_int(v) for v in form.getlist("assignee_ids")) if i is not None],
        "due_at": due,
    }
    data = _parse_or_fail(request, f"/incidents/{incident_id}#tasks", TaskCreate, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: task_service.create(session, who, incident_id, data),
        N_("Task created."),
        "#tasks",
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def update_task(request: Request, session: Session, who: PageUser, incident_id: int, task_id: int) -> Response:
    form = await request.form()
    data = _parse_or_fail(
        request, f"/incidents/{incident_id}#tasks", TaskUpdate, {"status": forms.text(form, "status")}
    )
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: task_service.update(session, who, incident_id, task_id, data),
        N_("Task updated."),
        "#tasks",
    )


@router.post("/incidents/{incident_id}/comments")
async def post_comment(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    body = forms.text(form, "body") or ""
    if not body:
        say = _tr(request)
        return redirect(
            f"/incidents/{incident_id}#discussion",
            flash=f"{say('Not saved')}: {say('Write a message first.')}",
            kind="error",
        )
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: discussion.post(session, who, incident_id, body),
        N_("Message posted."),
        "#discussion",
    )


@router.post("/incidents/{incident_id}/observables")
async def add_observable(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    values = {
        "kind": forms.text(form, "kind") or "",
        "value": forms.text(form, "value") or "",
        "tlp": forms.text(form, "tlp") or "amber",
        "note": forms.text(form, "note"),
    }
    data = _parse_or_fail(request, f"/incidents/{incident_id}#observables", ObservableCreate, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: observables.add(session, who, incident_id, data),
        N_("Observable added."),
        "#observables",
    )


@router.post("/incidents/{incident_id}/observables/{observable_id}/delete")
def remove_observable(
    request: Request, session: Session, who: PageUser, incident_id: int, observable_id: int
) -> Response:
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: observables.remove(session, who, incident_id, observable_id),
        N_("Observable removed."),
        "#observables",
    )


@router.post("/incidents/{incident_id}/participants")
async def add_participant(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    email = (forms.text(form, "email") or "").lower()
    code = forms.text(form, "organisation_code")
    values: dict[str, Any] = {"role": forms.text(form, "role") or "responder", "note": forms.text(form, "note")}
    if email:
        values["user_id"] = session.scalar(select(User.id).where(User.email == email)) or -1
    elif code:
        values["organisation_id"] = (
            session.scalar(
                select(Organisation.id).where(or_(Organisation.member_code == code, Organisation.short_name == code))
            )
            or -1
        )
    ends = forms.local_datetime(forms.text(form, "ends_at"), forms.text(form, "timezone") or "Asia/Ho_Chi_Minh")
    if ends is not None:
        values["ends_at"] = ends
    data = _parse_or_fail(request, f"/incidents/{incident_id}#participants", ParticipantCreate, values)
    if isinstance(data, Response):
        return data
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: participants.add(session, who, incident_id, data),
        N_("Participant added."),
        "#participants",
    )


@router.post("/incidents/{incident_id}/participants/{participant_id}/end")
def end_participant(
    request: Request, session: Session, who: PageUser, incident_id: int, participant_id: int
) -> Response:
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: participants.end(session, who, incident_id, participant_id),
        N_("Participation ended."),
        "#participants",
    )


@router.post("/incidents/{incident_id}/links")
async def add_link(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    form = await request.form()
    raw = (forms.text(form, "other") or "").upper()
    other = int(raw) if raw.isdigit() else session.scalar(select(Incident.id).where(Incident.reference == raw))
    note = forms.text(form, "note")
    return _incident_action(
        request,
        session,
        incident_id,
        lambda: triage.link_incidents(session, who, incident_id, other if other is not None else -1, note),
        N_("Incidents linked."),
        "#links",
    )


@router.post("/incidents/{incident_id}/deadlines/{rule_key}/met")
def deadline_met(request: Request, session: Session, who: PageUser, incident_id: int, rule_key: str) -> Response:
    from csirtnet.authz.incident import require_work

    def change() -> object:
        incident = get_visible(session, who, incident_id, audit_read=False)
        require_work(session, who, incident)
        return deadlines.mark_met(session, who, incident, rule_key)

    return _incident_action(request, session, incident_id, change, N_("Deadline marked as met."), "#deadlines")


@router.get("/incidents/{incident_id}/export.pdf")
def download_pdf(
    request: Request,
    session: Session,
    who: PageUser,
    incident_id: int,
    form: str = Query(default="both", max_length=10),
    lang: str = Query(default="vi", max_length=2),
) -> Response:
    data = export_pdf.export_pdf(session, who, incident_id, form=form, lang=lang)
    reference = session.scalar(select(Incident.reference).where(Incident.id == incident_id))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{reference}-{form}-{lang}.pdf"'},
    )


@router.get("/incidents/{incident_id}/export.json")
def download_json(request: Request, session: Session, who: PageUser, incident_id: int) -> Response:
    document = export.export_json(session, who, incident_id)
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{document.incident.reference}.json"'},
    )


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
