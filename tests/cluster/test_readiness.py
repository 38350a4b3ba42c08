"""Readiness: members keep their own records; the coordinator and cluster leads see coverage and
gaps per cluster, sector and province, and export them as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster.readiness import service
from csirtnet.cluster.readiness.schemas import DrillIn, ReadinessUpdate
from tests.cluster.helpers import SYSTEM, Net, api, build
from tests.cluster.test_pages import sign_in

FULL = ReadinessUpdate(
    antimalware_deployed=True,
    antimalware_connected=True,
    antimalware_connected_on=date(2023, 11, 20),
    backup_plan=True,
    last_restore_test_on=None,
    ir_team=True,
    ir_contact_24x7="0209 3870 000",
    systems_inventory=True,
    systems_approved_count=12,
    statement="Không xảy ra sự cố mất dữ liệu",
)


def _records(db, net: Net, year: int) -> None:  # type: ignore[no-untyped-def]
    service.save(
        db,
        SYSTEM,
        net.a.id,
        year,
        FULL.model_copy(
            update={
                "last_restore_test_on": date(year, 10, 15),
                "drills": [DrillIn(name="ASEAN ACID", held_on=date(year, 9, 19), rank=3, participants=63)],
            }
        ),
    )
    service.save(
        db,
        SYSTEM,
        net.b.id,
        year,
        ReadinessUpdate(
            antimalware_deployed=True,
            antimalware_connected=True,
            antimalware_connected_on=date(year, 2, 1),
            ir_team=True,
            ir_contact_24x7="trực 24/7",
        ),
    )
    service.save(
        db,
        SYSTEM,
        net.outsider.id,
        year,
        ReadinessUpdate(backup_plan=True, last_restore_test_on=date(year, 3, 1)),
    )


def _cells(group: dict) -> dict[str, tuple[int, int, int | None]]:  # type: ignore[type-arg]
    return {c["criterion"]: (c["met"], c["total"], c["percent"]) for c in group["cells"]}


def test_coverage_per_cluster_sector_and_province(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year - 1
    _records(db, net, year)
    headers = api(db, net.coordinator)
    r = client.get("/api/v1/readiness/coverage", params={"year": year, "group_by": "cluster"}, headers=headers)
    assert r.status_code == 200, r.text
    report = r.json()
    cluster, loose = report["groups"]
    assert cluster["label"] == net.cluster.name and cluster["total"] == 3
    assert _cells(cluster) == {
        "antimalware": (2, 3, 67),
        "backup": (1, 3, 33),
        "ir_team": (2, 3, 67),
        "systems": (1, 3, 33),
        "drills": (1, 3, 33),
    }
    gaps = {g["organisation"]["id"]: g["missing"] for g in cluster["gaps"]}
    assert gaps == {net.b.id: ["backup", "systems", "drills"], net.c.id: ["no_record"]}
    assert loose["key"] == "" and loose["total"] == 1 and _cells(loose)["backup"] == (1, 1, 100)
    assert report["overall"]["total"] == 4

    by_sector = client.get(
        "/api/v1/readiness/coverage", params={"year": year, "group_by": "sector"}, headers=headers
    ).json()
    sectors = {g["key"]: g for g in by_sector["groups"]}
    assert set(sectors) == {"government", "health"}
    assert _cells(sectors["government"])["backup"] == (2, 3, 67)
    assert _cells(sectors["government"])["antimalware"] == (2, 3, 67)
    assert _cells(sectors["health"]) == {
        k: (0, 1, 0) for k in ("antimalware", "backup", "ir_team", "systems", "drills")
    }

    by_province = client.get(
        "/api/v1/readiness/coverage", params={"year": year, "group_by": "province"}, headers=headers
    ).json()
    provinces = {g["key"]: g for g in by_province["groups"]}
    assert _cells(provinces["Bắc Kạn"])["drills"] == (1, 1, 100)
    assert _cells(provinces["Cà Mau"])["antimalware"] == (0, 1, 0)


def test_cluster_leads_see_their_cluster_only(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year - 1
    _records(db, net, year)
    lead = api(db, net.admin["a"])
    r = client.get("/api/v1/readiness/coverage", params={"year": year, "group_by": "province"}, headers=lead)
    assert r.status_code == 200
    assert {g["key"] for g in r.json()["groups"]} == {"Bắc Kạn", "Cao Bằng", "Lạng Sơn"}
    # Records of the cluster's members, not of others.
    assert client.get(f"/api/v1/readiness/{net.b.id}/{year}", headers=lead).json()["ir_contact_24x7"] == "trực 24/7"
    assert client.get(f"/api/v1/readiness/{net.outsider.id}/{year}", headers=lead).status_code == 404
    # Members who do not lead see neither coverage nor other members' records.
    for user in (net.admin["b"], net.viewer["a"]):
        headers = api(db, user)
        assert client.get("/api/v1/readiness/coverage", params={"year": year}, headers=headers).status_code == 403
    assert client.get(f"/api/v1/readiness/{net.a.id}/{year}", headers=api(db, net.admin["b"])).status_code == 404
    assert client.get(f"/api/v1/readiness/{net.a.id}/{year}", headers=api(db, net.viewer["a"])).status_code == 200
    listed = client.get("/api/v1/readiness", params={"year": year}, headers=lead).json()["items"]
    assert {r["organisation"]["id"] for r in listed} == {net.a.id, net.b.id}
    other_cluster = client.get("/api/v1/readiness/coverage", params={"year": year, "cluster_id": 987654}, headers=lead)
    assert other_cluster.status_code == 422 and other_cluster.json()["errors"][0]["field"] == "cluster_id"
    assert client.get("/api/v1/readiness/coverage", params={"year": year}).status_code == 401


def test_coverage_csv_export(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year - 1
    _records(db, net, year)
    headers = api(db, net.coordinator)
    r = client.get(
        "/api/v1/readiness/coverage.csv", params={"year": year, "group_by": "cluster", "lang": "en"}, headers=headers
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Cluster", "Members"]
    assert rows[1][:4] == [net.cluster.name, "3", "67", "2"]
    gaps = client.get(
        "/api/v1/readiness/coverage.csv",
        params={"year": year, "group_by": "cluster", "kind": "gaps", "lang": "vi"},
        headers=headers,
    )
    lines = list(csv.reader(io.StringIO(gaps.content.decode("utf-8-sig"))))
    assert lines[0][0] == "Cụm"
    assert any(net.c.name in line and "Chưa có hồ sơ sẵn sàng" in line for line in lines)
    bad = client.get("/api/v1/readiness/coverage.csv", params={"year": year, "kind": "all"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.kind"


def test_members_edit_their_own_record(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    body = {
        "antimalware_deployed": True,
        "antimalware_connected": True,
        "antimalware_connected_on": f"{year}-01-02",
        "ir_team": True,
        "ir_contact_24x7": "0209 3870 000",
        "drills": [{"name": "ASEAN ACID", "held_on": f"{year}-01-03", "rank": 3, "participants": 63}],
    }
    url = f"/api/v1/readiness/{net.b.id}/{year}"
    assert client.put(url, json=body).status_code == 401
    r = client.put(url, json=body, headers=api(db, net.admin["b"]))
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["recorded"] and saved["meets"]["antimalware"] and saved["meets"]["drills"]
    assert saved["drills"][0]["rank"] == 3
    # Another member, the coordinator and the member's viewer do not edit it.
    assert client.put(url, json=body, headers=api(db, net.admin["c"])).status_code == 404
    assert client.put(url, json=body, headers=api(db, net.coordinator)).status_code == 403
    assert client.put(url, json=body, headers=api(db, net.viewer["b"])).status_code == 403
    headers = api(db, net.admin["b"])
    for change, field in (
        ({"antimalware_connected_on": None}, "antimalware_connected_on"),
        ({"antimalware_deployed": False}, "antimalware_connected"),
        ({"ir_contact_24x7": ""}, "ir_contact_24x7"),
        ({"drills": [{"name": "ACID", "held_on": f"{year}-01-03", "rank": 70, "participants": 63}]}, "drills.0.rank"),
        ({"drills": [{"name": "ACID", "held_on": f"{year - 1}-05-03"}]}, "drills.0.held_on"),
        ({"systems_approved_count": -1}, "systems_approved_count"),
    ):
        r = client.put(url, json={**body, **change}, headers=headers)
        assert r.status_code == 422, (change, r.text)
        assert r.json()["errors"][0]["field"] == field
    future = client.put(f"/api/v1/readiness/{net.b.id}/{year + 1}", json=body, headers=headers)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "year"
    # Nothing of the refused updates was applied.
    assert client.get(url, headers=headers).json()["drills"][0]["rank"] == 3


def test_evidence_documents(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    headers = api(db, net.admin["b"])
    url = f"/api/v1/readiness/{net.b.id}/{year}"
    upload = client.post(
        "/api/v1/cluster-files",
        files={"file": ("ket-noi.pdf", b"%PDF-1.4 evidence", "application/pdf")},
        headers=headers,
    ).json()
    early = client.post(f"{url}/evidence", json={"criterion": "antimalware", "file_id": upload["id"]}, headers=headers)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "year"
    client.put(url, json={"backup_plan": True}, headers=headers)
    r = client.post(
        f"{url}/evidence",
        json={
            "criterion": "backup",
            "file_id": upload["id"],
            "dated_on": f"{year}-01-01",
            "note": "Biên bản khôi phục",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    evidence = r.json()
    file_url = f"{url}/evidence/{evidence['id']}/file"
    assert client.get(file_url, headers=api(db, net.admin["a"])).content == b"%PDF-1.4 evidence"  # the lead
    assert client.get(file_url, headers=api(db, net.admin["c"])).status_code == 404
    bad = client.post(f"{url}/evidence", json={"criterion": "luck", "file_id": upload["id"]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "criterion"
    stolen = client.post(
        f"{url}/evidence", json={"criterion": "backup", "file_id": upload["id"]}, headers=api(db, net.admin["c"])
    )
    assert stolen.status_code == 404
    assert client.delete(f"{url}/evidence/{evidence['id']}", headers=headers).status_code == 204


def test_coverage_by_sector_names_the_sector_in_the_readers_language(client, db) -> None:
    """Sectors are stored as typed ("government"); Vietnamese readers saw the English word."""
    net = build(db)
    year = cluster_authz.today().year - 1
    _records(db, net, year)
    headers = api(db, net.coordinator)
    r = client.get(
        "/api/v1/readiness/coverage.csv", params={"year": year, "group_by": "sector", "lang": "vi"}, headers=headers
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Lĩnh vực"
    names = [row[0] for row in rows[1:]]
    assert "Cơ quan nhà nước" in names and "Y tế" in names and "government" not in names
    sign_in(client, db, net.coordinator)
    page = client.get("/readiness/coverage", params={"year": year, "group_by": "sector", "lang": "vi"})
    assert page.status_code == 200 and "Cơ quan nhà nước" in page.text and ">government<" not in page.text
