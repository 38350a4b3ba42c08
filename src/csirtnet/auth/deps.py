"""FastAPI dependencies: the unit of work per request, who is calling, and CSRF.

Every router except the public one is mounted with `ApiUser` or `PageUser` as a router-level
dependency (see app.py), so a route is closed unless it is deliberately put on the public router.

A user who owes a second factor (authz.identity.owes_second_factor: their roles require one and
they have not enrolled) is not identified at all by `_identify`: public routes see an anonymous
caller, the API answers 403 (SecondFactorOwed) to their session and their API tokens alike, and
pages send their session to /account/2fa, the only pages it may use (ENROLMENT_PATHS) besides
logging out. No route can forget it: it is decided where identity is established.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session as DbSession
from starlette.concurrency import run_in_threadpool

from csirtnet.authz import ANONYMOUS, Subject
from csirtnet.db import Database, after_commit
from csirtnet.errors import AppError, Forbidden, NotAuthenticated
from csirtnet.kit.hashing import constant_time_equal, hmac_sha256, new_token
from csirtnet.kit.time import utcnow
from csirtnet.middleware import CSRF_COOKIE_NAME
from csirtnet.models import User, WebSession

SESSION_COOKIE = "csirtnet_session"
CSRF_COOKIE = CSRF_COOKIE_NAME
LANG_COOKIE = "csirtnet_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def get_db(request: Request) -> AsyncIterator[DbSession]:
    """One unit of work per request, committed when the endpoint returns (before the response).

    Opening it does no I/O (the connection is taken at the first query), so it runs on the event
    loop; the commit or rollback runs in the thread pool. One thread hop fewer on every request."""
    database: Database = request.app.state.database
    unit = database.unit_of_work(write=request.method in UNSAFE)
    session = unit.__enter__()
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(unit.__exit__, type(exc), exc, exc.__traceback__)
        raise
    await run_in_threadpool(unit.__exit__, None, None, None)


Session = Annotated[DbSession, Depends(get_db, scope="function")]


class LoginRequired(AppError):
    """Raised for pages: the error handler turns it into a redirect to /login."""

    status = 303
    code = "login_required"


class SecondFactorRequired(AppError):
    """Raised for pages: the error handler redirects to the enrolment page."""

    status = 303
    code = "second_factor_required"


class SecondFactorOwed(AppError):
    """The API, or a page asked for with an API token, for a user who owes a second factor."""

    status = 403
    code = "second_factor_required"
    title = "Second factor required"

    def __init__(self) -> None:
        super().__init__(
            "Your role requires a second factor: set it up at /account/2fa before using csirtnet "
            "(the API and API tokens included)"
        )


# The pages a session that owes its second factor may use (logging out is on the public router).
ENROLMENT_PATHS = frozenset({"/account/2fa", "/account/2fa/begin", "/account/2fa/confirm"})


Identity = tuple[Subject, User | None, WebSession | None]


def _identify(request: Request, session: DbSession) -> Identity:
    """Who is calling: (subject, user, web session). A caller who owes a second factor is anonymous
    here; what they may still do is kept in `request.state.owed_identity` for `page_user`."""
    from csirtnet.identity.login import find_session_and_unread, must_enrol_second_factor
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import identify_token, record_use, use_is_stale

    cached = getattr(request.state, "identity", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    identity: Identity = (ANONYMOUS, None, None)
    owed: Identity | None = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = identify_token(session, auth[7:].strip())
        if found is None:
            raise NotAuthenticated("The API token is unknown, expired or revoked")
        now = utcnow()
        if use_is_stale(found.last_used_at, now):  # apart, after the call commits: it never fails the call
            database: Database = request.app.state.database
            token_id = found.token_id
            after_commit(session, lambda: record_use(database, token_id, now))
        if found.owes_second_factor:  # a token made before a role change cannot skip enrolment
            owed = (found.subject, None, None)
        else:
            identity = (found.subject, None, None)  # the API needs no User object; pages load it
    else:
        here = request.url.path if request.method == "GET" else None
        cookie = find_session_and_unread(session, request.cookies.get(SESSION_COOKIE), here=here)
        if cookie is not None:
            web, request.state.unread_count, request.state.unread_here = cookie
            request.state.web_session = web
            request.state.csrf_expected = session_csrf_token(request, request.cookies[SESSION_COOKIE])
            if web.mfa_passed and must_enrol_second_factor(web.user):
                owed = (subject_for(web.user), web.user, web)
            elif web.mfa_passed:
                identity = (subject_for(web.user), web.user, web)
    request.state.owed_identity = owed
    request.state.identity = identity
    request.state.user = identity[1]
    return identity


def current_subject(request: Request, session: Session) -> Subject:
    """The caller, or ANONYMOUS. Public routes use this; it never raises for a missing login."""
    return _identify(request, session)[0]


def _check_csrf_header(request: Request) -> None:
    # A browser session calling the JSON API must prove it read a page of ours. Only an accepted
    # bearer token exempts a request, and then no session was read (`_identify`): any other
    # Authorization header (Basic, a typo) leaves the cookie in charge, and the check with it.
    if request.method in UNSAFE and getattr(request.state, "web_session", None) is not None:
        sent = request.headers.get("x-csrf-token", "")
        if not constant_time_equal(sent, request.state.csrf_expected):
            raise Forbidden("Missing or wrong X-CSRF-Token header")


def api_user(request: Request, session: Session) -> Subject:
    subject, _user, _web = _identify(request, session)
    if not subject.is_authenticated:
        if getattr(request.state, "owed_identity", None) is not None:
            raise SecondFactorOwed()
        raise NotAuthenticated()
    _check_csrf_header(request)
    return subject


def page_user(request: Request, session: Session) -> Subject:
    """Pages: redirect to the login page, or to 2FA enrolment when the user's roles require it."""
    subject, user, _web = _identify(request, session)
    owed: Identity | None = getattr(request.state, "owed_identity", None)
    if owed is not None:
        if owed[2] is None:  # an API token of a user who owes a second factor
            raise SecondFactorOwed()
        if request.url.path not in ENROLMENT_PATHS:
            raise SecondFactorRequired("Set up your second factor to continue")
        subject, user, _web = owed
        request.state.user = user
    if subject.is_authenticated and user is None:  # a page asked for with an API token
        user = session.get(User, subject.user_id)
        request.state.user = user
    if not subject.is_authenticated or user is None:
        raise LoginRequired("Log in to continue")
    if getattr(request.state, "unread_count", None) is None:  # a page asked for with an API token
        from csirtnet.notification.service import unread_count

        request.state.unread_count = unread_count(session, user.id)
    if getattr(request.state, "unread_here", 0):
        # The page a notification points at is open: it is read (one UPDATE, only when the
        # session's lookup counted such notifications; the bell shows the rest).
        from csirtnet.notification.service import mark_opened

        request.state.unread_count -= mark_opened(session, user.id, request.url.path)
        request.state.unread_here = 0
    return subject


