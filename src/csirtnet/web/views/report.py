"""The public incident report form at /report and its tracking page.

Public on purpose (app.PUBLIC_MODULES): anyone — a citizen, a company without an account, a
foreign CERT — must be able to report an incident. The form is CSRF-protected like the login
form (double-submit cookie), throttled per IP address (every submission counts, a refused one
too: intake.count_public_submission), and the tracking link's token is random and stored only
as its hash. The tracking page shows the report's status and outcome, never the incident's
content. The form is on the one form path (web/views/incidents/report_form.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from csirtnet import i18n
from csirtnet.auth.deps import AnySubject, Session
from csirtnet.config import get_settings
from csirtnet.errors import TooManyRequests
from csirtnet.incident import intake, reads
from csirtnet.incident.schemas import ReportCreate
from csirtnet.models import ReportChannel
from csirtnet.web.forms import GENERAL, BoundForm
from csirtnet.web.render import redirect, render, request_language
from csirtnet.web.views.incidents import report_form

router = APIRouter(include_in_schema=False)


def _page(request: Request, form: BoundForm, status_code: int = 200) -> Response:
    return render(
        request,
        "report/public.html",
        {"form": form, "sections": report_form.SECTIONS, "optional_section": report_form.OPTIONAL_SECTION},
        status_code=status_code,
    )


@router.get("/report")
def report_page(request: Request, who: AnySubject) -> Response:
    return _page(request, report_form.blank(report_form.PUBLIC_REPORT, request_language(request)))


@router.post("/report")
async def report_submit(request: Request, session: Session, who: AnySubject) -> Response:
    try:
        return await _submit(request, session)
    finally:
        await report_form.close_files(request)


async def _submit(request: Request, session: Session) -> Response:
    form = await report_form.PUBLIC_REPORT.read(request)
    if form.text("language") in i18n.LANGUAGES:
        request.state.language = form.text("language")  # the error page speaks the form's language
    language = request_language(request)
    client = request.client.host if request.client else None
    try:
        # Counted before it is checked: a refused submission spends the address's allowance too.
        intake.count_public_submission(session, client)
    except TooManyRequests as exc:
        form.fail(GENERAL, i18n.N_("Too many reports from your address; try again in an hour or call the hotline"))
        response = _page(request, form, status_code=429)
        response.headers.update(exc.headers)
        return response
    values = report_form.values(form, language)
    data = form.validate(ReportCreate, values)
    if problem := intake.detection_time_problem(values.get("detected_at")):  # with the rest, in one round
        form.fail("detected_at", problem)
        data = None
    files = await report_form.attachments(form) if data is not None else []
    received = form.attempt(
        session,
        lambda: (
            intake.submit(
                session,
                intake.public_subject(f"public:{client}"),
                data,
                channel=ReportChannel.PUBLIC,
                source_ip=client,
                attachments=files,
            )
            if data is not None
            else None
        ),
    )
    if received is None or received.tracking_token is None:
        return _page(request, form, status_code=422)
    return redirect(
        intake.tracking_path(received.tracking_token) + "?new=1",
        flash=i18n.translate(language, "Thank you. Your report was received; keep this page's address to follow it."),
    )


@router.get("/report/track/{token}")
def track(request: Request, session: Session, who: AnySubject, token: str, new: int = 0) -> Response:
    tracked = reads.report_tracking(session, token)
    if tracked is None:
        return render(request, "report/track.html", {"report": None}, status_code=404)
    return render(
        request,
        "report/track.html",
        {
            "report": tracked.report,
            "incident_reference": tracked.incident_reference,
            "incident_closed": tracked.incident_closed,
            "tracking_url": get_settings().base_url.rstrip("/") + intake.tracking_path(token),
            "new": bool(new),
        },
    )
