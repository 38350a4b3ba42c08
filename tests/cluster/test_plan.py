"""Yearly plans: the coordinator and the current lead's admins edit, only during the term."""

from __future__ import annotations

from datetime import timedelta

from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import service
from csirtnet.cluster.schemas import TermCreate, TermUpdate
from tests.cluster.helpers import SYSTEM, api, build, who


def _activity(year: int) -> dict[str, object]:
    return {
        "kind": "drill",
        "title": "Diễn tập ASEAN ACID",
        "starts_on": f"{year}-09-18",
        "ends_on": f"{year}-09-18",
        "status": "planned",
    }


def test_the_lead_admin_edits_the_plan_during_the_term(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    url = f"/api/v1/clusters/{net.cluster.id}/plans/{year}"
    r = client.post(f"{url}/activities", json=_activity(year), headers=api(db, net.admin["a"]))
    assert r.status_code == 201, r.text
    activity = r.json()
    done = client.patch(f"{url}/activities/{activity['id']}", json={"status": "done"}, headers=api(db, net.admin["a"]))
    assert done.status_code == 200 and done.json()["status"] == "done"
    summary = client.put(url, json={"summary": "Hoàn thành diễn tập"}, headers=api(db, net.admin["a"]))
    assert summary.status_code == 200 and summary.json()["summary"] == "Hoàn thành diễn tập"
    # Members read it; the lead's viewers do not edit; other members' admins do not edit.
    plan = client.get(url, headers=api(db, net.viewer["c"])).json()
    assert [a["title"] for a in plan["activities"]] == ["Diễn tập ASEAN ACID"] and plan["can_edit"] is False
    assert client.post(f"{url}/activities", json=_activity(year), headers=api(db, net.viewer["a"])).status_code == 403
    assert client.post(f"{url}/activities", json=_activity(year), headers=api(db, net.admin["b"])).status_code == 403


def test_lead_rights_end_with_the_term(client, db) -> None:
    net = build(db)
    today = cluster_authz.today()
    assert net.term is not None
    headers = api(db, net.admin["a"])
    url = f"/api/v1/clusters/{net.cluster.id}/plans/{today.year}"
    assert client.post(f"{url}/activities", json=_activity(today.year), headers=headers).status_code == 201
    # The term ends today: still the lead. Move the end to yesterday in the data (as if time passed).
    net.term.ends_on = today - timedelta(days=1)
    db.flush()
    assert cluster_authz.led_cluster_ids(db, who(net.admin["a"])) == set()
    assert client.post(f"{url}/activities", json=_activity(today.year), headers=headers).status_code == 403
    # The next lead takes over the day after.
    service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.b.id, starts_on=today, ends_on=today + timedelta(days=30)),
    )
    assert (
        client.post(f"{url}/activities", json=_activity(today.year), headers=api(db, net.admin["b"])).status_code == 201
    )
    # The coordinator always may.
    assert (
        client.post(f"{url}/activities", json=_activity(today.year), headers=api(db, net.coordinator)).status_code
        == 201
    )


def test_lead_rights_start_with_the_term(db) -> None:
    net = build(db, lead_this_year=False)
    today = cluster_authz.today()
    term = service.add_term(
        db,
        SYSTEM,
        net.cluster.id,
        TermCreate(organisation_id=net.a.id, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=40)),
    )
    subject = who(net.admin["a"])
    assert not cluster_authz.can_coordinate_cluster(db, subject, net.cluster.id)
    assert cluster_authz.can_coordinate_cluster(db, subject, net.cluster.id, on=term.starts_on)
    assert not cluster_authz.can_coordinate_cluster(db, subject, net.cluster.id, on=term.ends_on + timedelta(days=1))
    service.update_term(db, SYSTEM, net.cluster.id, term.id, TermUpdate(starts_on=today))
    assert cluster_authz.can_coordinate_cluster(db, subject, net.cluster.id)


def test_plan_is_for_the_cluster_and_input_is_checked(client, db) -> None:
    net = build(db)
    year = cluster_authz.today().year
    url = f"/api/v1/clusters/{net.cluster.id}/plans/{year}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=api(db, net.viewer["outsider"])).status_code == 403
    assert client.get(url, headers=api(db, net.coordinator)).status_code == 200
    headers = api(db, net.admin["a"])
    wrong_year = {**_activity(year), "starts_on": f"{year - 1}-05-01", "ends_on": f"{year - 1}-05-02"}
    r = client.post(f"{url}/activities", json=wrong_year, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_on"
    backwards = {**_activity(year), "starts_on": f"{year}-05-02", "ends_on": f"{year}-05-01"}
    r = client.post(f"{url}/activities", json=backwards, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"
    r = client.post(f"{url}/activities", json={**_activity(year), "kind": "party"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = client.post(f"{url}/activities", json={**_activity(year), "owner_organisation_id": 987654}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_organisation_id"
    assert client.get(f"/api/v1/clusters/{net.cluster.id}/plans/1850", headers=headers).status_code == 422
    created = client.post(f"{url}/activities", json=_activity(year), headers=headers).json()
    gone = client.delete(f"{url}/activities/{created['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.delete(f"{url}/activities/{created['id']}", headers=headers).status_code == 404
