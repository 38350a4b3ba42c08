"""Reporting an incident from the web, the triage queue and a report's page: open an incident
from it, attach it to one, or reject it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can
from csirtnet.authz.permissions import Permission
from csirtnet.errors import AppError, Forbidden, NotFound
from csirtnet.incident import deadlines, intake, repository, triage
from csirtnet.incident.schemas import OpenFromReport, ReportCreate
from csirtnet.incident.severity import suggest
from csirtnet.kit.files import download
from csirtnet.kit.pagination import paginate
from csirtnet.models import (
    Incident,
    IncidentReport,
    Organisation,
    ReportChannel,
    User,
)
from csirtnet.web import incident_forms as forms
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents.common import attempt, classification_values, common, fail, tr

router = APIRouter(include_in_schema=False)


@router.get("/incidents/report")
def report_page(request: Request, session: Session, who: PageUser) -> Response:
    if not can(who, Permission.INCIDENTS_REPORT):
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
        received = attempt(
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
    say = tr(request)
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
            **common(request),
            "rows": rows,
            "next_cursor": next_cursor,
            "status": status,
            "q": q or "",
            "can_triage": can(who, Permission.INCIDENTS_TRIAGE),
        },
    )


@router.get("/incidents/reports/{report_id}")
def report_detail(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    report = triage.get_report(session, who, report_id)
    attachments = triage.report_files(session, report)
    incident = session.get(Incident, report.incident_id) if report.incident_id else None
    visible_incident = incident if incident and _visible(session, who, incident.id) else None
    suggestion = suggest(report.system_security_level, report.system_on_national_list, [])
    org = session.get(Organisation, report.reporting_organisation_id) if report.reporting_organisation_id else None
    return render(
        request,
        "incidents/report_detail.html",
        {
            **common(request),
            "report": report,
            "attachments": attachments,
            "incident": visible_incident,
            "org": org,
            "can_triage": can(who, Permission.INCIDENTS_TRIAGE) and report.status == "new",
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
    return download(triage.report_file(session, who, report_id, attachment_id))


@router.post("/incidents/reports/{report_id}/open")
async def report_open(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await request.form()
    values = classification_values(form)
    errors: forms.Errors = {}
    data = forms.parse(OpenFromReport, values, errors)
    back = f"/incidents/reports/{report_id}"
    if data is None:
        say = tr(request)
        detail = "; ".join(f"{k}: {say(v)}" for k, v in errors.items())
        return redirect(back, flash=f"{say('Not saved')}: {detail}", kind="error")
    try:
        incident = attempt(session, lambda: triage.open_incident(session, who, report_id, data))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return fail(request, back, exc)
    return redirect(f"/incidents/{incident.id}", flash=tr(request)("Incident opened.") + f" {incident.reference}")


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
        say = tr(request)
        return redirect(
            back, flash=f"{say('Not saved')}: {say('Give the reference of an incident you may see.')}", kind="error"
        )
    try:
        incident = attempt(session, lambda: triage.attach_report(session, who, report_id, target))
    except Forbidden:
        raise
    except AppError as exc:
        return fail(request, back, exc)
    return redirect(f"/incidents/{incident.id}", flash=tr(request)("The report was attached to the incident."))


@router.post("/incidents/reports/{report_id}/reject")
async def report_reject(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await request.form()
    reason = forms.text(form, "reason") or ""
    back = f"/incidents/reports/{report_id}"
    try:
        attempt(session, lambda: triage.reject_report(session, who, report_id, reason))
    except (Forbidden, NotFound):
        raise
    except AppError as exc:
        return fail(request, back, exc)
    return redirect("/incidents/reports", flash=tr(request)("The report was rejected; the reporter is told why."))
