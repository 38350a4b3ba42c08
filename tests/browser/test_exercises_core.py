"""Exercises in Chromium: the coordinator creates an exercise through the form, in Vietnamese and
in English, and finds it listed; a province's player watches the scoreboard of a running cluster
drill, and it follows a new solve without a reload (static/live-fragment.js); the projector view shows
the same board full screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from csirtnet.exercise import service
from csirtnet.kit.time import utcnow
from csirtnet.models import Challenge, Solve
from csirtnet.web.views.exercises import core
from tests.browser.test_incident_response import _person
from tests.exercise.core.helpers import add_teams, cluster_exercise, make_world
from tests.incident.helpers import coordinator, who

pytestmark = pytest.mark.browser

TOTP = pyotp.random_base32()


@pytest.mark.parametrize(
    ("language", "title", "heading"),
    [
        ("vi", "Diễn tập ứng phó sự cố quốc gia 2026", "Tạo cuộc diễn tập"),
        ("en", "National drill 2026", "New exercise"),
    ],
)
def test_the_coordinator_creates_an_exercise(live_server, browser, language: str, title: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        email = coordinator(session, totp_secret=TOTP, language=language).email
    page = _person(browser, live_server.url, email, TOTP)
    page.goto(live_server.url + "/exercises")
    page.click("[data-testid=new-exercise]")
    assert page.locator("h1").inner_text() == heading
    form = page.locator("[data-testid=exercise-form]")
    form.locator("input[name=kind][value=tabletop]").check()
    page.fill("#exercise-title", title)
    page.fill("#exercise-rules", "Trả lời mọi tình huống trong 60 phút.")
    page.select_option("#exercise-timezone", "Asia/Ho_Chi_Minh")
    page.fill("#exercise-starts_at", "2026-11-02T08:00")
    page.select_option("#exercise-starts_at-zone", "Asia/Ho_Chi_Minh")
    page.fill("#exercise-ends_at", "2026-11-02T17:00")
    page.select_option("#exercise-ends_at-zone", "Asia/Ho_Chi_Minh")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/exercises/\d+$"))
    assert page.locator("[data-testid=exercise-title]").inner_text() == title
    assert page.locator("[data-testid=exercise-status]").get_attribute("data-status") == "draft"
    assert "08:00" in page.locator("[data-testid=starts-at]").inner_text()
    page.locator("[data-testid=publish-form] button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=exercise-status]").get_attribute("data-status") == "published"
    page.goto(live_server.url + "/exercises")
    row = page.locator("[data-testid=exercise-row]", has_text=title)
    assert row.count() == 1
    page.context.close()


def test_the_scoreboard_follows_a_solve_without_a_reload(live_server, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(core, "REFRESH_SECONDS", 2)  # the live fragment refreshes sooner for the test
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        exercise = cluster_exercise(session, w, freeze_at=None)
        teams = add_teams(session, w, exercise, w.admins[0])
        service.publish(session, who(w.admins[0]), exercise.id)
        service.start(session, who(w.admins[0]), exercise.id)
        challenge = Challenge(exercise_id=exercise.id, name="Cổng thông tin tỉnh", value=100)
        session.add(challenge)
        session.flush()
        ident, challenge_id, team_ids = exercise.id, challenge.id, [t.id for t in teams]
        names = [t.name for t in teams]
        player = w.responders[4].email
    page = _person(browser, live_server.url, player)
    page.goto(f"{live_server.url}/exercises/{ident}/scoreboard")
    standings = page.locator("[data-testid=standing]")
    assert standings.count() == 6
    assert page.locator("[data-testid=standing][data-rank='1']").get_attribute("data-score") == "0"
    page.evaluate("() => { window.notReloaded = true; }")
    with live_server.database.unit_of_work() as session:
        session.add(
            Solve(
                exercise_id=ident,
                challenge_id=challenge_id,
                team_id=team_ids[4],
                solved_at=utcnow() - timedelta(minutes=1),
            )
        )
    first = page.locator("[data-testid=standing][data-rank='1']")
    first.and_(page.locator(f"[data-team='{names[4]}']")).wait_for(timeout=15_000)
    assert first.get_attribute("data-score") == "100"
    assert page.evaluate("() => window.notReloaded === true")  # swapped in, not reloaded
    assert page.locator("[data-testid=score-chart] polyline").count() == 1
    page.goto(f"{live_server.url}/exercises/{ident}/scoreboard/projector")
    assert page.locator("[data-testid=menu]").count() == 0
    assert page.locator("[data-testid=standing][data-rank='1']").get_attribute("data-team") == names[4]
    page.context.close()
