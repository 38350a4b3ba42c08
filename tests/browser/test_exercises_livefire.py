"""A live-fire finding from the attacker to the defender, in Chromium, each person in their own
browser: an attacker reads the rules of engagement and reports a SQL injection on the provincial
portal; another attacking team does not see it; a judge validates it (critical: 100 points); the
defending province's responder finds it among the remediation tasks and marks it fixed."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_incident_response import _person
from tests.exercise.livefire.helpers import CRITICAL, make_world

pytestmark = pytest.mark.browser

TITLE = "SQL injection ở trang tìm kiếm của cổng thông tin"


def test_a_finding_is_submitted_validated_and_fixed(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        exercise_id, portal_id = w.exercise.id, w.portal.id
        attacker, rival, judge, defender = w.a1.email, w.b1.email, w.judge.email, w.defender.email

    # The attacker reads the rules, then reports the finding on the form.
    page = _person(browser, base, attacker)
    page.goto(f"{base}/exercises/{exercise_id}/targets")
    assert "Chỉ tấn công các mục tiêu trong phạm vi" in page.inner_text("[data-testid=rules-of-engagement]")
    page.click("[data-testid=kind-page]")
    form = page.locator("[data-testid=finding-form]")
    form.locator("select[name=target_id]").select_option(str(portal_id))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=vulnerability]").fill("CWE-89")
    form.locator("input[name=asset]").fill("https://backan.example.vn/tim-kiem?q=")
    form.locator("textarea[name=proof]").fill("GET /tim-kiem?q=' OR 1=1-- trả về toàn bộ bản ghi")
    form.locator("input[name=cvss_vector]").fill(CRITICAL)
    page.click("[data-testid=submit-finding]")
    page.wait_for_url(re.compile(rf".*/exercises/{exercise_id}/findings/\d+$"))
    finding_url = page.url
    assert page.get_attribute("[data-testid=finding-status]", "data-status") == "submitted"
    assert page.get_attribute("[data-testid=finding-severity]", "data-severity") == "critical"

    # Another attacking team sees nothing of it.
    other = _person(browser, base, rival)
    other.goto(f"{base}/exercises/{exercise_id}/findings")
    assert TITLE not in other.content()
    assert other.goto(finding_url).status == 404

    # The judge finds it in the queue and validates it.
    jury = _person(browser, base, judge)
    jury.goto(f"{base}/exercises/{exercise_id}/findings")
    jury.locator("[data-testid=judge-queue] a", has_text=TITLE).click()
    jury.click("[data-testid=validate-step] summary")
    jury.click("[data-testid=validate]")
    jury.wait_for_selector("[data-testid=finding-status][data-status=valid]")
    assert jury.inner_text("[data-testid=finding-points]") == "100"

    # The defender sees the remediation task and marks it fixed.
    guard = _person(browser, base, defender)
    guard.goto(f"{base}/exercises/{exercise_id}/findings")
    row = guard.locator("[data-testid=task-row]", has_text=TITLE)
    assert row.locator("[data-testid=task-status]").get_attribute("data-status") == "open"
    row.locator("a").first.click()
    assert "Đội tấn công" not in guard.inner_text("[data-testid=finding-meta]")  # who found it is not told
    guard.click("[data-testid=remediate-step] summary")
    guard.locator("[data-testid=remediate-form] input[name=status][value=fixed]").check()
    guard.locator("[data-testid=remediate-form] textarea[name=note]").fill("Đã chuyển sang truy vấn tham số hoá")
    guard.click("[data-testid=remediate]")
    guard.wait_for_selector("[data-testid=remediation-section] [data-testid=task-status][data-status=fixed]")
    assert guard.inner_text("[data-testid=task-note]") == "Đã chuyển sang truy vấn tham số hoá"
    for person in (page, other, jury, guard):
        person.context.close()
