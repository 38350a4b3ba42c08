"""The incident pages: queue, triage, the incident page and its forms, province table, profiles;
anonymous visitors are sent to the login page, other organisations get 404."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from csirtnet.models import Incident, IncidentObservable, IncidentReport
from tests.helpers import csrf_from, login
from tests.incident.helpers import coordinator, make_report, member, open_incident


def _coord_login(client, db):  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    coord = coordinator(db, totp_secret=secret)
    login(client, coord.email, totp_secret=secret)
    return coord


def test_anonymous_is_sent_to_login(client) -> None:
    for path in ("/incidents", "/incidents/reports", "/incidents/1", "/incidents/provinces", "/incidents/report"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_other_organisation_gets_404(client, db) -> None:
    coord, reporter, stranger = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    report = make_report(db, reporter)
    login(client, stranger.email)
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    assert client.get(f"/incidents/reports/{report.id}").status_code == 404
    assert client.get(f"/incidents/{incident.id}/export.pdf").status_code == 404
    token = csrf_from(client.get("/incidents").text)
    r = client.post(f"/incidents/{incident.id}/comments", data={"csrf_token": token, "body": "xin chào"})
    assert r.status_code == 404
    assert f'href="/incidents/{incident.id}"' not in client.get("/incidents?q=ma+doc").text


def test_triage_and_work_through_the_pages(client, db) -> None:
    reporter = member(db)
    old = open_incident(db, coordinator(db), member(db), title="Vụ cũ")
    db.add(IncidentObservable(incident_id=old.id, kind="ip", value="203.0.113.66"))
    report = make_report(db, reporter, system_security_level=4)
    _coord_login(client, db)
    queue = client.get("/incidents/reports")
    assert queue.status_code == 200 and report.reference in queue.text
    page = client.get(f"/incidents/reports/{report.id}")
    token = csrf_from(page.text)
    r = client.post(
        f"/incidents/reports/{report.id}/open",
        data={
            "csrf_token": token,
            "classification_form": "1",
            "rsit": "malicious-code/infected-system",
            "serious_criteria": "service_interruption",
            "tlp": "amber",
            "pap": "green",
            "severity": "",
        },
    )
    assert r.status_code == 303, r.text
    incident = db.scalar(
        select(Incident).where(
            Incident.id == db.scalar(select(IncidentReport.incident_id).where(IncidentReport.id == report.id))
        )
    )
    assert incident is not None and incident.severity == "serious"
    url = f"/incidents/{incident.id}"
    r = client.post(
        f"{url}/observables", data={"csrf_token": token, "kind": "ip", "value": "203.0.113.66", "tlp": "amber"}
    )
    assert r.status_code == 303
    page = client.get(f"{url}/observables")
    assert page.status_code == 200 and "Cũng xuất hiện trong" in page.text and old.reference in page.text
    r = client.post(f"{url}/observables", data={"csrf_token": token, "kind": "ip", "value": "nope", "tlp": "amber"})
    assert r.status_code == 422 and 'value="nope"' in r.text and "không phải địa chỉ IPv4 hay IPv6" in r.text
    r = client.post(f"{url}/phase", data={"csrf_token": token, "phase": "recovery"})
    assert r.status_code == 422
    db.refresh(incident)
    assert incident.phase == "triage"  # refused: not an allowed move
    for step in ("timeline", "comments", "tasks"):
        data = {
            "csrf_token": token,
            "occurred_at": "2026-01-02T10:00",
            "timezone": "Asia/Ho_Chi_Minh",
            "text": "Cô lập máy chủ",
            "body": f"@{reporter.email} kiểm tra giúp",
            "title": "Thu thập nhật ký",
        }
        assert client.post(f"{url}/{step}", data=data).status_code == 303
    assert "Cô lập máy chủ" in client.get(f"{url}/timeline").text
    assert "Thu thập nhật ký" in client.get(f"{url}/tasks").text
    assert "kiểm tra giúp" in client.get(f"{url}/discussion").text
    r = client.post(
        f"{url}/close",
        data={
            "csrf_token": token,
            "result": "Đã xử lý xong",
            "root_cause": "Lỗ hổng",
            "actions_taken": "Vá lỗ hổng",
            "lessons_learned": "Sao lưu",
        },
    )
    assert r.status_code == 303
    db.refresh(incident)
    assert incident.phase == "closed" and incident.closing_root_cause == "Lỗ hổng"
    pdf = client.get(f"{url}/export.pdf?form=closing&lang=vi")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"{url}/export.json").json()["incident"]["phase"] == "closed"


def test_a_user_with_no_role_cannot_read_the_deadline_profiles(client, db) -> None:
    from tests.factories import make_user

    user = make_user(db, roles=[])
    login(client, user.email)
    assert client.get("/incidents/deadline-profiles").status_code == 403


def test_lists_province_table_and_profiles(client, db) -> None:
    reporter = member(db)
    incident = open_incident(db, coordinator(db), reporter, title="Mã độc tống tiền ở tỉnh")
    _coord_login(client, db)
    page = client.get("/incidents?q=ma+doc+tong+tien")
    assert incident.reference in page.text
    assert incident.reference not in client.get("/incidents?q=khong+co+gi").text
    assert client.get("/incidents?overdue=1").status_code == 200
    assert client.get("/incidents?mine=1").status_code == 200
    assert client.get("/incidents?phase=triage&severity=normal&rsit_class=fraud").status_code == 200
    provinces = client.get("/incidents/provinces")
    assert provinces.status_code == 200 and "<svg" in provinces.text and "Hà Nội" in provinces.text
    home = client.get("/")
    assert 'href="/incidents?overdue=1"' in home.text and 'href="/incidents/reports"' in home.text
    profiles = client.get("/incidents/deadline-profiles")
    assert "NIS2" in profiles.text and "CIRCIA" in profiles.text
    assert re.search(r"Thông tư 20/2017", profiles.text)


def test_incident_page_shows_the_mobilisation_section(client, db) -> None:
    coord = _coord_login(client, db)
    incident = open_incident(db, coord, member(db))
    page = client.get(f"/incidents/{incident.id}")
    assert page.status_code == 200
    assert 'data-testid="mobilisation-section"' in page.text
    assert f'href="/incidents/{incident.id}/mobilisation"' in page.text


def test_the_incident_page_names_the_rsit_type_in_vietnamese(client, db) -> None:
    """The page showed "Xâm nhập / application-compromise": the class translated, the type raw."""
    coord = _coord_login(client, db)
    incident = open_incident(
        db, coord, member(db), classification={"rsit_class": "intrusions", "rsit_type": "application-compromise"}
    )
    page = client.get(f"/incidents/{incident.id}?lang=vi")
    assert page.status_code == 200
    assert "Xâm nhập / Chiếm quyền ứng dụng" in page.text
