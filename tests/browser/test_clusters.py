"""A coordinator opens cluster no. 1 in a real browser: the current lead derived from the terms,
the handover history (Bắc Kạn → Cao Bằng) and the readiness coverage."""

from __future__ import annotations

from datetime import date

import pyotp

from csirtnet.authz import Subject
from csirtnet.authz.cluster import today
from csirtnet.cluster import service
from csirtnet.cluster.readiness import service as readiness
from csirtnet.cluster.readiness.schemas import ReadinessUpdate
from csirtnet.cluster.schemas import ClusterCreate, HandoverCreate, MemberAdd, RotationPlan
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_organisation, make_user

PROVINCES = {"Bắc Kạn": "BKN", "Cao Bằng": "CBG", "Bắc Giang": "BGG"}


def test_coordinator_sees_cluster_one(live_server, page) -> None:
    secret = pyotp.random_base32()
    year = today().year
    system = Subject.system("test")
    with live_server.database.unit_of_work() as session:
        coordinator_org = make_organisation(session, name="Cơ quan điều phối", is_coordinator=True, kind="coordinator")
        coordinator = make_user(
            session, roles=[Role.COORDINATOR], organisation=coordinator_org, totp_secret=secret, full_name="Điều Phối"
        )
        email = coordinator.email
        orgs = {
            name: make_organisation(
                session,
                name=f"Sở Thông tin và Truyền thông {name}",
                short_name=f"STTTT {name}",
                member_code=f"STTTT-{code}",
                kind="province",
                province=name,
            )
            for name, code in PROVINCES.items()
        }
        cluster = service.create_cluster(
            session,
            system,
            ClusterCreate(number=1, name="Cụm số 1", decision_number="123/QĐ-BTTTT", decision_date=date(2023, 3, 15)),
        )
        for org in orgs.values():
            service.add_member(
                session, system, cluster.id, MemberAdd(organisation_id=org.id, joined_on=date(2023, 3, 15))
            )
        service.plan_rotation(
            session,
            system,
            cluster.id,
            RotationPlan(organisation_ids=[orgs[p].id for p in PROVINCES], start_year=year - 2),
        )
        service.record_handover(
            session,
            system,
            cluster.id,
            HandoverCreate(
                from_organisation_id=orgs["Bắc Kạn"].id,
                to_organisation_id=orgs["Cao Bằng"].id,
                handed_over_on=date(year - 1, 1, 6),
                minutes="Bắc Kạn bàn giao vai trò trưởng cụm cho Cao Bằng.",
            ),
        )
        readiness.save(session, system, orgs["Bắc Kạn"].id, year, ReadinessUpdate(ir_team=True, ir_contact_24x7="24/7"))
        cluster_id = cluster.id

    page.goto(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/login/2fa**")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/clusters")
    page.click("text=Cụm số 1")
    page.wait_for_url(f"{live_server.url}/clusters/{cluster_id}")
    lead = page.locator("[data-testid=current-lead]")
    assert "Trưởng cụm hiện nay" in lead.inner_text()
    assert "Sở Thông tin và Truyền thông Bắc Giang" in lead.inner_text()
    pairs = page.locator("[data-testid=handover-pair]").all_inner_texts()
    assert "STTTT Bắc Kạn → STTTT Cao Bằng" in pairs
    terms = page.locator("[data-testid=terms]").inner_text()
    assert "Bắc Kạn" in terms and "Cao Bằng" in terms
    coverage = page.locator("[data-testid=coverage]")
    assert coverage.is_visible()
    assert "Có đội ứng cứu và đầu mối 24/7" in coverage.inner_text()
    page.click("text=Chi tiết mức độ đáp ứng và thiếu hụt")
    page.wait_for_url("**/readiness/coverage**")
    assert "Cụm số 1" in page.locator("[data-testid=coverage-table]").inner_text()
    assert "Chưa có hồ sơ sẵn sàng" in page.locator("[data-testid=gaps]").inner_text()
