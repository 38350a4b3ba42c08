"""End to end in Chromium: a provincial department reports ransomware; the coordinator triages it
as serious, adds the C2 address that an older incident already holds (correlation), closes it
with the closing report and downloads the PDF."""

from __future__ import annotations

import re

import pyotp

from csirtnet.incident import observables
from csirtnet.incident.schemas import ObservableCreate
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_organisation, make_user
from tests.incident.helpers import coordinator, open_incident, who


def _login(page, url: str, email: str, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    if secret:
        page.wait_for_url("**/login/2fa**")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button[type=submit].primary")
    page.wait_for_url(url + "/")


def test_report_triage_correlate_close_and_download(live_server, page, tmp_path) -> None:
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        province = make_organisation(
            session,
            name="Sở Thông tin và Truyền thông Bắc Kạn",
            kind="province",
            province="Bắc Kạn",
            short_name="STTTT Bắc Kạn",
        )
        reporter = make_user(session, roles=[Role.RESPONDER], organisation=province, full_name="Hoàng Văn Bắc")
        coord = coordinator(session, totp_secret=secret, full_name="Nguyễn Văn Điều Phối")
        older_reporter = make_user(session, roles=[Role.RESPONDER], organisation=make_organisation(session))
        older = open_incident(session, coord, older_reporter, title="Vụ mã độc tống tiền năm ngoái")
        observables.add(session, who(coord), older.id, ObservableCreate(kind="ip", value="203.0.113.66"))
        emails = (reporter.email, coord.email)
        older_reference = older.reference
    url = live_server.url

    # The provincial department reports through the UI.
    _login(page, url, emails[0])
    page.goto(url + "/incidents/report")
    page.fill("#f-title", "Mã độc tống tiền mã hóa máy chủ một cửa")
    page.fill("#f-description", "Máy chủ hệ thống một cửa điện tử bị mã hóa, có thông báo đòi tiền chuộc.")
    page.fill("#f-system_name", "Hệ thống một cửa điện tử")
    page.fill("#f-system_ips", "198.51.100.30")
    page.fill("#f-detected_at", "2026-03-02T07:15")
    page.select_option("#f-incident_status", "ongoing")
    page.click("form[data-testid=report-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/reports/\d+$"))
    assert "Mã độc tống tiền mã hóa máy chủ một cửa" in page.content()
    page.context.clear_cookies()

    # The coordinator triages it as serious.
    _login(page, url, emails[1], secret)
    page.goto(url + "/incidents/reports")
    page.click("text=Mã độc tống tiền mã hóa máy chủ một cửa")
    page.select_option("#c-rsit", "malicious-code/infected-system")
    page.select_option("#c-level", "4")
    page.check("[data-testid=criterion-service_interruption]")
    page.click("form[data-testid=open-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/\d+$"))
    assert page.inner_text("[data-testid=severity-badge]").strip() == "Nghiêm trọng"

    # An observable that an older incident already holds: "also seen in".
    page.select_option("#o-kind", "ip")
    page.fill("#o-value", "203.0.113[.]66")
    page.click("form[data-testid=observable-form] button[type=submit]")
    page.wait_for_selector("[data-testid=correlation]")
    assert older_reference in page.inner_text("[data-testid=correlation]")

    # Close with the closing report, then download the PDF.
    page.fill("#cl-result", "Khôi phục từ bản sao lưu, hệ thống hoạt động trở lại.")
    page.fill("#cl-cause", "Dịch vụ RDP mở ra Internet với mật khẩu yếu.")
    page.fill("#cl-actions", "Cô lập máy chủ, chặn 203.0.113.66, đóng RDP.")
    page.fill("#cl-lessons", "Sao lưu ngoại tuyến và kiểm tra khôi phục định kỳ.")
    page.click("form[data-testid=close-form] button[type=submit]")
    page.wait_for_selector("[data-testid=closing-report]")
    assert page.inner_text("[data-testid=phase]").strip() == "Đã kết thúc"
    with page.expect_download() as info:
        page.click("[data-testid=pdf-closing-vi]")
    target = tmp_path / "closing.pdf"
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
