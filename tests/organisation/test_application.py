from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from csirtnet.config import get_settings
from csirtnet.models import (
    AuditRecord,
    Expert,
    InformationSystem,
    Job,
    MembershipApplication,
    Organisation,
    OrganisationContact,
    ServiceOffer,
    StoredFile,
    User,
)
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from
from tests.organisation.helpers import api
from tests.smtp import text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "applicant_kind": "organisation",
        "applicant_name": "Đinh Văn Nộp",
        "applicant_email": "nop@congty-moi.example.vn",
        "organisation_name": "Công ty An ninh Mới",
        "kind": "security_vendor",
        "province": "Đà Nẵng",
        "incident_email": "ir@congty-moi.example.vn",
        "c_infosec_leader_full_name": "Lãnh đạo ATTT",
        "c_infosec_leader_email": "ld@congty-moi.example.vn",
        "c_incident_24x7_full_name": "Trực 24/7",
        "c_incident_24x7_phone": "+84 236 000 000",
        "c_focal_point_full_name": "Đầu mối",
        "c_focal_point_email": "dm@congty-moi.example.vn",
        "s0_name": "Cổng khách hàng",
        "s0_level": "3",
        "s0_national": "on",
        "e0_full_name": "Chuyên gia Một",
        "e0_skills": "malware-analysis",
        "e0_certifications": "GREM, OSCP",
        "capability_description": "SOC 24/7",
    }
    data.update(overrides)
    return data


def test_the_confirmation_builds_its_tracking_link_when_it_is_sent(
    client, db, database, smtp_server: list[EmailMessage]
) -> None:
    page = client.get("/apply")
    r = client.post("/apply", data={**_form(), "csrf_token": csrf_from(page.text)})
    assert r.status_code == 303, r.text
    track = r.headers["location"]
    token = track.rsplit("/", 1)[1]
    # No job holds the link (coordinators read jobs): the confirmation's job has the application's id.
    assert not any(token in str(job.payload) for job in db.scalars(select(Job)))
    Worker(database).run_until_idle()
    [confirmation] = [m for m in smtp_server if str(m["To"]) == "nop@congty-moi.example.vn"]
    assert f"{get_settings().base_url.rstrip('/')}{track}" in text_of(confirmation)
    assert client.get(track).status_code == 200


