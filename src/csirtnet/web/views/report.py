"""The public incident report form at /report and its tracking page.

Public on purpose (app.PUBLIC_MODULES): anyone — a citizen, a company without an account, a
foreign CERT — must be able to report an incident. The form is CSRF-protected like the login
form (double-submit cookie), throttled per IP address (intake.PUBLIC_LIMIT_PER_HOUR), and the
tracking link's token is random and stored only as its hash. The tracking page shows the
report's status and outcome, never the incident's content.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from csirtnet import i18n
from csirtnet.auth.deps import AnySubject, Session
from csirtnet.config import get_settings
from csirtnet.errors import AppError, TooManyRequests
from csirtnet.incident import intake, reads
from csirtnet.incident.schemas import ReportCreate
from csirtnet.models import ReportChannel
from csirtnet.web import incident_forms as forms
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)


def _form_context(values: dict[str, object], errors: forms.Errors) -> dict[str, object]:
    return {"values": values, "errors": errors, "public": True, "action": "/report"}


@router.get("/report")
def report_page(request: Request, who: AnySubject) -> Response:
    return render(request, "report/public.html", _form_context({"language": request_language(request)}, {}))


@router.post("/report")
async def report_submit(request: Request, session: Session, who: AnySubject) -> Response:
    form = await request.form()
    files = await forms.uploads(form)
    zone = get_settings().timezone
    values = forms.report_values(form, zone)
    values.setdefault("language", request_language(request))
    errors: forms.Errors = {}
    data = forms.parse(ReportCreate, values, errors)
    if data is None:
        return render(request, "report/public.html", _form_context(values, errors), status_code=422)
    client = request.client.host if request.client else None
    try:
        received = intake.submit(
            session,
            intake.public_subject(f"public:{client}"),
            data,
            channel=ReportChannel.PUBLIC,
            source_ip=client,
            attachments=files,
        )
    except TooManyRequests as exc:
        errors[forms.GENERAL] = i18n.N_("Too many reports from your address; try again in an hour or call the hotline")
        response = render(request, "report/public.html", _form_context(values, errors), status_code=429)
        response.headers.update(exc.headers)
        return response
    except AppError as exc:
        forms.app_error(exc, errors)
        return render(request, "report/public.html", _form_context(values, errors), status_code=exc.status)
    assert received.tracking_token is not None
    lang = request_language(request)
    return redirect(
        intake.tracking_path(received.tracking_token) + "?new=1",
        flash=i18n.translate(lang, "Thank you. Your report was received; keep this page's address to follow it."),
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
