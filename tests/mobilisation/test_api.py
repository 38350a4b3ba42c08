"""The mobilisation API: every endpoint refuses anonymous callers, hides other organisations' data,
and names the field of bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import service
from csirtnet.mobilisation.schemas import AcceptBody
from tests.mobilisation.helpers import Network, api, iso, make_network, request_body, who

API = "/api/v1"
ENDPOINTS = [
    ("GET", "/incidents/1/support-requests"),
    ("POST", "/incidents/1/support-requests"),
    ("GET", "/support-requests"),
    ("GET", "/support-requests/inbox"),
    ("GET", "/support-requests/1"),
    ("GET", "/support-requests/1/matches"),
    ("POST", "/support-requests/1/accept"),
    ("POST", "/support-requests/1/decline"),
    ("POST", "/support-requests/1/cancel"),
    ("GET", "/deployments"),
    ("GET", "/deployments/1"),
    ("POST", "/deployments/1/release"),
    ("PATCH", "/deployments/1"),
    ("GET", "/mobilisation/statistics"),
]


def body() -> dict[str, object]:
    return {
        "summary": "Phân tích mẫu mã độc tống tiền",
        "skills": [{"skill": "malware-analysis", "min_level": 2}, {"skill": "digital-forensics", "min_level": 2}],
        "mode": "on_site",
        "province": "Bắc Kạn",
        "duration_hours": 48,
        "urgency": "critical",
        "experts_needed": 1,
        "response_deadline": iso(utcnow() + timedelta(hours=2)),
    }


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_are_refused(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, API + path, json={})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def raised(db: Session, net: Network) -> int:
    return service.raise_request(db, who(net.coordinator), net.incident.id, request_body()).id


def test_the_coordinator_raises_and_reads_the_explained_ranking(client: TestClient, db: Session) -> None:
    net = make_network(db)
    headers = api(db, net.coordinator)
    r = client.post(f"{API}/incidents/{net.incident.id}/support-requests", json=body(), headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["incident_reference"] == net.incident.reference
    assert created["status"] == "open" and created["experts_accepted"] == 0
    [target] = created["targets"]
    assert target["organisation_name"] == "FPT" and target["status"] == "pending"
    assert target["explanation"][0]["label"] == {"vi": "Chuyên gia phù hợp", "en": "Suitable experts"}

    r = client.get(f"{API}/support-requests/{created['id']}/matches", headers=headers)
    assert r.status_code == 200
    orgs = r.json()["organisations"]
    assert [(o["rank"], o["name"], o["target_status"]) for o in orgs] == [
        (1, "FPT", "pending"),
        (2, "Bkav", None),
        (3, "MISA", None),
    ]
    misa_expert = orgs[2]["experts"][0]
    skills = misa_expert["components"][0]
    assert skills["key"] == "skills" and skills["points"] == 25 and skills["max_points"] == 50
    assert skills["label"]["vi"] == "Kỹ năng"
    assert "Digital forensics: missing" in skills["reason"]["en"]
    region = misa_expert["components"][1]
    assert region["points"] == 0 and "Cà Mau" in region["reason"]["vi"]

    listed = client.get(f"{API}/incidents/{net.incident.id}/support-requests", headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [created["id"]]


def test_bad_input_names_the_field(client: TestClient, db: Session) -> None:
    net = make_network(db)
    headers = api(db, net.coordinator)
    url = f"{API}/incidents/{net.incident.id}/support-requests"
    cases = [
        ({"skills": [{"skill": "juggling", "min_level": 2}]}, "skills.0.skill"),
        ({"skills": [{"skill": "malware-analysis", "min_level": 5}]}, "skills.0.min_level"),
        ({"capabilities": ["incident-management.nope"]}, "capabilities"),
        ({"urgency": "whenever"}, "urgency"),
        ({"experts_needed": 0}, "experts_needed"),
        ({"duration_hours": None}, "duration_hours"),
        ({"response_deadline": "2030-01-01T10:00:00"}, "response_deadline"),  # no time zone
        ({"response_deadline": iso(utcnow() - timedelta(hours=1))}, "response_deadline"),
        ({"province": ""}, "province"),
    ]
    for change, field in cases:
        r = client.post(url, json={**body(), **change}, headers=headers)
        assert r.status_code == 422, (change, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (change, r.json())
    request_id = raised(db, net)
    fpt = api(db, net.fpt_admin)
    r = client.post(f"{API}/support-requests/{request_id}/accept", json={"expert_ids": []}, headers=fpt)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expert_ids"
    r = client.post(
        f"{API}/support-requests/{request_id}/accept", json={"expert_ids": [net.bkav_expert.id]}, headers=fpt
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "expert_ids.0"
    r = client.post(f"{API}/support-requests/{request_id}/decline", json={"reason": ""}, headers=fpt)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"{API}/support-requests/{request_id}/cancel", json={}, headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.get(f"{API}/mobilisation/statistics?date_from=2026-05-01&date_to=2026-01-01", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_to"
    r = client.get(f"{API}/mobilisation/statistics?period=week", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.period"


def test_other_organisations_see_nothing_of_a_request_not_sent_to_them(client: TestClient, db: Session) -> None:
    net = make_network(db)
    request_id = raised(db, net)
    bkav = api(db, net.bkav_admin)
    for method, path, payload in [
        ("GET", f"/support-requests/{request_id}", None),
        ("GET", f"/support-requests/{request_id}/matches", None),
        ("POST", f"/support-requests/{request_id}/accept", {"expert_ids": [net.bkav_expert.id]}),
        ("POST", f"/support-requests/{request_id}/decline", {"reason": "Không có người"}),
        ("POST", f"/support-requests/{request_id}/cancel", {"reason": "Không cần"}),
    ]:
        r = client.request(method, API + path, json=payload, headers=bkav)
        assert r.status_code == 404, (method, path, r.text)
    assert client.get(f"{API}/support-requests", headers=bkav).json()["items"] == []
    assert client.get(f"{API}/support-requests/inbox", headers=bkav).json()["items"] == []
    r = client.get(f"{API}/incidents/{net.incident.id}/support-requests", headers=bkav)
    assert r.json()["items"] == []
    r = client.post(f"{API}/incidents/{net.incident.id}/support-requests", json=body(), headers=bkav)
    assert r.status_code == 404  # the incident itself is not theirs to see


def test_the_asked_organisation_sees_what_is_asked_but_not_the_incident(client: TestClient, db: Session) -> None:
    net = make_network(db)
    request_id = raised(db, net)
    fpt = api(db, net.fpt_admin)
    inbox = client.get(f"{API}/support-requests/inbox?status=pending", headers=fpt).json()["items"]
    assert [i["id"] for i in inbox] == [request_id]
    assert inbox[0]["incident_reference"] is None
    assert inbox[0]["summary"].startswith("Phân tích mẫu mã độc")
    r = client.get(f"{API}/support-requests/{request_id}/matches", headers=fpt)
    assert r.status_code == 403  # the ranking of other members is the requester's

    r = client.post(
        f"{API}/support-requests/{request_id}/accept",
        json={"expert_ids": [net.fpt_expert.id], "note": "Sẵn sàng lên đường"},
        headers=fpt,
    )
    assert r.status_code == 200, r.text
    [deployment] = r.json()
    assert deployment["expert_name"] == "Lê Minh Ứng Cứu" and deployment["status"] == "active"
    expert = api(db, net.fpt_expert_user)
    mine = client.get(f"{API}/deployments?mine=true", headers=expert).json()["items"]
    assert [d["id"] for d in mine] == [deployment["id"]]
    assert client.get(f"{API}/support-requests/inbox?status=pending", headers=fpt).json()["items"] == []


def test_deployments_are_released_by_the_requester_or_the_experts_organisation(client: TestClient, db: Session) -> None:
    net = make_network(db)
    request_id = raised(db, net)
    [deployment] = service.accept(db, who(net.fpt_admin), request_id, AcceptBody(expert_ids=[net.fpt_expert.id]))
    url = f"{API}/deployments/{deployment.id}"
    misa = api(db, net.misa_admin)
    assert client.get(url, headers=misa).status_code == 404
    assert client.post(url + "/release", json={}, headers=misa).status_code == 404
    assert client.patch(url, json={"hours": 1}, headers=misa).status_code == 404
    expert = api(db, net.fpt_expert_user)
    assert client.get(url, headers=expert).status_code == 200
    assert client.post(url + "/release", json={}, headers=expert).status_code == 403

    coordinator = api(db, net.coordinator)
    r = client.post(url + "/release", json={"hours": 10_000}, headers=coordinator)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hours"
    r = client.post(url + "/release", json={"hours": -1}, headers=coordinator)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hours"
    r = client.post(url + "/release", json={"outcome": "Đã bàn giao"}, headers=coordinator)
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert client.post(url + "/release", json={}, headers=coordinator).status_code == 409
    r = client.patch(url, json={"hours": 0}, headers=api(db, net.fpt_admin))
    assert r.status_code == 200 and r.json()["hours"] == 0
    listed = client.get(f"{API}/deployments?incident_id={net.incident.id}&status=released", headers=coordinator)
    assert [d["id"] for d in listed.json()["items"]] == [deployment.id]


def test_bad_query_parameters_name_the_parameter(client: TestClient, db: Session) -> None:
    net = make_network(db)
    headers = api(db, net.coordinator)
    cases = [
        ("/support-requests?status=pending", "query.status"),
        ("/support-requests/inbox?status=open", "query.status"),
        (f"/incidents/{net.incident.id}/support-requests?limit=0", "query.limit"),
        (f"/incidents/{net.incident.id}/support-requests?cursor=%25%25", "cursor"),
        ("/support-requests/first", "path.request_id"),
        ("/support-requests/first/matches", "path.request_id"),
        ("/deployments?status=gone", "query.status"),
        ("/deployments?incident_id=abc", "query.incident_id"),
        ("/deployments/first", "path.deployment_id"),
        ("/mobilisation/statistics?date_from=yesterday", "query.date_from"),
    ]
    for path, field in cases:
        r = client.get(API + path, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (path, r.json())
    r = client.patch(f"{API}/deployments/1", json={"hours": "many"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hours"
    assert client.get(f"{API}/support-requests/999999", headers=headers).status_code == 404
    assert client.get(f"{API}/deployments/999999", headers=headers).status_code == 404
