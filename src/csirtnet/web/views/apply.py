"""The public membership application: the form at /apply and the applicant's tracking page.

Public on purpose (app.py PUBLIC_MODULES): organisations and individual experts apply without an
account. Every form is CSRF-protected (double-submit cookie), submissions are throttled per
client address, and the tracking page is reachable only with the secret token from the link
the applicant was given (the database keeps its hash).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from csirtnet.auth.deps import AnySubject, Session
from csirtnet.errors import AppError, TooManyRequests
from csirtnet.i18n import translate
from csirtnet.models.application import ApplicationStatus
from csirtnet.models.organisation import OrganisationKind
from csirtnet.organisation import application
from csirtnet.vocabulary import first_services, skills
from csirtnet.web import member_forms as forms
from csirtnet.web.render import redirect, render, request_language

router = APIRouter(include_in_schema=False)


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _form_context(language: str) -> dict[str, object]:
    return {
        "kinds": [
            k.value for k in OrganisationKind if k not in (OrganisationKind.COORDINATOR, OrganisationKind.EXPERT)
        ],
        "areas": first_services.AREAS,
        "skills": sorted(skills.SKILLS.items(), key=lambda kv: kv[1].get(language, kv[0])),
        "contact_roles": forms.APPLY_CONTACT_ROLES,
        "rows": range(forms.APPLY_ROWS),
    }


@router.get("/apply")
def apply_page(request: Request, who: AnySubject) -> Response:
    language = request_language(request)
    return render(request, "apply/form.html", {**_form_context(language), "v": {}, "errors": {}, "services": []})


@router.post("/apply")
async def apply_submit(request: Request, session: Session, who: AnySubject) -> Response:
    form = await request.form()
    try:
        return await _apply(request, session, form)
    finally:
        await form.close()


async def _apply(request: Request, session: Session, form: FormData) -> Response:
    language = request_language(request)
    values, rename = forms.application_values(form)
    values.setdefault("language", language)
    errors: forms.Errors = {}
    try:
        data = application.ApplicationForm.model_validate(values)
        uploads = await forms.uploads(form)
        _app, token = application.submit(session, data, uploads, ip=_client_ip(request))
    except ValidationError as exc:
        errors = forms.from_validation(exc, language, rename)
    except TooManyRequests:
        raise
    except AppError as exc:
        errors = forms.from_app_error(exc, language, rename)
    if errors:
        flat = {k: v for k, v in form.items() if isinstance(v, str)}
        return render(
            request,
            "apply/form.html",
            {
                **_form_context(language),
                "v": flat,
                "errors": errors,
                "services": [s for s in form.getlist("services") if isinstance(s, str)],
                "form": form,
            },
            status_code=422,
        )
    return redirect(
        f"/apply/track/{token}",
        flash=translate(language, "Your application was received. Keep this page's address to follow it."),
    )


@router.get("/apply/track/{token}")
def track_page(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    app = application.find_by_token(session, token)
    if app is None:
        return render(request, "apply/unknown.html", {}, status_code=404)
    return render(
        request,
        "apply/track.html",
        {
            "app": app,
            "token": token,
            "is_open": ApplicationStatus(app.status).open,
            "messages": application.messages(session, app),
            "documents": application.attached(session, app),
            "errors": {},
        },
    )


@router.post("/apply/track/{token}")
async def track_answer(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    form = await request.form()
    try:
        return await _answer(request, session, form, token)
    finally:
        await form.close()


async def _answer(request: Request, session: Session, form: FormData, token: str) -> Response:
    language = request_language(request)
    try:
        application.answer(session, token, forms.text(form, "body") or "", await forms.uploads(form))
    except AppError as exc:
        app = application.find_by_token(session, token)
        if app is None:
            return render(request, "apply/unknown.html", {}, status_code=404)
        return render(
            request,
            "apply/track.html",
            {
                "app": app,
                "token": token,
                "is_open": ApplicationStatus(app.status).open,
                "messages": application.messages(session, app),
                "documents": application.attached(session, app),
                "errors": forms.from_app_error(exc, language),
                "body": forms.text(form, "body") or "",
            },
            status_code=exc.status,
        )
    return redirect(f"/apply/track/{token}", flash=translate(language, "Your answer was sent to the coordinator."))
