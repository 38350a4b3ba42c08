"""A user whose roles require a second factor can do nothing but enrol or log out until they have
one, on every route: pages, the API with their session, public routes and their API tokens. And
the JSON API's CSRF check is skipped only for a real, accepted bearer token."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.kit.time import utcnow
from csirtnet.models import ApiToken, User, UserRole
from csirtnet.vocabulary import Role
from tests.factories import make_user
from tests.helpers import csrf_from, login


def tokens(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(ApiToken)) or 0)


def owing_session(client, db: Session) -> User:
    """A new org admin who logged in with a password and never enrolled."""
    user = make_user(db, roles=[Role.ORG_ADMIN], second_factor=False, language="en")
    assert login(client, user.email).headers["location"] == "/account/2fa"
    return user


def test_the_api_refuses_a_session_that_owes_its_second_factor(client, db: Session) -> None:
    owing_session(client, db)
    csrf = csrf_from(client.get("/account/2fa").text)
    me = client.get("/api/v1/me")
    assert me.status_code == 403
    assert me.headers["content-type"].startswith("application/problem+json")
    assert "second factor" in me.json()["detail"] and "/account/2fa" in me.json()["detail"]
    made = client.post(
        "/api/v1/tokens", json={"name": "skip", "scopes": ["profile:read"]}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 403 and tokens(db) == 0
    assert client.get("/api/v1/users").status_code == 403


def test_such_a_session_may_only_enrol_or_log_out(client, db: Session) -> None:
    user = owing_session(client, db)
    for path in ("/", "/account", "/account/tokens", "/admin/users", f"/admin/users/{user.id}"):
        r = client.get(path)
        assert (r.status_code, r.headers.get("location")) == (303, "/account/2fa"), path
    page = client.get("/account/2fa")
    assert page.status_code == 200
    csrf = csrf_from(page.text)
    created = client.post("/account/tokens", data={"name": "skip", "scopes": ["profile:read"], "csrf_token": csrf})
    assert created.headers.get("location") == "/account/2fa" and tokens(db) == 0
    # Public routes see an anonymous visitor, not the user.
    login_page = client.get("/login")
    assert login_page.status_code == 200 and 'name="password"' in login_page.text
    client.post("/lang", data={"code": "vi", "csrf_token": csrf, "next": "/"})
    db.expire_all()
    assert db.get(User, user.id).language == "en"
    # Logging out works.
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/account/2fa").headers["location"].startswith("/login")


def test_after_enrolling_the_session_works_everywhere(client, db: Session) -> None:
    owing_session(client, db)
    client.post("/account/2fa/begin", data={"csrf_token": csrf_from(client.get("/account/2fa").text)})
    page = client.get("/account/2fa")
    secret = re.search(r'data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    done = client.post(
        "/account/2fa/confirm", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/").status_code == 200


def test_an_api_token_of_a_user_who_owes_a_second_factor_is_refused(client, db: Session) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    issued = create_token(db, subject_for(user), user, name="t", scopes=["profile:read"], expires_in_days=1)
    db.flush()
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Made an org admin: the token made before must not skip the enrolment.
    user.role_rows = [UserRole(role=Role.ORG_ADMIN.value), UserRole(role=Role.RESPONDER.value)]
    db.flush()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]
    assert client.get("/", headers=headers).status_code == 403  # pages asked for with the token too
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_any_authorization_header_but_a_bearer_token_keeps_the_csrf_check(client, db: Session) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    login(client, user.email)
    body = {"name": "via cookie", "scopes": ["profile:read"]}
    for header in ("Basic dXNlcjpwYXNz", "Digest x", "bearer"):
        r = client.post("/api/v1/tokens", json=body, headers={"Authorization": header})
        assert r.status_code in (401, 403), header
    assert tokens(db) == 0
    csrf = csrf_from(client.get("/account").text)
    assert client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    # A real token needs no CSRF header (a browser cannot send one cross-site).
    issued = create_token(db, subject_for(user), user, name="t", scopes=["profile:write"], expires_in_days=1)
    db.flush()
    r = client.post("/api/v1/tokens", json=body, headers={"Authorization": f"Bearer {issued.token}"})
    assert r.status_code == 201
