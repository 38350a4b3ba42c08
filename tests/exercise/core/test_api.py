"""The exercise API: every route closed to anonymous callers; an exercise of another cluster is a
404, a change by someone who does not organise it a 403; bad input a 422 naming the field; the
whole flow (create, staff, teams, roster, contact points, lifecycle, scoreboard as JSON and CSV)
through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.exercise.core.helpers import START, add_teams, cluster_exercise, exercise_data, make_world
from tests.incident.helpers import api


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in [
        ("get", "/api/v1/exercises"),
        ("post", "/api/v1/exercises"),
        ("get", "/api/v1/exercises/1"),
        ("patch", "/api/v1/exercises/1"),
        ("post", "/api/v1/exercises/1/publish"),
        ("post", "/api/v1/exercises/1/start"),
        ("post", "/api/v1/exercises/1/finish"),
        ("post", "/api/v1/exercises/1/archive"),
        ("post", "/api/v1/exercises/1/staff"),
        ("delete", "/api/v1/exercises/1/staff/1"),
        ("post", "/api/v1/exercises/1/teams"),
        ("patch", "/api/v1/exercises/1/teams/1"),
        ("delete", "/api/v1/exercises/1/teams/1"),
        ("post", "/api/v1/exercises/1/teams/1/members"),
        ("delete", "/api/v1/exercises/1/teams/1/members/1"),
        ("post", "/api/v1/exercises/1/teams/1/contact"),
        ("get", "/api/v1/exercises/1/scoreboard"),
    ]:
        assert getattr(client, method)(path).status_code == 401, path


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def test_a_cluster_drill_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    lead, province, outsider = api(db, w.admins[0]), api(db, w.admins[2]), api(db, w.outsider)
    body = exercise_data(scope="cluster", cluster_id=w.cluster.id, title="Diễn tập Cụm số 1 qua API")
    created = client.post("/api/v1/exercises", json=body, headers=lead)
    assert created.status_code == 201, created.text
    exercise = created.json()
    ident = exercise["id"]
    assert exercise["status"] == "draft" and exercise["allowed"]["organise"] is True
    assert [s["role"] for s in exercise["staff"]] == ["organiser"]
    assert client.get(f"/api/v1/exercises/{ident}", headers=province).status_code == 404  # a draft

    team = client.post(
        f"/api/v1/exercises/{ident}/teams",
        json={"name": "Đội Bắc Ninh", "organisation_id": w.provinces[2].id},
        headers=lead,
    )
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    judge = client.post(
        f"/api/v1/exercises/{ident}/staff", json={"email": w.responders[1].email, "role": "judge"}, headers=lead
    )
    assert judge.status_code == 201 and judge.json()["role"] == "judge"
    assert client.post(f"/api/v1/exercises/{ident}/publish", headers=lead).json()["status"] == "published"

    # The team's own admin keeps its roster and confirms its contact points.
    member = client.post(
        f"/api/v1/exercises/{ident}/teams/{team_id}/members", json={"user_id": w.responders[2].id}, headers=province
    )
    assert member.status_code == 201, member.text
    contact = client.post(
        f"/api/v1/exercises/{ident}/teams/{team_id}/contact", json={"note": "Trực 24/7"}, headers=province
    )
    assert contact.status_code == 200 and contact.json()["contact_confirmed_at"] is not None
    seen = client.get(f"/api/v1/exercises/{ident}", headers=province).json()
    assert seen["my_team_ids"] == [team_id] and seen["allowed"]["organise"] is False
    assert [m["name"] for m in seen["teams"][0]["members"]] == [w.responders[2].full_name]
    listed = client.get("/api/v1/exercises?kind=technical", headers=province).json()["items"]
    assert ident in [e["id"] for e in listed]

    # A province admin does not organise: 403; another cluster's lead does not see it: 404.
    assert client.post(f"/api/v1/exercises/{ident}/start", headers=province).status_code == 403
    assert client.patch(f"/api/v1/exercises/{ident}", json={"title": "x"}, headers=province).status_code == 403
    assert client.get(f"/api/v1/exercises/{ident}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/exercises/{ident}/scoreboard", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/exercises/{ident}/start", headers=outsider).status_code == 404
    assert (
        client.post(f"/api/v1/exercises/{ident}/teams/{team_id}/contact", json={}, headers=outsider).status_code == 404
    )
    assert ident not in [e["id"] for e in client.get("/api/v1/exercises", headers=outsider).json()["items"]]

    # Out of order: 409 in words.
    finished = client.post(f"/api/v1/exercises/{ident}/finish", headers=lead)
    assert finished.status_code == 409 and "Only a running exercise" in finished.json()["detail"]
    assert client.post(f"/api/v1/exercises/{ident}/start", headers=lead).json()["status"] == "running"

    board = client.get(f"/api/v1/exercises/{ident}/scoreboard", headers=province)
    assert board.status_code == 200
    assert board.json()["boards"][0]["standings"][0]["team"] == "Đội Bắc Ninh"
    as_csv = client.get(f"/api/v1/exercises/{ident}/scoreboard?format=csv", headers=province)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.lstrip("\ufeff").splitlines()[:2] == ["rank,team,score", "1,Đội Bắc Ninh,0"]


def test_bad_input_is_a_422_naming_the_field(client: Any, db: Session) -> None:
    w = make_world(db)
    coord = api(db, w.coordinator)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"timezone": "Sao Hỏa/Căn cứ"}, "timezone"),
        ({"ends_at": (START - timedelta(hours=1)).isoformat(), "freeze_at": None}, "ends_at"),
        ({"freeze_at": (START + timedelta(days=3)).isoformat()}, "freeze_at"),
        ({"scope": "cluster"}, "cluster_id"),
        ({"late_factor": 1.5}, "late_factor"),
        ({"title": ""}, "title"),
        ({"kind": "chess"}, "kind"),
    ]
    for change, field in cases:
        r = client.post("/api/v1/exercises", json=exercise_data(**change), headers=coord)
        assert r.status_code == 422, (change, r.text)
        assert field in _fields(r), (change, r.json())
    exercise = cluster_exercise(db, w)
    teams = add_teams(db, w, exercise, w.admins[0])
    lead = api(db, w.admins[0])
    same = client.post(f"/api/v1/exercises/{exercise.id}/teams", json={"name": teams[0].name}, headers=lead)
    assert same.status_code == 422 and _fields(same) == ["name"]
    foreign = client.post(
        f"/api/v1/exercises/{exercise.id}/teams",
        json={"name": "Đội lạ", "organisation_id": w.outsider_org.id},
        headers=lead,
    )
    assert foreign.status_code == 422 and _fields(foreign) == ["organisation_id"]
    bad_member = client.post(
        f"/api/v1/exercises/{exercise.id}/teams/{teams[0].id}/members", json={"email": "không-phải-email"}, headers=lead
    )
    assert bad_member.status_code == 422 and "email" in _fields(bad_member)
    bad_role = client.post(
        f"/api/v1/exercises/{exercise.id}/staff", json={"email": w.responders[0].email, "role": "king"}, headers=lead
    )
    assert bad_role.status_code == 422 and "role" in _fields(bad_role)
    bad_format = client.get(f"/api/v1/exercises/{exercise.id}/scoreboard?format=xml", headers=lead)
    assert bad_format.status_code == 422 and _fields(bad_format) == ["query.format"]
