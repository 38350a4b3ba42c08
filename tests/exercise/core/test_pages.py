"""The exercise pages through the app: the list with its filters and the "New exercise" button for
who may organise; creating an exercise through the form (bad input back at its fields, in the
reader's language); the overview with the schedule in the exercise's time zone, staff and teams;
the team's admin confirming its contact points; the scoreboard, its live fragment and the projector
view; anonymous visitors sent to log in, and another cluster's people answered 404."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.exercise import service
from csirtnet.models import Exercise, User
from tests.exercise.core.helpers import add_teams, cluster_exercise, make_world
from tests.helpers import csrf_from, login
from tests.incident.helpers import who


def _login(client: Any, user: User) -> str:
    login(client, user.email, totp_secret=user.totp_secret)
    return csrf_from(client.get("/exercises").text)


def test_anonymous_visitors_are_sent_to_log_in(client: Any) -> None:
    for path in (
        "/exercises",
        "/exercises/new",
        "/exercises/1",
        "/exercises/1/scoreboard",
        "/exercises/1/scoreboard/live",
    ):
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (302, 303) and "/login" in r.headers["location"], path


def test_the_coordinator_creates_an_exercise_through_the_form(client: Any, db: Session) -> None:
    w = make_world(db)
    token = _login(client, w.coordinator)
    listing = client.get("/exercises")
    assert 'data-testid="new-exercise"' in listing.text
    form = client.get("/exercises/new")
    assert form.status_code == 200 and 'data-testid="exercise-form"' in form.text
    data = {
        "csrf_token": token,
        "kind": "tabletop",
        "scope": "national",
        "title": "Diễn tập ứng phó mã độc tống tiền",
        "timezone": "Asia/Ho_Chi_Minh",
        "starts_at": "2026-11-02T08:00",
        "starts_at_zone": "Asia/Ho_Chi_Minh",
        "ends_at": "2026-11-01T17:00",
        "ends_at_zone": "Asia/Ho_Chi_Minh",
        "attempts_per_minute": "10",
        "late_factor": "0.5",
        "tlp": "amber",
    }
    bad = client.post("/exercises/new?lang=vi", data=data)
    assert bad.status_code == 422
    assert 'id="exercise-ends_at-e"' in bad.text and "Diễn tập ứng phó mã độc tống tiền" in bad.text
    data["ends_at"] = "2026-11-02T17:00"
    made = client.post("/exercises/new", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    exercise = db.scalar(select(Exercise).where(Exercise.title == data["title"]))
    assert exercise is not None and exercise.kind == "tabletop"
    page = client.get(made.headers["location"] + "?lang=en")
    assert 'data-testid="exercise-title"' in page.text and data["title"] in page.text
    assert "Asia/Ho_Chi_Minh" in page.text and "08:00" in page.text  # the schedule in its own zone
    assert 'data-testid="publish-form"' in page.text
    assert f'href="/exercises/{exercise.id}/injects"' in page.text
    published = client.post(f"/exercises/{exercise.id}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert published.status_code == 303
    db.refresh(exercise)
    assert exercise.status == "published"


def test_a_province_sees_its_cluster_drill_and_confirms_its_contacts(client: Any, db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    teams = add_teams(db, w, exercise, w.admins[0])
    service.publish(db, who(w.admins[0]), exercise.id)
    token = _login(client, w.admins[2])
    listing = client.get("/exercises")
    assert exercise.reference in listing.text and 'data-testid="new-exercise"' not in listing.text
    page = client.get(f"/exercises/{exercise.id}")
    assert page.status_code == 200 and 'data-testid="my-teams"' in page.text
    assert 'data-testid="publish-form"' not in page.text and 'data-testid="team-form"' not in page.text
    assert client.get(f"/exercises/{exercise.id}/edit").status_code == 403
    bad = client.post(
        f"/exercises/{exercise.id}/teams/{teams[2].id}/contact", data={"csrf_token": token, "note": "x" * 2100}
    )
    assert bad.status_code == 422 and f'id="exercise_contact-{teams[2].id}-note-e"' in bad.text
    done = client.post(
        f"/exercises/{exercise.id}/teams/{teams[2].id}/contact",
        data={"csrf_token": token, "note": "Trực 24/7: 0912 345 678"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.refresh(teams[2])
    assert teams[2].contact_confirmed_at is not None
    assert client.get(f"/exercises/{exercise.id}/teams/{teams[3].id}/contact").status_code in (404, 405)
    refused = client.post(f"/exercises/{exercise.id}/teams/{teams[3].id}/contact", data={"csrf_token": token})
    assert refused.status_code == 403


def test_the_scoreboard_its_fragment_and_the_projector(client: Any, db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    add_teams(db, w, exercise, w.admins[0])
    service.publish(db, who(w.admins[0]), exercise.id)
    _login(client, w.responders[1])
    board = client.get(f"/exercises/{exercise.id}/scoreboard")
    assert board.status_code == 200 and board.text.count('data-testid="standing"') == 6
    assert f'data-live-fragment="/exercises/{exercise.id}/scoreboard/live"' in board.text
    live = client.get(f"/exercises/{exercise.id}/scoreboard/live")
    assert live.status_code == 200 and "<html" not in live.text and 'data-testid="scoreboard-live"' in live.text
    projector = client.get(f"/exercises/{exercise.id}/scoreboard/projector")
    assert projector.status_code == 200 and 'class="ex-projector"' in projector.text
    assert 'data-testid="menu"' not in projector.text


def test_another_clusters_people_do_not_see_it(client: Any, db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)
    service.publish(db, who(w.admins[0]), exercise.id)
    _login(client, w.outsider)
    for path in ("", "/scoreboard", "/scoreboard/live", "/scoreboard/projector", "/edit"):
        assert client.get(f"/exercises/{exercise.id}{path}").status_code == 404, path
