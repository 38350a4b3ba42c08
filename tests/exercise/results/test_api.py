"""The results API: every route closed to anonymous callers; rankings and results ("rank of
total"); outside drills and their results (hand, CSV import with errors by line); the readiness
drills; certificates (no other team's), the results and after-action PDFs; the after-action report
and its lessons. Wrong organisations are refused, bad input is named by field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz.cluster import today
from csirtnet.exercise.results.readiness import held_on
from tests.exercise.results.helpers import finished_drill, make_world, team_of
from tests.incident.helpers import api

ROUTES = [
    ("get", "/api/v1/exercises/rankings"),
    ("get", "/api/v1/exercises/1/results"),
    ("post", "/api/v1/exercises/external"),
    ("post", "/api/v1/exercises/1/external-results"),
    ("delete", "/api/v1/exercises/1/external-results/1"),
    ("post", "/api/v1/exercises/1/external-results/import"),
    ("post", "/api/v1/exercises/1/record-results"),
    ("get", "/api/v1/exercises/1/certificates/1.pdf"),
    ("get", "/api/v1/exercises/1/results.pdf"),
    ("get", "/api/v1/exercises/1/after-action"),
    ("put", "/api/v1/exercises/1/after-action"),
    ("get", "/api/v1/exercises/1/after-action.pdf"),
    ("get", "/api/v1/exercises/1/lessons"),
    ("post", "/api/v1/exercises/1/lessons"),
    ("patch", "/api/v1/exercises/1/lessons/1"),
    ("delete", "/api/v1/exercises/1/lessons/1"),
    ("post", "/api/v1/exercises/1/lessons/publish"),
]


def test_every_route_is_closed_to_anonymous_callers(client: Any) -> None:
    for method, path in ROUTES:
        assert getattr(client, method)(path).status_code == 401, path


def test_rankings_and_results_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    member = api(db, w.responders[2])
    results = client.get(f"/api/v1/exercises/{drill.id}/results", headers=member)
    assert results.status_code == 200
    mine = [s for s in results.json()["standings"] if s["organisation_id"] == w.provinces[2].id]
    assert [(s["rank"], s["total"], s["placement"]) for s in mine] == [(3, 63, "3rd of 63")]
    year = held_on(drill).year
    ranking = client.get(f"/api/v1/exercises/rankings?year={year}&cluster_id={w.cluster.id}", headers=member).json()
    assert ranking["rows"][0]["best_rank"] == 1 and len(ranking["rows"]) == 6
    assert client.get("/api/v1/exercises/rankings?year=1990", headers=member).status_code == 422
    assert client.get("/api/v1/exercises/rankings?kind=chess", headers=member).status_code == 422
    assert client.get("/api/v1/exercises/999999/results", headers=member).status_code == 404


def test_outside_drill_results_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    coord, admin = api(db, w.coordinator), api(db, w.admins[0])
    body = {
        "external_name": "ASEAN ACID 2026",
        "scope": "international",
        "held_on": str(today() - timedelta(days=2)),
    }
    assert client.post("/api/v1/exercises/external", json=body, headers=admin).status_code == 403
    bad = client.post("/api/v1/exercises/external", json={**body, "scope": "cluster", "held_on": "soon"}, headers=coord)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"scope", "held_on"}
    created = client.post("/api/v1/exercises/external", json=body, headers=coord)
    assert created.status_code == 201, created.text
    drill_id = created.json()["id"]
    good = f"team,rank,score\n{w.provinces[0].name},3,900\n{w.provinces[1].short_name},7,500\n".encode()
    files = {"file": ("acid.csv", good, "text/csv")}
    assert (
        client.post(f"/api/v1/exercises/{drill_id}/external-results/import", files=files, headers=admin).status_code
        == 403
    )
    imported = client.post(f"/api/v1/exercises/{drill_id}/external-results/import", files=files, headers=coord)
    assert imported.json() == {"exercise_id": drill_id, "imported": 2, "removed": 0}
    broken = b"team,rank,score\nNobody,1,1\nNobody either,x,1\n"
    refused = client.post(
        f"/api/v1/exercises/{drill_id}/external-results/import",
        files={"file": ("x.csv", broken, "text/csv")},
        headers=coord,
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["line 2: team", "line 3: team", "line 3: rank"]
    entered = client.post(
        f"/api/v1/exercises/{drill_id}/external-results",
        json={"organisation_id": w.provinces[2].id, "rank": 1, "score": 990},
        headers=coord,
    )
    assert entered.status_code == 200 and entered.json()["standings"][0]["placement"] == "1st of 7"
    assert (
        client.post(
            f"/api/v1/exercises/{drill_id}/external-results",
            json={"organisation_id": w.provinces[2].id, "rank": 0},
            headers=coord,
        ).status_code
        == 422
    )
    assert (
        client.delete(f"/api/v1/exercises/{drill_id}/external-results/{w.provinces[2].id}", headers=admin).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/exercises/{drill_id}/external-results/{w.provinces[2].id}", headers=coord).status_code
        == 204
    )
    recorded = client.post(f"/api/v1/exercises/{drill_id}/record-results", headers=coord)
    assert recorded.json()["organisations"] == 2
    assert client.post(f"/api/v1/exercises/{drill_id}/record-results", headers=admin).status_code == 403


def test_certificates_and_pdfs_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=8, third=2)
    mine, other = team_of(db, drill, w.provinces[2]), team_of(db, drill, w.provinces[0])
    player = api(db, w.responders[2])
    ok = client.get(f"/api/v1/exercises/{drill.id}/certificates/{mine.id}.pdf?lang=vi", headers=player)
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/pdf" and ok.content.startswith(b"%PDF")
    assert client.get(f"/api/v1/exercises/{drill.id}/certificates/{other.id}.pdf", headers=player).status_code == 404
    assert (
        client.get(f"/api/v1/exercises/{drill.id}/certificates/{mine.id}.pdf?lang=fr", headers=player).status_code
        == 422
    )
    assert client.get(f"/api/v1/exercises/{drill.id}/results.pdf?lang=en", headers=player).status_code == 200
    assert client.get(f"/api/v1/exercises/{drill.id}/after-action.pdf", headers=player).status_code == 403


def test_after_action_and_lessons_through_the_api(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=4, third=2)
    coord, admin = api(db, w.coordinator), api(db, w.admins[2])
    base = f"/api/v1/exercises/{drill.id}"
    assert client.put(f"{base}/after-action", json={"summary": "x"}, headers=admin).status_code == 403
    assert client.put(f"{base}/after-action", json={"summary": None}, headers=coord).status_code == 200
    assert client.put(f"{base}/after-action", json={"summary": "x" * 20_001}, headers=coord).status_code == 422
    saved = client.put(
        f"{base}/after-action?lang=en", json={"summary": "Tổng kết", "strengths": "Nhanh"}, headers=coord
    )
    assert saved.json()["summary"] == "Tổng kết" and saved.json()["results"][2]["placement"] == "3rd of 4"
    assert client.get(f"{base}/after-action", headers=admin).status_code == 403
    assert client.post(f"{base}/lessons", json={"title": "ab"}, headers=coord).status_code == 422
    assert client.post(f"{base}/lessons", json={"title": "Bài học"}, headers=admin).status_code == 403
    bad_org = client.post(f"{base}/lessons", json={"title": "Bài học", "organisation_id": 999_999}, headers=coord)
    assert bad_org.status_code == 422 and bad_org.json()["errors"][0]["field"] == "organisation_id"
    lesson = client.post(
        f"{base}/lessons", json={"title": "Bài học A", "organisation_id": w.provinces[2].id}, headers=coord
    )
    assert lesson.status_code == 201
    lesson_id = lesson.json()["id"]
    assert (
        client.patch(f"{base}/lessons/{lesson_id}", json={"body": "Chi tiết"}, headers=coord).json()["body"]
        == "Chi tiết"
    )
    assert client.patch(f"{base}/lessons/{lesson_id}", json={"title": None}, headers=coord).status_code == 422
    assert client.post(f"{base}/lessons/publish", headers=admin).status_code == 403
    published = client.post(f"{base}/lessons/publish", headers=coord).json()
    assert published["published"] == 1 and len(published["readiness_action_ids"]) == 1
    assert client.post(f"{base}/lessons/publish", headers=coord).status_code == 409
    assert client.delete(f"{base}/lessons/{lesson_id}", headers=coord).status_code == 409
    assert [x["published"] for x in client.get(f"{base}/lessons", headers=coord).json()] == [True]
    assert client.delete(f"{base}/lessons/999999", headers=coord).status_code == 404
