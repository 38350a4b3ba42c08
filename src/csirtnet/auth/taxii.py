"""Who is calling the TAXII server (/taxii2/): machines, with credentials on every request.

TAXII clients (taxii2-client, OpenCTI, MISP, a peer csirtnet) send HTTP Basic or a bearer token,
never a browser session, so cookies are not read here (and no CSRF token is needed):
- `Authorization: Basic` with the user's email as the username and, as the password, either one of
  the user's API tokens (`csn_…`, the token must be that user's) or the user's password. A password
  goes through the login's own check (`identity.login.authenticate`: throttled per address, failures
  counted, the account locked after too many). A user who has a second factor cannot present it
  over Basic, so their password is refused here: such users use an API token, which was made
  behind their second factor;
- `Authorization: Bearer csn_…`, exactly as the JSON API takes it (`auth.deps.api_user`).

A user who owes a second factor (their roles require one, not enrolled) is refused (403), with a
password or a token alike. Nothing else is accepted: an anonymous call is 401 with
`WWW-Authenticate: Basic`, which TAXII clients answer with their credentials.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from csirtnet.auth.deps import SecondFactorOwed, Session, api_user
from csirtnet.authz import Subject
from csirtnet.db import Database, after_commit
from csirtnet.errors import AppError, NotAuthenticated, TooManyRequests
from csirtnet.kit.time import utcnow

REALM = 'Basic realm="csirtnet TAXII", charset="UTF-8"'


class TaxiiNotAuthenticated(NotAuthenticated):
    def __init__(self, message: str = "Send HTTP Basic credentials (your email and an API token or password)") -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": REALM}


def _basic(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TaxiiNotAuthenticated("The Basic credentials are not base64 of 'email:secret'") from exc
    username, sep, secret = decoded.partition(":")
    if not sep or not username or not secret:
        raise TaxiiNotAuthenticated("The Basic credentials are not base64 of 'email:secret'")
    return username.strip().lower(), secret


def _by_token(request: Request, session: Session, email: str, token: str) -> Subject:
    from csirtnet.identity.tokens import identify_token, record_use, use_is_stale

    found = identify_token(session, token)
    if found is None or found.subject.label.lower() != email:
        raise TaxiiNotAuthenticated("The API token is unknown, expired or revoked, or not this user's")
    if found.owes_second_factor:
        raise SecondFactorOwed()
    now = utcnow()
    if use_is_stale(found.last_used_at, now):
        database: Database = request.app.state.database
        token_id = found.token_id
        after_commit(session, lambda: record_use(database, token_id, now))
    return found.subject


def _by_password(request: Request, email: str, password: str) -> Subject:
    from csirtnet.identity.login import LoginFailed, authenticate, must_enrol_second_factor, needs_second_factor
    from csirtnet.identity.service import subject_for

    ip = request.client.host if request.client else None
    database: Database = request.app.state.database
    refused: AppError | None = None
    # A unit of its own: a failed attempt is counted (throttling, lockout) although the request fails.
    with database.unit_of_work() as own:
        try:
            user = authenticate(own, email, password, ip)
        except (LoginFailed, TooManyRequests) as exc:
            refused = exc
        else:
            owes, has_second_factor = must_enrol_second_factor(user), needs_second_factor(user)
            subject = subject_for(user)
    if isinstance(refused, LoginFailed):
        raise TaxiiNotAuthenticated(refused.message)
    if refused is not None:
        raise refused
    if owes:
        raise SecondFactorOwed()
    if has_second_factor:
        raise TaxiiNotAuthenticated(
            "This account has a second factor, which Basic authentication cannot carry: use one of your API "
            "tokens as the password"
        )
    return subject


def taxii_user(request: Request, session: Session) -> Subject:
    """The TAXII caller, or 401/403 (see the module page)."""
    cached: Subject | None = getattr(request.state, "taxii_subject", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        subject = api_user(request, session)
    elif scheme.lower() == "basic":
        email, secret = _basic(value)
        if secret.startswith("csn_"):
            subject = _by_token(request, session, email, secret)
        else:
            subject = _by_password(request, email, secret)
    else:
        raise TaxiiNotAuthenticated()
    request.state.taxii_subject = subject
    return subject


TaxiiUser = Annotated[Subject, Depends(taxii_user)]
