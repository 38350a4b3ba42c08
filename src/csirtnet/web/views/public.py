"""Public pages: logging in (password, then second factor), logging out, password reset, language.

This router is public on purpose (see app.py); every form on it is CSRF-protected.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from csirtnet import audit, i18n
from csirtnet.auth.deps import LANG_COOKIE, SESSION_COOKIE, AnySubject, Session
from csirtnet.config import get_settings
from csirtnet.errors import AppError
from csirtnet.identity import login as login_service
from csirtnet.web.render import redirect, render, request_language, safe_next

router = APIRouter(include_in_schema=False)


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )


@router.get("/login")
def login_page(request: Request, who: AnySubject, next: str | None = None) -> Response:
    if who.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login_submit(
    request: Request,
    session: Session,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    lang = request_language(request)
    try:
        user = login_service.authenticate(session, email, password, _client_ip(request))
    except AppError as exc:
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next), "email": email, "error": i18n.translate_message(lang, exc.message)},
            status_code=exc.status if exc.status in (401, 429) else 400,
        )
    new = login_service.open_session(
        session, user, ip=_client_ip(request), user_agent=request.headers.get("user-agent")
    )
    if new.row.mfa_passed:
        target = "/account/2fa" if login_service.must_enrol_second_factor(user) else safe_next(next)
    else:
        target = f"/login/2fa?next={safe_next(next)}"
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(response, new.token)
    if user.language:
        response.set_cookie(LANG_COOKIE, user.language, samesite="lax", max_age=365 * 86400, path="/")
    return response


@router.get("/login/2fa")
def second_factor_page(request: Request, session: Session, who: AnySubject, next: str | None = None) -> Response:
    web = getattr(request.state, "web_session", None)
    if web is None:
        return RedirectResponse("/login", status_code=303)
    if who.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/second_factor.html", {"next": safe_next(next)})


@router.post("/login/2fa")
def second_factor_submit(
    request: Request,
    session: Session,
    who: AnySubject,
    code: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    web = getattr(request.state, "web_session", None)
    if web is None:
        return RedirectResponse("/login", status_code=303)
    if not login_service.pass_second_factor(session, web, code):
        lang = request_language(request)
        return render(
            request,
            "auth/second_factor.html",
            {"next": safe_next(next), "error": i18n.translate(lang, "That code is not valid")},
            status_code=401,
        )
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request, session: Session, who: AnySubject, everywhere: Annotated[bool, Form()] = False
) -> Response:
    web = getattr(request.state, "web_session", None)
    if web is not None:
        login_service.logout(session, web, everywhere=everywhere)
    response = redirect("/login", flash=i18n.translate(request_language(request), "You are logged out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password/forgot")
def forgot_page(request: Request, who: AnySubject) -> Response:
    return render(request, "auth/forgot.html", {})


@router.post("/password/forgot")
def forgot_submit(
    request: Request, session: Session, who: AnySubject, email: Annotated[str, Form(max_length=320)]
) -> Response:
    login_service.request_password_reset(session, email)
    lang = request_language(request)
    return redirect("/login", flash=i18n.translate(lang, "If that address has an account, a reset link is on its way."))


@router.get("/password/reset/{token}")
def reset_page(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    valid = login_service.find_reset(session, token) is not None
    return render(request, "auth/reset.html", {"token": token, "valid": valid}, status_code=200 if valid else 410)


@router.post("/password/reset/{token}")
def reset_submit(
    request: Request,
    session: Session,
    who: AnySubject,
    token: str,
    password: Annotated[str, Form(max_length=500)],
    password_again: Annotated[str, Form(max_length=500)],
) -> Response:
    lang = request_language(request)
    if password != password_again:
        return render(
            request,
            "auth/reset.html",
            {"token": token, "valid": True, "error": i18n.translate(lang, "The two passwords differ")},
            status_code=422,
        )
    try:
        login_service.complete_password_reset(session, token, password)
    except AppError as exc:
        return render(
            request,
            "auth/reset.html",
            {"token": token, "valid": True, "error": i18n.translate_message(lang, exc.message)},
            status_code=422,
        )
    return redirect("/login", flash=i18n.translate(lang, "Your password is set. Log in with it now."))


@router.post("/lang")
def switch_language(
    request: Request,
    session: Session,
    who: AnySubject,
    code: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Switch language: remembered in a cookie, and on the account of a logged-in user."""
    if code not in i18n.LANGUAGES:
        code = get_settings().default_language
    user = getattr(request.state, "user", None)
    if user is not None and user.language != code:
        audit.record(session, who, "user.updated", user, changes={"language": {"from": user.language, "to": code}})
        user.language = code
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400, path="/")
    return response
