"""Events: scheduling by the coordinator or the cluster's lead, registration within capacity,
attendance, and materials shared in the knowledge base."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csirtnet.cluster.event import service
from csirtnet.kit.time import utcnow
from csirtnet.models import NetworkEvent, Notification
from tests.cluster.helpers import api, build, who


def _event(net, **overrides):  # type: ignore[no-untyped-def]
    start = utcnow() + timedelta(days=10)
    body = {
        "cluster_id": net.cluster.id,
        "kind": "workshop",
        "title": "Hội thảo ứng cứu sự cố",
        "title_en": "Incident-response workshop",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "location": "Sở TTTT Bắc Kạn",
        "capacity": 2,
    }
    body.update(overrides)
    return body


def test_the_lead_schedules_and_members_register_within_capacity(client, db) -> None:
    net = build(db)
    r = client.post("/api/v1/events", json=_event(net), headers=api(db, net.admin["a"]))
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["organiser"]["id"] == net.a.id and event["places_left"] == 2
    url = f"/api/v1/events/{event['id']}/registration"
    first = client.post(url, headers=api(db, net.viewer["b"]))
    assert first.status_code == 200 and first.json()["registered"] is True
    assert client.post(url, headers=api(db, net.viewer["b"])).json()["places_left"] == 1  # idempotent
    assert client.post(url, headers=api(db, net.viewer["c"])).status_code == 200
    full = client.post(url, headers=api(db, net.admin["c"]))
    assert full.status_code == 409 and full.json()["errors"][0]["field"] == "capacity"
    assert db.scalar(select(Notification).where(Notification.event_type == "cluster.event_registration"))
    # Someone withdraws, a place opens.
    assert client.delete(url, headers=api(db, net.viewer["c"])).status_code == 204
    assert client.post(url, headers=api(db, net.admin["c"])).status_code == 200
    # A cluster event is not for outsiders.
    assert client.get(f"/api/v1/events/{event['id']}", headers=api(db, net.viewer["outsider"])).status_code == 404
    assert client.post(url, headers=api(db, net.viewer["outsider"])).status_code == 404
    assert client.post(url).status_code == 401


def test_who_may_schedule(client, db) -> None:
    net = build(db)
    assert client.post("/api/v1/events", json=_event(net)).status_code == 401
    assert client.post("/api/v1/events", json=_event(net), headers=api(db, net.admin["b"])).status_code == 403
    network_wide = _event(net, cluster_id=None)
    assert client.post("/api/v1/events", json=network_wide, headers=api(db, net.admin["a"])).status_code == 403
    assert client.post("/api/v1/events", json=network_wide, headers=api(db, net.coordinator)).status_code == 201
    headers = api(db, net.admin["a"])
    start = utcnow() + timedelta(days=3)
    backwards = _event(net, ends_at=(start - timedelta(hours=1)).isoformat(), starts_at=start.isoformat())
    r = client.post("/api/v1/events", json=backwards, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_at"
    nowhere = _event(net, location=None)
    r = client.post("/api/v1/events", json=nowhere, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "location"
    r = client.post("/api/v1/events", json=_event(net, online_link="javascript:alert(1)"), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "online_link"
    r = client.post("/api/v1/events", json=_event(net, capacity=0), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "capacity"


def test_attendance_and_materials(client, db) -> None:
    net = build(db)
    headers = api(db, net.admin["a"])
    event = client.post("/api/v1/events", json=_event(net, capacity=None), headers=headers).json()
    client.post(f"/api/v1/events/{event['id']}/registration", headers=api(db, net.viewer["b"]))
    mark = {"user_id": net.viewer["b"].id, "attended": True}
    early = client.post(f"/api/v1/events/{event['id']}/attendance", json=mark, headers=headers)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "attended"
    row = db.get(NetworkEvent, event["id"])
    assert row is not None
    row.starts_at = utcnow() - timedelta(hours=1)  # the event has begun
    db.flush()
    assert (
        client.post(f"/api/v1/events/{event['id']}/attendance", json=mark, headers=api(db, net.admin["b"])).status_code
        == 403
    )
    marked = client.post(f"/api/v1/events/{event['id']}/attendance", json=mark, headers=headers)
    assert marked.status_code == 200 and marked.json()["attended"] is True
    unknown = client.post(
        f"/api/v1/events/{event['id']}/attendance",
        json={"user_id": net.viewer["c"].id, "attended": True},
        headers=headers,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "user_id"
    mine = client.get(f"/api/v1/events/{event['id']}", headers=api(db, net.viewer["b"])).json()
    assert mine["attended"] is True
    late = client.post(f"/api/v1/events/{event['id']}/registration", headers=api(db, net.viewer["c"]))
    assert late.status_code == 409
    material = client.post(
        f"/api/v1/events/{event['id']}/materials",
        json={"kind": "material", "title_vi": "Tài liệu hội thảo", "title_en": "Workshop slides", "tags": ["hội thảo"]},
        headers=headers,
    )
    assert material.status_code == 201, material.text
    assert material.json()["cluster_id"] == net.cluster.id and material.json()["event_id"] == event["id"]
    found = client.get("/api/v1/knowledge", params={"q": "tai lieu hoi thao"}, headers=api(db, net.viewer["c"])).json()
    assert [d["title_en"] for d in found["items"]] == ["Workshop slides"]
    hidden = client.get("/api/v1/knowledge", params={"q": "tai lieu"}, headers=api(db, net.viewer["outsider"])).json()
    assert hidden["items"] == []
    listed = service.reads(db, who(net.viewer["a"]), [row])[0]
    assert [m.title_vi for m in listed.materials] == ["Tài liệu hội thảo"]
