"""The live-fire API: every route closed to anonymous callers, another team and another
organisation refused (or shown nothing), bad input named by field; a finding from submission to
validation to the defenders' remediation task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from csirtnet.kit.time import utcnow
from tests.exercise.livefire.helpers import CRITICAL, make_world
from tests.incident.helpers import api

ROUTES = [
    ("get", "/targets"),
    ("post", "/targets"),
    ("patch", "/targets/1"),
    ("delete", "/targets/1"),
    ("get", "/findings"),
    ("post", "/findings"),
    ("get", "/findings/tasks"),
    ("get", "/findings/1"),
    ("post", "/findings/1/validate"),
    ("post", "/findings/1/reject"),
    ("post", "/findings/1/merge"),
    ("post", "/findings/1/remediation"),
    ("get", "/defence-reports"),
    ("post", "/defence-reports"),
    ("post", "/defence-reports/1/score"),
    ("get", "/daily-summary"),
]


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in ROUTES:
        assert getattr(client, method)(f"/api/v1/exercises/1{path}").status_code == 401, path


def _body(target_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "target_id": target_id,
        "title": "SQL injection ở trang tìm kiếm",
        "vulnerability": "CWE-89",
        "asset": "/tim-kiem?q=",
        "proof": "q=' OR 1=1--",
        "cvss_vector": CRITICAL,
        **overrides,
    }


def test_a_finding_from_submission_to_the_defenders_task(client: Any, db: Session) -> None:
    w = make_world(db)
    base = f"/api/v1/exercises/{w.exercise.id}"
    a1, b1, judge = api(db, w.a1), api(db, w.b1), api(db, w.judge)
    defender, outsider = api(db, w.defender_admin), api(db, w.outsider)

    targets = client.get(f"{base}/targets", headers=b1).json()
    assert targets["rules_of_engagement"].startswith("Chỉ tấn công")
    assert [(t["name"], t["in_scope"]) for t in targets["targets"]] == [
        ("Cổng thông tin điện tử tỉnh", True),
        ("Máy chủ thư", False),
    ]
    created = client.post(f"{base}/findings", json=_body(w.portal.id), headers=a1)
    assert created.status_code == 201, created.text
    finding = created.json()
    assert (finding["cvss_score"], finding["severity"], finding["status"]) == (9.8, "critical", "submitted")
    fid = finding["id"]

    # Another attacking team sees nothing of it.
    assert client.get(f"{base}/findings/{fid}", headers=b1).status_code == 404
    assert client.get(f"{base}/findings", headers=b1).json() == []
    # Nor does the defending organisation until it is validated, nor an outsider ever.
    assert client.get(f"{base}/findings/{fid}", headers=defender).status_code == 404
    assert client.get(f"{base}/findings/tasks", headers=defender).json() == []

    assert client.post(f"{base}/findings/{fid}/validate", json={}, headers=b1).status_code == 403
    validated = client.post(f"{base}/findings/{fid}/validate", json={}, headers=judge)
    assert validated.status_code == 200 and validated.json()["points"] == 100

    tasks = client.get(f"{base}/findings/tasks", headers=defender).json()
    assert [(t["finding_id"], t["status"], t["overdue"]) for t in tasks] == [(fid, "open", False)]
    seen = client.get(f"{base}/findings/{fid}", headers=defender).json()
    assert seen["team_id"] is None and seen["proof"] == "q=' OR 1=1--"
    assert client.get(f"{base}/findings/{fid}", headers=outsider).status_code == 404
    assert client.get(f"{base}/findings/tasks", headers=outsider).json() == []
    assert client.get(f"{base}/findings/{fid}", headers=b1).status_code == 404

    closing = {"status": "fixed", "note": "Đã dùng truy vấn tham số hoá"}
    assert client.post(f"{base}/findings/{fid}/remediation", json=closing, headers=a1).status_code == 403
    assert client.post(f"{base}/findings/{fid}/remediation", json=closing, headers=outsider).status_code == 404
    closed = client.post(f"{base}/findings/{fid}/remediation", json=closing, headers=defender)
    assert closed.status_code == 200 and closed.json()["remediation_status"] == "fixed"
    assert client.get(f"{base}/findings", headers=a1).json()[0]["remediation_status"] == "fixed"


def test_wrong_team_and_organisation_are_refused(client: Any, db: Session) -> None:
    w = make_world(db)
    base = f"/api/v1/exercises/{w.exercise.id}"
    a1, b1, judge, defender = api(db, w.a1), api(db, w.b1), api(db, w.judge), api(db, w.defender)
    outsider, coord = api(db, w.outsider), api(db, w.coordinator)
    fid = client.post(f"{base}/findings", json=_body(w.portal.id), headers=a1).json()["id"]
    target = {"name": "API", "address": "api.backan.example.vn"}
    assert client.post(f"{base}/targets", json=target, headers=a1).status_code == 403
    assert client.patch(f"{base}/targets/{w.portal.id}", json={"name": "X"}, headers=outsider).status_code == 403
    assert client.delete(f"{base}/targets/{w.mail.id}", headers=judge).status_code == 403
    assert (
        client.post(f"{base}/findings", json=_body(w.portal.id, team_id=w.attack_a.id), headers=b1).status_code == 403
    )
    assert client.post(f"{base}/findings", json=_body(w.portal.id), headers=defender).status_code == 403
    assert client.post(f"{base}/findings/{fid}/reject", json={"reason": "Sai"}, headers=b1).status_code == 403
    merge = {"duplicate_of_id": fid}
    assert client.post(f"{base}/findings/{fid}/merge", json=merge, headers=a1).status_code == 403
    report = {"detected_at": utcnow().isoformat(), "description": "Quét cổng"}
    assert client.post(f"{base}/defence-reports", json=report, headers=a1).status_code == 403
    rid = client.post(f"{base}/defence-reports", json=report, headers=defender).json()["id"]
    assert client.get(f"{base}/defence-reports", headers=a1).json() == []
    assert [r["id"] for r in client.get(f"{base}/defence-reports", headers=judge).json()] == [rid]
    score = {"credit": True}
    assert client.post(f"{base}/defence-reports/{rid}/score", json=score, headers=defender).status_code == 403
    assert client.post(f"{base}/defence-reports/{rid}/score", json=score, headers=judge).json()["points"] == 10
    assert client.get(f"{base}/daily-summary", headers=a1).status_code == 403
    assert client.get(f"{base}/daily-summary", headers=coord).status_code == 200
    # A draft exercise is not there for anyone but its organisers.
    w.exercise.status = "draft"
    db.flush()
    for method, path in ROUTES:
        url = base + path.replace("/1", f"/{fid}")
        kwargs: dict[str, Any] = {"json": {}} if method in ("post", "patch") else {}
        assert getattr(client, method)(url, headers=outsider, **kwargs).status_code in (404, 422), path
    assert client.get(f"{base}/targets", headers=outsider).status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/findings", "out_of_scope", "target_id"),
        ("/findings", {"title": "SQLi", "proof": "x", "target_id": 1, "cvss_vector": "CVSS:3.1/AV:X"}, "cvss_vector"),
        ("/targets", {"name": "Cổng", "address": "not an address!"}, "address"),
        ("/targets", {"name": "Cổng", "address": "10.0.0.0/8", "defending_team_id": "attack"}, "defending_team_id"),
        ("/defence-reports", "future", "detected_at"),
        ("/findings/{fid}/merge", {}, "duplicate_of_id"),
        ("/findings/{fid}/reject", {"reason": ""}, "reason"),
        ("/findings/{fid}/validate", {"severity": "extreme"}, "severity"),
        ("/findings/{fid}/remediation", {"status": "done", "note": "Đã vá"}, "status"),
        ("/defence-reports/{rid}/score", {"credit": False}, None),
    ],
)
def test_bad_input_is_named_by_field(client: Any, db: Session, path: str, body: Any, field: str | None) -> None:
    w = make_world(db)
    base = f"/api/v1/exercises/{w.exercise.id}"
    a1, coord, defender = api(db, w.a1), api(db, w.coordinator), api(db, w.defender)
    fid = client.post(f"{base}/findings", json=_body(w.portal.id), headers=a1).json()["id"]
    client.post(f"{base}/findings/{fid}/validate", json={}, headers=coord)
    report = {"detected_at": utcnow().isoformat(), "description": "Quét cổng"}
    rid = client.post(f"{base}/defence-reports", json=report, headers=defender).json()["id"]
    if body == "out_of_scope":
        body = _body(w.mail.id)
    elif body == "future":
        body = {"detected_at": (utcnow() + timedelta(days=1)).isoformat(), "description": "Sau này"}
    elif isinstance(body, dict) and body.get("defending_team_id") == "attack":
        body["defending_team_id"] = w.attack_a.id
    who = (
        defender
        if path.startswith(("/defence-reports", "/findings/{fid}/remediation")) and "score" not in path
        else coord
    )
    if path == "/findings":
        who = a1
    answer = client.post(base + path.format(fid=fid, rid=rid), json=body, headers=who)
    assert answer.status_code == 422, answer.text
    fields = [e["field"] for e in answer.json()["errors"]]
    if field is None:
        assert fields  # a model-level problem ("say why…"), still named
    else:
        assert field in fields, fields
    assert client.get(f"{base}/daily-summary?day=yesterday", headers=coord).status_code == 422
