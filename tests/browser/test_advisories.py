"""The advisories issue's "done when", in one run in Chromium, each person in their own browser:

the coordinator writes a TLP:AMBER advisory on a known exploited CVE (the KEV catalogue imported)
to cluster no. 1 — six province organisations, each with an admin — with a deadline, and publishes
it; the six provinces get it by email and in the app; two province admins answer "applied", one
"needs help" and its support request opens (the link is shown); once the deadline passes the
tracking view, which follows the answers live, shows the other three overdue; a member outside the
cluster sees nothing of it.

With CSIRTNET_DOC_SCREENSHOTS=1 the run also saves the advisory page and the tracking view to
docs/img/advisory-page.png and docs/img/advisory-tracking.png.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
from sqlalchemy import select, update

from csirtnet.advisory import catalogue
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.models import Advisory, Cluster, ClusterMember, Notification
from csirtnet.vocabulary import Role
from csirtnet.web.views.advisories import tracking
from tests.advisory.csaf_reference import csaf_reference_validate  # noqa: F401 (a fixture)
from tests.browser.test_incident_response import _person
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator

pytestmark = pytest.mark.browser

TOTP = pyotp.random_base32()
PROVINCES = ("Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Cao Bằng", "Lạng Sơn", "Thái Nguyên")
TITLE = "Lỗ hổng PAN-OS GlobalProtect đang bị khai thác"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "img"
KEV = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2024.04.12",
    "count": 1,
    "vulnerabilities": [
        {
            "cveID": "CVE-2024-3400",
            "vendorProject": "Palo Alto Networks",
            "product": "PAN-OS",
            "vulnerabilityName": "Palo Alto Networks PAN-OS Command Injection Vulnerability",
            "dateAdded": "2024-04-12",
            "shortDescription": "Command injection in the GlobalProtect feature of PAN-OS.",
            "requiredAction": "Apply mitigations per vendor instructions.",
            "dueDate": "2024-04-19",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https://security.paloaltonetworks.com/CVE-2024-3400",
            "cwes": ["CWE-77"],
        }
    ],
}


def _told_by_email(messages: list[EmailMessage], addresses: set[str], reference: str) -> None:
    """Wait until every address received the advisory (the worker sends after the commit)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = {str(m["To"]).lower() for m in list(messages) if reference in str(m["Subject"])}
        if addresses <= got:
            return
        time.sleep(0.1)
    raise AssertionError(f"not emailed: {sorted(addresses - got)}")


