"""A technical drill in Chromium: a province's player opens the challenge board, submits a wrong
flag (told "incorrect" and nothing more), then the right one; the challenge shows solved with the
first-blood marker, and the team's score rises on the exercise's scoreboard. The organiser then
adds a challenge through the form."""

from __future__ import annotations

import pytest

from tests.browser.test_incident_response import _person
from tests.exercise.technical.helpers import make_challenge, make_drill

pytestmark = pytest.mark.browser


def test_a_player_answers_wrong_then_right_and_the_score_rises(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        drill = make_drill(session)
        challenge = make_challenge(session, drill, value=200)
        ids = (drill.exercise.id, challenge.id)
        player, organiser = drill.players[0].email, drill.organiser.email
        secret = drill.organiser.totp_secret
    eid, cid = ids
    page = _person(browser, live_server.url, player)
    page.goto(f"{live_server.url}/exercises/{eid}/scoreboard")
    row = page.locator("[data-testid=standing][data-team='Bắc Kạn']")
    assert row.get_attribute("data-score") == "0"
    page.goto(f"{live_server.url}/exercises/{eid}/challenges")
    page.locator("[data-testid=challenge][data-name='Login Bypass']").click()
    page.fill("#flag_submission-flag", "CSIRT{wrong}")
    page.click("[data-testid=flag-form] button[type=submit]")
    error = page.locator("#flag_submission-flag-e")
    assert error.inner_text().strip() == "Sai."
    page.fill("#flag_submission-flag", "CSIRT{0r_1=1}")
    page.click("[data-testid=flag-form] button[type=submit]")
    assert page.locator("[data-testid=solved]").is_visible()
    assert "Đội đầu tiên giải được!" in page.content()
    page.goto(f"{live_server.url}/exercises/{eid}/challenges")
    card = page.locator("[data-testid=challenge][data-name='Login Bypass']")
    assert card.get_attribute("data-solved") == "yes"
    assert "Bắc Kạn" in card.locator("[data-testid=first-blood]").inner_text()
    page.goto(f"{live_server.url}/exercises/{eid}/scoreboard")
    row = page.locator("[data-testid=standing][data-team='Bắc Kạn']")
    assert row.get_attribute("data-score") == "200" and row.get_attribute("data-rank") == "1"

    staff = _person(browser, live_server.url, organiser, secret)
    staff.goto(f"{live_server.url}/exercises/{eid}/challenges/new")
    staff.fill("#challenge-name", "Memory Dump")
    staff.fill("#challenge-category", "Forensics")
    staff.select_option("#challenge-function", "logarithmic")
    staff.fill("#challenge-value", "500")
    staff.fill("#challenge-decay", "15")
    staff.fill("#challenge-minimum", "100")
    staff.fill("#challenge-flag", "CSIRT{volatility_pslist}")
    staff.click("[data-testid=challenge-form] button[type=submit].primary")
    assert staff.locator("[data-testid=challenge-name]").inner_text().startswith("Memory Dump")
    assert "volatility_pslist" not in staff.content()
    page.goto(f"{live_server.url}/exercises/{eid}/challenges/{cid}")
    page.goto(f"{live_server.url}/exercises/{eid}/challenges")
    assert (
        page.locator("[data-testid=challenge][data-name='Memory Dump'] [data-testid=points]")
        .inner_text()
        .startswith("500")
    )
