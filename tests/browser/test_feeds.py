"""Security feed pages in Chromium. The coordinating body (in Vietnamese) opens the feeds from the
menu, reads the sources' counts, drops a Shadowserver report on a source, reads the run's counts and
its quarantined lines with file, line and reason, then the quarantine per source and the unmatched
events. A member (in English) is taken from the menu to its own events, filters them by type, opens
a digest from its inbox (events and the CSV link) and reads its flag. Each page fits a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_forms import log_in
from tests.browser.test_widths import MEASURE
from tests.web.test_feed_pages import SCAN_SMB, SCAN_SMB_NAME, make_feed_world

pytestmark = pytest.mark.browser


def _fits_a_phone(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    seen = page.evaluate(MEASURE)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert seen["scroll"] <= seen["width"], f"{page.url} is {seen['scroll']} px wide: {seen['culprits']}"


def _new_page(browser: Any) -> Any:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context.new_page()


def test_coordinator_drops_a_report_and_reads_its_quarantine(live_server: Any, browser: Any, tmp_path: Path) -> None:
    with live_server.database.unit_of_work() as session:
        w = make_feed_world(session)
        w.coordinator.language = "vi"
        email, totp, source_id = w.coordinator.email, w.totp, w.source.id
    report = tmp_path / SCAN_SMB_NAME
    report.write_bytes(SCAN_SMB)
    page = _new_page(browser)
    log_in(page, live_server.url, email, totp)
    page.click("nav a[href='/feeds']")
    assert page.locator("h1").inner_text() == "Nguồn tin an ninh"
    row = page.locator("[data-testid=source-row][data-name='shadowserver-thu']")
    assert row.locator("[data-testid=source-quarantined]").inner_text() == "2"
    _fits_a_phone(page)
    row.locator("[data-testid=source-link]").click()
    page.wait_for_url(re.compile(rf".*/feeds/{source_id}$"))
    form = page.locator("[data-testid=upload-form]")
    form.locator("input[type=file]").set_input_files(str(report))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/feeds/runs/\d+$"))
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("[data-testid=run-counts] [data-testid=count-events]").inner_text() == "2"
    assert page.locator("[data-testid=run-counts] [data-testid=count-quarantined]").inner_text() == "2"
    bad = page.locator("[data-testid=quarantine-row][data-line='4']")
    assert SCAN_SMB_NAME in bad.inner_text() and "113.160.12.300" in bad.inner_text()
    assert bad.locator("[data-testid=quarantine-reason]").inner_text().strip()
    _fits_a_phone(page)
    page.click("[data-testid=feed-tabs] a[href='/feeds/quarantine']")
    page.wait_for_url(re.compile(r".*/feeds/quarantine$"))
    chip = page.locator(f"[data-testid=quarantine-source][data-source='{source_id}']")
    assert "4" in chip.inner_text()
    chip.locator("a").click()
    page.wait_for_url(re.compile(rf".*/feeds/quarantine\?source={source_id}$"))
    assert page.locator("[data-testid=quarantine-row]").count() == 4
    _fits_a_phone(page)
    page.click("[data-testid=feed-tabs] a[href='/feeds/unmatched']")
    page.wait_for_url(re.compile(r".*/feeds/unmatched$"))
    assert page.locator("[data-testid=event-row][data-ip='192.0.2.99']").count() == 1
    assert page.locator("[data-testid=event-row][data-ip='203.0.113.10']").count() == 0
    _fits_a_phone(page)
    page.context.close()


def test_member_filters_its_events_and_opens_a_digest(live_server: Any, browser: Any) -> None:
    with live_server.database.unit_of_work() as session:
        w = make_feed_world(session)
        w.a1.language = "en"
        email, digest_id = w.a1.email, w.digest_a.id
    page = _new_page(browser)
    log_in(page, live_server.url, email)
    page.click("nav a[href='/feeds']")
    page.wait_for_url(re.compile(r".*/feeds/events$"))
    assert page.locator("h1").inner_text() == "Feed events"
    assert page.locator("[data-testid=event-row]").count() == 1
    page.select_option("#feed_event_filters-type", "infected-system")
    page.locator("[data-testid=event-filters] button[type=submit]").click()
    page.locator("[data-testid=no-events]").wait_for()
    page.select_option("#feed_event_filters-type", "vulnerable-system")
    page.locator("[data-testid=event-filters] button[type=submit]").click()
    row = page.locator("[data-testid=event-row][data-ip='203.0.113.10']")
    row.wait_for()
    row.locator("summary").click()
    assert "classification.identifier" in row.inner_text()
    _fits_a_phone(page)
    page.click("[data-testid=feed-tabs] a[href='/feeds/digests']")
    page.locator(f"[data-testid=digest-row][data-id='{digest_id}'] [data-testid=digest-link]").click()
    page.wait_for_url(re.compile(rf".*/feeds/digests/{digest_id}$"))
    assert page.locator("[data-testid=event-row][data-ip='203.0.113.10']").count() == 1
    assert page.get_attribute("[data-testid=digest-csv]", "href") == f"/feeds/digests/{digest_id}.csv"
    _fits_a_phone(page)
    page.click("[data-testid=feed-tabs] a[href='/feeds/flags']")
    assert "203.0.113.10" in page.locator("[data-testid=flag-row]").inner_text()
    assert page.locator("[data-testid=clear-flag]").count() == 0
    _fits_a_phone(page)
    page.context.close()
