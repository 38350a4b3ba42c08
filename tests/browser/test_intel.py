"""Indicator pages in Chromium, in Vietnamese and in English: a member of another organisation finds
a shared domain typed defanged and in capitals, opens it, records a sighting, and pastes a list
whose bad line the preview names before anything is added; a member uploads a small STIX bundle and
reads what the import skipped and why, then finds the TAXII address to give a client."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_forms import log_in
from tests.browser.test_widths import MEASURE
from tests.intel.indicator_world import make_world, share
from tests.web.test_intel_pages import small_bundle

pytestmark = pytest.mark.browser

HEADINGS = {"vi": "Chỉ dấu", "en": "Indicators"}


def _fits_a_phone(page: Any) -> None:
    """The page is no wider than a phone's 390 px (tests/browser/test_widths.py measures the same)."""
    page.set_viewport_size({"width": 390, "height": 900})
    seen = page.evaluate(MEASURE)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert seen["scroll"] <= seen["width"], f"{page.url} is {seen['scroll']} px wide: {seen['culprits']}"


def _browser_page(browser: Any) -> Any:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_search_open_sight_and_paste(live_server, browser, language: str) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        share(session, w.a1, "evil-login.example.vn", tlp="green")
        w.b1.language = language
        email = w.b1.email
    page = _browser_page(browser)
    log_in(page, live_server.url, email)
    page.click("nav a[href='/indicators']")
    assert page.locator("h1").inner_text() == HEADINGS[language]
    page.fill("#indicator_filters-q", "EVIL-LOGIN.example[.]VN")
    page.locator("[data-testid=indicator-filters] button[type=submit]").click()
    row = page.locator("[data-testid=indicator-row][data-value='evil-login.example.vn']")
    row.wait_for()
    _fits_a_phone(page)
    row.locator("[data-testid=indicator-link]").click()
    page.wait_for_url(re.compile(r".*/indicators/\d+$"))
    assert page.locator("[data-testid=indicator-title] [data-testid=value]").inner_text() == "evil-login.example.vn"
    page.fill("#indicator_sighting-count", "4")
    page.fill("#indicator_sighting-note", "Máy chủ thư chặn 4 lần")
    page.locator("[data-testid=sighting-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/indicators/\d+#sightings$"))
    assert page.locator("[data-testid=sighting-row]").count() == 1
    _fits_a_phone(page)
    assert "Máy chủ thư chặn 4 lần" in page.locator("[data-testid=sighting-table]").inner_text()

    page.goto(live_server.url + "/indicators/bulk")
    page.fill("#indicator_bulk-text", "45.77.10.1\nhxxp://bad.example[.]vn/x\nfoo\n")
    page.locator("[data-testid=preview-button]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=line-errors] li[data-line='3']").count() == 1
    assert page.locator("[data-testid=confirm-button]").count() == 0
    assert page.locator("[data-testid=preview-row]").count() == 2
    _fits_a_phone(page)
    page.fill("#indicator_bulk-text", "45.77.10.1\nhxxp://bad.example[.]vn/x\n")
    page.locator("[data-testid=preview-button]").click()
    page.locator("[data-testid=confirm-button]").click()
    page.wait_for_url(re.compile(r".*/indicators$"))
    assert page.locator("[data-testid=indicator-row][data-value='http://bad.example.vn/x']").count() == 1
    page.context.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_upload_a_bundle_and_read_what_it_skipped(live_server, browser, tmp_path: Path, language: str) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        w.a1.language = language
        email = w.a1.email
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(small_bundle())
    page = _browser_page(browser)
    log_in(page, live_server.url, email)
    page.goto(live_server.url + "/indicators/imports")
    form = page.locator("[data-testid=import-form]")
    form.locator("input[type=file]").set_input_files(str(bundle))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/indicators/imports/\d+$"))
    assert page.get_attribute("html", "lang") == language
    assert page.locator("[data-testid=count-created]").inner_text() != "0"
    assert page.locator("[data-testid=count-skipped]").inner_text() == "1"
    failure = page.locator("[data-testid=failure-row]")
    assert failure.count() == 1
    assert "indicator--0a6b7a43-3f0e-4b59-9a1e-6a0a4f6f0c11" in failure.inner_text()
    assert "spec_version" in failure.inner_text()
    _fits_a_phone(page)
    page.goto(live_server.url + "/indicators/imports")
    _fits_a_phone(page)
    page.goto(live_server.url + "/indicators/collections")
    assert page.locator("[data-testid=api-root] [data-testid=value]").inner_text().strip().endswith("/taxii2/intel/")
    _fits_a_phone(page)
    page.context.close()
