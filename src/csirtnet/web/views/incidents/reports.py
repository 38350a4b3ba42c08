"""Reporting an incident from the web, the triage queue (its filters on the one form path) and a
report's page: open an incident from it, attach it to one, or reject it (each form on the one form
path: an error brings the report's page back with the form, its errors and what was typed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session as DbSession
from starlette.datastructures import FormData

from csirtnet.auth.deps import PageUser, Session
from csirtnet.authz import Subject, can
from csirtnet.authz.incident import can_handle_quarantine
from csirtnet.authz.permissions import Permission
from csirtnet.config import get_settings
from csirtnet.errors import Forbidden
from csirtnet.i18n import N_
from csirtnet.incident import deadlines, intake, quarantine_reads, reads, triage, workspace_reads
from csirtnet.incident.schemas import OpenFromReport, RejectReport, ReportCreate
from csirtnet.incident.severity import suggest
from csirtnet.kit.files import download
from csirtnet.models import ReportChannel, ReportStatus, User
from csirtnet.vocabulary import rsit
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents import page_forms as pf
from csirtnet.web.views.incidents import report_form
from csirtnet.web.views.incidents.common import common, tr

router = APIRouter(include_in_schema=False)


def _report_form_page(request: Request, form: BoundForm, status_code: int = 200) -> Response:
    return render(
        request,
        "incidents/report.html",
        {"form": form, "sections": report_form.SECTIONS, "optional_section": report_form.OPTIONAL_SECTION},
        status_code=status_code,
    )


def _zone(request: Request) -> str:
    return getattr(getattr(request.state, "user", None), "timezone", None) or get_settings().timezone


@router.get("/incidents/report")
def report_page(request: Request, session: Session, who: PageUser) -> Response:
    if not can(who, Permission.INCIDENTS_REPORT):
        raise Forbidden("You may not report incidents from this account")
    user: User | None = getattr(request.state, "user", None)
    initial: dict[str, Any] = {}
    if user is not None:
        initial.update(reporter_name=user.full_name, reporter_email=user.email, reporter_phone=user.phone or "")
        initial["operating_unit"] = user.organisation.name
    form = report_form.blank(report_form.MEMBER_REPORT, request_language(request), initial, zone=_zone(request))
    return _report_form_page(request, form)


@router.post("/incidents/report")
async def report_submit(request: Request, session: Session, who: PageUser) -> Response:
    try:
        form = await report_form.MEMBER_REPORT.read(request, zone=_zone(request))
        values = report_form.values(form, request_language(request))
        data = form.validate(ReportCreate, values)
        if problem := intake.detection_time_problem(values.get("detected_at")):  # with the rest, in one round
            form.fail("detected_at", problem)
            data = None
        files = await report_form.attachments(form) if data is not None else []
        received = form.attempt(
            session,
            lambda: intake.submit(session, who, data, channel=ReportChannel.WEB, attachments=files) if data else None,
        )
    finally:
        await report_form.close_files(request)
    if received is None:
        return _report_form_page(request, form, status_code=422)
    say = tr(request)
    return redirect(
        f"/incidents/reports/{received.report.id}",
        flash=say("Your report was received and is waiting for triage.") + f" ({received.report.reference})",
    )


QUEUE_STATUSES = {s.value for s in ReportStatus}


@router.get("/incidents/reports")
def report_queue(
    request: Request,
    session: Session,
    who: PageUser,
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    params = request.query_params
    data = FormData([("status", params.get("status", "new")), ("q", params.get("q", ""))])
    form = pf.REPORT_FILTERS.from_data(data)
    status, q = form.optional("status"), form.optional("q")
    if status is not None and status not in QUEUE_STATUSES:
        form.fail("status", N_("Choose one of the offered values."))
    if q is not None and len(q) > 200:
        form.fail("q", N_("This is too long."))
    page = form.attempt(session, lambda: reads.report_queue(session, who, status=status, q=q, cursor=cursor))
    rows, next_cursor = page if page is not None else ([], None)
    return render(
        request,
        "incidents/queue.html",
        {
            **common(request),
            "rows": rows,
            "next_cursor": next_cursor,
            "status": status or "",
            "form": form,
            "can_triage": can(who, Permission.INCIDENTS_TRIAGE),
            # The intake's quarantine waits beside the queue: email it could not file as a report.
            "can_handle_quarantine": can_handle_quarantine(who),
            "quarantine_waiting": quarantine_reads.waiting(session, who),
        },
        status_code=200 if form.ok else 422,
    )


def _report_detail(
    request: Request,
    session: DbSession,
    who: Subject,
    report_id: int,
    *,
    bound: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    page = reads.report_page(session, who, report_id)
    report = page.report
    language = request_language(request)
    zone = getattr(getattr(request.state, "user", None), "timezone", None) or get_settings().timezone
    default_profile = deadlines.default_profile_key(session)
    initial = pf.classification_initial(report, default_profile=default_profile)
    organisation = page.organisation
    initial.update(
        title=report.title,
        reporting_organisation_id=report.reporting_organisation_id,
        sector=organisation.sector if organisation else None,
        province=organisation.province if organisation else None,
    )
    forms = {
        "open": pf.OPEN_FROM_REPORT.blank(initial, zone=zone),
        "attach": pf.ATTACH_REPORT.blank(),
        "reject": pf.REJECT_REPORT.blank(),
    }
    if bound is not None:
        forms = {key: bound if form.form is bound.form else form for key, form in forms.items()}
    return render(
        request,
        "incidents/report_detail.html",
        {
            **common(request),
            "report": report,
            "attachments": page.attachments,
            "incident": page.incident,
            "org": organisation,
            "can_triage": page.can_triage,
            "suggestion": suggest(report.system_security_level, report.system_on_national_list, []),
            "forms": forms,
            "open_form": bound.form.id if bound is not None else None,
            "taxonomy": rsit.taxonomy(),
            "profile_choices": workspace_reads.profile_choices(session, language),
            "cluster_choices": workspace_reads.cluster_choices(session),
            "organisation_choices": workspace_reads.organisation_choices(session) if page.can_triage else [],
        },
        status_code=status_code,
    )


@router.get("/incidents/reports/{report_id}")
def report_detail(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    return _report_detail(request, session, who, report_id)


@router.get("/incidents/reports/{report_id}/attachments/{attachment_id}")
def report_attachment(
    request: Request, session: Session, who: PageUser, report_id: int, attachment_id: int
) -> Response:
    return download(triage.report_file(session, who, report_id, attachment_id))


@router.post("/incidents/reports/{report_id}/open")
async def report_open(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await pf.OPEN_FROM_REPORT.read(request)
    values = pf.classification_values(form, (await request.form()).keys())
    if form.text("title"):
        values["title"] = form.text("title")
    organisation = form.text("reporting_organisation_id")
    values["reporting_organisation_id"] = organisation or None
    data = form.validate(OpenFromReport, values)
    incident = form.attempt(session, lambda: triage.open_incident(session, who, report_id, data) if data else None)
    if incident is None:
        return _report_detail(request, session, who, report_id, bound=form, status_code=422)
    say = tr(request)
    return redirect(f"/incidents/{incident.id}", flash=say("Incident opened.") + f" {incident.reference}")


@router.post("/incidents/reports/{report_id}/attach")
async def report_attach(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await pf.ATTACH_REPORT.read(request)
    form.missing_required()
    target = workspace_reads.incident_by_reference(session, who, form.text("incident")) if form.ok else None
    if form.ok and target is None:
        form.fail("incident", N_("No incident you may see has this reference."))
    incident = form.attempt(
        session, lambda: triage.attach_report(session, who, report_id, target) if target is not None else None
    )
    if incident is None:
        return _report_detail(request, session, who, report_id, bound=form, status_code=422)
    return redirect(f"/incidents/{incident.id}", flash=tr(request)("The report was attached to the incident."))


@router.post("/incidents/reports/{report_id}/reject")
async def report_reject(request: Request, session: Session, who: PageUser, report_id: int) -> Response:
    form = await pf.REJECT_REPORT.read(request)
    data = form.validate(RejectReport, {"reason": form.text("reason")})
    form.attempt(session, lambda: triage.reject_report(session, who, report_id, data.reason) if data else None)
    if not form.ok:
        return _report_detail(request, session, who, report_id, bound=form, status_code=422)
    return redirect("/incidents/reports", flash=tr(request)("The report was rejected; the reporter is told why."))
