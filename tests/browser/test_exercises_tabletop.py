"""The tabletop in Chromium, each person in their own browser: the controller releases an inject
(a simulated alert) by hand; a team member, reading the Vietnamese pages, answers it; a judge
grades it against the rubric; the team sees its grade and the judge's feedback — and the other
team sees neither the answer nor the grade."""

from __future__ import annotations

import pytest

from tests.browser.test_incident_response import _person
from tests.exercise.tabletop.helpers import make_inject, make_world

pytestmark = pytest.mark.browser

ANSWER = "Cô lập máy chủ cổng thông tin, chặn 203.0.113.9 trên tường lửa và báo cáo Trung tâm."


def test_release_answer_grade_and_see_the_grade(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        inject = make_inject(session, w, title="Cảnh báo lưu lượng bất thường")
        w.player_a.language = "vi"
        w.player_b.language = "vi"
        w.controller.language = "en"
        people = {
            name: (getattr(w, name).email, getattr(w, name).totp_secret)
            for name in ("controller", "player_a", "player_b", "judge")
        }
        url = f"{live_server.url}/exercises/{w.exercise.id}/injects"
        inject_id = inject.id

    controller = _person(browser, live_server.url, *people["controller"])
    controller.on("dialog", lambda dialog: dialog.accept())  # "Release this inject now?"
    controller.goto(url)
    card = controller.locator(f"[data-testid=inject][data-inject='{inject_id}']")
    card.locator("[data-testid=release]").click()
    card.locator("[data-testid=released]").wait_for()

    player = _person(browser, live_server.url, *people["player_a"])
    player.goto(url)
    assert "Các tình huống của Đội Bắc Kạn" in player.locator("[data-testid=team-view] h2").inner_text()
    assert "SOC tỉnh" in player.locator("[data-testid=simulated-alert]").inner_text()
    player.locator("[data-testid=answer-link]").click()
    player.fill("textarea[name=body]", ANSWER)
    player.locator("[data-testid=send-answer]").click()
    player.wait_for_url("**/exercises/*/injects?team=*")
    assert "Đã ghi nhận câu trả lời của đội" in player.content()
    assert ANSWER in player.locator("[data-testid=answer-text]").inner_text()
    assert player.locator("[data-testid=not-graded]").is_visible()

    judge = _person(browser, live_server.url, *people["judge"])
    judge.goto(url)
    judge.locator("[data-testid=queued-answer] a").click()
    judge.fill("input[name=points_1]", "5")
    judge.fill("input[name=points_2]", "3.5")
    judge.fill("textarea[name=feedback]", "Tốt, cần nêu rõ thời điểm báo cáo.")
    judge.locator("[data-testid=save-grade]").click()
    judge.wait_for_url("**/injects#grading")
    assert judge.locator("[data-testid=queued-answer]").count() == 0

    player.reload()
    assert player.locator("[data-testid=answer-points]").inner_text() == "8.5 điểm"
    assert "Tốt, cần nêu rõ thời điểm báo cáo." in player.locator("[data-testid=answer-feedback]").inner_text()
    assert player.locator("[data-testid=team-points]").inner_text() == "8.5"

    other = _person(browser, live_server.url, *people["player_b"])
    other.goto(url)
    text = other.locator("main").inner_text()
    assert ANSWER not in text and "Tốt, cần nêu rõ" not in text
    assert other.locator("[data-testid=answer-link]").is_visible()  # its own answer is still to give
    for page in (controller, player, judge, other):
        page.context.close()
