"""Search (accent-insensitive, scoped), the province table, and exports (PDF with Vietnamese text,
JSON that parses back)."""

from __future__ import annotations

import io

from csirtnet.incident import export, export_pdf, observables, repository, workflow
from csirtnet.incident.schemas import ClosingReport, IncidentExport, ObservableCreate, PhaseChange
from csirtnet.kit.pagination import paginate
from csirtnet.models import Incident
from tests.incident.helpers import api, coordinator, member, open_incident, who


def _search(db, subject, q: str) -> list[Incident]:
    rows, _ = paginate(
        db, repository.incidents(subject, repository.IncidentFilters(q=q)), Incident.id, limit=50, cursor=None
    )
    return list(rows)


def test_search_ignores_accents_and_case_and_stays_scoped(db) -> None:
    coord, reporter, stranger = coordinator(db), member(db), member(db)
    target = open_incident(db, coord, reporter, title="Sự cố mã độc tống tiền tại Sở Tài chính")
    open_incident(db, coord, reporter, title="Tấn công từ chối dịch vụ")
    assert [i.id for i in _search(db, who(coord), "ma doc tong tien")] == [target.id]
    assert [i.id for i in _search(db, who(coord), "MÃ ĐỘC")] == [target.id]
    assert [i.id for i in _search(db, who(reporter), "tong tien")] == [target.id]
    assert _search(db, who(stranger), "tong tien") == []
    observables.add(db, who(coord), target.id, ObservableCreate(kind="ip", value="203.0.113.66"))
    assert [i.id for i in _search(db, who(coord), "203.0.113.66")] == [target.id]
    assert [i.id for i in _search(db, who(coord), target.reference.lower())] == [target.id]


def test_search_api_with_filters_and_cursor(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    made = [open_incident(db, coord, reporter, title=f"Mã độc tống tiền số {n}") for n in range(3)]
    headers = api(db, coord)
    r = client.get("/api/v1/incidents", params={"q": "ma doc", "limit": 2}, headers=headers)
    assert r.status_code == 200
    first = r.json()
    assert [i["id"] for i in first["items"]] == [made[2].id, made[1].id] and first["next_cursor"]
    r = client.get(
        "/api/v1/incidents", params={"q": "ma doc", "limit": 2, "cursor": first["next_cursor"]}, headers=headers
    )
    assert [i["id"] for i in r.json()["items"]] == [made[0].id]
    r = client.get("/api/v1/incidents", params={"phase": "triage", "severity": "normal"}, headers=headers)
    assert {i["id"] for i in r.json()["items"]} >= {m.id for m in made}
    r = client.get("/api/v1/incidents", params={"phase": "nowhere"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phase"
    r = client.get("/api/v1/incidents/by-province", headers=headers)
    assert r.status_code == 200 and sum(row["total"] for row in r.json()) >= 3


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_forms_carry_the_vietnamese_text(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, title="Mã độc tống tiền tại Bắc Kạn")
    for phase in ("analysis", "recovery", "post_incident"):
        workflow.change_phase(db, who(coord), incident.id, PhaseChange(phase=phase))
    workflow.close(
        db,
        who(coord),
        incident.id,
        ClosingReport(
            result="Khôi phục dữ liệu từ bản sao lưu",
            root_cause="Lỗ hổng chưa vá",
            actions_taken="Vá lỗ hổng",
            lessons_learned="Sao lưu ngoại tuyến",
        ),
    )
    data = export_pdf.export_pdf(db, who(coord), incident.id, form="both", lang="vi")
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "BÁO CÁO BAN ĐẦU SỰ CỐ" in text and "BÁO CÁO KẾT THÚC ỨNG CỨU SỰ CỐ" in text
    assert "Mẫu số 03" in text and "Khôi phục dữ liệu từ bản sao lưu" in text
    assert "Máy chủ bị mã hóa dữ liệu" in text
    english = _pdf_text(export_pdf.export_pdf(db, who(coord), incident.id, form="initial", lang="en"))
    assert "INITIAL CYBERSECURITY INCIDENT REPORT" in english and "Form 03" in english


def test_json_export_round_trips(client, db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    observables.add(db, who(coord), incident.id, ObservableCreate(kind="domain", value="evil.example.com"))
    document = export.export_json(db, who(coord), incident.id)
    again = IncidentExport.model_validate_json(document.model_dump_json())
    assert again == document
    assert again.incident.reference == incident.reference and again.observables[0].value == "evil.example.com"
    assert [e.action for e in again.timeline][:1] == ["incident.opened"]
    r = client.get(f"/api/v1/incidents/{incident.id}/export.json", headers=api(db, reporter))
    assert r.status_code == 200 and IncidentExport.model_validate(r.json()).incident.id == incident.id
    r = client.get(f"/api/v1/incidents/{incident.id}/export.pdf", params={"lang": "xx"}, headers=api(db, reporter))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lang"
    r = client.get(f"/api/v1/incidents/{incident.id}/export.pdf", headers=api(db, reporter))
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


def test_cli_export(db, database, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from csirtnet.cli import app

    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    db.commit()
    monkeypatch.setattr("csirtnet.cli.database", lambda: database)
    out = tmp_path / "x.pdf"
    result = CliRunner().invoke(app, ["incident", "export", incident.reference, "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    result = CliRunner().invoke(app, ["incident", "export", str(incident.id), "--format", "json"])
    assert result.exit_code == 0 and IncidentExport.model_validate_json(result.stdout).incident.id == incident.id


def test_the_pdf_names_the_classification_and_status_in_the_readers_language(db) -> None:
    """The initial report showed "intrusions / application-compromise" and "ongoing" in Vietnamese."""
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(
        db,
        coord,
        reporter,
        classification={"rsit_class": "intrusions", "rsit_type": "application-compromise"},
        incident_status="ongoing",
    )
    text = _pdf_text(export_pdf.export_pdf(db, who(coord), incident.id, form="initial", lang="vi"))
    assert "Xâm nhập / Chiếm quyền ứng dụng" in text and "Đang diễn ra" in text
    assert "application-compromise" not in text and "ongoing" not in text
    english = _pdf_text(export_pdf.export_pdf(db, who(coord), incident.id, form="initial", lang="en"))
    assert "Intrusions / Application compromise" in english and "Ongoing" in english
