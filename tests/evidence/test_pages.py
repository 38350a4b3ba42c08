"""The evidence pages: the incident's Evidence tab (only for coordinators and evidence participants),
adding an item with the plain form and with the streamed upload the page's script sends, the item
page with its timeline and the custody steps (errors at their fields), verification, download and
export; anonymous visitors go to the login page, other organisations get 404."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.evidence import repository
from csirtnet.kit.time import utcnow
from csirtnet.models import EvidenceItem, IncidentParticipant
from tests.evidence.test_service import LOG, add_digital, make_world
from tests.helpers import csrf_from, login


def _record(**overrides: Any) -> dict[str, str]:
    values = {
        "kind": "digital",
        "item_type": "log",
        "title": "Nhật ký SSH",
        "tlp": "amber",
        "collected_at": (utcnow() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "collected_at_zone": "Asia/Ho_Chi_Minh",
        "collection_place": "Trung tâm dữ liệu Hà Nội",
        "tool": "rsync",
        "tool_version": "3.2.7",
        "legal_basis": "QĐ 12/2026",
        "original": "1",
        "iso_stage": "acquisition",
    }
    values.update(overrides)
    return values


def _token(client: Any, path: str) -> str:
    return csrf_from(client.get(path).text)


def test_anonymous_is_sent_to_login(client: Any) -> None:
    for path in ("/incidents/1/evidence", "/incidents/1/evidence/new", "/evidence/1", "/evidence/1/file"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_the_evidence_tab_lists_items_with_custodian_hashes_and_state(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    db.flush()
    login(client, w.custodian.email)
    summary = client.get(f"/incidents/{w.incident.id}").text
    assert f'href="/incidents/{w.incident.id}/evidence"' in summary
    page = client.get(f"/incidents/{w.incident.id}/evidence")
    assert page.status_code == 200
    assert item.reference in page.text and w.custodian.full_name in page.text
    assert item.content is not None and f'title="{item.content.sha256}"' in page.text
    assert "Chưa kiểm tra" in page.text or "Not checked yet" in page.text


def test_a_participant_without_an_evidence_role_and_another_organisation_see_nothing(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    db.flush()
    login(client, w.plain.email)
    assert f'href="/incidents/{w.incident.id}/evidence"' not in client.get(f"/incidents/{w.incident.id}").text
    assert client.get(f"/incidents/{w.incident.id}/evidence").status_code == 404
    assert client.get(f"/evidence/{item.id}").status_code == 404
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    login(client, w.outsider.email)
    for path in (f"/incidents/{w.incident.id}/evidence", f"/evidence/{item.id}", f"/evidence/{item.id}/file"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/incidents/{w.incident.id}/evidence/new").status_code == 404


def test_the_plain_form_adds_an_item_and_names_each_bad_field(client: Any, db: Session) -> None:
    w = make_world(db)
    db.flush()
    login(client, w.custodian.email)
    new = f"/incidents/{w.incident.id}/evidence/new"
    token = _token(client, new)
    bad = client.post(
        f"/incidents/{w.incident.id}/evidence",
        data={**_record(title=" ", sha256="xyz"), "csrf_token": token},
        files={"file": ("auth.log", LOG, "text/plain")},
    )
    assert bad.status_code == 422
    assert 'id="evidence-add-title-e"' in bad.text and 'id="evidence-add-sha256-e"' in bad.text
    summary = bad.text.split('data-testid="form-errors"')[1].split("</div>")[0]
    assert "SHA-256" in summary and ">sha256<" not in summary and "string_" not in summary
    assert db.scalar(select(EvidenceItem).where(EvidenceItem.incident_id == w.incident.id)) is None
    ok = client.post(
        f"/incidents/{w.incident.id}/evidence",
        data={**_record(sha256=hashlib.sha256(LOG).hexdigest()), "csrf_token": token},
        files={"file": ("auth.log", LOG, "text/plain")},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/evidence/")
    item = db.scalar(select(EvidenceItem).where(EvidenceItem.incident_id == w.incident.id))
    assert item is not None and item.content is not None and item.content.sha256 == hashlib.sha256(LOG).hexdigest()


def test_the_streamed_upload_checks_the_record_then_registers_the_file(client: Any, db: Session) -> None:
    w = make_world(db)
    db.flush()
    login(client, w.custodian.email)
    token = _token(client, f"/incidents/{w.incident.id}/evidence/new")
    headers = {"X-CSRF-Token": token}
    refused = client.post(
        f"/incidents/{w.incident.id}/evidence/check", data=_record(item_type="hard_disk"), headers=headers
    )
    assert refused.status_code == 422 and 'data-testid="form-errors"' in refused.text
    checked = client.post(f"/incidents/{w.incident.id}/evidence/check", data=_record(), headers=headers)
    assert checked.status_code == 200
    metadata = checked.json()["metadata"]
    stream = {**headers, "X-Evidence-Upload": "stream", "Accept": "application/json"}
    wrong = client.post(
        f"/incidents/{w.incident.id}/evidence",
        files=[("metadata", (None, json.dumps({**metadata, "sha256": "0" * 64}))), ("file", ("a.log", LOG))],
        headers=stream,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "evidence-add-sha256"
    assert db.scalar(select(EvidenceItem).where(EvidenceItem.incident_id == w.incident.id)) is None
    done = client.post(
        f"/incidents/{w.incident.id}/evidence",
        files=[("metadata", (None, json.dumps(metadata))), ("file", ("a.log", LOG))],
        headers=stream,
    )
    assert done.status_code == 200, done.text
    assert done.json()["location"].startswith("/evidence/")


def test_the_item_page_shows_the_timeline_and_logs_the_view(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    db.flush()
    login(client, w.custodian.email)
    page = client.get(f"/evidence/{item.id}")
    assert page.status_code == 200
    assert item.content is not None and item.content.sha1 in page.text and item.content.md5 in page.text
    assert 'data-testid="transfer-form"' in page.text and 'data-testid="check-out-form"' in page.text
    assert [e.action for e in repository.custody_of(db, item)] == ["collected", "viewed"]


def test_a_transfer_is_acknowledged_by_the_receiver_and_errors_land_on_fields(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    db.flush()
    login(client, w.custodian.email)
    token = _token(client, f"/evidence/{item.id}")
    bad = client.post(f"/evidence/{item.id}/transfer", data={"csrf_token": token, "to_user_id": "", "reason": " "})
    assert bad.status_code == 422 and 'id="evidence-transfer-to_user_id-e"' in bad.text
    assert 'id="evidence-transfer-reason-e"' in bad.text
    ok = client.post(
        f"/evidence/{item.id}/transfer",
        data={"csrf_token": token, "to_user_id": str(w.analyst.id), "reason": "Phân tích"},
    )
    assert ok.status_code == 303
    client.post("/logout", data={"csrf_token": token})
    login(client, w.analyst.email)
    page = client.get(f"/evidence/{item.id}")
    assert 'data-testid="acknowledge-form"' in page.text
    token = csrf_from(page.text)
    assert client.post(f"/evidence/{item.id}/acknowledge", data={"csrf_token": token}).status_code == 303
    db.refresh(item)
    assert item.custodian_id == w.analyst.id
    assert (
        client.post(f"/evidence/{item.id}/check-out", data={"csrf_token": token, "purpose": "Timeline"}).status_code
        == 303
    )
    assert client.post(f"/evidence/{item.id}/check-in", data={"csrf_token": token}).status_code == 303
    assert client.post(f"/evidence/{item.id}/verify", data={"csrf_token": token}).status_code == 303
    page = client.get(f"/evidence/{item.id}").text
    logged = [e.action for e in repository.custody_of(db, item)]
    assert page.count('data-testid="custody-entry"') == len(logged)  # this very view included
    assert [a for a in logged if a != "viewed"] == [
        "collected",
        "transfer_offered",
        "transfer_acknowledged",
        "checked_out",
        "checked_in",
    ]
    assert 'data-testid="check"' in page


def test_download_and_export_are_logged(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    db.flush()
    login(client, w.custodian.email)
    got = client.get(f"/evidence/{item.id}/file")
    assert got.status_code == 200 and got.content == LOG
    assert got.headers["content-disposition"].startswith("attachment")
    package = client.get(f"/evidence/{item.id}/export.zip?files=0")
    assert package.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert "manifest.json" in names and not any(n.startswith("files/") for n in names)
    assert [e.action for e in repository.custody_of(db, item)][-2:] == ["downloaded", "exported"]


def test_the_participant_form_gives_an_evidence_role(client: Any, db: Session) -> None:
    import pyotp

    from tests.factories import make_user
    from tests.incident.helpers import coordinator

    w = make_world(db)
    secret = pyotp.random_base32()
    coord = coordinator(db, totp_secret=secret)
    newcomer = make_user(db, organisation=db.get(type(w.reporter), w.reporter.id).organisation)  # type: ignore[union-attr]
    db.flush()
    login(client, coord.email, totp_secret=secret)
    token = _token(client, f"/incidents/{w.incident.id}")
    r = client.post(
        f"/incidents/{w.incident.id}/participants",
        data={"csrf_token": token, "email": newcomer.email, "role": "responder", "evidence_role": "analyst"},
    )
    assert r.status_code == 303, r.text
    row = db.scalar(select(IncidentParticipant).where(IncidentParticipant.user_id == newcomer.id))
    assert row is not None and row.evidence_role == "analyst"


def test_every_entry_reads_as_its_values_whatever_its_keys(client: Any, db: Session) -> None:
    """An entry's details are a dict: a key such as `copy` must read as the value, never as the
    dict's method of that name."""
    from csirtnet.evidence import service
    from csirtnet.evidence.schemas import CopyRequest
    from csirtnet.identity.service import subject_for

    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    copy = service.copy(db, subject_for(w.custodian), item.id, CopyRequest(reason="bản làm việc"))
    db.flush()
    login(client, w.custodian.email)
    page = client.get(f"/evidence/{item.id}")
    assert page.status_code == 200
    assert "built-in method" not in page.text and "object at 0x" not in page.text
    assert copy.reference in page.text