def test_application_full_flow(client, db) -> None:
    coordinator_org = make_organisation(db, is_coordinator=True, member_code="COORD-T")
    coordinator = make_user(db, roles=[Role.COORDINATOR], organisation=coordinator_org)
    page = client.get("/apply")
    assert page.status_code == 200
    token = csrf_from(page.text)
    # Bad input: the page names the fields and nothing is stored.
    bad = client.post(
        "/apply",
        data={**_form(applicant_email="not-an-email", c_focal_point_full_name=""), "csrf_token": token},
    )
    assert bad.status_code == 422
    # Both errors in one round: the schema's (the email) and the dossier's (the focal point).
    assert 'id="apply-applicant_email-e"' in bad.text and 'id="apply-c_focal_point_full_name-e"' in bad.text
    assert db.scalar(select(MembershipApplication.id)) is None
    # Without CSRF the form is refused.
    assert client.post("/apply", data=_form()).status_code == 403
    # Apply with a document and services.
    r = client.post(
        "/apply",
        data={**_form(), "csrf_token": token, "services": ["incident-management.incident-analysis"]},
        files=[("documents", ("quyet-dinh.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 303, r.text
    track = r.headers["location"]
    assert track.startswith("/apply/track/")
    app = db.scalar(select(MembershipApplication))
    assert app is not None and app.status == "submitted"
    assert app.token_hash != track.rsplit("/", 1)[1]  # only the hash is kept
    assert db.scalar(select(StoredFile).where(StoredFile.filename == "quyet-dinh.pdf")) is not None
    # The confirmation's job holds the application's id only; it builds the tracking link itself.
    [confirmation] = db.scalars(select(Job).where(Job.name == "membership.send_application_received")).all()
    assert confirmation.payload == {"application_id": app.id}
    # The coordinator asks for more information.
    h = api(db, coordinator)
    detail = client.get(f"/api/v1/applications/{app.id}", headers=h).json()
    assert detail["documents"][0]["filename"] == "quyet-dinh.pdf"
    # The document comes back as it was sent, as a download (never shown inline), to reviewers only.
    url = f"/api/v1/applications/{app.id}/documents/{detail['documents'][0]['id']}"
    got = client.get(url, headers=h)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''quyet-dinh.pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/applications/{app.id}/documents/987654", headers=h).status_code == 404
    r = client.post(
        f"/api/v1/applications/{app.id}/request-info", json={"question": "Gửi quyết định thành lập?"}, headers=h
    )
    assert r.status_code == 200 and r.json()["status"] == "info_requested"
    # The applicant answers through the tracking page.
    page = client.get(track)
    assert "Gửi quyết định thành lập?" in page.text
    r = client.post(
        track,
        data={"csrf_token": csrf_from(page.text), "body": "Đã gửi kèm."},
        files=[("documents", ("qd.png", b"\x89PNG\r\n\x1a\n0000", "image/png"))],
    )
    assert r.status_code == 303
    db.refresh(app)
    assert app.status == "answered"
    # A wrong file type is refused with the file named.
    page = client.get(track)
    r = client.post(
        track,
        data={"csrf_token": csrf_from(page.text), "body": "Thêm"},
        files=[("documents", ("virus.exe", b"MZ....", "application/octet-stream"))],
    )
    assert r.status_code == 422 and "virus.exe" in r.text
    # Approve: organisation, member code, admin account, invitation.
    r = client.post(f"/api/v1/applications/{app.id}/approve", json={}, headers=h)
    assert r.status_code == 200, r.text
    org = db.get(Organisation, r.json()["id"])
    assert org.member_code.startswith("MB-") and org.kind == "security_vendor"
    admin = db.scalar(select(User).where(User.email == "nop@congty-moi.example.vn"))
    assert admin is not None and admin.organisation_id == org.id and admin.roles == {"org_admin"}
    assert admin.password_hash is None
    invitation = db.scalars(select(Job).where(Job.name == "identity.send_password_link")).all()
    assert [j.payload["invitation"] for j in invitation] == [True]
    assert {
        c.role for c in db.scalars(select(OrganisationContact).where(OrganisationContact.organisation_id == org.id))
    } == {
        "infosec_leader",
        "incident_24x7",
        "focal_point",
    }
    assert db.scalar(select(InformationSystem).where(InformationSystem.organisation_id == org.id)).national_important
    assert db.scalar(select(ServiceOffer.service).where(ServiceOffer.organisation_id == org.id))
    expert = db.scalar(select(Expert).where(Expert.organisation_id == org.id))
    assert expert.certifications == ["GREM", "OSCP"] and [s.skill for s in expert.skills] == ["malware-analysis"]
    actions = set(db.scalars(select(AuditRecord.action)))
    assert {"membership.applied", "membership.info_requested", "membership.answered", "membership.approved"} <= actions
    assert "Approved" in client.get(track).text or "Đã" in client.get(track).text
    # Decided applications cannot be decided again.
    assert client.post(f"/api/v1/applications/{app.id}/reject", json={"reason": "late"}, headers=h).status_code == 409


def test_member_codes_follow_the_format_and_stay_unique(db, monkeypatch) -> None:
    from csirtnet.organisation import application
    from csirtnet.organisation.settings import member_settings

    monkeypatch.setenv("CSIRTNET_MEMBER_CODE_FORMAT", "TV-{year}-{seq:03d}")
    member_settings.cache_clear()
    try:
        first = application.next_member_code(db)
        make_organisation(db, member_code=first)
        second = application.next_member_code(db)
        assert first.startswith("TV-") and first.endswith("-001") and second.endswith("-002")
    finally:
        member_settings.cache_clear()


def test_applications_api_is_closed(client, db) -> None:
    assert client.get("/api/v1/applications").status_code == 401
    member = make_user(db, roles=[Role.ORG_ADMIN])
    assert client.get("/api/v1/applications", headers=api(db, member)).status_code == 403
    coordinator = make_user(db, roles=[Role.COORDINATOR])
    h = api(db, coordinator)
    assert client.get("/api/v1/applications/999999", headers=h).status_code == 404
    r = client.post("/api/v1/applications/1/reject", json={"reason": ""}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"


def test_apply_is_throttled_per_address(client, db, monkeypatch) -> None:
    from csirtnet.organisation.settings import member_settings

    monkeypatch.setenv("CSIRTNET_APPLY_MAX_PER_HOUR", "1")
    member_settings.cache_clear()
    try:
        token = csrf_from(client.get("/apply").text)
        assert client.post("/apply", data={**_form(), "csrf_token": token}).status_code == 303
        assert client.post("/apply", data={**_form(), "csrf_token": token}).status_code == 429
    finally:
        member_settings.cache_clear()
