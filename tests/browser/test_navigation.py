"""The navigation folds behind a Menu button on a phone and opens without any script; on a laptop
it is always there. A visitor's / is the landing page, with the way to report and to apply."""

from __future__ import annotations

import pytest

from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_the_menu_folds_on_a_phone_and_opens_without_javascript(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        user = make_user(session, roles=[Role.RESPONDER], full_name="Lê Thị Điện Thoại")
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/")
    incidents = page.locator(".menu nav a[href='/incidents']")
    assert not incidents.is_visible(), "folded on a phone"
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 80, f"the header takes {header} on a phone"
    assert page.locator("[data-testid=bell]").is_visible(), "the bell stays in sight"
    page.click("[data-testid=menu-button]")
    assert incidents.is_visible() and page.locator(".menu a[href='/incidents/tasks']").is_visible()
    incidents.click()
    page.wait_for_url(live_server.url + "/incidents")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".menu nav a[href='/incidents']").is_visible(), "always open on a laptop"
    assert not page.locator("[data-testid=menu-button]").is_visible()
    context.close()


def test_a_visitor_finds_the_report_form_and_the_application_from_the_front_door(live_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    page.click("[data-testid=landing-report]")
    page.wait_for_url(live_server.url + "/report")
    page.goto(live_server.url + "/login")
    page.click("[data-testid=login-apply]")
    page.wait_for_url(live_server.url + "/apply")
