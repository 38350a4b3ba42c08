"""Lead terms: the current lead is derived from them, they never overlap, rotations are planned
ahead, handovers are recorded with their documents."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import service
from csirtnet.cluster.schemas import MemberAdd, RotationPlan, TermCreate
from csirtnet.errors import ValidationFailed
from csirtnet.models import AuditRecord
from tests.cluster.helpers import SYSTEM, api, build, who


def test_current_lead_is_derived_from_the_terms_and_changes_at_the_boundary(db) -> None:
    net = build(db, lead_this_year=False)
    service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.a.id, starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31)),
    )
    service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.b.id, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)),
    )
    lead = service.current_lead(db, net.cluster.id, date(2024, 12, 31))
    assert lead is not None and lead.organisation_id == net.a.id
    lead = service.current_lead(db, net.cluster.id, date(2025, 1, 1))
    assert lead is not None and lead.organisation_id == net.b.id
    assert service.current_lead(db, net.cluster.id, date(2026, 1, 1)) is None
    assert service.current_lead(db, net.cluster.id, date(2023, 12, 31)) is None


def test_the_api_shows_the_lead_of_today_and_of_any_day(client, db) -> None:
    net = build(db)
    headers = api(db, net.viewer["outsider"])
    detail = client.get(f"/api/v1/clusters/{net.cluster.id}", headers=headers).json()
    assert detail["current_lead"]["organisation"]["id"] == net.a.id
    assert [t["status"] for t in detail["terms"]] == ["current"]
    day = date(cluster_authz.today().year + 1, 1, 1).isoformat()
    assert client.get(f"/api/v1/clusters/{net.cluster.id}/lead", params={"on": day}, headers=headers).json() is None


def test_overlapping_terms_are_refused_naming_the_field(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    headers = api(db, net.coordinator)
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.b.id, "starts_on": f"{year}-06-01", "ends_on": f"{year + 1}-05-31"},
        headers=headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "starts_on"
    assert "overlaps" in r.json()["errors"][0]["message"]
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.b.id, "starts_on": f"{year - 1}-06-01", "ends_on": f"{year}-01-01"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.b.id, "starts_on": f"{year + 1}-03-01", "ends_on": f"{year + 1}-01-01"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.outsider.id, "starts_on": f"{year + 1}-01-01", "ends_on": f"{year + 1}-12-31"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.b.id, "starts_on": "not a date", "ends_on": f"{year + 1}-12-31"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_on"
    ok = client.post(
        f"/api/v1/clusters/{net.cluster.id}/terms",
        json={"organisation_id": net.b.id, "starts_on": f"{year + 1}-01-01", "ends_on": f"{year + 1}-12-31"},
        headers=headers,
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "planned"


def test_only_the_coordinator_plans_terms(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    body = {"organisation_id": net.b.id, "starts_on": f"{year + 1}-01-01", "ends_on": f"{year + 1}-12-31"}
    r = client.post(f"/api/v1/clusters/{net.cluster.id}/terms", json=body, headers=api(db, net.admin["a"]))
    assert r.status_code == 403
    assert client.post(f"/api/v1/clusters/{net.cluster.id}/terms", json=body).status_code == 401


def test_plan_rotation_generates_yearly_terms_in_order(client, db) -> None:
    net = build(db, lead_this_year=False)
    start = cluster_authz.today().year
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/rotation",
        json={"organisation_ids": [net.c.id, net.a.id, net.b.id], "start_year": start, "years": 4},
        headers=api(db, net.coordinator),
    )
    assert r.status_code == 201, r.text
    terms = r.json()
    assert [(t["organisation"]["id"], t["starts_on"], t["ends_on"]) for t in terms] == [
        (net.c.id, f"{start}-01-01", f"{start}-12-31"),
        (net.a.id, f"{start + 1}-01-01", f"{start + 1}-12-31"),
        (net.b.id, f"{start + 2}-01-01", f"{start + 2}-12-31"),
        (net.c.id, f"{start + 3}-01-01", f"{start + 3}-12-31"),
    ]
    lead = service.current_lead(db, net.cluster.id)
    assert lead is not None and lead.organisation_id == net.c.id
    # A second rotation over the same years is refused as a whole, naming the field.
    again = client.post(
        f"/api/v1/clusters/{net.cluster.id}/rotation",
        json={"organisation_ids": [net.a.id], "start_year": start + 3},
        headers=api(db, net.coordinator),
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "start_year"
    dup = client.post(
        f"/api/v1/clusters/{net.cluster.id}/rotation",
        json={"organisation_ids": [net.a.id, net.a.id], "start_year": start + 10},
        headers=api(db, net.coordinator),
    )
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "organisation_ids.1"


def test_rotation_is_checked_before_anything_is_written(db) -> None:
    net = build(db, lead_this_year=False)
    with pytest.raises(ValidationFailed) as caught:
        service.plan_rotation(
            db, SYSTEM, net.cluster.id, RotationPlan(organisation_ids=[net.a.id, net.outsider.id], start_year=2030)
        )
    assert caught.value.errors[0].field == "organisation_ids.1"
    assert service.detail(db, SYSTEM, net.cluster.id).terms == []


def test_planned_terms_can_be_dropped_started_ones_cannot(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    planned = service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.b.id, starts_on=date(year + 1, 1, 1), ends_on=date(year + 1, 12, 31)),
    )
    headers = api(db, net.coordinator)
    assert net.term is not None
    assert client.delete(f"/api/v1/clusters/{net.cluster.id}/terms/{net.term.id}", headers=headers).status_code == 409
    assert client.delete(f"/api/v1/clusters/{net.cluster.id}/terms/{planned.id}", headers=headers).status_code == 204
    moved = client.patch(
        f"/api/v1/clusters/{net.cluster.id}/terms/{net.term.id}",
        json={"starts_on": f"{year}-02-01"},
        headers=headers,
    )
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "starts_on"


def test_handover_is_recorded_with_minutes_and_documents(client, db) -> None:
    net = build(db)
    headers = api(db, net.admin["a"])
    upload = client.post(
        "/api/v1/cluster-files",
        files={"file": ("biên bản bàn giao.txt", "Biên bản bàn giao trưởng cụm".encode(), "text/plain")},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text
    handed = (cluster_authz.today() - timedelta(days=1)).isoformat()
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/handovers",
        json={
            "from_organisation_id": net.a.id,
            "to_organisation_id": net.b.id,
            "handed_over_on": handed,
            "minutes": "Bắc Kạn bàn giao cho Cao Bằng",
            "attachment_ids": [upload.json()["id"]],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    handover = r.json()
    assert handover["from_organisation"]["id"] == net.a.id and handover["to_organisation"]["id"] == net.b.id
    doc = handover["documents"][0]
    assert doc["filename"] == "biên bản bàn giao.txt"
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "cluster.handover_recorded")) is not None
    # Members of the cluster read the minutes and the document; others see only who and when.
    path = f"/api/v1/clusters/{net.cluster.id}/handovers/{handover['id']}/documents/{doc['id']}"
    got = client.get(path, headers=api(db, net.viewer["c"]))
    assert got.status_code == 200 and got.content == "Biên bản bàn giao trưởng cụm".encode()
    assert client.get(path, headers=api(db, net.viewer["outsider"])).status_code == 404
    outside = client.get(f"/api/v1/clusters/{net.cluster.id}", headers=api(db, net.viewer["outsider"])).json()
    assert outside["handovers"][0]["minutes"] is None and outside["handovers"][0]["documents"] == []


def test_handover_rules(client, db) -> None:
    net = build(db)
    body = {
        "from_organisation_id": net.a.id,
        "to_organisation_id": net.b.id,
        "handed_over_on": cluster_authz.today().isoformat(),
        "minutes": "Bàn giao",
    }
    url = f"/api/v1/clusters/{net.cluster.id}/handovers"
    assert client.post(url, json=body).status_code == 401
    # Another member's admin, not involved: forbidden.
    assert client.post(url, json=body, headers=api(db, net.admin["c"])).status_code == 403
    future = {**body, "handed_over_on": (cluster_authz.today() + timedelta(days=3)).isoformat()}
    r = client.post(url, json=future, headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "handed_over_on"
    same = {**body, "to_organisation_id": net.a.id}
    r = client.post(url, json=same, headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to_organisation_id"
    stranger = {**body, "to_organisation_id": net.outsider.id}
    r = client.post(url, json=stranger, headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to_organisation_id"
    foreign_file = {**body, "attachment_ids": [999_999]}
    r = client.post(url, json=foreign_file, headers=api(db, net.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attachment_ids.0"


def test_membership_changes(client, db) -> None:
    net = build(db)
    headers = api(db, net.coordinator)
    r = client.post(
        f"/api/v1/clusters/{net.cluster.id}/members",
        json={"organisation_id": net.outsider.id, "joined_on": "2025-01-01"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["current"] is True
    again = client.post(
        f"/api/v1/clusters/{net.cluster.id}/members",
        json={"organisation_id": net.outsider.id, "joined_on": "2025-06-01"},
        headers=headers,
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "organisation_id"
    member_id = r.json()["id"]
    bad = client.patch(
        f"/api/v1/clusters/{net.cluster.id}/members/{member_id}", json={"left_on": "2024-01-01"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "left_on"
    left = client.patch(
        f"/api/v1/clusters/{net.cluster.id}/members/{member_id}",
        json={"left_on": cluster_authz.today().isoformat()},
        headers=headers,
    )
    assert left.status_code == 200 and left.json()["current"] is False
    # The lead cannot leave while its term runs.
    lead_member = next(m for m in service.detail(db, SYSTEM, net.cluster.id).members if m.organisation.id == net.a.id)
    r = client.patch(
        f"/api/v1/clusters/{net.cluster.id}/members/{lead_member.id}",
        json={"left_on": cluster_authz.today().isoformat()},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "left_on"
    assert (
        client.post(
            f"/api/v1/clusters/{net.cluster.id}/members",
            json={"organisation_id": net.outsider.id, "joined_on": "2025-01-01"},
            headers=api(db, net.admin["a"]),
        ).status_code
        == 403
    )


def test_clusters_are_created_by_the_coordinator_with_their_channel(client, db) -> None:
    net = build(db)
    body = {"number": 77, "name": "Cụm số 77", "decision_number": "9/QĐ-BTTTT", "decision_date": "2023-05-04"}
    assert client.post("/api/v1/clusters", json=body, headers=api(db, net.admin["a"])).status_code == 403
    r = client.post("/api/v1/clusters", json=body, headers=api(db, net.coordinator))
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/clusters", json=body, headers=api(db, net.coordinator)).status_code == 409
    bad = client.post("/api/v1/clusters", json={"name": ""}, headers=api(db, net.coordinator))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "name"
    channels = client.get("/api/v1/channels", headers=api(db, net.coordinator)).json()["items"]
    assert any(c["kind"] == "cluster" and c["cluster_id"] == r.json()["id"] for c in channels)
    listed = client.get("/api/v1/clusters", headers=api(db, net.viewer["b"])).json()["items"]
    mine = next(c for c in listed if c["id"] == net.cluster.id)
    assert mine["member_count"] == 3 and mine["current_lead"]["organisation"]["id"] == net.a.id
    # An organisation may belong to several clusters.
    added = service.add_member(
        db, SYSTEM, r.json()["id"], MemberAdd(organisation_id=net.a.id, joined_on=date(2024, 1, 1))
    )
    assert cluster_authz.cluster_ids_of_org(db, net.a.id) == {net.cluster.id, added.cluster_id}


def test_only_the_current_lead_records_a_handover_and_only_its_own(client, db) -> None:
    """A past lead cannot record handovers any more, nor can an admin merely named in the body."""
    net = build(db, lead_this_year=False)
    year = cluster_authz.today().year
    service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.a.id, starts_on=date(year - 1, 1, 1), ends_on=date(year - 1, 12, 31)),
    )
    service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.b.id, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31)),
    )
    url = f"/api/v1/clusters/{net.cluster.id}/handovers"
    handed = {"handed_over_on": cluster_authz.today().isoformat(), "minutes": "Bàn giao"}
    # Bắc Kạn led last year: it may not record a handover from itself, to anyone.
    past = {"from_organisation_id": net.a.id, "to_organisation_id": net.c.id, **handed}
    assert client.post(url, json=past, headers=api(db, net.admin["a"])).status_code == 403
    # Lạng Sơn is named in the body but does not lead: refused.
    named = {"from_organisation_id": net.c.id, "to_organisation_id": net.b.id, **handed}
    assert client.post(url, json=named, headers=api(db, net.admin["c"])).status_code == 403
    # Cao Bằng leads today: it records the handover it took over.
    taken = {"from_organisation_id": net.a.id, "to_organisation_id": net.b.id, **handed}
    assert client.post(url, json=taken, headers=api(db, net.admin["b"])).status_code == 201
    # ... but not one between two other members.
    others = {"from_organisation_id": net.a.id, "to_organisation_id": net.c.id, **handed}
    assert client.post(url, json=others, headers=api(db, net.admin["b"])).status_code == 403
    # The page offers the form by the same rule.
    assert cluster_authz.can_record_handovers(db, who(net.admin["b"]), net.cluster.id)
    for key in ("a", "c"):
        assert not cluster_authz.can_record_handovers(db, who(net.admin[key]), net.cluster.id)
    assert cluster_authz.can_record_handovers(db, who(net.coordinator), net.cluster.id)
