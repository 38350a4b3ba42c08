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
from csirtnet.i18n import N_
from csirtnet.identity import login as login_service
from csirtnet.identity.schemas import PasswordResetRequest
from csirtnet.web import forms
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


# The login pages' inputs keep the ids password managers and scripts know (#email, #password, #code).
LOGIN = forms.Form(
    "login",
    [
        forms.Field(
            "email", N_("Email"), kind="email", required=True, attrs={"autocomplete": "username", "maxlength": "320"}
        ),
        forms.Field(
            "password", N_("Password"), kind="password", required=True, attrs={"autocomplete": "current-password"}
        ),
        forms.Field("next", "", kind="hidden"),
    ],
    bare_ids=True,
)
SECOND_FACTOR = forms.Form(
    "login-2fa",
    [
        forms.Field(
            "code",
            N_("Code"),
            required=True,
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "40"},
        ),
        forms.Field("next", "", kind="hidden"),
    ],
    bare_ids=True,
)
FORGOT = forms.Form(
    "password-forgot",
    [
        forms.Field(
            "email", N_("Email"), kind="email", required=True, attrs={"autocomplete": "username", "maxlength": "320"}
        )
    ],
    bare_ids=True,
)
RESET = forms.Form(
    "password-reset",
    [
        forms.Field(
            "password",
            N_("New password"),
            kind="password",
            required=True,
            help=N_("At least 12 characters."),
            attrs={"autocomplete": "new-password", "minlength": "12", "maxlength": "500"},
        ),
        forms.Field(
            "password_again",
            N_("New password again"),
            kind="password",
            required=True,
            attrs={"autocomplete": "new-password", "minlength": "12", "maxlength": "500"},
        ),
    ],
    bare_ids=True,
)
_TOO_LONG = 500  # characters of a password or code the pages read


@router.get("/login")
def login_page(request: Request, who: AnySubject, next: str | None = None) -> Response:
    if who.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"form": LOGIN.blank({"next": safe_next(next)})})


@router.post("/login")
async def login_submit(request: Request, session: Session) -> Response:
    form = await LOGIN.read(request)
    form.missing_required()
    password = str(form.raw.get("password") or "")
    if len(form.text("email")) > 320:
        form.fail("email", N_("This is too long."))
    if len(password) > _TOO_LONG:
        form.fail("password", N_("This is too long."))
    next_page = safe_next(form.text("next") or "/")
    form.raw["next"] = next_page
    if not form.ok:
        return render(request, "auth/login.html", {"form": form}, status_code=422)
    try:
        user = login_service.authenticate(session, form.text("email"), password, _client_ip(request))
    except AppError as exc:
        # Wrong email or password, a locked account, too many attempts: said about the form as a
        # whole (naming a field would tell which one was wrong). The attempt is recorded, so no savepoint.
        form.fail(forms.GENERAL, exc.message)
        return render(
            request, "auth/login.html", {"form": form}, status_code=exc.status if exc.status in (401, 429) else 400
        )
    new = login_service.open_session(
        session, user, ip=_client_ip(request), user_agent=request.headers.get("user-agent")
    )
    if new.row.mfa_passed:
        target = "/account/2fa" if login_service.must_enrol_second_factor(user) else next_page
    else:
        target = f"/login/2fa?next={next_page}"
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
    return render(request, "auth/second_factor.html", {"form": SECOND_FACTOR.blank({"next": safe_next(next)})})


@router.post("/login/2fa")
async def second_factor_submit(request: Request, session: Session, who: AnySubject) -> Response:
    web = getattr(request.state, "web_session", None)
    if web is None:
        return RedirectResponse("/login", status_code=303)
    form = await SECOND_FACTOR.read(request)
    form.missing_required()
    next_page = safe_next(form.text("next") or "/")
    form.raw["next"] = next_page
    if len(form.text("code")) > 40:
        form.fail("code", N_("This is too long."))
    if not form.ok:
        return render(request, "auth/second_factor.html", {"form": form}, status_code=422)
    if not login_service.pass_second_factor(session, web, form.text("code")):
        form.fail("code", N_("That code is not valid"))
        return render(request, "auth/second_factor.html", {"form": form}, status_code=401)
    return RedirectResponse(next_page, status_code=303)


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
    return render(request, "auth/forgot.html", {"form": FORGOT.blank()})


@router.post("/password/forgot")
async def forgot_submit(request: Request, session: Session, who: AnySubject) -> Response:
    form = await FORGOT.read(request)
    data = form.validate(PasswordResetRequest)
    if data is None:
        return render(request, "auth/forgot.html", {"form": form}, status_code=422)
    login_service.request_password_reset(session, str(data.email))
    lang = request_language(request)
    return redirect("/login", flash=i18n.translate(lang, "If that address has an account, a reset link is on its way."))


@router.get("/password/reset/{token}")
def reset_page(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    valid = login_service.find_reset(session, token) is not None
    return render(
        request,
        "auth/reset.html",
        {"token": token, "valid": valid, "form": RESET.blank()},
        status_code=200 if valid else 410,
    )


@router.post("/password/reset/{token}")
async def reset_submit(request: Request, session: Session, who: AnySubject, token: str) -> Response:
    form = await RESET.read(request)
    form.missing_required()
    password = str(form.raw.get("password") or "")
    if len(password) > _TOO_LONG:
        form.fail("password", N_("This is too long."))
    if form.ok and password != form.raw.get("password_again"):
        form.fail("password_again", N_("The two passwords differ"))
    form.attempt(session, lambda: login_service.complete_password_reset(session, token, password))
    if not form.ok:
        valid = login_service.find_reset(session, token) is not None
        return render(request, "auth/reset.html", {"token": token, "valid": valid, "form": form}, status_code=422)
    lang = request_language(request)
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
