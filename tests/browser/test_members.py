"""A new organisation applies, a coordinator approves it, its admin sets a password from the
invitation, logs in, fills the profile, constituency and readiness, the coordinator adds it to
cluster no. 1, and the member shows in the directory and in the cluster's coverage view."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage

import pyotp
import pytest
from sqlalchemy import select

from csirtnet.authz.cluster import today
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, ClusterMember, ConstituencyClaim, Organisation, ReadinessRecord, User
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_organisation, make_user
from tests.smtp import text_of

pytestmark = pytest.mark.browser

COORDINATOR_TOTP = pyotp.random_base32()
ADMIN_TOTP = pyotp.random_base32()
NEW_PASSWORD = "mật khẩu mới của quản trị"


def _login(page, base: str, email: str, password: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/login/2fa**")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def _invitation_link(messages: list[EmailMessage], address: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in list(messages):
            found = re.search(r"http\S+/password/reset/\S+", text_of(message))
            if str(message["To"]) == address and found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no invitation reached {address}")


def test_apply_approve_invite_profile_directory(live_server, page, smtp_server) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    with live_server.database.unit_of_work() as session:
        coordinator_org = make_organisation(session, name="Cơ quan điều phối", is_coordinator=True)
        coordinator = make_user(
            session, roles=[Role.COORDINATOR], organisation=coordinator_org, totp_secret=COORDINATOR_TOTP
        )
        coordinator_email = coordinator.email
        cluster = Cluster(number=1, name="Cụm số 1")
        session.add(cluster)
        session.flush()
        cluster_id = cluster.id
        session.add(
            ClusterMember(cluster_id=cluster_id, organisation_id=make_organisation(session).id, joined_on=today())
        )

    # 1. The public applies.
    page.goto(base + "/apply")
    page.fill("#apply-applicant_name", "Đặng Thị Đăng Ký")
    page.fill("#apply-applicant_email", "dangky@an-ninh-moi.example.vn")
    page.fill("#apply-organisation_name", "Công ty An ninh mạng Phương Nam")
    page.select_option("#apply-kind", "security_vendor")
    page.fill("#apply-province", "Cần Thơ")
    page.fill("#apply-incident_email", "ir@an-ninh-moi.example.vn")
    page.fill("#apply-c_infosec_leader_full_name", "Lãnh đạo An Toàn")
    page.fill("#apply-c_infosec_leader_email", "lanhdao@an-ninh-moi.example.vn")
    page.fill("#apply-c_incident_24x7_full_name", "Trực Ban")
    page.fill("#apply-c_incident_24x7_phone", "+84 292 000 000")
    page.fill("#apply-c_focal_point_full_name", "Đầu Mối")
    page.fill("#apply-c_focal_point_email", "daumoi@an-ninh-moi.example.vn")
    page.check("input[value='incident-management.incident-analysis']")
    page.set_input_files(
        "#apply-documents",
        files=[{"name": "giay-phep.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    page.click("button[type=submit].primary >> nth=-1")
    page.wait_for_url("**/apply/track/**")
    tracking_url = page.url
    assert "Công ty An ninh mạng Phương Nam" in page.content()

    # 2. The coordinator approves it.
    page.context.clear_cookies()
    _login(page, base, coordinator_email, PASSWORD, COORDINATOR_TOTP)
    page.goto(base + "/members/applications")
    page.click("text=Công ty An ninh mạng Phương Nam")
    page.click("[data-testid=approve]")
    page.wait_for_url("**/members/*")
    code = page.inner_text("[data-testid=member-code]").strip()
    assert code.startswith("MB-")

    # 3. The new admin sets a password through the invitation link in the email they received (no
    # job holds it: the worker builds it when it sends).
    link = _invitation_link(smtp_server, "dangky@an-ninh-moi.example.vn")
    page.context.clear_cookies()
    page.goto(link)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_again", NEW_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/login**")
    # Org admins need a second factor; enrol it directly (the enrolment page is tested elsewhere).
    with live_server.database.unit_of_work() as session:
        admin = session.scalar(select(User).where(User.email == "dangky@an-ninh-moi.example.vn"))
        assert admin is not None
        admin.totp_secret = ADMIN_TOTP
        admin.totp_enabled_at = utcnow()
        org_id = admin.organisation_id
    _login(page, base, "dangky@an-ninh-moi.example.vn", NEW_PASSWORD, ADMIN_TOTP)

    # 4. The admin fills the profile and the constituency.
    page.goto(f"{base}/members/{org_id}")
    page.click("text=" + ("Sửa hồ sơ" if "Sửa hồ sơ" in page.content() else "Edit the profile"))
    page.fill("[data-testid=profile-form] #member-profile-incident_phone", "+84 292 111 111")
    page.fill("[data-testid=profile-form] #member-profile-website", "https://an-ninh-moi.example.vn")
    page.click("[data-testid=profile-form] button[type=submit]")
    page.wait_for_load_state()
    page.fill("#member-claim-value", "198.51.100.0/25")
    page.click("[data-testid=claim-form] button[type=submit]")
    page.wait_for_load_state()
    assert "198.51.100.0/25" in page.inner_text("[data-testid=claims]")
    with live_server.database.unit_of_work() as session:
        org = session.get(Organisation, org_id)
        assert org is not None and org.incident_phone == "+84 292 111 111"
        assert session.scalar(select(ConstituencyClaim).where(ConstituencyClaim.organisation_id == org_id))

    # 5. The admin files this year's readiness record.
    year = today().year
    page.goto(f"{base}/readiness/{org_id}/{year}")
    form = page.locator("[data-testid=readiness-form]")
    for box in ("antimalware_deployed", "backup_plan", "ir_team"):
        form.locator(f"input[name={box}]").check()
    form.locator("input[name=ir_contact_24x7]").fill("Trực ban 24/7: +84 292 000 000")
    form.locator("button[type=submit].primary").click()
    page.wait_for_load_state()
    with live_server.database.unit_of_work() as session:
        record = session.scalar(select(ReadinessRecord).where(ReadinessRecord.organisation_id == org_id))
        assert record is not None and record.year == year and record.antimalware_deployed

    # 6. The coordinator adds the new member to cluster no. 1 and sees it in the coverage view.
    page.context.clear_cookies()
    _login(page, base, coordinator_email, PASSWORD, COORDINATOR_TOTP)
    page.goto(f"{base}/clusters/{cluster_id}")
    adding = page.locator(f"#members details:has(form[action='/clusters/{cluster_id}/members'])")
    adding.locator("summary").click()
    add = adding.locator("form")
    add.locator("select[name=organisation_id]").select_option(str(org_id))
    add.locator("input[name=joined_on]").fill(today().isoformat())
    add.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Công ty An ninh mạng Phương Nam" in page.inner_text("[data-testid=members]")
    page.goto(f"{base}/readiness/coverage?year={year}&group_by=cluster&cluster_id={cluster_id}")
    assert "Cụm số 1" in page.inner_text("[data-testid=coverage-table]")
    gaps = page.inner_text("[data-testid=gaps]")
    assert "Công ty An ninh mạng Phương Nam" in gaps  # it filed a record but misses some criteria

    # 7. The member is in the directory, found without accents.
    page.goto(base + "/members?q=phuong+nam")
    directory = page.inner_text("[data-testid=directory]")
    assert "Công ty An ninh mạng Phương Nam" in directory and code in directory
    # The applicant's tracking page shows the decision.
    page.context.clear_cookies()
    page.goto(tracking_url)
    assert page.get_attribute("[data-testid=application-status] .badge", "data-status") == "approved"
