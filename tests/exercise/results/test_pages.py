"""The results pages: the rankings (filters refused by name), an exercise's final ranking with
certificate links only for the reader's team, the after-action form and lessons, recording an outside
drill and its results by hand and CSV (every bad line listed, nothing applied), and a member's
results on its profile. Anonymous visitors go to the login page; others' pages are refused."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz.cluster import today
from csirtnet.exercise.results.readiness import held_on
from csirtnet.models import User
from tests.exercise.results.helpers import finished_drill, make_world, team_of
from tests.helpers import csrf_from, login


def _login(client: Any, user: User) -> str:
    login(client, user.email, totp_secret=user.totp_secret)
    return csrf_from(client.get("/exercises/rankings").text)


def test_pages_need_a_login(client: Any) -> None:
    for path in ("/exercises/rankings", "/exercises/1/results", "/exercises/1/after-action", "/exercises/external/new"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_rankings_results_and_profile(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=63, third=2)
    _login(client, w.responders[2])
    year = held_on(drill).year
    page = client.get(f"/exercises/rankings?year={year}&lang=en")
    assert page.status_code == 200 and "3rd of 63" in page.text and html.escape(w.provinces[2].name) in page.text
    assert client.get("/exercises/rankings?year=abc&lang=en").status_code == 422
    results = client.get(f"/exercises/{drill.id}/results?lang=en")
    mine, other = team_of(db, drill, w.provinces[2]), team_of(db, drill, w.provinces[0])
    assert f"/certificates/{mine.id}.pdf" in results.text and f"/certificates/{other.id}.pdf" not in results.text
    assert client.get(f"/exercises/{drill.id}/certificates/{mine.id}.pdf").content.startswith(b"%PDF")
    assert client.get(f"/exercises/{drill.id}/certificates/{other.id}.pdf").status_code == 404
    assert client.get(f"/exercises/{drill.id}/after-action").status_code == 403
    profile = client.get(f"/members/{w.provinces[2].id}?lang=vi")
    assert 'data-testid="exercise-result"' in profile.text and "hạng 3 trên 63" in profile.text


def test_after_action_page_for_the_organisers(client: Any, db: Session) -> None:
    w = make_world(db)
    drill = finished_drill(db, w, teams=4, third=2)
    token = _login(client, w.coordinator)
    page = client.get(f"/exercises/{drill.id}/after-action?lang=en")
    assert page.status_code == 200 and "3rd of 4" in page.text
    saved = client.post(
        f"/exercises/{drill.id}/after-action",
        data={"csrf_token": token, "summary": "Tổng kết", "strengths": "", "weaknesses": ""},
    )
    assert saved.status_code == 303
    refused = client.post(f"/exercises/{drill.id}/after-action/lessons", data={"csrf_token": token, "title": ""})
    assert refused.status_code == 422 and 'data-testid="form-errors"' in refused.text
    added = client.post(
        f"/exercises/{drill.id}/after-action/lessons",
        data={"csrf_token": token, "title": "Rà soát kênh liên lạc", "organisation_id": str(w.provinces[2].id)},
    )
    assert added.status_code == 303
    published = client.post(f"/exercises/{drill.id}/after-action/publish", data={"csrf_token": token})
    assert published.status_code == 303
    assert "published" in client.get(f"/exercises/{drill.id}/after-action?lang=en").text


def test_an_outside_drill_recorded_and_imported_through_the_pages(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.coordinator)
    bad = client.post(
        "/exercises/external/new", data={"csrf_token": token, "external_name": "", "scope": "international"}
    )
    assert bad.status_code == 422
    created = client.post(
        "/exercises/external/new",
        data={
            "csrf_token": token,
            "external_name": "ASEAN ACID 2026",
            "scope": "international",
            "held_on": str(today() - timedelta(days=3)),
            "tlp": "green",
            "description": "",
        },
    )
    assert created.status_code == 303, created.text
    target = created.headers["location"]
    broken = b"team,rank,score\nNobody,1,1\n" + f"{w.provinces[0].name},x,2\n".encode()
    refused = client.post(
        f"{target}/import?lang=en", data={"csrf_token": token}, files={"file": ("a.csv", broken, "text/csv")}
    )
    assert refused.status_code == 422
    assert "line 2: team" in refused.text and "line 3: rank" in refused.text and "No result yet." in refused.text
    good = f"team,rank,score\n{w.provinces[0].name},3,900\n".encode()
    imported = client.post(f"{target}/import", data={"csrf_token": token}, files={"file": ("a.csv", good, "text/csv")})
    assert imported.status_code == 303
    assert "3rd of 3" in client.get(f"{target}?lang=en").text
    hand = client.post(
        target, data={"csrf_token": token, "organisation_id": str(w.provinces[1].id), "rank": "", "score": ""}
    )
    assert hand.status_code == 422


def test_a_province_cannot_record_outside_drills(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.admins[0])
    assert client.get("/exercises/external/new").status_code == 403
    assert client.post("/exercises/external/new", data={"csrf_token": token, "external_name": "X"}).status_code == 403
