"""The evidence API: every route closed to an anonymous caller and to another organisation, bad
input named by field, the custody steps as a responder, an analyst and a coordinator take them,
verification recorded, and the legal export package that checks out offline (and fails when a
file or a custody entry in it is altered)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from csirtnet.evidence import signing
from tests.evidence.test_service import LOG, add_digital, make_world
from tests.incident.helpers import api

PHYSICAL = {
    "kind": "physical",
    "item_type": "phone",
    "title": "Điện thoại của quản trị viên",
    "make": "Samsung",
    "model": "A54",
    "serial_number": "R58T30ABC",
    "seal_number": "NP-0042",
    "location": "Tủ vật chứng số 2",
    "collected_at": "2026-12-01T10:00:00+07:00",
    "collection_place": "Sở TT&TT Quảng Ngãi",
    "legal_basis": "QĐ 12/2026",
}


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    routes = [
        ("get", "/api/v1/incidents/1/evidence"),
        ("post", "/api/v1/incidents/1/evidence"),
        ("post", "/api/v1/incidents/1/evidence/upload"),
        ("get", "/api/v1/evidence/key"),
        ("get", "/api/v1/evidence/export.zip?id=1"),
        ("get", "/api/v1/evidence/1"),
        ("get", "/api/v1/evidence/1/custody"),
        ("get", "/api/v1/evidence/1/checks"),
        ("get", "/api/v1/evidence/1/content"),
        *[
            ("post", f"/api/v1/evidence/1/{step}")
            for step in (
                "seal",
                "transfer",
                "acknowledge",
                "decline",
                "cancel-transfer",
                "check-out",
                "check-in",
                "analysis",
                "copy",
                "return",
                "dispose",
                "verify",
            )
        ],
    ]
    for method, path in routes:
        assert getattr(client, method)(path).status_code == 401, path


def test_a_physical_item_is_registered_and_read(client: Any, db: Session) -> None:
    w = make_world(db)
    created = client.post(f"/api/v1/incidents/{w.incident.id}/evidence", json=PHYSICAL, headers=api(db, w.custodian))
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["content"] is None and item["seal_number"] == "NP-0042" and item["custodian_id"] == w.custodian.id
    listed = client.get(f"/api/v1/incidents/{w.incident.id}/evidence", headers=api(db, w.analyst)).json()
    assert [i["id"] for i in listed] == [item["id"]]
    read = client.get(f"/api/v1/evidence/{item['id']}", headers=api(db, w.analyst))
    assert read.status_code == 200 and read.json()["reference"] == item["reference"]
    log = client.get(f"/api/v1/evidence/{item['id']}/custody", headers=api(db, w.custodian)).json()
    assert [(e["action"], e["actor_id"]) for e in log] == [("collected", w.custodian.id), ("viewed", w.analyst.id)]


def test_bad_input_names_the_field(client: Any, db: Session) -> None:
    w = make_world(db)
    headers = api(db, w.custodian)
    url = f"/api/v1/incidents/{w.incident.id}/evidence"
    cases = [
        ({**PHYSICAL, "collected_at": "2026-12-01T10:00:00"}, "collected_at"),
        ({**PHYSICAL, "collected_timezone": "Mars/Olympus"}, "collected_timezone"),
        ({**PHYSICAL, "sha256": "xyz"}, "sha256"),
        ({**PHYSICAL, "kind": "digital", "item_type": "log"}, "file"),
        ({**PHYSICAL, "collected_at": "2999-01-01T00:00:00+07:00"}, "collected_at"),
    ]
    for body, field in cases:
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.json()["errors"][0]["field"]
    item = add_digital(db, w.custodian, w.incident)
    refused = client.post(
        f"/api/v1/evidence/{item.id}/transfer", json={"to_user_id": w.plain.id, "reason": "x"}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to_user_id"
    bad_export = client.get("/api/v1/evidence/export.zip", headers=headers)
    assert bad_export.status_code == 422 and bad_export.json()["errors"][0]["field"]


def test_another_organisation_sees_none_of_it(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    for stranger in (w.outsider, w.plain):
        headers = api(db, stranger)
        for path in ("", "/custody", "/checks", "/content"):
            assert client.get(f"/api/v1/evidence/{item.id}{path}", headers=headers).status_code == 404, path
        assert client.post(f"/api/v1/evidence/{item.id}/verify", headers=headers).status_code == 404
        assert client.get(f"/api/v1/evidence/export.zip?id={item.id}", headers=headers).status_code == 404
        answer = client.post(f"/api/v1/evidence/{item.id}/check-out", json={"purpose": "x"}, headers=headers)
        assert answer.status_code == 404
    assert client.get(f"/api/v1/incidents/{w.incident.id}/evidence", headers=api(db, w.outsider)).status_code == 404
    assert client.get(f"/api/v1/incidents/{w.incident.id}/evidence", headers=api(db, w.plain)).json() == []
    log = client.get(f"/api/v1/evidence/{item.id}/custody", headers=api(db, w.custodian)).json()
    assert [e["action"] for e in log] == ["collected"]


def _step(client: Any, db: Session, user: Any, item_id: int, step: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/evidence/{item_id}/{step}", json=body or {}, headers=api(db, user))


def test_custody_steps_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    assert _step(client, db, w.custodian, item.id, "seal", {"seal_number": "NP-7"}).status_code == 200
    offered = _step(client, db, w.custodian, item.id, "transfer", {"to_user_id": w.analyst.id, "reason": "phân tích"})
    assert offered.json()["custodian_id"] == w.custodian.id and offered.json()["pending_to_id"] == w.analyst.id
    assert _step(client, db, w.custodian, item.id, "acknowledge").status_code == 403
    held = _step(client, db, w.analyst, item.id, "acknowledge", {"note": "đã nhận"})
    assert held.json()["custodian_id"] == w.analyst.id
    assert _step(client, db, w.custodian, item.id, "check-out", {"purpose": "x"}).status_code == 403
    assert (
        _step(client, db, w.analyst, item.id, "check-out", {"purpose": "phân tích"}).json()["status"] == "checked_out"
    )
    analysis = {"tool": "Autopsy", "tool_version": "4.21", "findings": "Webshell trong /var/www"}
    assert _step(client, db, w.analyst, item.id, "analysis", analysis).status_code == 200
    assert _step(client, db, w.analyst, item.id, "check-in").json()["status"] == "held"
    copy = _step(client, db, w.analyst, item.id, "copy", {"reason": "bản làm việc"})
    assert copy.status_code == 201 and copy.json()["content"]["sha256"] == hashlib.sha256(LOG).hexdigest()
    transfer = {"to_user_id": w.custodian.id, "reason": "trả lại kho"}
    assert _step(client, db, w.analyst, item.id, "transfer", transfer).status_code == 200
    assert _step(client, db, w.custodian, item.id, "decline", {"reason": "chưa cần"}).json()["pending_to_id"] is None
    assert _step(client, db, w.analyst, item.id, "transfer", transfer).status_code == 200
    assert _step(client, db, w.analyst, item.id, "cancel-transfer").json()["pending_to_id"] is None
    disposal = {"method": "tiêu huỷ", "authorisation": "QĐ 99/2026"}
    assert _step(client, db, w.analyst, item.id, "dispose", disposal).status_code == 403
    assert _step(client, db, w.coord, copy.json()["id"], "dispose", disposal).json()["status"] == "disposed"
    assert _step(client, db, w.analyst, item.id, "return", {"returned_to": "Công ty A"}).json()["status"] == "returned"
    log = client.get(f"/api/v1/evidence/{item.id}/custody", headers=api(db, w.analyst)).json()
    assert [e["action"] for e in log] == [
        "collected",
        "sealed",
        "transfer_offered",
        "transfer_acknowledged",
        "checked_out",
        "analysed",
        "checked_in",
        "copied",
        "transfer_offered",
        "transfer_declined",
        "transfer_offered",
        "transfer_cancelled",
        "returned",
    ]
    check = _step(client, db, w.custodian, item.id, "verify")
    assert check.status_code == 200 and check.json()["ok"] is True and check.json()["trigger"] == "user"
    history = client.get(f"/api/v1/evidence/{item.id}/checks", headers=api(db, w.custodian)).json()
    assert [c["ok"] for c in history] == [True]


def test_the_public_key_is_published(client: Any, db: Session) -> None:
    w = make_world(db)
    key = client.get("/api/v1/evidence/key", headers=api(db, w.analyst)).json()
    assert key["public_key_pem"].encode() == signing.public_pem()
    assert key["fingerprint_sha256"] == signing.fingerprint(signing.public_key())


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("files", [True, False])
def test_the_export_zip_checks_out_offline_and_fails_when_altered(
    client: Any, db: Session, tmp_path: Path, files: bool
) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    physical = client.post(f"/api/v1/incidents/{w.incident.id}/evidence", json=PHYSICAL, headers=api(db, w.custodian))
    other = physical.json()["id"]
    answer = client.get(
        f"/api/v1/evidence/export.zip?id={item.id}&id={other}&files={str(files).lower()}", headers=api(db, w.custodian)
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    folder = tmp_path / "package"
    zipfile.ZipFile(io.BytesIO(answer.content)).extractall(folder)
    # Both logs state the export itself, as their last entry.
    entries = [json.loads(line) for line in (folder / "custody.jsonl").read_text().splitlines()]
    last = {e["entry"]["item"]: e["entry"]["action"] for e in entries}
    assert set(last.values()) == {"exported"} and len(last) == 2
    log = client.get(f"/api/v1/evidence/{item.id}/custody", headers=api(db, w.custodian)).json()
    assert log[-1]["action"] == "exported" and log[-1]["hash"] in {e["hash"] for e in entries}
    stored = list((folder / "files").rglob("*")) if (folder / "files").exists() else []
    assert [p.read_bytes() for p in stored if p.is_file()] == ([LOG] if files else [])
    assert _run(["sha256sum", "-c", "SHA256SUMS"], folder).returncode == 0
    checked = _run([sys.executable, "verify.py"], folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # An altered custody entry (the chain names it, whatever the sums say).
    lines = (folder / "custody.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["entry"]["actor"]["name"] = "Người khác"
    (folder / "custody.jsonl").write_text("\n".join([json.dumps(first, ensure_ascii=False), *lines[1:]]) + "\n")
    assert _run(["sha256sum", "-c", "SHA256SUMS"], folder).returncode != 0
    tampered = _run([sys.executable, "verify.py"], folder)
    assert tampered.returncode != 0 and "FAIL" in tampered.stdout


def test_the_export_zip_fails_offline_when_a_file_byte_changes(client: Any, db: Session, tmp_path: Path) -> None:
    w = make_world(db)
    item = add_digital(db, w.custodian, w.incident)
    answer = client.get(f"/api/v1/evidence/export.zip?id={item.id}", headers=api(db, w.coord))
    folder = tmp_path / "package"
    zipfile.ZipFile(io.BytesIO(answer.content)).extractall(folder)
    (stored,) = [p for p in (folder / "files").rglob("*") if p.is_file()]
    data = bytearray(stored.read_bytes())
    data[100] ^= 0x01
    stored.write_bytes(bytes(data))
    assert _run(["sha256sum", "-c", "SHA256SUMS"], folder).returncode != 0
    tampered = _run([sys.executable, "verify.py"], folder)
    assert tampered.returncode != 0 and item.reference in tampered.stdout
