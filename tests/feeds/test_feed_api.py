"""The feed API (/api/v1/feeds, /api/v1/feed-events): every route closed to anonymous callers, the
configuration and runs the coordinating body's alone, bad input named by its field (or line), a report
uploaded and processed into a run with its quarantine, and events read under authz."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.models import AsnPrefix, AuditRecord, FeedSource
from tests.feeds.test_sources import api_source, event_line, ingest, jsonl, make_world
from tests.incident.helpers import api

BASE = "/api/v1/feeds"
MAPPING = {
    "columns": {
        "seen": {"field": "time.source", "type": "time"},
        "ip": {"field": "source.ip", "type": "ip"},
        "port": {"field": "source.port", "type": "int"},
    },
    "time_format": "%Y-%m-%d %H:%M:%S",
    "constants": {"classification.taxonomy": "vulnerable", "classification.type": "vulnerable-system"},
}


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in [
        ("get", BASE),
        ("post", BASE),
        ("get", f"{BASE}/1"),
        ("patch", f"{BASE}/1"),
        ("delete", f"{BASE}/1"),
        ("get", f"{BASE}/1/runs"),
        ("post", f"{BASE}/1/runs"),
        ("post", f"{BASE}/1/events"),
        ("get", f"{BASE}/runs/1"),
        ("get", f"{BASE}/quarantine"),
        ("get", f"{BASE}/rules"),
        ("post", f"{BASE}/rules"),
        ("patch", f"{BASE}/rules/1"),
        ("delete", f"{BASE}/rules/1"),
        ("get", f"{BASE}/asn-table"),
        ("put", f"{BASE}/asn-table"),
        ("get", "/api/v1/feed-events"),
        ("get", "/api/v1/feed-events/stats"),
    ]:
        assert client.request(method.upper(), path).status_code == 401, (method, path)


def test_sources_rules_and_the_asn_table_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    coord, a1 = api(db, w.coordinator), api(db, w.a1)
    db.commit()
    bad = client.post(
        BASE, json={"name": "Poll", "provider": "P", "kind": "url", "url": "file:///etc/passwd"}, headers=coord
    )
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["url"]
    bad = client.post(
        BASE, json={"name": "G", "provider": "P", "parser": "csv", "mapping": {"columns": 3}}, headers=coord
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mapping.columns"
    made = client.post(
        BASE, json={"name": "Generic", "provider": "ISP", "parser": "csv", "mapping": MAPPING}, headers=coord
    )
    assert made.status_code == 201, made.text
    source = made.json()
    assert source["totals"]["runs"] == 0 and source["mapping"] == MAPPING
    assert client.post(BASE, json={"name": "Mine", "provider": "x"}, headers=a1).status_code == 403
    assert client.get(BASE, headers=a1).status_code == 403
    assert client.get(f"{BASE}/{source['id']}", headers=a1).status_code == 404
    assert client.patch(f"{BASE}/{source['id']}", json={"tlp": "red"}, headers=a1).status_code == 404
    changed = client.patch(f"{BASE}/{source['id']}", json={"tlp": "green", "dedupe_window_hours": 2}, headers=coord)
    assert changed.status_code == 200 and changed.json()["tlp"] == "green"
    assert client.patch(f"{BASE}/{source['id']}", json={"tlp": None}, headers=coord).status_code == 422
    assert [s["name"] for s in client.get(BASE, headers=coord).json()] == ["Generic"]

    rule = client.post(
        f"{BASE}/rules",
        json={"name": "Flag", "action": "raise_flag", "taxonomy": "vulnerable", "types": ["vulnerable-system"]},
        headers=coord,
    )
    assert rule.status_code == 201, rule.text
    bad_rule = client.post(
        f"{BASE}/rules", json={"name": "x", "action": "raise_flag", "types": ["nope"]}, headers=coord
    )
    assert [e["field"] for e in bad_rule.json()["errors"]] == ["types[0]"]
    assert (
        client.patch(f"{BASE}/rules/{rule.json()['id']}", json={"window_hours": 24}, headers=coord).json()[
            "window_hours"
        ]
        == 24
    )
    assert client.get(f"{BASE}/rules", headers=a1).status_code == 403
    assert client.delete(f"{BASE}/rules/{rule.json()['id']}", headers=a1).status_code == 404
    assert client.delete(f"{BASE}/rules/{rule.json()['id']}", headers=coord).status_code == 204
    assert client.get(f"{BASE}/rules", headers=coord).json() == []

    table = "10.0.0.0/8 64500\n172.16.0.0/12,AS64501\n"
    put = client.put(f"{BASE}/asn-table", content=table.encode(), headers={**coord, "Content-Type": "text/plain"})
    assert put.status_code == 200 and put.json() == {"prefixes": 2, "replaced": 0}
    bad_table = client.put(f"{BASE}/asn-table", content=b"10.0.0.0/8 64500\n10.0.0.0/8\n", headers=coord)
    assert bad_table.status_code == 422 and [e["field"] for e in bad_table.json()["errors"]] == ["line 2"]
    assert client.put(f"{BASE}/asn-table", content=b"\xff\xfe", headers=coord).json()["errors"][0]["field"] == "body"
    assert client.put(f"{BASE}/asn-table", content=table.encode(), headers=a1).status_code == 403
    assert client.get(f"{BASE}/asn-table", headers=coord).json()["prefixes"] == 2
    assert db.scalar(select(func.count()).select_from(AsnPrefix)) == 2

    assert client.delete(f"{BASE}/{source['id']}", headers=a1).status_code == 404
    assert client.delete(f"{BASE}/{source['id']}", headers=coord).status_code == 204
    assert db.scalar(select(func.count()).select_from(FeedSource)) == 0
    actions = db.scalars(
        select(AuditRecord.action).where(AuditRecord.action.startswith("feed.")).order_by(AuditRecord.seq)
    )
    assert list(actions) == [
        "feed.source_created",
        "feed.source_updated",
        "feed.rule_created",
        "feed.rule_updated",
        "feed.rule_deleted",
        "feed.asn_table_loaded",
        "feed.source_deleted",
    ]


def test_an_uploaded_report_becomes_a_run_with_its_quarantine(client: Any, db: Session) -> None:
    w = make_world(db)
    coord, a1 = api(db, w.coordinator), api(db, w.a1)
    db.commit()
    source = client.post(
        BASE, json={"name": "Generic", "provider": "ISP", "parser": "csv", "mapping": MAPPING}, headers=coord
    ).json()
    report = (
        b"seen,ip,port\n"
        b"2026-12-05 01:00:00,10.0.0.5,445\n"
        b"2026-12-05 01:00:00,10.0.0.999,445\n"
        b"2026-12-05 01:00:00,172.16.3.4,80\n"
    )
    files = {"file": ("../../report.csv", report, "text/csv")}
    assert client.post(f"{BASE}/{source['id']}/runs", files=files, headers=a1).status_code == 404
    r = client.post(f"{BASE}/{source['id']}/runs", files=files, headers=coord)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["origin"] == "upload" and run["files"] == ["report.csv"] and run["status"] == "done"
    assert (run["events"], run["matched"], run["quarantined"]) == (2, 2, 1)
    assert client.get(f"{BASE}/runs/{run['id']}", headers=coord).json()["events"] == 2
    assert client.get(f"{BASE}/runs/{run['id']}", headers=a1).status_code == 404
    runs = client.get(f"{BASE}/{source['id']}/runs", headers=coord).json()
    assert [x["id"] for x in runs["items"]] == [run["id"]] and runs["next_cursor"] is None
    quarantine = client.get(f"{BASE}/quarantine", params={"run_id": run["id"]}, headers=coord).json()
    assert (
        quarantine["total"] == 1
        and quarantine["items"][0]["line"] == 3
        and quarantine["items"][0]["file"] == "report.csv"
    )
    assert quarantine["per_source"] == [{"source_id": source["id"], "source_name": "Generic", "quarantined": 1}]
    assert client.get(f"{BASE}/quarantine", headers=a1).status_code == 403
    counts = client.get(f"{BASE}/{source['id']}", headers=coord).json()
    assert counts["totals"]["events"] == 2 and counts["last_run"]["quarantined"] == 1


def test_events_and_their_statistics_under_authz(client: Any, db: Session, database: Any) -> None:
    w = make_world(db)
    coord, a1, b1 = api(db, w.coordinator), api(db, w.a1), api(db, w.b1)
    sensors = api_source(db)
    db.commit()
    ingest(database, sensors, jsonl(event_line("10.0.0.5"), event_line("172.16.0.5"), event_line("203.0.113.1")))
    events = "/api/v1/feed-events"
    assert [e["source_ip"] for e in client.get(events, headers=a1).json()["items"]] == ["10.0.0.5"]
    assert [e["source_ip"] for e in client.get(events, headers=b1).json()["items"]] == ["172.16.0.5"]
    assert client.get(events, params={"unmatched": True}, headers=a1).json()["items"] == []
    assert [e["source_ip"] for e in client.get(events, params={"unmatched": True}, headers=coord).json()["items"]] == [
        "203.0.113.1"
    ]
    page = client.get(events, params={"limit": 2}, headers=coord).json()
    rest = client.get(events, params={"limit": 2, "cursor": page["next_cursor"]}, headers=coord).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    found = client.get(events, params={"ip": "10.0.0.5"}, headers=coord).json()["items"][0]
    assert found["data"]["source.ip"] == "10.0.0.5" and found["organisation_id"] == w.org_a.id
    bad = client.get(events, params={"ip": "10.0.0"}, headers=coord)
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["ip"]
    bad = client.get(events, params={"since": "2026-12-06T00:00:00Z", "until": "2026-12-05T00:00:00Z"}, headers=coord)
    assert [e["field"] for e in bad.json()["errors"]] == ["until"]
    assert client.get(events, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=coord).status_code == 422
    stats = client.get(f"{events}/stats", params={"days": 366}, headers=a1).json()
    assert (stats["total"], stats["matched"]) == (1, 1)
    assert client.get(f"{events}/stats", params={"days": 366}, headers=coord).json()["total"] == 3
    assert client.get(f"{events}/stats", params={"days": 0}, headers=coord).status_code == 422
    assert orjson.loads(client.get(events, headers=b1).content)["items"][0]["tlp"] == "amber"
