"""The incident page for work: its forms on the one form path (errors in place), the timeline in
words, pasted observables, files with their TLP, the task log and reassignment, removals that ask
first, actions that fit the phase, a pending support request, the case report, and a page whose
statements do not grow with its rows."""

from __future__ import annotations

import io
import re

import pyotp
from pypdf import PdfReader
from sqlalchemy import select

from csirtnet.incident import participants, task_service
from csirtnet.incident.schemas import ParticipantCreate, TaskCreate
from csirtnet.models import AuditRecord, IncidentAttachment, IncidentObservable, IncidentTaskUpdate, Job
from tests.helpers import csrf_from, login, sql_statements
from tests.incident.helpers import coordinator, member, open_incident, who


def _coord(client, db):  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    coord = coordinator(db, totp_secret=secret, full_name="Điều Phối Viên")
    login(client, coord.email, totp_secret=secret)
    return coord


def _token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get(url).text)


def test_a_severity_override_without_a_reason_comes_back_in_place_with_everything_typed(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    url = f"/incidents/{incident.id}"
    token = _token(client, url)
    r = client.post(
        f"{url}/classify",
        data={
            "csrf_token": token,
            "rsit": "intrusions/system-compromise",
            "severity": "serious",
            "severity_reason": "",
            "sector": "Ngân hàng số",
            "tlp": "amber",
            "pap": "green",
            "serious_criteria": ["service_interruption"],
            "is_major": "on",
        },
    )
    assert r.status_code == 422
    page = r.text
    # The error is at the field, its label is in the summary, and no attribute name is shown.
    assert 'id="incident-classify-severity_reason-e"' in page
    summary = re.search(r'data-testid="form-errors">(.*?)</div>', page, re.S)
    assert summary and "Lý do, khi không theo đề xuất" in summary.group(1)
    assert "severity_reason:" not in page and "Nghiêm trọng" in summary.group(1)
    # Everything typed is still there, in the open form.
    assert 'value="Ngân hàng số"' in page
    assert re.search(r'<option value="serious"\s+selected>', page)
    assert re.search(r'<option value="intrusions/system-compromise"\s*selected>', page)
    assert re.search(r'name="is_major"\s+checked', page)
    assert re.search(r'value="service_interruption"\s+checked', page)
    assert re.search(r"<details open><summary>Thay đổi phân loại", page)
    db.refresh(incident)
    assert incident.severity == "normal" and incident.sector != "Ngân hàng số"


def test_the_timeline_says_what_changed_old_to_new_in_words(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=coord.id, role="commander"))
    url = f"/incidents/{incident.id}"
    token = _token(client, url)
    r = client.post(
        f"{url}/classify",
        data={
            "csrf_token": token,
            "severity": "serious",
            "severity_reason": "Cổng thông tin cấp tỉnh ngừng hoạt động",
            "tlp": "red",
            "pap": "amber",
        },
    )
    assert r.status_code == 303, r.text
    assert client.post(f"{url}/phase", data={"csrf_token": token, "phase": "analysis"}).status_code == 303
    vi = client.get(f"{url}/timeline").text
    assert "Mức độ: Thông thường → Nghiêm trọng" in vi
    assert "TLP:AMBER → TLP:RED" in vi
    assert "Giai đoạn: Phân loại → Phân tích" in vi
    en = client.get(f"{url}/timeline?lang=en").text
    assert "Severity: Normal → Serious" in en and "TLP:AMBER → TLP:RED" in en and "Phase: Triage → Analysis" in en
    for raw in ("severity_reason", "shared_with_cluster_id", "severity_suggested", "serious_criteria"):
        assert raw not in en and raw not in vi
    # The case report PDF carries the same words.
    for lang, words in (("en", "Severity: Normal → Serious"), ("vi", "TLP:AMBER → TLP:RED")):
        pdf = client.get(f"{url}/export.pdf?form=case&lang={lang}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert words in " ".join(text.split()), text[:2000]
    html = client.get(f"{url}/case-report?lang=en").text
    assert "Severity: Normal → Serious" in html and "Closing report (form 04)" in html


def test_the_case_report_pdf_breaks_a_long_word(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    incident.description = "x" * 20000
    db.flush()
    pdf = client.get(f"/incidents/{incident.id}/export.pdf?form=case&lang=vi")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.content)).pages) > 1


