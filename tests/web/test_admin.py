"""Administration pages: users, organisations, the audit log, background jobs and webhooks."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.authz import Subject
from csirtnet.models import AuditRecord, Job, Organisation, User, WebhookEndpoint
from csirtnet.models.job import JobStatus
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login

PAGES = [
    "/admin",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/1",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/1",
    "/admin/audit",
    "/admin/jobs",
    "/admin/webhooks",
]


def actions(db, action: str) -> list[AuditRecord]:
    db.expire_all()
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)))


def count(db, model, *where) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def post_form(client, page: str, target: str, data: dict):
    return client.post(target, data={**data, "csrf_token": csrf_from(client.get(page).text)})


def log_in_as(client, db, *roles: Role, organisation: Organisation | None = None, **overrides) -> User:
    secret = pyotp.random_base32() if any(r.requires_2fa for r in roles) else None
    user = make_user(db, roles=list(roles), organisation=organisation, totp_secret=secret, language="en", **overrides)
    login(client, user.email, totp_secret=secret)
    return user


@pytest.fixture
def org_a(db) -> Organisation:
    return make_organisation(db, name="Sở Thông tin và Truyền thông Cao Bằng", short_name="STTTT-CB")


@pytest.fixture
def org_b(db) -> Organisation:
    return make_organisation(db, name="Ngân hàng Thương mại Bắc Ninh", short_name="NH-BN", kind="finance")


# -- closed to anonymous callers and to those without the permission ------------------------


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_send_anonymous_visitors_to_login(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path", ["/admin/users/new", "/admin/organisations/new", "/admin/webhooks", "/admin/jobs/1/retry"]
)
def test_admin_forms_refuse_anonymous_posts(client, db, path: str) -> None:
    r = client.post(path, data={"email": "x@example.vn"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert count(db, AuditRecord) == 0


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/audit", "/admin/jobs", "/admin/webhooks"])
def test_a_responder_may_not_administer(client, db, path: str) -> None:
    log_in_as(client, db, Role.RESPONDER)
    assert "/admin/users" not in client.get("/").text  # no Administration link either
    assert client.get(path).status_code == 403


def test_tabs_show_only_what_the_subject_may_use(client, db, org_a) -> None:
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = client.get("/admin/users")
    tabs = re.search(r'<nav class="tabs" aria-label="Administration">(.*?)</nav>', page.text, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', tabs) == [
        "/admin/users",
        "/admin/organisations",
        "/admin/audit",
        "/admin/webhooks",
    ]
    assert client.get("/admin/jobs").status_code == 403


# -- users ----------------------------------------------------------------------------------


def test_platform_admin_creates_a_user_with_an_invitation(client, db, org_a) -> None:
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    r = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        {
            "email": "Tran.Minh@CaoBang.gov.vn",
            "full_name": "Trần Văn Minh",
            "organisation_id": str(org_a.id),
            "roles": ["responder", "org_admin"],
            "language": "vi",
        },
    )
    assert r.status_code == 303
    user = db.scalar(select(User).where(User.email == "tran.minh@caobang.gov.vn"))
    assert user is not None and user.roles == {"responder", "org_admin"} and user.password_hash is None
    assert r.headers["location"] == f"/admin/users/{user.id}"
    [created] = actions(db, "user.created")
    assert created.summary["roles"] == ["org_admin", "responder"]
    assert count(db, Job, Job.name == "identity.send_password_link") == 1
    listed = client.get("/admin/users", params={"q": "tran van"})
    assert "Trần Văn Minh" in listed.text


def test_a_user_created_with_a_password_can_log_in(client, app, db, org_a) -> None:
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    r = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        {
            "email": "phuong@example.vn",
            "full_name": "Phạm Thu Phương",
            "organisation_id": str(org_a.id),
            "roles": ["viewer"],
            "password": "mật khẩu thật dài 2026",
        },
    )
    assert r.status_code == 303
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as fresh:
        login(fresh, "phuong@example.vn", "mật khẩu thật dài 2026")
        assert "Phạm Thu Phương" in fresh.get("/").text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"roles": []}, "roles", "Choose at least one."),
        ({"organisation_id": ""}, "organisation_id", "Choose an organisation."),
        ({"password": "short"}, "password", "At least 12 characters."),
        ({"email": "taken@example.vn"}, "email", "Already in use"),
    ],
)
def test_bad_new_user_input_names_the_field(client, db, org_a, change: dict, field: str, message: str) -> None:
    make_user(db, email="taken@example.vn", organisation=org_a)
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    users_before = count(db, User)
    form = {
        "email": "new.person@example.vn",
        "full_name": "Người Mới",
        "organisation_id": str(org_a.id),
        "roles": ["viewer"],
        **change,
    }
    r = post_form(client, "/admin/users/new", "/admin/users/new", form)
    assert r.status_code == 422
    assert f'id="admin-user-new-{field}-e"' in r.text and message in r.text
    assert count(db, User) == users_before
    assert actions(db, "user.created") == []


def test_org_admin_sees_and_manages_only_their_organisation(client, db, org_a, org_b) -> None:
    make_user(db, organisation=org_a, full_name="Hoàng Thị An")
    stranger = make_user(db, organisation=org_b, full_name="Vũ Văn Bắc")
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    listed = client.get("/admin/users")
    assert "Hoàng Thị An" in listed.text and "Vũ Văn Bắc" not in listed.text
    assert "Vũ Văn Bắc" not in client.get(f"/admin/users?organisation_id={org_b.id}").text
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    page = "/admin/users"
    edit = post_form(client, page, f"/admin/users/{stranger.id}", {"full_name": "Đổi Tên", "roles": ["viewer"]})
    assert edit.status_code == 404
    assert post_form(client, page, f"/admin/users/{stranger.id}/reset-2fa", {}).status_code == 404
    db.expire_all()
    assert db.get(User, stranger.id).full_name == "Vũ Văn Bắc"
    assert actions(db, "user.updated") == []


def test_org_admin_cannot_create_users_elsewhere_or_grant_privileged_roles(client, db, org_a, org_b) -> None:
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    form = client.get("/admin/users/new").text
    assert 'value="coordinator"' not in form and 'value="platform_admin"' not in form
    assert f'<option value="{org_b.id}"' not in form
    base = {"email": "x@example.vn", "full_name": "Người Lạ", "roles": ["viewer"]}
    elsewhere = post_form(client, "/admin/users/new", "/admin/users/new", {**base, "organisation_id": str(org_b.id)})
    assert elsewhere.status_code == 403
    privileged = post_form(
        client,
        "/admin/users/new",
        "/admin/users/new",
        {**base, "organisation_id": str(org_a.id), "roles": ["coordinator"]},
    )
    assert privileged.status_code == 403
    assert count(db, User, User.email == "x@example.vn") == 0


def test_editing_a_user_saves_and_audits(client, db, org_a) -> None:
    target = make_user(db, organisation=org_a, full_name="Đặng Văn Cũ", roles=[Role.VIEWER])
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{target.id}"
    r = post_form(client, page, page, {"full_name": "Đặng Văn Mới", "language": "vi", "roles": ["responder"]})
    assert r.status_code == 303
    db.expire_all()
    user = db.get(User, target.id)
    assert (user.full_name, user.roles, user.is_active) == ("Đặng Văn Mới", {"responder"}, False)
    [record] = actions(db, "user.updated")
    assert record.summary["changes"]["roles"] == {"from": ["viewer"], "to": ["responder"]}
    assert record.summary["changes"]["is_active"] == {"from": True, "to": False}
    assert "user.updated" in client.get(page).text  # the page shows its history


def test_bad_edits_change_nothing(client, db, org_a) -> None:
    target = make_user(db, organisation=org_a, full_name="Giữ Nguyên", roles=[Role.VIEWER])
    me = log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{target.id}"
    empty = post_form(client, page, page, {"full_name": "", "roles": ["viewer"], "is_active": "1"})
    assert empty.status_code == 422 and 'id="admin-user-edit-full_name-e"' in empty.text
    no_roles = post_form(client, page, page, {"full_name": "Tên Khác", "is_active": "1"})
    assert no_roles.status_code == 422 and "Choose at least one." in no_roles.text
    mine = f"/admin/users/{me.id}"
    myself = post_form(client, mine, mine, {"full_name": "Tôi Đổi Tên", "roles": ["org_admin"]})
    assert myself.status_code == 422 and "You cannot deactivate yourself" in myself.text
    db.expire_all()
    assert db.get(User, target.id).full_name == "Giữ Nguyên"
    assert db.get(User, me.id).full_name != "Tôi Đổi Tên"  # the name change did not half-apply
    assert actions(db, "user.updated") == []


def test_a_coordinator_keeps_roles_they_may_not_hand_out(client, db, org_a) -> None:
    colleague = make_user(db, organisation=org_a, roles=[Role.COORDINATOR, Role.RESPONDER])
    log_in_as(client, db, Role.COORDINATOR)
    page = f"/admin/users/{colleague.id}"
    assert 'value="coordinator"' not in client.get(page).text
    r = post_form(client, page, page, {"full_name": "Đồng Nghiệp", "roles": ["responder"], "is_active": "1"})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, colleague.id).full_name == "Đồng Nghiệp"
    assert db.get(User, colleague.id).roles == {"coordinator", "responder"}


def test_reset_second_factor(client, db, org_a) -> None:
    target = make_user(db, organisation=org_a, roles=[Role.RESPONDER], totp_secret=pyotp.random_base32())
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{target.id}"
    assert "Reset the second factor" in client.get(page).text
    r = post_form(client, page, f"{page}/reset-2fa", {})
    assert r.status_code == 303
    db.expire_all()
    user = db.get(User, target.id)
    assert user.totp_secret is None and user.totp_enabled_at is None
    assert len(actions(db, "user.totp_reset")) == 1


def test_a_coordinator_is_offered_nothing_on_a_platform_admins_account(client, db) -> None:
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN], full_name="Quản Trị Nền Tảng")
    log_in_as(client, db, Role.COORDINATOR)
    page = f"/admin/users/{admin.id}"
    shown = client.get(page)
    assert shown.status_code == 200 and "Quản Trị Nền Tảng" in shown.text
    for action in (f'action="{page}"', f'action="{page}/reset-2fa"', f'action="{page}/send-reset"'):
        assert action not in shown.text
    assert post_form(client, page, f"{page}/reset-2fa", {}).status_code == 403
    assert post_form(client, page, f"{page}/send-reset", {}).status_code == 403
    edit = post_form(client, page, page, {"full_name": admin.full_name, "roles": ["platform_admin"]})
    assert edit.status_code == 403
    db.expire_all()
    assert db.get(User, admin.id).totp_enabled and db.get(User, admin.id).is_active
    assert actions(db, "user.totp_reset") == [] and actions(db, "user.updated") == []
    assert count(db, Job, Job.name == "identity.send_password_link") == 0


def test_an_org_admin_is_refused_a_coordinators_account(client, db, org_a) -> None:
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=org_a)
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{coordinator.id}"
    assert "Reset the second factor" not in client.get(page).text
    assert post_form(client, page, f"{page}/reset-2fa", {}).status_code == 403
    db.expire_all()
    assert db.get(User, coordinator.id).totp_enabled


def test_the_platform_admin_resets_a_coordinators_second_factor(client, db, org_a) -> None:
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=org_a)
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    page = f"/admin/users/{coordinator.id}"
    assert "Reset the second factor" in client.get(page).text
    assert post_form(client, page, f"{page}/reset-2fa", {}).status_code == 303
    db.expire_all()
    assert not db.get(User, coordinator.id).totp_enabled


def test_an_admin_emails_a_reset_link_to_the_user_not_to_themselves(client, db, database, org_a, smtp_server) -> None:
    from csirtnet.worker import Worker
    from tests.smtp import text_of

    colleague = make_user(db, organisation=org_a, roles=[Role.RESPONDER], email="dong.nghiep@example.vn")
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{colleague.id}"
    assert "Email a password reset link" in client.get(page).text
    r = post_form(client, page, f"{page}/send-reset", {})
    assert r.status_code == 303
    [job] = db.scalars(select(Job).where(Job.name == "identity.send_password_link")).all()
    assert set(job.payload) == {"reset_id", "invitation"}
    Worker(database).run_until_idle()
    assert [str(m["To"]) for m in smtp_server] == ["dong.nghiep@example.vn"]
    assert "/password/reset/" in text_of(smtp_server[0])
    [record] = actions(db, "user.password_reset_requested")
    assert record.actor_label != "system"  # the admin who asked is on record


def test_an_admin_changes_a_users_email(client, db, org_a) -> None:
    colleague = make_user(db, organisation=org_a, roles=[Role.VIEWER], email="cu@example.vn")
    make_user(db, email="da.dung@example.vn")
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = f"/admin/users/{colleague.id}"
    form = {"full_name": colleague.full_name, "roles": ["viewer"], "is_active": "1"}
    taken = post_form(client, page, page, {**form, "email": "da.dung@example.vn"})
    assert taken.status_code == 422 and 'id="admin-user-edit-email-e"' in taken.text
    r = post_form(client, page, page, {**form, "email": "Moi@Example.vn"})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, colleague.id).email == "moi@example.vn"
    [record] = actions(db, "user.updated")
    assert record.summary["changes"] == {"email": {"from": "cu@example.vn", "to": "moi@example.vn"}}


def test_users_list_pages_with_a_cursor(client, db, org_a) -> None:
    for n in range(55):
        make_user(db, organisation=org_a, full_name=f"Người {n:02d}")
    log_in_as(client, db, Role.PLATFORM_ADMIN, full_name="Zulu Admin")
    first = client.get(f"/admin/users?organisation_id={org_a.id}")
    names = re.findall(r'<a href="/admin/users/\d+">(Người \d+)</a>', first.text)
    assert names == [f"Người {n:02d}" for n in range(50)]
    link = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = client.get(link)
    assert re.findall(r'<a href="/admin/users/\d+">(Người \d+)</a>', second.text) == [
        f"Người {n:02d}" for n in range(50, 55)
    ]


# -- organisations --------------------------------------------------------------------------


def test_coordinator_registers_and_edits_an_organisation(client, db) -> None:
    log_in_as(client, db, Role.COORDINATOR)
    r = post_form(
        client,
        "/admin/organisations/new",
        "/admin/organisations/new",
        {
            "name": "Trung tâm An ninh mạng Lạng Sơn",
            "short_name": "ANM-LS",
            "member_code": "LS-01",
            "kind": "province",
            "province": "Lạng Sơn",
        },
    )
    assert r.status_code == 303
    org = db.scalar(select(Organisation).where(Organisation.member_code == "LS-01"))
    assert org is not None and org.kind == "province"
    assert len(actions(db, "organisation.created")) == 1
    page = f"/admin/organisations/{org.id}"
    edit = post_form(
        client,
        page,
        page,
        {"name": org.name, "kind": "province", "province": "Lạng Sơn", "status": "suspended", "member_code": "LS-01"},
    )
    assert edit.status_code == 303
    db.expire_all()
    assert db.get(Organisation, org.id).status == "suspended"
    assert db.get(Organisation, org.id).short_name is None  # the emptied box cleared it
    assert "Trung tâm An ninh mạng Lạng Sơn" in client.get("/admin/organisations?q=lang son").text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "A"}, "name", "This is too short."),
        ({"member_code": "bad code!"}, "member_code", "Use only letters"),
        ({"member_code": "TAKEN-1"}, "member_code", "Already used"),
        ({"kind": "pirate_ship"}, "kind", "Choose one of the offered values."),
    ],
)
def test_bad_organisation_input_names_the_field(client, db, change: dict, field: str, message: str) -> None:
    make_organisation(db, member_code="TAKEN-1")
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    before = count(db, Organisation)
    form = {"name": "Tổ chức mới", "kind": "telecom", **change}
    r = post_form(client, "/admin/organisations/new", "/admin/organisations/new", form)
    assert r.status_code == 422
    assert f'id="admin-organisation-new-{field}-e"' in r.text and message in r.text
    assert count(db, Organisation) == before
    assert actions(db, "organisation.created") == []


def test_org_admin_edits_their_own_organisation_only(client, db, org_a, org_b) -> None:
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    assert client.get("/admin/organisations/new").status_code == 403
    own = f"/admin/organisations/{org_a.id}"
    page = client.get(own)
    assert page.status_code == 200 and 'name="member_code"' not in page.text and 'name="status"' not in page.text
    r = post_form(client, own, own, {"name": org_a.name, "kind": "province", "sector": "Nhà nước"})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Organisation, org_a.id).sector == "Nhà nước"
    assert client.get(f"/admin/organisations/{org_b.id}").status_code in (403, 404)
    other = post_form(client, own, f"/admin/organisations/{org_b.id}", {"name": "Chiếm Quyền", "kind": "finance"})
    assert other.status_code in (403, 404)
    db.expire_all()
    assert db.get(Organisation, org_b.id).name == "Ngân hàng Thương mại Bắc Ninh"
    assert len(actions(db, "organisation.updated")) == 1


# -- audit log ------------------------------------------------------------------------------


def test_audit_log_filters_and_is_scoped(client, db, org_a, org_b) -> None:
    from csirtnet import audit

    audit.record(db, Subject.system(), "organisation.checked", org_a, organisation_id=org_a.id, note="Cao Bằng")
    audit.record(db, Subject.system(), "organisation.checked", org_b, organisation_id=org_b.id, note="Bắc Ninh")
    db.flush()
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    page = client.get("/admin/audit", params={"action": "organisation."})
    assert page.status_code == 200
    assert "Cao Bằng" in page.text and "Bắc Ninh" not in page.text
    assert "&#34;note&#34;: &#34;Cao Bằng&#34;" in page.text  # the summary, pretty JSON
    none = client.get("/admin/audit", params={"action": "user.created"})
    assert "No record matches." in none.text


def test_audit_log_by_date_and_bad_dates(client, db) -> None:
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    today = client.get("/admin/audit", params={"since": "2020-01-01", "until": "2999-12-31"})
    assert today.status_code == 200 and "user.logged_in" in today.text
    past = client.get("/admin/audit", params={"until": "2020-01-01"})
    assert "user.logged_in" not in past.text
    bad = client.get("/admin/audit", params={"since": "31/12/2025"})
    assert bad.status_code == 422
    assert 'id="admin-audit-filters-since-e"' in bad.text and "yyyy-mm-dd" in bad.text
    backwards = client.get("/admin/audit", params={"since": "2026-02-01", "until": "2026-01-01"})
    assert backwards.status_code == 422 and "The end date is before the start date." in backwards.text


# -- jobs -----------------------------------------------------------------------------------


def _failed_job(db) -> Job:
    job = Job(
        name="notification.send_email",
        payload={"user_id": 1},
        status=JobStatus.FAILED.value,
        attempts=8,
        max_attempts=8,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    db.add(job)
    db.flush()
    return job


def test_platform_admin_retries_a_failed_job(client, db) -> None:
    job = _failed_job(db)
    log_in_as(client, db, Role.PLATFORM_ADMIN)
    page = client.get("/admin/jobs?status=failed")
    assert "Connection refused" in page.text and f"/admin/jobs/{job.id}/retry" in page.text
    r = post_form(client, "/admin/jobs", f"/admin/jobs/{job.id}/retry", {})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Job, job.id).status == JobStatus.QUEUED.value
    [record] = actions(db, "job.retried")
    assert record.object_id == str(job.id)
    again = post_form(client, "/admin/jobs", f"/admin/jobs/{job.id}/retry", {})
    assert again.status_code == 404  # no longer failed
    assert len(actions(db, "job.retried")) == 1


def test_coordinator_sees_jobs_but_may_not_retry(client, db) -> None:
    job = _failed_job(db)
    log_in_as(client, db, Role.COORDINATOR)
    page = client.get("/admin/jobs")
    assert page.status_code == 200 and f"/admin/jobs/{job.id}/retry" not in page.text
    assert post_form(client, "/admin/jobs", f"/admin/jobs/{job.id}/retry", {}).status_code == 403
    db.expire_all()
    assert db.get(Job, job.id).status == JobStatus.FAILED.value


# -- webhooks -------------------------------------------------------------------------------


def test_org_admin_adds_and_removes_a_webhook(client, db, org_a) -> None:
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    r = post_form(
        client,
        "/admin/webhooks",
        "/admin/webhooks",
        {"url": "https://soc.caobang.gov.vn/hooks/csirtnet", "event_types": ["system.announcement"]},
    )
    assert r.status_code == 200
    endpoint = db.scalar(select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == org_a.id))
    assert endpoint is not None and endpoint.event_types == ["system.announcement"]
    assert f'data-testid="webhook-secret">{endpoint.secret}<' in r.text
    assert endpoint.secret not in client.get("/admin/webhooks").text
    assert len(actions(db, "webhook.created")) == 1
    gone = post_form(client, "/admin/webhooks", f"/admin/webhooks/{endpoint.id}/delete", {})
    assert gone.status_code == 303
    assert count(db, WebhookEndpoint) == 0
    assert len(actions(db, "webhook.deleted")) == 1


def test_bad_webhook_address_is_refused(client, db, org_a) -> None:
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    for url, message in [("ftp://files.example.vn/x", "Must be an http(s) URL"), ("", "This field is required.")]:
        r = post_form(client, "/admin/webhooks", "/admin/webhooks", {"url": url})
        assert r.status_code == 422
        assert 'id="admin-webhook-url-e"' in r.text and message in r.text
    bad_event = post_form(client, "/admin/webhooks", "/admin/webhooks", {"url": "https://x.vn", "event_types": ["no"]})
    assert bad_event.status_code == 422 and "Unknown event type(s): no" in bad_event.text
    assert count(db, WebhookEndpoint) == 0
    assert actions(db, "webhook.created") == []


def test_org_admin_cannot_touch_another_organisations_webhooks(client, db, org_a, org_b) -> None:
    theirs = WebhookEndpoint(organisation_id=org_b.id, url="https://bank.example.vn/hook", secret="s" * 32)
    db.add(theirs)
    db.flush()
    log_in_as(client, db, Role.ORG_ADMIN, organisation=org_a)
    assert client.get(f"/admin/webhooks?organisation_id={org_b.id}").status_code == 404
    assert "bank.example.vn" not in client.get("/admin/webhooks").text
    create = post_form(
        client, "/admin/webhooks", "/admin/webhooks", {"organisation_id": str(org_b.id), "url": "https://evil.vn/x"}
    )
    assert create.status_code == 404
    delete = post_form(client, "/admin/webhooks", f"/admin/webhooks/{theirs.id}/delete", {})
    assert delete.status_code == 404
    assert count(db, WebhookEndpoint) == 1
    assert actions(db, "webhook.created") == [] and actions(db, "webhook.deleted") == []
