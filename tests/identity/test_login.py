from __future__ import annotations

import pyotp
from sqlalchemy import func, select

from csirtnet.models import AuditRecord, LoginAttempt, User
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_from, login


def test_login_with_password_reaches_home(client, db) -> None:
    user = make_user(db, roles=[Role.RESPONDER])
    r = login(client, user.email)
    assert r.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.full_name in home.text
    assert db.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "user.logged_in")) == 1


def test_wrong_password_is_refused_and_counted(client, db) -> None:
    user = make_user(db)
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"email": user.email, "password": "wrong password!!", "csrf_token": token})
    assert r.status_code == 401
    assert "csirtnet_session" not in r.cookies
    assert db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))) == 1


def test_lockout_after_repeated_failures(client, db, settings) -> None:
    user = make_user(db)
    token = csrf_from(client.get("/login").text)
    for _ in range(settings.login_max_failures):
        client.post("/login", data={"email": user.email, "password": "nope nope nope", "csrf_token": token})
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 401
    db.expire_all()
    assert db.get(User, user.id).locked_until is not None


def test_login_form_without_csrf_is_refused(client, db) -> None:
    user = make_user(db)
    client.get("/login")
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 403


def test_second_factor_required_when_enrolled(client, db) -> None:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.COORDINATOR], totp_secret=secret)
    token = csrf_from(client.get("/login").text)
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.headers["location"].startswith("/login/2fa")
    # Not yet logged in: pages still redirect to the login, and / is the visitors' landing page.
    assert client.get("/incidents").status_code == 303
    assert 'data-testid="landing"' in client.get("/").text
    page = client.get("/login/2fa")
    bad = client.post("/login/2fa", data={"code": "000000", "csrf_token": csrf_from(page.text)})
    assert bad.status_code == 401
    ok = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    assert ok.status_code == 303
    home = client.get("/")
    assert home.status_code == 200 and user.full_name in home.text and 'data-testid="landing"' not in home.text


def test_coordinator_without_2fa_must_enrol(client, db) -> None:
    user = make_user(db, roles=[Role.COORDINATOR], second_factor=False)
    r = login(client, user.email)
    assert r.headers["location"] == "/account/2fa"
    assert client.get("/").headers["location"] == "/account/2fa"


def test_logout_ends_the_session(client, db) -> None:
    user = make_user(db)
    login(client, user.email)
    home = client.get("/")
    r = client.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert r.status_code == 303
    assert client.get("/account").status_code == 303
    assert 'data-testid="landing"' in client.get("/").text
