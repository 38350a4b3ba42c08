"""Every endpoint of the incidents API: anonymous callers get 401, another organisation gets 404
(the incident's existence is not disclosed) or 403, bad input gets 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from csirtnet.kit.time import utcnow
from tests.incident.helpers import api, coordinator, make_report, member, open_incident, report_data

CLOSING = {
    "result": "Đã khôi phục",
    "root_cause": "Lỗ hổng",
    "actions_taken": "Vá lỗ hổng",
    "lessons_learned": "Sao lưu",
}
# (method, path template, a well-formed body, the status the coordinator gets for it, a bad body, its field)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, int, dict[str, Any] | None, str | None]] = [
    ("GET", "/incidents/{id}", None, 200, None, None),
    ("PATCH", "/incidents/{id}", {"is_major": True}, 200, {"tlp": "purple"}, "tlp"),
    ("POST", "/incidents/{id}/phase", {"phase": "analysis"}, 200, {"phase": "closed"}, "closing_report"),
    ("POST", "/incidents/{id}/close", CLOSING, 200, {"result": ""}, "result"),  # triage may close (false positive)
    (
        "POST",
        "/incidents/{id}/links",
        {"other_incident_id": 999999},
        422,
        {"other_incident_id": "x"},
        "other_incident_id",
    ),
    ("GET", "/incidents/{id}/timeline", None, 200, None, None),
    (
        "POST",
        "/incidents/{id}/timeline",
        {"occurred_at": "2026-01-01T08:00:00+07:00", "text": "Cô lập máy chủ"},
        201,
        {"occurred_at": "2026-01-01T08:00:00", "timezone": "Mars/Olympus", "text": "x"},
        "timezone",
    ),
    ("GET", "/incidents/{id}/tasks", None, 200, None, None),
    ("POST", "/incidents/{id}/tasks", {"title": "Thu thập nhật ký"}, 201, {"title": ""}, "title"),
    ("GET", "/incidents/{id}/comments", None, 200, None, None),
    ("POST", "/incidents/{id}/comments", {"body": "Đã chặn IP"}, 201, {"body": ""}, "body"),
    ("GET", "/incidents/{id}/observables", None, 200, None, None),
    (
        "POST",
        "/incidents/{id}/observables",
        {"kind": "ip", "value": "203.0.113.9"},
        201,
        {"kind": "ip", "value": "1.2.3"},
        "value",
    ),
    ("GET", "/incidents/{id}/correlations", None, 200, None, None),
    ("GET", "/incidents/{id}/participants", None, 200, None, None),
    ("POST", "/incidents/{id}/participants", {"organisation_id": 999999}, 422, {"role": "king"}, "role"),
    ("GET", "/incidents/{id}/export.json", None, 200, None, None),
    ("GET", "/incidents/{id}/export.pdf", None, 200, None, None),
]


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    coord, reporter, stranger = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    return {"coord": coord, "reporter": reporter, "stranger": stranger, "incident": incident}


@pytest.mark.parametrize(("method", "path", "good", "status", "bad", "field"), ENDPOINTS)
def test_endpoint_access_and_validation(client, db, world, method, path, good, status, bad, field) -> None:
    url = "/api/v1" + path.format(id=world["incident"].id)
    assert client.request(method, url, json=good).status_code == 401
    r = client.request(method, url, json=good, headers=api(db, world["stranger"]))
    assert r.status_code == 404, (method, path, r.text)
    if bad is not None:
        r = client.request(method, url, json=bad, headers=api(db, world["coord"]))
        assert r.status_code == 422, r.text
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()
    r = client.request(method, url, json=good, headers=api(db, world["coord"]))
    assert r.status_code == status, (method, path, r.text)


def test_report_queue_endpoints(client, db, world) -> None:
    coord, reporter, stranger = world["coord"], world["reporter"], world["stranger"]
    report = make_report(db, reporter)
    for method, url, body in (
        ("GET", "/api/v1/incidents/reports", None),
        ("GET", f"/api/v1/incidents/reports/{report.id}", None),
        ("POST", f"/api/v1/incidents/reports/{report.id}/open", {}),
        ("POST", f"/api/v1/incidents/reports/{report.id}/attach", {"incident_id": world["incident"].id}),
        ("POST", f"/api/v1/incidents/reports/{report.id}/reject", {"reason": "Không phải sự cố"}),
    ):
        assert client.request(method, url, json=body).status_code == 401
    headers = api(db, stranger)
    assert client.get(f"/api/v1/incidents/reports/{report.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/incidents/reports", headers=headers).json()["items"] == []
    assert client.post(f"/api/v1/incidents/reports/{report.id}/open", json={}, headers=headers).status_code == 403
    mine = client.get("/api/v1/incidents/reports", headers=api(db, reporter)).json()["items"]
    assert report.id in {r["id"] for r in mine}
    headers = api(db, coord)
    r = client.post(f"/api/v1/incidents/reports/{report.id}/reject", json={"reason": ""}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"/api/v1/incidents/reports/{report.id}/attach", json={"incident_id": "x"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "incident_id"
    r = client.post(
        f"/api/v1/incidents/reports/{report.id}/open", json={"rsit_class": "fraud", "rsit_type": "x"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rsit_type"
    r = client.post(
        f"/api/v1/incidents/reports/{report.id}/open",
        json={"rsit_class": "fraud", "rsit_type": "phishing"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["rsit_type"] == "phishing"
    r = client.get("/api/v1/incidents/reports", params={"status": "bogus"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


def test_deadline_profile_endpoints(client, db, world) -> None:
    assert client.get("/api/v1/incidents/deadline-profiles").status_code == 401
    r = client.get("/api/v1/incidents/deadline-profiles", headers=api(db, world["reporter"]))
    assert r.status_code == 200 and "vn-circular-20" in {p["key"] for p in r.json()}
    rule = {
        "label_vi": "Báo cáo trong 2 ngày",
        "label_en": "Report in 2 days",
        "anchor": "detected",
        "offset_minutes": 2880,
    }
    url = "/api/v1/incidents/deadline-profiles/vn-circular-20/rules/extra"
    assert client.put(url, json=rule).status_code == 401
    assert client.put(url, json=rule, headers=api(db, world["coord"])).status_code == 403  # platform admins only
    from csirtnet.vocabulary import Role
    from tests.factories import make_user

    admin = make_user(db, roles=[Role.PLATFORM_ADMIN])
    r = client.put(url, json={**rule, "anchor": "nowhere"}, headers=api(db, admin))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "anchor"
    r = client.put(url, json=rule, headers=api(db, admin))
    assert r.status_code == 200 and "extra" in {x["key"] for x in r.json()["rules"]}
    assert client.delete(url, headers=api(db, admin)).status_code == 204


def test_task_update_and_deadline_met_and_participant_end(client, db, world) -> None:
    coord, stranger = world["coord"], world["stranger"]
    incident = world["incident"]
    headers = api(db, coord)
    task = client.post(
        f"/api/v1/incidents/{incident.id}/tasks", json={"title": "Phân tích mẫu"}, headers=headers
    ).json()
    url = f"/api/v1/incidents/{incident.id}/tasks/{task['id']}"
    assert client.patch(url, json={"status": "done"}).status_code == 401
    assert client.patch(url, json={"status": "done"}, headers=api(db, stranger)).status_code == 404
    assert client.patch(url, json={"status": "finished"}, headers=headers).status_code == 422
    r = client.patch(url, json={"status": "done"}, headers=headers)
    assert r.status_code == 200 and r.json()["completed_at"]
    url = f"/api/v1/incidents/{incident.id}/deadlines/notification/met"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=api(db, stranger)).status_code == 404
    r = client.post(url, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rule_key"  # met by the report itself
    p = client.post(f"/api/v1/incidents/{incident.id}/participants", json={"user_id": stranger.id}, headers=headers)
    assert p.status_code == 201
    url = f"/api/v1/incidents/{incident.id}/participants/{p.json()['id']}/end"
    assert client.post(url).status_code == 401
    r = client.post(url, headers=headers)
    assert r.status_code == 200 and r.json()["ends_at"]
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=api(db, stranger)).status_code == 404
    r = client.post(
        f"/api/v1/incidents/{incident.id}/participants",
        json={"user_id": stranger.id, "starts_at": utcnow().isoformat(), "ends_at": "2000-01-01T00:00:00+00:00"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_at"


def test_reporter_may_read_and_discuss_but_not_command(client, db, world) -> None:
    incident = world["incident"]
    viewer = member(db, org=world["reporter"].organisation)
    from csirtnet.vocabulary import Role
    from tests.factories import make_user

    read_only = make_user(db, roles=[Role.VIEWER], organisation=world["reporter"].organisation)
    headers = api(db, world["reporter"])
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=headers).status_code == 200
    assert (
        client.post(f"/api/v1/incidents/{incident.id}/comments", json={"body": "Cảm ơn"}, headers=headers).status_code
        == 201
    )
    assert (
        client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "analysis"}, headers=headers).status_code
        == 403
    )
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=api(db, viewer)).status_code == 200
    r = client.post(
        f"/api/v1/incidents/{incident.id}/timeline",
        json={"occurred_at": "2026-01-01T08:00:00+07:00", "text": "x"},
        headers=api(db, read_only),
    )
    assert r.status_code == 403
    assert report_data()  # the shared builder stays importable


def test_timeline_pages_in_time_order_when_entries_share_a_time(client, db, world) -> None:
    incident, headers = world["incident"], api(db, world["coord"])
    url = f"/api/v1/incidents/{incident.id}/timeline"
    for text, at in (("Sau", "2026-01-02T08:00:00+07:00"), ("Cùng lúc 1", "2026-01-01T09:00:00+07:00")):
        assert client.post(url, json={"occurred_at": at, "text": text}, headers=headers).status_code == 201
    # The same moment written in another time zone: the id breaks the tie.
    same = {"occurred_at": "2026-01-01T02:00:00+00:00", "timezone": "UTC", "text": "Cùng lúc 2"}
    assert client.post(url, json=same, headers=headers).status_code == 201
    whole = client.get(url, params={"limit": 200}, headers=headers).json()
    assert whole["next_cursor"] is None
    paged, cursor = [], None
    while True:
        page = client.get(url, params={"limit": 1, **({"cursor": cursor} if cursor else {})}, headers=headers).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == whole["items"]
    manual = [e["text"] for e in paged if e["text"] in {"Sau", "Cùng lúc 1", "Cùng lúc 2"}]
    assert manual == ["Cùng lúc 1", "Cùng lúc 2", "Sau"]
