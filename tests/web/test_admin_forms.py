"""The administration pages' forms through the app client: a bad submission answers 422 with the
page in place, names the field by its label in English and Vietnamese, keeps what was typed, and
applies nothing (tests/web/formpages.py checks the page; each test checks nothing changed)."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.models import AuditRecord, Organisation, User, WebhookEndpoint
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import login
from tests.incident.helpers import coordinator
from tests.web.formpages import post_bad


def audited(db) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(AuditRecord)) or 0)


@pytest.fixture
def org(db) -> Organisation:
    return make_organisation(db, name="Sở Thông tin và Truyền thông Cao Bằng", kind="province")


def _logged_in(client, db, user: User, secret: str) -> User:
    login(client, user.email, totp_secret=secret)
    return user


@pytest.fixture
def admin(client, db, org) -> User:
    secret = pyotp.random_base32()
    return _logged_in(client, db, make_user(db, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=secret), secret)


@pytest.fixture
def coord(client, db) -> User:
    secret = pyotp.random_base32()
    return _logged_in(client, db, coordinator(db, totp_secret=secret), secret)


def test_a_bad_new_user_keeps_what_was_typed(client, db, org, admin) -> None:
    before = audited(db)
    users = db.scalar(select(func.count()).select_from(User))
    post_bad(
        client,
        db,
        admin,
        page="/admin/users/new",
        target="/admin/users/new",
        data={
            "email": "nguoi.moi@example.vn",
            "full_name": "Người Mới",
            "organisation_id": str(org.id),
            "language": "vi",
            "password": "ngắn",
        },
        form_id="admin-user-new",
        errors=("roles", "password"),
        kept=("nguoi.moi@example.vn", "Người Mới", 'value="vi" selected'),
    )
    assert db.scalar(select(func.count()).select_from(User)) == users
    assert audited(db) == before


def test_a_bad_user_edit_keeps_what_was_typed(client, db, org, admin) -> None:
    user = make_user(db, roles=[Role.RESPONDER], organisation=org, full_name="Hoàng Văn Cũ")
    before = audited(db)
    post_bad(
        client,
        db,
        admin,
        page=f"/admin/users/{user.id}",
        target=f"/admin/users/{user.id}",
        data={"email": "khong-hop-le", "full_name": "Hoàng Văn Mới", "roles": ["responder", "viewer"]},
        form_id="admin-user-edit",
        errors=("email",),
        kept=("khong-hop-le", "Hoàng Văn Mới", 'value="viewer" checked'),
    )
    db.expire_all()
    assert db.get(User, user.id).full_name == "Hoàng Văn Cũ"
    assert audited(db) == before


def test_a_bad_organisation_keeps_what_was_typed(client, db, org, coord) -> None:
    before = audited(db)
    post_bad(
        client,
        db,
        coord,
        page="/admin/organisations/new",
        target="/admin/organisations/new",
        data={"name": "Sở Mới", "member_code": "mã sai!", "kind": "finance", "province": "Huế"},
        form_id="admin-organisation-new",
        errors=("member_code",),
        kept=("Sở Mới", "mã sai!", 'value="finance" selected'),
    )
    post_bad(
        client,
        db,
        coord,
        page=f"/admin/organisations/{org.id}",
        target=f"/admin/organisations/{org.id}",
        data={"name": "X", "kind": "province", "sector": "Ngân hàng số", "status": "suspended"},
        form_id="admin-organisation-edit",
        errors=("name",),
        kept=("Ngân hàng số", 'value="suspended" selected'),
    )
    db.expire_all()
    assert db.get(Organisation, org.id).status == "active"
    assert audited(db) == before


def test_a_bad_webhook_keeps_what_was_typed(client, db, admin) -> None:
    post_bad(
        client,
        db,
        admin,
        page="/admin/webhooks",
        target="/admin/webhooks",
        data={"url": "ftp://noi-bo.example.vn/hook", "event_types": ["system.job_failed"]},
        form_id="admin-webhook",
        errors=("url",),
        kept=("ftp://noi-bo.example.vn/hook", 'value="system.job_failed" checked'),
    )
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_bad_filters_name_their_field(client, db) -> None:
    secret = pyotp.random_base32()
    admin = _logged_in(client, db, make_user(db, roles=[Role.PLATFORM_ADMIN], totp_secret=secret), secret)
    post_bad(
        client,
        db,
        admin,
        page="/admin/audit",
        target="/admin/audit",
        data={"action": "user.", "since": "2026-03-10", "until": "2026-03-01"},
        form_id="admin-audit-filters",
        errors=("until",),
        kept=("2026-03-10", "2026-03-01"),
        method="get",
    )
    long = "x" * 250
    for target, form_id in (
        ("/admin/users", "admin-user-filters"),
        ("/admin/organisations", "admin-organisation-filters"),
    ):
        post_bad(
            client,
            db,
            admin,
            page=target,
            target=target,
            data={"q": long},
            form_id=form_id,
            errors=("q",),
            kept=(long,),
            method="get",
        )


def test_a_webhook_organisation_that_is_no_choice_is_refused(client, db) -> None:
    secret = pyotp.random_base32()
    admin = _logged_in(client, db, make_user(db, roles=[Role.PLATFORM_ADMIN], totp_secret=secret), secret)
    post_bad(
        client,
        db,
        admin,
        page="/admin/webhooks",
        target="/admin/webhooks",
        data={"organisation_id": "merged"},
        form_id="admin-webhook-organisation",
        errors=("organisation_id",),
        method="get",
    )