def csrf_expected(request: Request) -> str:
    """The token forms must send back: the session's, or the anonymous double-submit cookie's."""
    expected = getattr(request.state, "csrf_expected", None)
    if expected:
        return str(expected)
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = getattr(request.state, "new_csrf_cookie", None) or new_token(24)
        request.state.new_csrf_cookie = token
    return token


def session_csrf_token(request: Request, session_cookie: str) -> str:
    """A logged-in session's CSRF token: derived from the session cookie with the secret key, so it
    is checked without a database round trip and dies with the session."""
    key: str = request.app.state.secret_key
    return hmac_sha256(key, b"csrf:" + session_cookie.encode())[:43]


async def csrf_protect(request: Request) -> AsyncIterator[None]:
    """Every unsafe form request must carry the token from the page it came from: the session's
    (pages rendered for a logged-in user) or the anonymous double-submit cookie's. Whatever the
    answer — a refusal here or in the page included — the files of a posted form are closed."""
    try:
        if request.method in UNSAFE:
            await _check_csrf_form(request)
        yield
    finally:
        await request.close()


async def _check_csrf_form(request: Request) -> None:
    sent = request.headers.get("x-csrf-token")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    accepted = [request.cookies.get(CSRF_COOKIE) or ""]
    if request.cookies.get(SESSION_COOKIE):
        accepted.append(session_csrf_token(request, request.cookies[SESSION_COOKIE]))
    if not sent or not any(expected and constant_time_equal(sent, expected) for expected in accepted):
        raise Forbidden("The form expired or did not come from this site; reload the page and try again")


ApiUser = Annotated[Subject, Depends(api_user)]
PageUser = Annotated[Subject, Depends(page_user)]
AnySubject = Annotated[Subject, Depends(current_subject)]


def request_language(request: Request, user_language: str | None = None) -> str:
    """The language a request is answered in: ?lang=, the user's saved choice, the language
    switch's cookie, Accept-Language, then the platform's default (remembered for the request)."""
    cached = getattr(request.state, "language", None)
    if cached:
        return str(cached)
    from csirtnet import i18n
    from csirtnet.config import get_settings

    language = i18n.pick_language(
        request.query_params.get("lang"),
        user_language,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        get_settings().default_language,
    )
    request.state.language = language
    return language
