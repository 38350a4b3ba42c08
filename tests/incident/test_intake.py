"""Reports arrive through the API, the pages, the public form (throttled) and email (a real SMTP
server on loopback)."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from sqlalchemy import select

from csirtnet.config import get_settings
from csirtnet.incident import intake
from csirtnet.kit.files import ContentStore
from csirtnet.kit.hashing import sha256_hex
from csirtnet.models import AuditRecord, IncidentReport, IncidentReportAttachment, Job, Notification, StoredFile
from csirtnet.worker import Worker
from tests.helpers import csrf_from, login
from tests.incident.helpers import api, coordinator, member, report_data
from tests.smtp import text_of


def test_member_reports_through_the_api_and_coordinators_are_told(client, db) -> None:
    coord = coordinator(db)
    reporter = member(db)
    r = client.post("/api/v1/incidents/reports", json=report_data(), headers=api(db, reporter))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["reference"].startswith("BC-") and body["status"] == "new"
    assert body["reporting_organisation_id"] == reporter.organisation_id
    assert db.scalar(select(Notification).where(Notification.user_id == coord.id)).event_type == (
        "incident.report_received"
    )
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "incident_report.received")) is not None


def test_api_report_rejects_bad_input_naming_the_field(client, db) -> None:
    reporter = member(db)
    headers = api(db, reporter)
    r = client.post("/api/v1/incidents/reports", json=report_data(system_ips=["999.1.1.1"]), headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "system_ips"
    r = client.post("/api/v1/incidents/reports", json=report_data(detected_at="2026-01-01T08:00:00"), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "detected_at"
    r = client.post("/api/v1/incidents/reports", json=report_data(system_security_level=7), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "system_security_level"


def test_anonymous_api_report_is_refused(client) -> None:
    assert client.post("/api/v1/incidents/reports", json=report_data()).status_code == 401


def _public_form(client, **overrides: str) -> dict[str, str]:
    token = csrf_from(client.get("/report").text)
    data = {
        "csrf_token": token,
        "title": "Trang web bị thay đổi giao diện",
        "description": "Trang chủ của công ty bị thay bằng nội dung lạ từ sáng nay.",
        "reporter_name": "Lê Thị Công Dân",
        "reporter_email": "congdan@example.vn",
        "detected_at": "2026-01-05T08:30",
        "system_domains": "congty.example.vn",
        "incident_status": "ongoing",
    }
    data.update(overrides)
    return data


def test_public_form_files_a_report_with_a_hashed_tracking_link(client, db) -> None:
    r = client.post("/report", data=_public_form(client))
    assert r.status_code == 303, r.text
    tracking = r.headers["location"].split("?")[0]
    token = tracking.rsplit("/", 1)[1]
    report = db.scalar(select(IncidentReport).where(IncidentReport.channel == "public"))
    assert report is not None and report.tracking_token_hash == sha256_hex(token)
    assert token not in (report.tracking_token_hash or "")
    assert report.detected_at.isoformat().startswith("2026-01-05T01:30")  # 08:30 in Hà Nội
    page = client.get(tracking)
    assert page.status_code == 200 and report.reference in page.text
    assert client.get("/report/track/not-a-token").status_code == 404


def test_the_acknowledgement_builds_its_tracking_link_when_it_is_sent(
    client, db, database, smtp_server: list[EmailMessage]
) -> None:
    r = client.post("/report", data=_public_form(client))
    tracking = r.headers["location"].split("?")[0]
    token = tracking.rsplit("/", 1)[1]
    # No job holds the link (coordinators read jobs): the acknowledgement's job has the report's id.
    assert not any(token in str(job.payload) for job in db.scalars(select(Job)))
    Worker(database).run_until_idle()
    [ack] = [m for m in smtp_server if str(m["To"]) == "congdan@example.vn"]
    assert f"{get_settings().base_url.rstrip('/')}{tracking}" in text_of(ack)
    assert client.get(tracking).status_code == 200


def test_public_form_needs_csrf_and_names_bad_fields(client, db) -> None:
    data = _public_form(client)
    data.pop("csrf_token")
    assert client.post("/report", data=data).status_code == 403
    r = client.post("/report", data=_public_form(client, system_domains="not a domain!"))
    assert r.status_code == 422 and 'id="public-report-system_domains-e"' in r.text
    r = client.post("/report", data=_public_form(client, reporter_email=""))
    assert r.status_code == 422 and 'id="public-report-reporter_email-e"' in r.text


def test_public_form_is_throttled_per_address(client, db) -> None:
    for _ in range(intake.PUBLIC_LIMIT_PER_HOUR):
        assert client.post("/report", data=_public_form(client)).status_code == 303
    r = client.post("/report", data=_public_form(client))
    assert r.status_code == 429
    assert r.headers["retry-after"] == "3600"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_email_intake_flags_tbsc_as_formal_and_keeps_attachments(database, db, settings) -> None:
    from csirtnet.incident.email_intake import start_smtp

    port = _free_port()
    controller = start_smtp(database, "127.0.0.1", port)
    try:
        msg = EmailMessage()
        msg["From"] = "Phòng CNTT <cntt@sotttt.example.vn>"
        msg["To"] = "baocao@csirtnet.local"
        msg["Subject"] = "[TBSC] Sự cố mã độc tại Sở Thông tin và Truyền thông"
        msg["Message-ID"] = "<tbsc-1@sotttt.example.vn>"
        msg.set_content(
            "Hệ thống: Cổng dịch vụ công\nIP: 203.0.113.10\nThời gian phát hiện: 2026-02-01 07:45\n\n"
            "Phát hiện mã độc mã hóa tệp trên máy chủ dịch vụ công."
        )
        msg.add_attachment(b"malware log line\n", maintype="text", subtype="plain", filename="log.txt")
        plain = EmailMessage()
        plain["From"] = "someone@example.com"
        plain["To"] = "baocao@csirtnet.local"
        plain["Subject"] = "Phishing mail received"
        plain.set_content("We received a phishing email pretending to be the ministry.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(msg)
            smtp.send_message(plain)
            smtp.send_message(msg)  # the same message again is filed once
    finally:
        controller.stop()
    reports = db.scalars(
        select(IncidentReport).where(IncidentReport.channel == "email").order_by(IncidentReport.id)
    ).all()
    assert len(reports) == 2
    formal, informal = reports
    assert formal.formal and not informal.formal
    assert formal.title == "Sự cố mã độc tại Sở Thông tin và Truyền thông"
    assert formal.system_name == "Cổng dịch vụ công" and formal.system_ips == ["203.0.113.10"]
    assert formal.detected_at.isoformat().startswith("2026-02-01T00:45")
    assert formal.email_from == "cntt@sotttt.example.vn" and formal.tracking_token_hash
    stored = db.scalar(
        select(StoredFile)
        .join(IncidentReportAttachment, IncidentReportAttachment.stored_file_id == StoredFile.id)
        .where(IncidentReportAttachment.report_id == formal.id)
    )
    assert stored is not None and stored.filename == "log.txt"
    with ContentStore(settings.data_dir / "blobs").open(stored.sha256) as fh:
        assert fh.read() == b"malware log line\n"


def test_member_reports_through_the_page(client, db) -> None:
    reporter = member(db)
    login(client, reporter.email)
    page = client.get("/incidents/report")
    assert page.status_code == 200
    r = client.post(
        "/incidents/report",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Mã độc tống tiền",
            "description": "Máy trạm bị mã hóa toàn bộ tệp tài liệu.",
            "reporter_name": reporter.full_name,
            "detected_at": "2026-01-05T08:30",
        },
        files={"attachments": ("note.txt", b"ransom note", "text/plain")},
    )
    assert r.status_code == 303, r.text
    report = db.scalar(select(IncidentReport).where(IncidentReport.reporter_user_id == reporter.id))
    assert report is not None and report.channel == "web"
    detail = client.get(r.headers["location"])
    assert detail.status_code == 200
    attachment = db.scalar(select(IncidentReportAttachment).where(IncidentReportAttachment.report_id == report.id))
    assert attachment is not None
    url = f"/incidents/reports/{report.id}/attachments/{attachment.id}"
    assert url in detail.text
    got = client.get(url)
    assert got.status_code == 200 and got.content == b"ransom note"
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''note.txt"
    # Someone of another organisation learns nothing of the report or its files.
    client.cookies.clear()
    login(client, member(db).email)
    assert client.get(url).status_code == 404
