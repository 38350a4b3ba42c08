"""The public forms (/report, /apply and its tracking page) on the one form path: a refused
submission comes back in place (422) with what was typed — the detection time with its zone, the
multi-selects, the files named again — in the language the form was shown in, every error at its
field and in a summary that names the fields by their labels, in one round; and every submission
counts against the address's hourly allowance, refused ones too."""

from __future__ import annotations

import html
import re

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from csirtnet import i18n
from csirtnet.incident import intake
from csirtnet.models import IncidentReport, MembershipApplication
from csirtnet.organisation.application import ApplicationForm
from csirtnet.organisation.schemas import OrganisationUpdate
from tests.helpers import csrf_from

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(page: str) -> str:
    """The visible text of the page's main part."""
    main = page[page.index("<main") : page.index("</main>")] if "<main" in page else page
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def _summary(page: str) -> str:
    start = page.index('data-testid="form-errors"')
    return _text(page[start : page.index("</div>", start)])


def _report(client, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_from(client.get("/report").text),
        "title": "Trang web bị thay đổi giao diện",
        "description": "Trang chủ của công ty bị thay bằng nội dung lạ từ sáng nay.",
        "reporter_name": "Lê Thị Công Dân",
        "reporter_email": "congdan@example.vn",
        "detected_at": "2026-01-05T08:30",
        "detected_at_zone": "Asia/Ho_Chi_Minh",
        "system_domains": "congty.example.vn",
        "incident_status": "ongoing",
        "language": "vi",
    }
    data.update(overrides)
    return data


def test_report_keeps_the_detection_time_with_its_zone_and_names_the_files_again(client, db) -> None:
    r = client.post(
        "/report",
        data=_report(client, title="", detected_at="2026-12-06T07:30", detected_at_zone="Asia/Bangkok"),
        files=[("attachments", ("nginx-access.log", b"GET /wp-admin 200\n", "text/plain"))],
    )
    assert r.status_code == 422
    # As the datetime input takes it (not "2026-12-06 07:30:00+07:00"), in the zone the user chose.
    assert 'id="public-report-detected_at" name="detected_at" type="datetime-local" value="2026-12-06T07:30"' in r.text
    assert '<option value="Asia/Bangkok" selected>' in r.text
    assert "nginx-access.log" in _text(r.text)
    assert 'value="Trang chủ của công ty' not in r.text and "Trang chủ của công ty bị thay" in r.text
    assert db.scalar(select(func.count(IncidentReport.id))) == 0


def test_a_valid_report_is_read_in_the_zone_the_user_chose(client, db) -> None:
    r = client.post("/report", data=_report(client, detected_at="2026-01-05T08:30", detected_at_zone="Asia/Tokyo"))
    assert r.status_code == 303, r.text
    report = db.scalar(select(IncidentReport))
    assert report is not None and report.detected_at.isoformat().startswith("2026-01-04T23:30")  # 08:30 at UTC+9


@pytest.mark.parametrize("language", ["vi", "en"])
def test_report_errors_name_the_fields_by_label_in_the_forms_language(client, language: str) -> None:
    r = client.post(
        "/report",
        data=_report(client, language=language, system_ips="999.1.1.1", reporter_name="", detected_at="hôm qua"),
    )
    assert r.status_code == 422
    assert f'<html lang="{language}">' in r.text
    summary = _summary(r.text)
    for label in ("IP addresses", "Your full name", "Detected at (your local time)"):
        assert i18n.translate(language, label) in summary
    text = _text(r.text)
    for name in ("system_ips", "reporter_name", "detected_at", "Input should", "Value error"):
        assert name not in text, f"{name!r} reached the page"
    assert 'name="language" value="' + language + '"' in r.text
    # Required fields are marked.
    assert re.search(r'for="public-report-title">[^<]+ <span class="req"', r.text)


def test_a_detection_time_in_the_future_comes_back_with_the_other_errors_in_one_round(client) -> None:
    r = client.post("/report", data=_report(client, title="", detected_at="2099-01-01T08:00"))
    assert r.status_code == 422
    summary = _summary(r.text)
    assert i18n.translate("vi", "Short title") in summary
    assert i18n.translate("vi", "Detected at (your local time)") in summary
    assert i18n.translate("vi", "is in the future")[1:] in _text(r.text)  # shown as a sentence (capitalised)


