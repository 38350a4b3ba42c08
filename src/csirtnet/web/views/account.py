"""Pages: the user's own account (profile, password, sessions, second factor, API tokens,
notification preferences) and their notifications. Closed by `page_user` + CSRF (app.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session as DbSession

from csirtnet import i18n
from csirtnet.auth import totp
from csirtnet.auth.deps import LANG_COOKIE, PageUser, Session
from csirtnet.authz import Subject, require
from csirtnet.authz.identity import ROLES_REQUIRING_2FA
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotAuthenticated
from csirtnet.i18n import N_
from csirtnet.identity import login as login_service
from csirtnet.identity import service as identity_service
from csirtnet.identity import tokens as token_service
from csirtnet.identity.schemas import TokenCreate, UserUpdate
from csirtnet.kit.time import COMMON_TIMEZONES, as_utc, utcnow
from csirtnet.models import User, WebSession
from csirtnet.notification import events
from csirtnet.notification import reads as notification_reads
from csirtnet.notification import service as notification_service
from csirtnet.vocabulary import labels
from csirtnet.web import forms
from csirtnet.web.forms import BoundForm
from csirtnet.web.render import redirect, render, request_language, safe_next

router = APIRouter(include_in_schema=False)

ACCOUNT_TABS = (
    ("/account", N_("Profile")),
    ("/account/2fa", N_("Second factor")),
    ("/account/tokens", N_("API tokens")),
    ("/account/notifications", N_("Notification settings")),
)
NOTIFICATIONS_PER_PAGE = 25


def _me(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotAuthenticated()
    return user  # type: ignore[no-any-return]


def _web_session(request: Request) -> WebSession | None:
    return getattr(request.state, "web_session", None)


def tr(request: Request, message: str) -> str:
    return i18n.translate(request_language(request), message)


# -- profile, password, sessions ------------------------------------------------------------


PROFILE_FORM = forms.Form(
    "profile",
    [
        forms.Field("full_name", N_("Full name"), required=True, attrs={"maxlength": "200", "autocomplete": "name"}),
        forms.Field("phone", N_("Phone"), kind="tel", attrs={"maxlength": "40", "autocomplete": "tel"}),
        forms.Field("language", N_("Language"), kind="select", choices=tuple(i18n.LANGUAGE_NAMES.items())),
        forms.Field(
            "timezone",
            N_("Time zone"),
            required=True,
            help=N_("Times are shown in this zone, e.g. Asia/Ho_Chi_Minh."),
            attrs={"list": "timezones", "maxlength": "60"},
        ),
    ],
)
PASSWORD_FORM = forms.Form(
    "password",
    [
        forms.Field(
            "current_password",
            N_("Current password"),
            kind="password",
            required=True,
            attrs={"autocomplete": "current-password"},
        ),
        forms.Field(
            "new_password",
            N_("New password"),
            kind="password",
            required=True,
            help=N_("At least 12 characters."),
            attrs={"autocomplete": "new-password", "minlength": "12"},
        ),
        forms.Field(
            "new_password_again",
            N_("New password again"),
            kind="password",
            required=True,
            attrs={"autocomplete": "new-password", "minlength": "12"},
        ),
    ],
)


def _profile_page(
    request: Request,
    session: DbSession,
    user: User,
    *,
    profile: BoundForm | None = None,
    password: BoundForm | None = None,
    status_code: int = 200,
) -> Response:
    web = _web_session(request)
    if profile is None:
        profile = PROFILE_FORM.blank(
            {
                "full_name": user.full_name,
                "phone": user.phone,
                "language": user.language or request_language(request),
                "timezone": user.timezone,
            }
        )
    return render(
        request,
        "account/profile.html",
        {
            "tabs": ACCOUNT_TABS,
            "profile_form": profile,
            "password_form": password or PASSWORD_FORM.blank(),
            "sessions": login_service.active_sessions(session, user),
            "current_session_id": web.id if web else None,
            "timezones": COMMON_TIMEZONES,
            "role_labels": labels.ROLES,
            "browser": browser_summary,
        },
        status_code=status_code,
    )


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_summary(user_agent: str | None) -> str:
    """ "Chrome on Linux" from a User-Agent header; the raw header stays in the title attribute."""
    if not user_agent:
        return "—"
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or user_agent[:40]


@router.get("/account")
def profile_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_READ)
    return _profile_page(request, session, _me(request))


@router.post("/account")
async def save_profile(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_WRITE)
    user = _me(request)
    form = await PROFILE_FORM.read(request)
    values = form.values()
    values["phone"] = form.text("phone")  # an empty box clears the phone number
    data = form.validate(UserUpdate, values)
    if data is not None:
        form.attempt(session, lambda: identity_service.update_user(session, who, user.id, data))
    if not form.ok:
        return _profile_page(request, session, user, profile=form, status_code=422)
    chosen = user.language or request_language(request)
    response = redirect("/account", flash=i18n.translate(chosen, "Your profile is saved."))
    response.set_cookie(LANG_COOKIE, chosen, samesite="lax", max_age=365 * 86400, path="/")
    return response


@router.post("/account/password")
async def change_password(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_WRITE)
    user = _me(request)
    web = _web_session(request)
    form = await PASSWORD_FORM.read(request)
    form.missing_required()
    if form.ok and form.raw["new_password"] != form.raw.get("new_password_again"):
        form.fail("new_password_again", N_("The two passwords differ"))
    form.attempt(
        session,
        lambda: login_service.change_password(
            session,
            user,
            str(form.raw["current_password"]),
            str(form.raw["new_password"]),
            keep_session_id=web.id if web else None,
        ),
    )
    if not form.ok:
        return _profile_page(request, session, user, password=form, status_code=422)
    return redirect("/account", flash=tr(request, "Your password is changed; your other sessions were logged out."))


@router.post("/account/sessions/revoke-others")
def revoke_other_sessions(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_WRITE)
    web = _web_session(request)
    if web is None:
        raise NotAuthenticated()
    count = login_service.revoke_other_sessions(session, _me(request), web)
    message = tr(request, "Logged out %(count)s other session(s).") % {"count": count}
    return redirect("/account", flash=message)


# -- second factor --------------------------------------------------------------------------

_CODE_ATTRS = {"inputmode": "numeric", "pattern": "[0-9 ]{6,7}", "maxlength": "7", "autocomplete": "one-time-code"}
TOTP_CONFIRM = forms.Form("totp-confirm", [forms.Field("code", N_("6-digit code"), required=True, attrs=_CODE_ATTRS)])
TOTP_MANAGE = forms.Form(
    "totp-manage",
    [
        forms.Field(
            "code",
            N_("Code from your authenticator app"),
            required=True,
            help=N_("Enter a current code to confirm it is you."),
            attrs=_CODE_ATTRS,
        )
    ],
)


def _two_factor_page(
    request: Request, session: DbSession, user: User, *, form: BoundForm | None = None, status_code: int = 200
) -> Response:
    ctx: dict[str, Any] = {
        "tabs": ACCOUNT_TABS,
        "required": bool(user.roles & ROLES_REQUIRING_2FA),
        "must_enrol": login_service.must_enrol_second_factor(user),
    }
    if user.totp_enabled:
        ctx["state"] = "enabled"
        ctx["unused_codes"] = login_service.unused_recovery_codes(session, user)
        ctx["form"] = form if form is not None and form.form is TOTP_MANAGE else TOTP_MANAGE.blank()
    elif user.totp_secret:
        ctx["state"] = "pending"
        uri = totp.provisioning_uri(user.totp_secret, user.email)
        ctx["qr_svg"] = Markup(totp.qr_svg(uri))  # noqa: S704 - SVG made by the qrcode library from our own URI
        ctx["secret_groups"] = [user.totp_secret[i : i + 4] for i in range(0, len(user.totp_secret), 4)]
        ctx["form"] = form if form is not None and form.form is TOTP_CONFIRM else TOTP_CONFIRM.blank()
    else:
        ctx["state"] = "off"
    # A refusal of a button-only form (starting over) is said at the top of the page.
    ctx["refusal"] = form if form is not None and form is not ctx.get("form") else None
    return render(request, "account/two_factor.html", ctx, status_code=status_code)


@router.get("/account/2fa")
def two_factor_page(request: Request, session: Session, who: PageUser) -> Response:
    return _two_factor_page(request, session, _me(request))


@router.post("/account/2fa/begin")
def two_factor_begin(request: Request, session: Session, who: PageUser) -> Response:
    user = _me(request)
    form = TOTP_CONFIRM.blank()  # a button only: a refusal is the form's as a whole
    form.attempt(session, lambda: login_service.begin_totp_enrolment(session, user))
    if not form.ok:
        return _two_factor_page(request, session, user, form=form, status_code=422)
    return redirect("/account/2fa")


@router.post("/account/2fa/confirm")
async def two_factor_confirm(request: Request, session: Session, who: PageUser) -> Response:
    user = _me(request)
    form = await TOTP_CONFIRM.read(request)
    form.missing_required()
    codes = form.attempt(session, lambda: login_service.confirm_totp(session, user, form.text("code")))
    if codes is None:
        return _two_factor_page(request, session, user, form=form, status_code=422)
    return render(request, "account/recovery_codes.html", {"tabs": ACCOUNT_TABS, "codes": codes, "just_enabled": True})


@router.post("/account/2fa/manage")
async def two_factor_manage(request: Request, session: Session, who: PageUser) -> Response:
    user = _me(request)
    form = await TOTP_MANAGE.read(request)
    action = (await request.form()).get("action")
    form.missing_required()
    if action == "regenerate":
        codes = form.attempt(session, lambda: login_service.regenerate_recovery_codes(session, user, form.text("code")))
        if codes is not None:
            return render(
                request, "account/recovery_codes.html", {"tabs": ACCOUNT_TABS, "codes": codes, "just_enabled": False}
            )
    elif action == "disable":
        form.attempt(session, lambda: login_service.disable_totp(session, user, form.text("code")))
        if form.ok:
            return redirect("/account/2fa", flash=tr(request, "The second factor is turned off."))
    else:
        form.fail(forms.GENERAL, N_("Choose what to do."))
    return _two_factor_page(request, session, user, form=form, status_code=422)


# -- API tokens -----------------------------------------------------------------------------

TOKEN_FORM = forms.Form(
    "token",
    [
        forms.Field(
            "name",
            N_("Name"),
            required=True,
            help=N_('What the token is for, e.g. "SIEM connector".'),
            attrs={"maxlength": "120"},
        ),
        forms.Field(
            "scopes",
            N_("Scopes"),
            kind="multiselect",
            widget="checkboxes",
            required=True,
            help=N_("Only scopes your roles allow are offered."),
        ),
        forms.Field(
            "expires_in_days",
            N_("Expires after (days)"),
            kind="number",
            help=N_("From 1 to 730 days; leave empty for a token that never expires."),
            attrs={"min": "1", "max": "730"},
        ),
    ],
)


def _token_state(expires_at: Any, revoked_at: Any) -> str:
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and as_utc(expires_at) <= utcnow():
        return "expired"
    return "active"


def _tokens_page(
    request: Request,
    session: DbSession,
    who: Subject,
    user: User,
    *,
    form: BoundForm | None = None,
    issued: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = token_service.user_tokens(session, user)
    language = request_language(request)
    return render(
        request,
        "account/tokens.html",
        {
            "tabs": ACCOUNT_TABS,
            "tokens": [(t, _token_state(t.expires_at, t.revoked_at)) for t in rows],
            "scope_options": [
                (s, f"{s} — {i18n.translate(language, labels.SCOPES[s])}" if s in labels.SCOPES else s)
                for s in token_service.grantable_scopes(who)
            ],
            "form": form or TOKEN_FORM.blank({"expires_in_days": 90}),
            "issued": issued,
        },
        status_code=status_code,
    )


@router.get("/account/tokens")
def tokens_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_READ)
    return _tokens_page(request, session, who, _me(request))


@router.post("/account/tokens")
async def create_token(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.PROFILE_WRITE)
    user = _me(request)
    form = await TOKEN_FORM.read(request)
    data = form.validate(TokenCreate)
    issued = form.attempt(
        session,
        lambda: (
            token_service.create_token(
                session, who, user, name=data.name, scopes=data.scopes, expires_in_days=data.expires_in_days
            )
            if data is not None
            else None
        ),
    )
    if issued is None:
        return _tokens_page(request, session, who, user, form=form, status_code=422)
    return _tokens_page(request, session, who, user, issued=issued.token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, session: Session, who: PageUser, token_id: int) -> Response:
    require(who, Permission.PROFILE_WRITE)
    row = token_service.revoke_token(session, who, token_id)
    return redirect("/account/tokens", flash=tr(request, "The token %(name)s is revoked.") % {"name": row.name})


# -- notification preferences ---------------------------------------------------------------


@router.get("/account/notifications")
def preferences_page(request: Request, session: Session, who: PageUser) -> Response:
    require(who, Permission.NOTIFICATIONS_READ)
    user = _me(request)
    language = request_language(request)
    prefs = notification_service.preferences(session, user.id)
    rows = [
        (key, events.generic_title(event, language))
        for key, event in sorted(events.EVENTS.items())
        if not event.transactional
    ]
    return render(
        request,
        "account/notifications.html",
        {
            "tabs": ACCOUNT_TABS,
            "rows": rows,
            "channels": [(c, labels.NOTIFICATION_CHANNELS.get(c, c)) for c in events.CHANNELS],
            "prefs": prefs,
        },
    )


@router.post("/account/notifications")
def save_preferences(
    request: Request,
    session: Session,
    who: PageUser,
    enabled: Annotated[list[str] | None, Form()] = None,
) -> Response:
    require(who, Permission.NOTIFICATIONS_WRITE)
    user = _me(request)
    chosen = set(enabled or [])
    choices = {
        (key, channel): f"{key}|{channel}" in chosen
        for key, event in events.EVENTS.items()
        if not event.transactional
        for channel in events.CHANNELS
    }
    notification_service.set_preferences(session, who, user, choices)
    return redirect("/account/notifications", flash=tr(request, "Your notification settings are saved."))


# -- notifications --------------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(
    request: Request, session: Session, who: PageUser, unread: str = "", cursor: str | None = None
) -> Response:
    require(who, Permission.NOTIFICATIONS_READ)
    user = _me(request)
    rows, next_cursor = notification_reads.page(
        session, user.id, unread=bool(unread), cursor=cursor or None, limit=NOTIFICATIONS_PER_PAGE
    )
    return render(
        request,
        "account/notification_list.html",
        {"items": rows, "next_cursor": next_cursor, "unread_only": bool(unread), "first_page": not cursor},
    )


@router.post("/notifications/{notification_id}/read")
def mark_one_read(
    request: Request,
    session: Session,
    who: PageUser,
    notification_id: int,
    next: Annotated[str, Form(max_length=500)] = "/notifications",
) -> Response:
    require(who, Permission.NOTIFICATIONS_WRITE)
    notification_service.mark_read(session, _me(request).id, [notification_id])
    return redirect(safe_next(next))


@router.post("/notifications/read-all")
def mark_all_read(
    request: Request,
    session: Session,
    who: PageUser,
    next: Annotated[str, Form(max_length=500)] = "/notifications",
) -> Response:
    require(who, Permission.NOTIFICATIONS_WRITE)
    count = notification_service.mark_read(session, _me(request).id, None)
    return redirect(safe_next(next), flash=tr(request, "Marked %(count)s notification(s) read.") % {"count": count})
