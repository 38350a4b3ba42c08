from __future__ import annotations

from tests.factories import PASSWORD, make_user


def test_login_in_the_browser(live_server, page) -> None:
    with live_server.database.unit_of_work() as session:
        user = make_user(session, full_name="Nguyễn Thị Kiểm Thử")
        email = user.email
    page.goto(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/")
    assert "Nguyễn Thị Kiểm Thử" in page.content()