def test_pasted_observables_are_previewed_then_added_all_or_none(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    db.add(IncidentObservable(incident_id=incident.id, kind="domain", value="evil.example"))
    db.flush()
    url = f"/incidents/{incident.id}"
    token = _token(client, f"{url}/observables")
    paste = "hxxp://evil[.]example/a\n203.0.113[.]9, 203.0.113.9\nkhông-phải-gì\nevil[.]example"
    r = client.post(f"{url}/observables/paste", data={"csrf_token": token, "text": paste, "tlp": "green"})
    assert r.status_code == 200
    rows = re.findall(r'data-line="(\d+)" data-state="(\w+)"', r.text)
    assert rows == [("1", "new"), ("2", "new"), ("2", "merged"), ("3", "problem"), ("4", "merged")]
    assert "Dòng 3" in r.text and "http://evil.example/a" in r.text
    assert 'data-testid="paste-add"' not in r.text  # nothing to add while a line has a problem
    r = client.post(
        f"{url}/observables/paste", data={"csrf_token": token, "text": paste, "tlp": "green", "action": "add"}
    )
    assert r.status_code == 422 and "dòng 3" in r.text and "hxxp://evil[.]example/a" in r.text
    assert len(db.scalars(select(IncidentObservable).where(IncidentObservable.incident_id == incident.id)).all()) == 1
    fixed = paste.replace("không-phải-gì", "")
    r = client.post(
        f"{url}/observables/paste", data={"csrf_token": token, "text": fixed, "tlp": "green", "action": "add"}
    )
    assert r.status_code == 303
    values = set(db.scalars(select(IncidentObservable.value).where(IncidentObservable.incident_id == incident.id)))
    assert values == {"evil.example", "http://evil.example/a", "203.0.113.9"}
    assert "Đã thêm 2 dấu hiệu: http://evil.example/a, 203.0.113.9" in client.get(f"{url}/timeline").text


def test_a_red_file_is_for_the_named_only_its_name_included(client, db) -> None:
    coord = coordinator(db)
    reporter = member(db)  # named on the incident as its reporter
    named = member(db, org=reporter.organisation)
    colleague = member(db, org=reporter.organisation)  # sees the incident through the organisation only
    incident = open_incident(db, coord, reporter)
    participants.add(db, who(coord), incident.id, ParticipantCreate(user_id=named.id, role="responder"))
    db.flush()
    login(client, named.email)
    url = f"/incidents/{incident.id}"
    token = _token(client, f"{url}/files")
    r = client.post(
        f"{url}/files",
        data={"csrf_token": token, "tlp": "red"},
        files={"file": ("bi-mat-nhan-chung.txt", b"noi dung", "text/plain")},
    )
    assert r.status_code == 303, r.text
    r = client.post(
        f"{url}/files",
        data={"csrf_token": token, "tlp": "amber"},
        files={"file": ("Nhật ký máy chủ.log", b"log", "text/plain")},
    )
    assert r.status_code == 303
    red = db.scalar(select(IncidentAttachment).where(IncidentAttachment.tlp == "red"))
    assert red is not None
    assert "bi-mat-nhan-chung.txt" in client.get(f"{url}/files").text
    assert client.get(f"{url}/files/{red.id}").content == b"noi dung"
    downloaded = db.scalar(select(AuditRecord).where(AuditRecord.action == "incident.attachment_downloaded"))
    assert downloaded is not None and downloaded.guard_tlp == "red"

    client.cookies.clear()
    login(client, colleague.email)  # same organisation, not named
    files_page = client.get(f"{url}/files").text
    assert "Nhật ký máy chủ.log" in files_page and "bi-mat-nhan-chung" not in files_page
    assert "bi-mat-nhan-chung" not in client.get(f"{url}/timeline").text
    assert "bi-mat-nhan-chung" not in client.get(f"{url}/case-report").text
    assert client.get(f"{url}/files/{red.id}").status_code == 404
    for row in db.scalars(select(Job)):
        assert "bi-mat-nhan-chung" not in str(row.payload)


def test_removals_ask_first_and_without_a_script_on_a_page_of_their_own(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    row = IncidentObservable(incident_id=incident.id, kind="ip", value="198.51.100.20")
    db.add(row)
    db.flush()
    url = f"/incidents/{incident.id}"
    page = client.get(f"{url}/observables").text
    assert re.search(rf'action="{url}/observables/{row.id}/delete" class="inline" data-confirm="[^"]+"', page)
    token = csrf_from(page)
    asked = client.post(f"{url}/observables/{row.id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.text
    assert 'name="confirmed" value="1"' in asked.text
    assert db.scalar(select(IncidentObservable.id).where(IncidentObservable.id == row.id)) is not None
    done = client.post(f"{url}/observables/{row.id}/delete", data={"csrf_token": token, "confirmed": "1"})
    assert done.status_code == 303
    assert db.scalar(select(IncidentObservable.id).where(IncidentObservable.id == row.id)) is None


def test_actions_fit_the_phase_and_a_pending_support_request_shows(client, db) -> None:
    from csirtnet.mobilisation import service as mobilisation
    from tests.mobilisation.helpers import make_network, request_body

    secret = pyotp.random_base32()
    network = make_network(db, totp_secret=secret)
    login(client, network.coordinator.email, totp_secret=secret)
    incident = network.incident
    url = f"/incidents/{incident.id}"
    page = client.get(url).text
    assert 'data-testid="close-form"' not in page  # a new incident is not closed from its first page
    phase = re.search(r'<select id="incident-phase-phase".*?</select>', page, re.S)
    assert phase is not None
    first = re.search(r'<option value="(\w+)"', phase.group(0))
    assert first and first.group(1) == "analysis"  # the next phase, not the previous one
    assert re.search(r'<option value="analysis"\s+selected>', phase.group(0))
    assert 'data-testid="pending-request"' not in page
    mobilisation.raise_request(db, who(network.coordinator), incident.id, request_body(experts_needed=2))
    db.flush()
    page = client.get(url).text
    assert 'data-testid="pending-request"' in page and "2 chuyên gia" in page


def test_a_task_has_a_description_a_log_and_can_be_reassigned(client, db) -> None:
    coord = _coord(client, db)
    reporter = member(db, full_name="Trần Thị Báo Cáo")
    colleague = member(db, org=reporter.organisation, full_name="Lê Văn Đồng Nghiệp")
    incident = open_incident(db, coord, reporter)
    task = task_service.create(
        db,
        who(coord),
        incident.id,
        TaskCreate(title="Thu thập nhật ký", description="Nhật ký tường lửa 72 giờ", assignee_ids=[reporter.id]),
    )
    db.flush()
    url = f"/incidents/{incident.id}/tasks/{task.id}"
    tab = client.get(f"/incidents/{incident.id}/tasks").text
    assert "Trần Thị Báo Cáo" in tab and "Nhật ký tường lửa" in tab and 'href="/incidents/tasks"' in tab
    token = _token(client, url)
    r = client.post(url, data={"csrf_token": token, "status": "open", "note": ""})
    assert r.status_code == 422 and 'id="incident-task-update-note-e"' in r.text
    r = client.post(url, data={"csrf_token": token, "status": "in_progress", "note": "Đã lấy nhật ký 24 giờ"})
    assert r.status_code == 303
    r = client.post(
        f"{url}/assign",
        data={"csrf_token": token, "assignee_ids": [str(colleague.id)], "due_at": "2030-01-02T08:00"},
    )
    assert r.status_code == 303, r.text
    page = client.get(url).text
    assert "Đã lấy nhật ký 24 giờ" in page and "Điều Phối Viên" in page
    assert "Đang mở → Đang thực hiện" in page
    assert "Trần Thị Báo Cáo → Lê Văn Đồng Nghiệp" in page
    log = db.scalars(select(IncidentTaskUpdate).where(IncidentTaskUpdate.task_id == task.id)).all()
    assert [e.status_to for e in log] == ["in_progress", None]
    timeline = client.get(f"/incidents/{incident.id}/timeline?lang=en").text
    assert "Status: Open → In progress" in timeline and "Assignees: Trần Thị Báo Cáo → Lê Văn Đồng Nghiệp" in timeline


def test_the_tabs_statements_do_not_grow_with_their_rows(client, db) -> None:
    coord = _coord(client, db)
    incident = open_incident(db, coord, member(db))
    url = f"/incidents/{incident.id}"
    # One row of each first: a list that is empty skips the statements that load its rows' parts.
    task_service.create(db, who(coord), incident.id, TaskCreate(title="Việc đầu", assignee_ids=[coord.id]))
    db.add(IncidentObservable(incident_id=incident.id, kind="ip", value="192.0.2.200"))
    db.flush()

    def counts() -> dict[str, int]:
        out = {}
        for tab in ("", "/tasks", "/observables", "/timeline"):
            client.get(url + tab)  # warm caches (sessions, profiles)
            with sql_statements(db) as statements:
                assert client.get(url + tab).status_code == 200
            out[tab] = len(statements)
        return out

    before = counts()
    for n in range(6):
        task_service.create(db, who(coord), incident.id, TaskCreate(title=f"Việc {n}", assignee_ids=[coord.id]))
        db.add(IncidentObservable(incident_id=incident.id, kind="ip", value=f"192.0.2.{n + 1}"))
    db.flush()
    after = counts()
    assert after == before, (before, after)