def _application(client, **overrides) -> dict:
    data = {
        "csrf_token": csrf_from(client.get("/apply").text),
        "language": "vi",
        "applicant_kind": "organisation",
        "applicant_name": "Đinh Văn Nộp",
        "applicant_email": "nop@congty-moi.example.vn",
        "organisation_name": "Công ty An ninh Mới",
        "kind": "security_vendor",
        "incident_email": "ir@congty-moi.example.vn",
        "c_infosec_leader_full_name": "Lãnh đạo ATTT",
        "c_incident_24x7_full_name": "Trực 24/7",
        "c_incident_24x7_phone": "+84 236 000 000",
        "c_focal_point_full_name": "Đầu mối",
        "services": ["incident-management.incident-analysis", "incident-management.mitigation-recovery"],
        "e0_full_name": "Chuyên gia Một",
        "e0_skills": ["malware-analysis", "digital-forensics"],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("language", ["vi", "en"])
def test_apply_reports_every_error_in_one_round_by_label(client, db, language: str) -> None:
    r = client.post(
        "/apply",
        data=_application(
            client,
            language=language,
            applicant_email="khong-phai-email",
            c_focal_point_full_name="",
            website="khong phai url",
            c_incident_24x7_email="sai-email",  # the contacts' list: row 1 is the 24/7 contact
            e0_email="sai-email",
        ),
    )
    assert r.status_code == 422
    assert f'<html lang="{language}">' in r.text
    # The schema's errors (rows of lists at their inputs) and the dossier's, in one round.
    for name in ("applicant_email", "website", "c_focal_point_full_name", "c_incident_24x7_email", "e0_email"):
        assert f'id="apply-{name}-e"' in r.text, name
    summary = _summary(r.text)
    for label in ("Your email", "Website", "Focal point: full name", "24/7 incident contact: email", "Expert 1: email"):
        assert i18n.translate(language, label) in summary
    text = _text(r.text)
    assert not re.search(r"\b[a-z0-9]+(_[a-z0-9]+)+\b", summary), summary
    for name in ("c_focal_point_full_name", "contacts.", "applicant_email", "Input should"):
        assert name not in text
    assert i18n.translate(language, "Enter a full web address starting with https://.") in text
    assert db.scalar(select(func.count(MembershipApplication.id))) == 0


def test_apply_keeps_the_multiselects_and_marks_the_required_fields(client) -> None:
    r = client.post(
        "/apply",
        data=_application(client, applicant_name=""),
        files=[("documents", ("giay-phep.pdf", PDF, "application/pdf"))],
    )
    assert r.status_code == 422
    for key in ("incident-management.incident-analysis", "incident-management.mitigation-recovery"):
        assert f'value="{key}" checked' in r.text
    assert '<option value="malware-analysis" selected>' in r.text
    assert '<option value="digital-forensics" selected>' in r.text
    assert "giay-phep.pdf" in _text(r.text)
    for name in ("applicant_name", "applicant_email", "organisation_name"):
        assert re.search(rf'for="apply-{name}">[^<]+ <span class="req"', r.text), name


def test_a_website_must_be_a_web_address_in_the_domain_schemas_too() -> None:
    base = {"applicant_name": "Đinh Văn Nộp", "applicant_email": "a@b.vn", "organisation_name": "Công ty"}
    for bad in ("khong phai url", "example.vn", "ftp://example.vn", "https://khong phai.vn"):
        with pytest.raises(ValidationError) as caught:
            ApplicationForm.model_validate({**base, "website": bad})
        assert [e["loc"] for e in caught.value.errors()] == [("website",)]
        with pytest.raises(ValidationError):
            OrganisationUpdate.model_validate({"website": bad})
    assert ApplicationForm.model_validate({**base, "website": "https://congty.example.vn"}).website
    assert OrganisationUpdate.model_validate({"website": "http://congty.example.vn/gioi-thieu"}).website


def test_invalid_reports_spend_the_addresss_allowance(client, db) -> None:
    for _ in range(intake.PUBLIC_LIMIT_PER_HOUR):
        assert client.post("/report", data=_report(client, title="")).status_code == 422
    r = client.post("/report", data=_report(client))
    assert r.status_code == 429 and r.headers["retry-after"] == "3600"
    assert db.scalar(select(func.count(IncidentReport.id))) == 0
    # What was typed is kept on the refusal too.
    assert "Trang chủ của công ty bị thay" in r.text


def test_invalid_applications_spend_the_addresss_allowance(client, db, monkeypatch) -> None:
    from csirtnet.organisation.settings import member_settings

    monkeypatch.setenv("CSIRTNET_APPLY_MAX_PER_HOUR", "3")
    member_settings.cache_clear()
    try:
        for _ in range(3):
            assert client.post("/apply", data=_application(client, applicant_name="")).status_code == 422
        refused = client.post("/apply", data=_application(client))
        assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
        assert 'value="Đinh Văn Nộp"' in refused.text  # what was typed is kept on the refusal too
        assert db.scalar(select(func.count(MembershipApplication.id))) == 0
    finally:
        member_settings.cache_clear()


def test_an_applicants_answer_comes_back_in_place(client, db) -> None:
    r = client.post("/apply", data=_application(client))
    assert r.status_code == 303, r.text
    track = r.headers["location"]
    token = csrf_from(client.get(track).text)
    bad = client.post(
        track,
        data={"csrf_token": token, "body": "x"},
        files=[("documents", ("virus.exe", b"MZ", "application/octet-stream"))],
    )
    assert bad.status_code == 422
    assert 'id="apply-answer-body-e"' in bad.text and 'id="apply-answer-documents-e"' in bad.text
    assert ">x</textarea>" in bad.text and "virus.exe" in _text(bad.text)
