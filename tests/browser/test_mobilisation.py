"""A coordinator asks members for two experts on an incident; FPT's and Bkav's admins each accept,
naming one expert from their roster; both experts can then open the incident page."""

from __future__ import annotations

import pyotp
import pytest

from tests.factories import PASSWORD
from tests.mobilisation.helpers import make_network

pytestmark = pytest.mark.browser

TOTP = pyotp.random_base32()


def _login(page, base: str, email: str, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    if secret:
        page.wait_for_url("**/login/2fa**")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def test_raise_accept_and_open_the_incident(live_server, page) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    with live_server.database.unit_of_work() as session:
        net = make_network(session, totp_secret=TOTP)
        incident_id, reference = net.incident.id, net.incident.reference
        coordinator, fpt_admin, bkav_admin = net.coordinator.email, net.fpt_admin.email, net.bkav_admin.email
        fpt_expert, bkav_expert = net.fpt_expert_user.email, net.bkav_expert_user.email

    # 1. The coordinator asks for two experts on site in Bắc Kạn.
    _login(page, base, coordinator, TOTP)
    page.goto(f"{base}/incidents/{incident_id}/mobilisation")
    page.fill("#r-summary", "Phân tích mẫu mã độc tống tiền trên cổng thông tin tỉnh")
    page.select_option("#r-skill-malware-analysis", "2")
    page.select_option("#r-skill-digital-forensics", "2")
    page.check("input[name=mode][value=on_site]")
    page.fill("#r-province", "Bắc Kạn")
    page.fill("#r-duration", "3")
    page.select_option("#r-urgency", "critical")
    page.fill("#r-experts_needed", "2")
    page.select_option("#r-answer_within", "4")
    page.click("[data-testid=raise-form] button[type=submit]")
    page.wait_for_url("**/mobilisation/requests/*")
    request_url = page.url
    ranking = page.locator("[data-testid=ranking] > li").evaluate_all("els => els.map(e => e.dataset.organisation)")
    assert ranking[:2] == ["FPT", "Bkav"]
    assert page.locator("[data-target]").count() == 2  # both were asked

    # 2. FPT's and Bkav's admins each accept with one expert from their own roster.
    for admin, expert_name in ((fpt_admin, "Lê Minh Ứng Cứu"), (bkav_admin, "Phạm Thu Phân Tích")):
        _login(page, base, admin, TOTP)
        page.goto(base + "/mobilisation/requests?status=pending")
        page.click(f"[data-testid=inbox] a[href='{request_url.removeprefix(base)}']")
        page.check(f"input[name=expert_ids][data-expert='{expert_name}']")
        page.click("[data-testid=accept-form] button[type=submit]")
        page.wait_for_selector(".flash.success")
        assert expert_name in page.locator("[data-testid=deployments]").inner_text()

    # 3. Both experts can open the incident page.
    for expert in (fpt_expert, bkav_expert):
        _login(page, base, expert)
        response = page.goto(f"{base}/incidents/{incident_id}")
        assert response is not None and response.status == 200
        assert page.locator("[data-testid=incident-reference]").inner_text() == reference