def _screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("CSIRTNET_DOC_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=True)


def _answer(page, base: str, advisory_id: int, status: str, note: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/advisories/{advisory_id}")
    form = page.locator("[data-testid=answer-form]")
    form.locator(f"input[name=status][value={status}]").check()
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/advisories/{advisory_id}#answer$"))
    assert page.locator("[data-testid=current-answer] [data-testid=ack-status]").get_attribute("data-status") == status


def test_an_advisory_reaches_the_cluster_is_answered_and_tracked(  # type: ignore[no-untyped-def]
    live_server,
    browser,
    smtp_server,
    monkeypatch,
    csaf_reference_validate,  # noqa: F811 (the fixture)
) -> None:
    base = live_server.url
    monkeypatch.setattr(tracking, "REFRESH_SECONDS", 2)  # the live view refreshes sooner for the test
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session, totp_secret=TOTP, full_name="Điều Phối Viên")
        catalogue.import_kev(session, subject_for(coord), KEV)
        cluster = Cluster(name="Cụm số 1", number=1)
        session.add(cluster)
        session.flush()
        admins: list[str] = []
        for name in PROVINCES:
            org = make_organisation(session, kind="province", province=name, name=f"Sở TT&TT {name}")
            session.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
            admins.append(make_user(session, roles=[Role.ORG_ADMIN], organisation=org, totp_secret=TOTP).email)
        outsider_org = make_organisation(session, kind="province", province="Cà Mau", name="Sở TT&TT Cà Mau")
        outsider = make_user(session, roles=[Role.ORG_ADMIN], organisation=outsider_org, totp_secret=TOTP).email
        coordinator_email, cluster_id = coord.email, cluster.id

    # The coordinator writes the draft on the form and publishes it.
    writer = _person(browser, base, coordinator_email, TOTP)
    writer.on("dialog", lambda dialog: dialog.accept())  # "Publish this advisory?"
    writer.goto(base + "/advisories")
    writer.click("[data-testid=new-advisory]")
    form = writer.locator("[data-testid=advisory-form]")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=summary]").fill("Kẻ tấn công khai thác CVE-2024-3400 trên cổng VPN GlobalProtect.")
    form.locator("textarea[name=body]").fill("## Chi tiết\n\nLỗ hổng cho phép **thực thi lệnh** không cần xác thực.")
    form.locator("select[name=severity]").select_option("high")
    form.locator("select[name=tlp]").select_option("amber")
    form.locator("textarea[name=cve_ids]").fill("CVE-2024-3400")
    form.locator("textarea[name=affected_products]").fill("Palo Alto Networks | PAN-OS | <10.2.9")
    form.locator("textarea[name=indicators]").fill("203.0.113.7\nupdate-globalprotect.example.com")
    form.locator("textarea[name=recommended_actions]").fill(
        "Cập nhật PAN-OS lên 10.2.9\nKiểm tra nhật ký GlobalProtect"
    )
    local = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    form.locator("input[name=deadline_at]").fill(local.strftime("%Y-%m-%dT%H:%M"))
    form.locator("select[name=deadline_at_zone]").select_option("Asia/Ho_Chi_Minh")
    form.locator(f"input[name=audience_clusters][value='{cluster_id}']").check()
    form.locator("button[type=submit]").click()
    writer.wait_for_url(re.compile(r".*/advisories/\d+$"))
    advisory_id = int(writer.url.rsplit("/", 1)[1])
    writer.click("[data-testid=publish]")
    writer.locator("[data-testid=advisory-status]", has_text="đã phát hành").wait_for()
    reference = writer.inner_text("[data-testid=advisory-reference]").strip()
    assert writer.locator("[data-testid=cve][data-cve='CVE-2024-3400'] [data-testid=kev]").is_visible()
    assert writer.inner_text("[data-testid=tlp]").strip() == "TLP:AMBER"

    # The six provinces are told by email and in the app.
    _told_by_email(smtp_server, {a.lower() for a in admins}, reference)
    deadline = time.monotonic() + 10  # the job's in-app notes commit once its emails are sent
    while True:
        with live_server.database.unit_of_work(write=False) as session:
            noted = set(
                session.scalars(select(Notification.user_id).where(Notification.event_type == "advisory.published"))
            )
        if len(noted) == len(admins) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(noted) == len(admins)

    # Two admins answer "applied", one "needs help": its support request opens.
    for email in admins[:2]:
        member = _person(browser, base, email, TOTP)
        assert member.inner_text("[data-unread-count]").strip() != "0"  # the bell
        member.goto(base + "/advisories")
        assert member.locator(f"[data-testid=advisory-row][data-reference='{reference}']").is_visible()
        _answer(member, base, advisory_id, "applied", "Đã cập nhật lên 10.2.9")
        member.context.close()
    helpless = _person(browser, base, admins[2], TOTP)
    _answer(helpless, base, advisory_id, "needs_help", "Không có chuyên gia về tường lửa")
    link = helpless.locator("[data-testid=support-request-link]")
    assert link.is_visible() and re.search(r"/mobilisation/requests/\d+$", link.get_attribute("href") or "")
    helpless.context.close()

    # The tracking view follows the answers live; once the deadline passes the other three are overdue.
    writer.goto(f"{base}/advisories/{advisory_id}/tracking")
    totals = writer.locator("[data-testid=tracking-totals]")
    assert totals.locator("[data-total=total] dd").inner_text() == "6"
    assert totals.locator("[data-total=pending] dd").inner_text() == "3"
    assert totals.locator("[data-total=overdue] dd").inner_text() == "0"
    with live_server.database.unit_of_work() as session:
        session.execute(
            update(Advisory).where(Advisory.id == advisory_id).values(deadline_at=utcnow() - timedelta(minutes=1))
        )
    overdue = writer.locator("[data-testid=tracking-totals] [data-total=overdue] dd")
    overdue.filter(has_text="3").wait_for(timeout=15_000)  # swapped in by the page's script, no reload
    rows = writer.locator("[data-testid=recipient]")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.overdue)") == ["yes", "yes", "yes", "no", "no", "no"]
    assert writer.locator("[data-testid=recipient-support-request]").count() == 1
    _screenshot(writer, "advisory-tracking.png")
    writer.goto(f"{base}/advisories/{advisory_id}")
    _screenshot(writer, "advisory-page.png")

    # A member outside the cluster sees nothing of it.
    stranger = _person(browser, base, outsider, TOTP)
    stranger.goto(base + "/advisories?show=all")
    assert reference not in stranger.content()
    response = stranger.goto(f"{base}/advisories/{advisory_id}")
    assert response is not None and response.status == 404
    assert TITLE not in stranger.content()

    # The CSAF export, downloaded from the advisory's page, passes the reference validator.
    with writer.expect_download() as download:
        writer.click("[data-testid=export-csaf]")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["document"]["tracking"]["id"] == reference
    assert exported["document"]["distribution"]["tlp"]["label"] == "AMBER"
    [result] = csaf_reference_validate([exported])
    assert result["isValid"], result

    # A TLP:CLEAR advisory appears in the public CSAF provider directory and its ROLIE feed.
    clear = _publish_clear(writer, base)
    anonymous = browser.new_context(locale="vi-VN").new_page()
    index = anonymous.goto(base + "/.well-known/csaf/white/index.txt")
    assert index is not None and index.status == 200
    paths = anonymous.inner_text("body").split()
    assert len(paths) == 1 and clear.lower() in paths[0]
    feed = anonymous.goto(base + "/.well-known/csaf/white/feed-tlp-white.json")
    assert feed is not None and [e["id"] for e in feed.json()["feed"]["entry"]] == [clear]
    changes = anonymous.request.get(base + "/.well-known/csaf/white/changes.csv")
    assert changes.status == 200 and clear.lower() in changes.text() and reference.lower() not in changes.text()
    anonymous.context.close()


def _publish_clear(writer, base: str) -> str:  # type: ignore[no-untyped-def]
    """The coordinator writes and publishes a TLP:CLEAR warning to the whole network; its reference."""
    writer.goto(base + "/advisories/new")
    form = writer.locator("[data-testid=advisory-form]")
    form.locator("input[name=kind][value=warning]").check()
    form.locator("input[name=title]").fill("Chiến dịch thư giả mạo Cổng dịch vụ công")
    form.locator("textarea[name=summary]").fill("Thư giả mạo thông báo hoàn thuế dẫn tới trang đăng nhập giả.")
    form.locator("select[name=severity]").select_option("medium")
    form.locator("select[name=tlp]").select_option("clear")
    form.locator("input[name=audience_network]").check()
    form.locator("button[type=submit]").click()
    writer.wait_for_url(re.compile(r".*/advisories/\d+$"))
    writer.click("[data-testid=publish]")
    writer.wait_for_selector("[data-testid=advisory-status][data-status=published]")
    return writer.locator("[data-testid=advisory-reference]").inner_text().strip()
