"""The user's own pages: profile, password, sessions, second factor, API tokens, notification
settings and the notifications list."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from csirtnet.auth.passwords import verify_password
from csirtnet.models import (
    ApiToken,
    AuditRecord,
    Notification,
    NotificationPreference,
    RecoveryCode,
    User,
    WebSession,
)
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_from, login

PAGES = ["/account", "/account/2fa", "/account/tokens", "/account/notifications", "/notifications"]


def actions(db, action: str) -> list[AuditRecord]:
    db.expire_all()
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)))


def post_form(client, page: str, target: str, data: dict, **kwargs):
    """Post like the browser: with the CSRF token of the page the form is on."""
    return client.post(target, data={**data, "csrf_token": csrf_from(client.get(page).text)}, **kwargs)


@pytest.fixture
def member(client, db) -> User:
    user = make_user(db, roles=[Role.RESPONDER], full_name="Lê Thị Thu", language="en")
    login(client, user.email)
    return user


def test_the_profile_form_comes_back_with_what_was_typed_and_labels_not_names(client, member) -> None:
    r = post_form(
        client,
        "/account",
        "/account",
        {"full_name": "  ", "phone": "+84 90", "language": "en", "timezone": "Mars/Base"},
    )
    assert r.status_code == 422
    text = re.sub(r"<[^>]+>", " ", r.text)
    assert "Full name" in text and "This field is required." in text
    assert 'value="+84 90"' in r.text and 'value="Mars/Base"' in r.text
    assert "full_name" not in text and "timezone" not in text


# -- closed to anonymous callers ------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_visitors_to_login(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    ["/account", "/account/password", "/account/2fa/begin", "/account/tokens", "/notifications/read-all"],
)
def test_forms_refuse_anonymous_posts(client, db, path: str) -> None:
    r = client.post(path, data={"full_name": "X"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert db.scalar(select(func.count()).select_from(AuditRecord)) == 0


def test_forms_refuse_posts_without_the_csrf_token(client, db, member) -> None:
    r = client.post("/account", data={"full_name": "Kẻ Giả Mạo", "timezone": "UTC", "language": "en"})
    assert r.status_code == 403
    db.expire_all()
    assert db.get(User, member.id).full_name == "Lê Thị Thu"


# -- profile --------------------------------------------------------------------------------


def test_profile_change_is_saved_and_audited(client, db, member) -> None:
    page = client.get("/account")
    assert page.status_code == 200 and 'value="Lê Thị Thu"' in page.text
    r = post_form(
        client,
        "/account",
        "/account",
        {"full_name": "Lê Thị Thu Hà", "phone": "+84 912 345 678", "language": "vi", "timezone": "Asia/Bangkok"},
    )
    assert r.status_code == 303
    assert r.cookies.get("csirtnet_lang") == "vi"
    db.expire_all()
    user = db.get(User, member.id)
    assert (user.full_name, user.phone, user.language, user.timezone) == (
        "Lê Thị Thu Hà",
        "+84 912 345 678",
        "vi",
        "Asia/Bangkok",
    )
    [record] = actions(db, "user.updated")
    assert record.summary["changes"]["full_name"] == {"from": "Lê Thị Thu", "to": "Lê Thị Thu Hà"}
    assert "Đã lưu hồ sơ của bạn." in client.get("/account").text


def test_profile_with_a_bad_time_zone_changes_nothing(client, db, member) -> None:
    r = post_form(
        client, "/account", "/account", {"full_name": "Tên Mới", "phone": "", "language": "en", "timezone": "Mars/Base"}
    )
    assert r.status_code == 422
    assert "Not a known time zone" in r.text
    assert 'aria-invalid="true"' in r.text
    assert 'value="Tên Mới"' in r.text  # what was typed is kept
    db.expire_all()
    user = db.get(User, member.id)
    assert user.full_name == "Lê Thị Thu"
    assert user.timezone == "Asia/Ho_Chi_Minh"
    assert actions(db, "user.updated") == []


def test_profile_needs_a_name(client, db, member) -> None:
    r = post_form(client, "/account", "/account", {"full_name": "  ", "language": "en", "timezone": "UTC"})
    assert r.status_code == 422
    assert "This field is required." in r.text
    db.expire_all()
    assert db.get(User, member.id).full_name == "Lê Thị Thu"


# -- password and sessions ------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(app, client, db, member) -> None:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        login(other, member.email)
        assert other.get("/account").status_code == 200
        new = "một mật khẩu mới đủ dài 2026"
        r = post_form(
            client,
            "/account",
            "/account/password",
            {"current_password": PASSWORD, "new_password": new, "new_password_again": new},
        )
        assert r.status_code == 303
        assert client.get("/account").status_code == 200
        assert other.get("/account").status_code == 303
    db.expire_all()
    assert verify_password(db.get(User, member.id).password_hash, new)
    assert len(actions(db, "user.password_changed")) == 1


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        (
            "wrong password here",
            "một mật khẩu mới đủ dài",
            "một mật khẩu mới đủ dài",
            "current_password",
            "Is not your",
        ),
        (
            PASSWORD,
            "một mật khẩu mới đủ dài",
            "một mật khẩu khác hẳn",
            "new_password_again",
            "The two passwords differ",
        ),
        (PASSWORD, "short1", "short1", "new_password", "Must be at least 12 characters long"),
    ],
)
def test_bad_password_change_is_refused(client, db, member, current, new, again, field, message) -> None:
    before = db.get(User, member.id).password_hash
    r = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": current, "new_password": new, "new_password_again": again},
    )
    assert r.status_code == 422
    assert f'id="password-{field}-e"' in r.text
    assert message in r.text
    db.expire_all()
    assert db.get(User, member.id).password_hash == before
    assert actions(db, "user.password_changed") == []


def test_sessions_are_listed_and_others_can_be_ended(app, client, db, member) -> None:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        login(other, member.email)
        page = client.get("/account")
        assert page.text.count("<tr") >= 3  # header and two sessions
        assert "This session" in page.text
        r = post_form(client, "/account", "/account/sessions/revoke-others", {})
        assert r.status_code == 303
        assert other.get("/account").status_code == 303
        assert client.get("/account").status_code == 200
    [record] = actions(db, "user.sessions_revoked")
    assert record.summary["sessions"] == 1


def test_log_out_everywhere(app, client, db, member) -> None:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        login(other, member.email)
        r = post_form(client, "/account", "/logout", {"everywhere": "true"})
        assert r.status_code == 303
        assert client.get("/account").status_code == 303
        assert other.get("/account").status_code == 303
    db.expire_all()
    open_sessions = db.scalar(
        select(func.count())
        .select_from(WebSession)
        .where(WebSession.user_id == member.id, WebSession.revoked_at.is_(None))
    )
    assert open_sessions == 0


# -- second factor --------------------------------------------------------------------------


def _secret_on(page: str) -> str:
    match = re.search(r'data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)<', page)
    assert match, "the page shows no key"
    return match.group(1).replace(" ", "")


def test_enrolment_shows_qr_and_key_then_recovery_codes(client, db, member) -> None:
    page = client.get("/account/2fa")
    assert "Set up the second factor" in page.text
    assert post_form(client, "/account/2fa", "/account/2fa/begin", {}).status_code == 303
    page = client.get("/account/2fa")
    assert "<svg" in page.text and 'role="img"' in page.text
    secret = _secret_on(page.text)

    wrong = post_form(client, "/account/2fa", "/account/2fa/confirm", {"code": "000000"})
    assert wrong.status_code == 422 and "That code does not match" in wrong.text
    db.expire_all()
    assert db.get(User, member.id).totp_enabled_at is None

    done = post_form(client, "/account/2fa", "/account/2fa/confirm", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", done.text)
    assert len(codes) == 10
    db.expire_all()
    assert db.get(User, member.id).totp_enabled_at is not None
    assert len(actions(db, "user.totp_enrolment_started")) == 1
    assert len(actions(db, "user.totp_enabled")) == 1
    assert "Unused recovery codes: 10" in client.get("/account/2fa").text


def test_starting_again_replaces_a_pending_key(client, db, member) -> None:
    post_form(client, "/account/2fa", "/account/2fa/begin", {})
    first = _secret_on(client.get("/account/2fa").text)
    post_form(client, "/account/2fa", "/account/2fa/begin", {})
    second = _secret_on(client.get("/account/2fa").text)
    assert first != second
    db.expire_all()
    assert db.get(User, member.id).totp_secret == second
    assert [r.summary["restarted"] for r in actions(db, "user.totp_enrolment_started")] == [False, True]


def test_a_coordinator_is_sent_to_enrol_and_can(client, db) -> None:
    user = make_user(db, roles=[Role.COORDINATOR], language="en", second_factor=False)
    login(client, user.email)
    assert client.get("/").headers["location"] == "/account/2fa"
    page = client.get("/account/2fa")
    assert page.status_code == 200 and "Your role requires a second factor" in page.text
    assert post_form(client, "/account/2fa", "/account/2fa/begin", {}).status_code == 303
    secret = _secret_on(client.get("/account/2fa").text)
    done = post_form(client, "/account/2fa", "/account/2fa/confirm", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert client.get("/").status_code == 200


def test_recovery_codes_can_be_replaced_with_a_current_code(client, db) -> None:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.RESPONDER], totp_secret=secret, language="en")
    login(client, user.email, totp_secret=secret)
    bad = post_form(client, "/account/2fa", "/account/2fa/manage", {"code": "123456", "action": "regenerate"})
    assert bad.status_code == 422
    assert actions(db, "user.recovery_codes_regenerated") == []
    code = pyotp.TOTP(secret).now()
    r = post_form(client, "/account/2fa", "/account/2fa/manage", {"code": code, "action": "regenerate"})
    assert r.status_code == 200
    assert len(re.findall(r"<li><code>", r.text)) == 10
    db.expire_all()
    unused = db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    assert unused == 10
    assert len(actions(db, "user.recovery_codes_regenerated")) == 1


def test_a_responder_may_turn_the_second_factor_off(client, db) -> None:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.RESPONDER], totp_secret=secret, language="en")
    login(client, user.email, totp_secret=secret)
    assert "Turn the second factor off" in client.get("/account/2fa").text
    r = post_form(
        client, "/account/2fa", "/account/2fa/manage", {"code": pyotp.TOTP(secret).now(), "action": "disable"}
    )
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).totp_enabled_at is None
    assert len(actions(db, "user.totp_disabled")) == 1


def test_an_admin_may_not_turn_the_second_factor_off(client, db) -> None:
    secret = pyotp.random_base32()
    user = make_user(db, roles=[Role.ORG_ADMIN], totp_secret=secret, language="en")
    login(client, user.email, totp_secret=secret)
    page = client.get("/account/2fa")
    assert "Turn the second factor off" not in page.text
    r = post_form(
        client, "/account/2fa", "/account/2fa/manage", {"code": pyotp.TOTP(secret).now(), "action": "disable"}
    )
    assert r.status_code == 403
    db.expire_all()
    assert db.get(User, user.id).totp_enabled_at is not None
    assert actions(db, "user.totp_disabled") == []


# -- API tokens -----------------------------------------------------------------------------


def test_token_is_shown_once_and_works(client, db, member) -> None:
    page = client.get("/account/tokens")
    assert 'value="profile:read"' in page.text
    assert 'value="users:write"' not in page.text  # a responder's roles do not grant it
    r = post_form(
        client,
        "/account/tokens",
        "/account/tokens",
        {"name": "SIEM connector", "scopes": ["profile:read", "notifications:read"], "expires_in_days": "30"},
    )
    assert r.status_code == 200
    token = re.search(r'data-testid="new-token">(csn_[^<]+)<', r.text).group(1)
    assert token not in client.get("/account/tokens").text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == member.email
    [record] = actions(db, "token.created")
    assert record.summary["scopes"] == ["notifications:read", "profile:read"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "no scopes", "expires_in_days": "30"}, "Choose at least one."),
        ({"name": "", "scopes": ["profile:read"], "expires_in_days": "30"}, "This field is required."),
        ({"name": "too much", "scopes": ["users:write"], "expires_in_days": "30"}, "Your roles do not grant"),
        ({"name": "forever and more", "scopes": ["profile:read"], "expires_in_days": "9999"}, "out of the allowed"),
        ({"name": "words", "scopes": ["profile:read"], "expires_in_days": "ten"}, "Enter a whole number."),
    ],
)
def test_bad_token_requests_create_nothing(client, db, member, form: dict, message: str) -> None:
    r = post_form(client, "/account/tokens", "/account/tokens", form)
    assert r.status_code == 422
    assert message in r.text
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert actions(db, "token.created") == []


def test_token_revocation_and_someone_elses_token(client, db, member) -> None:
    post_form(client, "/account/tokens", "/account/tokens", {"name": "mine", "scopes": ["profile:read"]})
    other = make_user(db)
    from csirtnet.identity.service import subject_for
    from csirtnet.identity.tokens import create_token

    theirs = create_token(db, subject_for(other), other, name="theirs", scopes=["profile:read"], expires_in_days=5)
    db.flush()
    refused = post_form(client, "/account/tokens", f"/account/tokens/{theirs.row.id}/revoke", {})
    assert refused.status_code == 404
    mine = db.scalar(select(ApiToken).where(ApiToken.name == "mine"))
    r = post_form(client, "/account/tokens", f"/account/tokens/{mine.id}/revoke", {})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(ApiToken, mine.id).revoked_at is not None
    assert db.get(ApiToken, theirs.row.id).revoked_at is None
    assert "Revoked" in client.get("/account/tokens").text
    assert len(actions(db, "token.revoked")) == 1


# -- notification settings and notifications -------------------------------------------------


def test_preferences_matrix_saves_choices(client, db, member) -> None:
    page = client.get("/account/notifications")
    assert 'value="system.announcement|email" checked' in page.text
    assert "identity.password_reset" not in page.text  # always sent; not a choice
    r = post_form(
        client,
        "/account/notifications",
        "/account/notifications",
        {"enabled": ["system.announcement|inapp", "identity.token_expiring|email"]},
    )
    assert r.status_code == 303
    db.expire_all()
    chosen = {
        (p.event_type, p.channel): p.enabled
        for p in db.scalars(select(NotificationPreference).where(NotificationPreference.user_id == member.id))
    }
    assert chosen[("system.announcement", "email")] is False
    assert chosen[("identity.token_expiring", "inapp")] is False
    assert ("identity.token_expiring", "email") not in chosen  # already the default
    [record] = actions(db, "notification.preferences_changed")
    assert record.summary["changes"]["system.announcement/email"] is False
    assert 'value="system.announcement|email" checked' not in client.get("/account/notifications").text


def test_preferences_ignore_unknown_boxes_and_unticked_means_off(client, db, member) -> None:
    r = post_form(client, "/account/notifications", "/account/notifications", {"enabled": ["nonsense|email"]})
    assert r.status_code == 303
    db.expire_all()
    rows = db.scalars(select(NotificationPreference).where(NotificationPreference.user_id == member.id)).all()
    assert rows and all(not p.enabled for p in rows)
    assert "nonsense" not in {p.event_type for p in rows}


def test_notifications_list_pages_and_marks_read(client, db, member) -> None:
    other = make_user(db)
    for n in range(30):
        db.add(Notification(user_id=member.id, event_type="system.announcement", params={"subject": f"Tin {n:02d}"}))
    theirs = Notification(user_id=other.id, event_type="system.announcement", params={"subject": "Not yours"})
    db.add(theirs)
    db.flush()
    first = client.get("/notifications")
    assert first.status_code == 200
    assert "Announcement: Tin 29" in first.text and "Not yours" not in first.text
    assert first.text.count('class="unread"') == 25
    next_link = re.search(r'href="(/notifications\?cursor=[^"]+)" rel="next"', first.text).group(1)
    second = client.get(next_link.replace("&amp;", "&"))
    assert second.text.count('class="unread"') == 5 and "Announcement: Tin 00" in second.text

    newest = db.scalar(
        select(Notification).where(Notification.user_id == member.id).order_by(Notification.id.desc()).limit(1)
    )
    assert post_form(client, "/notifications", f"/notifications/{newest.id}/read", {}).status_code == 303
    assert post_form(client, "/notifications", f"/notifications/{theirs.id}/read", {}).status_code == 303
    db.expire_all()
    assert db.get(Notification, newest.id).read_at is not None
    assert db.get(Notification, theirs.id).read_at is None
    assert "29 unread" in client.get("/notifications").text

    r = post_form(client, "/notifications", "/notifications/read-all", {"next": "/notifications?unread=1"})
    assert r.headers["location"] == "/notifications?unread=1"
    assert "Nothing unread." in client.get("/notifications?unread=1").text
    db.expire_all()
    assert db.get(Notification, theirs.id).read_at is None


def test_a_bad_cursor_is_a_clear_error(client, member) -> None:
    r = client.get("/notifications?cursor=not-a-cursor")
    assert r.status_code == 422
    assert "not a cursor this API issued" in r.text
