"""The Incidents issue's "done when", in one run in Chromium, each person in their own browser:

a provincial department reports a ransomware incident; the coordinator triages it as serious and
mobilises two experts, from FPT and Bkav, whose organisations accept; the experts work their tasks
and add observables, one of which an older incident already holds (correlation); the deadline
reminders fire and reach the experts; the incident closes with its closing report, exported as PDF.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from csirtnet.authz import Subject
from csirtnet.incident import deadlines, observables
from csirtnet.incident.schemas import ObservableCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentDeadline
from csirtnet.vocabulary import Role
from tests.factories import PASSWORD, make_user
from tests.mobilisation.helpers import make_network, who

pytestmark = pytest.mark.browser

TOTP = pyotp.random_base32()
TITLE = "Mã độc tống tiền mã hoá máy chủ một cửa điện tử"
UPDATE_RULE = "Báo cáo cập nhật sự cố nghiêm trọng trong 24 giờ"


def _person(browser, base: str, email: str, secret: str | None = None):  # type: ignore[no-untyped-def]
    """A browser of one's own (cookies and all), logged in."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    if secret:
        page.wait_for_url("**/login/2fa**")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")
    return page


def _task(page, title: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=task][data-title='{title}']")


def _work(page, incident_url: str, title: str, kind: str, value: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    """An expert closes their task on the incident and adds an observable they found."""
    page.goto(incident_url + "/tasks")
    _task(page, title).locator("a").first.click()
    page.fill("#incident-task-update-note", "Xong: " + title)
    page.select_option("#incident-task-update-status", "done")
    page.click("form[data-testid=task-update-form] button[type=submit]")
    page.wait_for_selector("[data-testid=task-status]")
    assert "Xong: " + title in page.inner_text("[data-testid=task-log]")
    page.goto(incident_url + "/tasks")
    page.wait_for_selector(f"[data-testid=task][data-title='{title}'][data-status=done]")
    page.goto(incident_url + "/observables")
    page.select_option("#incident-observable-kind", kind)
    page.fill("#incident-observable-value", value)
    page.click("form[data-testid=observable-form] button[type=submit]")
    page.wait_for_selector(f"[data-testid=observables] >> text={shown}")


def test_report_triage_mobilise_work_remind_close(live_server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    with live_server.database.unit_of_work() as session:
        net = make_network(session, totp_secret=TOTP)
        reporter = make_user(session, roles=[Role.RESPONDER], organisation=net.affected, full_name="Hoàng Văn Báo Cáo")
        # An older incident of the network already holds the attackers' C2 address.
        observables.add(
            session, who(net.coordinator), net.incident.id, ObservableCreate(kind="ip", value="203.0.113.66")
        )
        older_reference = net.incident.reference
        # The network asks for an update report on serious incidents within 24 h, reminded 6 h before
        # (deadline profiles are the platform admin's: set up here, not part of the story).
        deadlines.save_rule(
            session,
            Subject.system("setup"),
            "vn-circular-20",
            deadlines.RuleInput(
                key="update_serious",
                label_vi=UPDATE_RULE,
                label_en="Update report on a serious incident within 24 hours",
                anchor="detected",
                offset_minutes=1440,
                condition="serious",
                satisfied_by="manual",
                remind_before_minutes=360,
            ),
        )
        emails = {
            "reporter": reporter.email,
            "coordinator": net.coordinator.email,
            "fpt_admin": net.fpt_admin.email,
            "bkav_admin": net.bkav_admin.email,
            "fpt_expert": net.fpt_expert_user.email,
            "bkav_expert": net.bkav_expert_user.email,
        }
    coordinator = _person(browser, base, emails["coordinator"], TOTP)

    # 1. The provincial department reports, an hour after detecting it.
    province = _person(browser, base, emails["reporter"])
    detected = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    province.goto(base + "/incidents/report")
    province.fill("#member-report-title", TITLE)
    province.fill(
        "#member-report-description", "Máy chủ hệ thống một cửa điện tử bị mã hoá, có thông báo đòi tiền chuộc."
    )
    province.fill("#member-report-system_name", "Hệ thống một cửa điện tử tỉnh")
    province.fill("#member-report-system_ips", "198.51.100.30")
    province.fill("#member-report-detected_at", detected)
    province.select_option("#member-report-incident_status", "ongoing")
    province.click("form[data-testid=report-form] button[type=submit]")
    province.wait_for_url(re.compile(r".*/incidents/reports/\d+$"))

    # 2. The coordinator triages it as serious.
    coordinator.goto(base + "/incidents/reports")
    coordinator.click(f"text={TITLE}")
    coordinator.select_option("#report-open-rsit", "malicious-code/infected-system")
    coordinator.select_option("#report-open-system_security_level", "4")
    coordinator.check("#report-open-serious_criteria input[value=service_interruption]")
    coordinator.click("form[data-testid=open-form] button[type=submit]")
    coordinator.wait_for_url(re.compile(r".*/incidents/\d+$"))
    incident_url = coordinator.url
    incident_id = int(incident_url.rsplit("/", 1)[1])
    reference = coordinator.inner_text("[data-testid=incident-reference]").strip()
    assert coordinator.inner_text("[data-testid=severity-badge]").strip() == "Nghiêm trọng"
    assert UPDATE_RULE in coordinator.inner_text("[data-testid=deadlines]")

    # 3. It mobilises two experts on site; FPT ranks first, Bkav second.
    coordinator.goto(f"{incident_url}/mobilisation")
    coordinator.fill("#mobilisation-request-summary", "Phân tích mẫu mã độc và thu thập chứng cứ tại Bắc Kạn")
    coordinator.select_option("#mobilisation-request-skill__malware-analysis", "2")
    coordinator.select_option("#mobilisation-request-skill__digital-forensics", "2")
    coordinator.check("input[name=mode][value=on_site]")
    coordinator.fill("#mobilisation-request-province", "Bắc Kạn")
    coordinator.fill("#mobilisation-request-duration", "3")
    coordinator.select_option("#mobilisation-request-urgency", "critical")
    coordinator.fill("#mobilisation-request-experts_needed", "2")
    coordinator.select_option("#mobilisation-request-answer_within", "4")
    coordinator.click("[data-testid=raise-form] button[type=submit]")
    coordinator.wait_for_url("**/mobilisation/requests/*")
    request_path = coordinator.url.removeprefix(base)
    ranking = coordinator.locator("[data-testid=ranking] > li").evaluate_all(
        "els => els.map(e => e.dataset.organisation)"
    )
    assert ranking[:2] == ["FPT", "Bkav"]

    # 4. FPT's and Bkav's admins accept, each naming an expert from their roster.
    for admin, expert_name in (("fpt_admin", "Lê Minh Ứng Cứu"), ("bkav_admin", "Phạm Thu Phân Tích")):
        page = _person(browser, base, emails[admin], TOTP)
        page.goto(base + "/mobilisation/requests?status=pending")
        page.click(f"[data-testid=inbox] a[href='{request_path}']")
        page.check(f"input[name=expert_ids][data-expert='{expert_name}']")
        page.click("[data-testid=accept-form] button[type=submit]")
        page.wait_for_selector(".flash.success")
        page.context.close()

    # 5. The coordinator gives each expert a task; both are now participants.
    coordinator.goto(incident_url)
    participants = coordinator.inner_text("[data-testid=participants]")
    assert "Lê Minh Ứng Cứu" in participants and "Phạm Thu Phân Tích" in participants
    for title, owner in (
        ("Phân tích mẫu mã độc tống tiền", "Lê Minh Ứng Cứu"),
        ("Thu thập và niêm phong chứng cứ số", "Phạm Thu Phân Tích"),
    ):
        coordinator.goto(incident_url + "/tasks")
        coordinator.click("#tasks details summary")
        form = coordinator.locator("[data-testid=task-form]")
        form.locator("#incident-task-title").fill(title)
        form.locator("#incident-task-owner_id").select_option(label=owner)
        form.locator("label.check", has_text=owner).locator("input").check()
        form.locator("button[type=submit]").click()
        coordinator.wait_for_selector(f"[data-testid=task][data-title='{title}']")

    # 6. The experts work: each closes their task and adds what they found.
    # The FPT expert's IP is pasted defanged, as analysts do.
    fpt = _person(browser, base, emails["fpt_expert"])
    _work(fpt, incident_url, "Phân tích mẫu mã độc tống tiền", "ip", "203.0.113[.]66", "203.0.113.66")
    # The older incident is not FPT's to see: the expert is not told it exists.
    assert fpt.locator("[data-testid=correlation]").count() == 0

    bkav = _person(browser, base, emails["bkav_expert"])
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    _work(bkav, incident_url, "Thu thập và niêm phong chứng cứ số", "sha256", digest, digest)
    # The coordinator, who sees both, sees the correlation and the link it made.
    coordinator.goto(incident_url + "/observables")
    assert older_reference in coordinator.inner_text("[data-testid=correlation]")
    coordinator.goto(incident_url)
    assert older_reference in coordinator.inner_text("#links")

    # The coordinator finds it again by the beginning of the hash and by words typed without
    # accents; the search box says the rule in Vietnamese; the inside of a word finds nothing.
    for query, found in (("9F86D081884C", True), ("mot cua dien tu", True), ("86d081884c", False)):
        coordinator.goto(base + "/incidents")
        assert "phần đầu của một từ" in coordinator.inner_text("#incident-filters-q-h")
        coordinator.fill("#incident-filters-q", query)
        coordinator.press("#incident-filters-q", "Enter")
        coordinator.wait_for_url(re.compile(r".*/incidents\?q=.*"))
        listed = coordinator.locator("[data-testid=incident-table] tbody tr").all_inner_texts()
        assert [reference in row for row in listed] == ([True] if found else []), (query, listed)

    # 7. Eighteen hours after detection the reminder sweep runs (the job the deadlines enqueued).
    with live_server.database.unit_of_work() as session:
        due = session.scalar(
            select(IncidentDeadline.due_at).where(
                IncidentDeadline.incident_id == incident_id, IncidentDeadline.rule_key == "update_serious"
            )
        )
        assert due is not None and due > utcnow()
        reminded, escalated = deadlines.sweep(session, now=due - timedelta(hours=5))
        assert (reminded, escalated) == (1, 0)
    fpt.goto(base + "/notifications")
    assert f"Sắp đến hạn: {UPDATE_RULE} ({reference})" in fpt.content()
    fpt.click(f"text=Sắp đến hạn: {UPDATE_RULE} ({reference})")
    fpt.wait_for_url(re.compile(rf".*/incidents/{incident_id}.*"))
    # The FPT expert sends the update and marks the obligation met.
    fpt.locator("[data-testid=deadlines] li", has_text=UPDATE_RULE).locator(
        "button", has_text="Đánh dấu đã hoàn thành"
    ).click()
    fpt.wait_for_selector("[data-testid=deadlines] .badge.met")

    # 8. The coordinator moves the response on (each time the next phase is proposed), then closes
    # it with the closing report and exports the PDF.
    coordinator.goto(incident_url)
    assert coordinator.locator("form[data-testid=close-form]").count() == 0
    for proposed in ("analysis", "containment", "eradication", "recovery", "post_incident"):
        assert coordinator.input_value("#incident-phase-phase") == proposed
        with coordinator.expect_navigation():
            coordinator.click("form[data-testid=phase-form] button[type=submit]")
    coordinator.fill("#incident-close-result", "Khôi phục từ bản sao lưu, hệ thống hoạt động trở lại.")
    coordinator.fill("#incident-close-root_cause", "Dịch vụ RDP mở ra Internet với mật khẩu yếu.")
    coordinator.fill(
        "#incident-close-actions_taken", "Cô lập máy chủ, chặn 203.0.113.66, đóng RDP, đổi toàn bộ mật khẩu."
    )
    coordinator.fill("#incident-close-lessons_learned", "Sao lưu ngoại tuyến và kiểm tra khôi phục định kỳ.")
    coordinator.click("form[data-testid=close-form] button[type=submit]")
    coordinator.wait_for_selector("[data-testid=closing-report]")
    assert coordinator.inner_text("[data-testid=phase]").strip() == "Đã kết thúc"
    with coordinator.expect_download() as info:
        coordinator.click("[data-testid=pdf-closing-vi]")
    target = tmp_path / "closing.pdf"
    info.value.save_as(target)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert reference in text
    assert "Dịch vụ RDP mở ra Internet với mật khẩu yếu." in text
    for page in (coordinator, province, fpt, bkav):
        page.context.close()
