"""The foundation's pages in a real Chromium: second-factor enrolment and login, the language
switch, and a platform admin creating a user."""

from __future__ import annotations

import re

import pyotp
import pytest

from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_organisation, make_user

pytestmark = pytest.mark.browser


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit].primary")


def test_enrol_second_factor_then_log_in_with_it_and_switch_language(live_server, page) -> None:
    with live_server.database.unit_of_work() as session:
        user = make_user(session, roles=[Role.RESPONDER], full_name="Nguyễn Văn Hai Lớp")
        email = user.email
    base = live_server.url

    # The browser asks for Vietnamese; the switch in the header changes the page's language.
    page.goto(base + "/login")
    assert page.inner_text("main h1") == "Đăng nhập"
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("main h1:text-is('Log in')")
    page.click("[data-testid=lang-vi]")
    page.wait_for_selector("main h1:text-is('Đăng nhập')")

    _log_in(page, base, email)
    page.wait_for_url(base + "/")
    page.goto(base + "/account/2fa")
    page.click("form[action='/account/2fa/begin'] button")
    page.wait_for_selector("figure.qr svg")
    secret = page.inner_text("[data-testid=totp-secret]").replace(" ", "")
    page.fill("#totp-confirm-code", pyotp.TOTP(secret).now())
    page.press("#totp-confirm-code", "Enter")  # the keyboard submits the form
    codes = page.locator("[data-testid=recovery-codes] li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}", codes.first.inner_text().strip())

    page.click("header form[action='/logout'] button")
    page.wait_for_url(re.compile(r".*/login$"))
    _log_in(page, base, email)
    page.wait_for_url(re.compile(r".*/login/2fa.*"))
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit].primary")
    page.wait_for_url(base + "/")
    assert "Nguyễn Văn Hai Lớp" in page.inner_text("header")
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("header button:text-is('Log out')")
    page.click("[data-testid=lang-vi]")
    page.wait_for_selector("header button:text-is('Đăng xuất')")


def test_platform_admin_creates_a_user_and_sees_it_listed(live_server, page) -> None:
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        org = make_organisation(session, name="Sở Thông tin và Truyền thông Thái Nguyên")
        org_id = org.id
        admin = make_user(session, roles=[Role.PLATFORM_ADMIN], totp_secret=secret, language="en")
        email = admin.email
    base = live_server.url
    _log_in(page, base, email)
    page.wait_for_url(re.compile(r".*/login/2fa.*"))
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit].primary")
    page.wait_for_url(base + "/")

    page.click("header a[href='/admin/users']")
    page.click("a[href='/admin/users/new']")
    page.fill("#admin-user-new-email", "ly.thi.thu@thainguyen.gov.vn")
    page.fill("#admin-user-new-full_name", "Lý Thị Thu")
    page.select_option("#admin-user-new-organisation_id", str(org_id))
    page.check("input[name=roles][value=responder]")
    page.fill("#admin-user-new-password", "một mật khẩu đủ dài 2026")
    page.click("main button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    assert "can log in with the password you chose" in page.inner_text("[role=status]")

    page.goto(base + "/admin/users?q=ly thi")
    assert page.locator("[data-testid=users] a", has_text="Lý Thị Thu").count() == 1
