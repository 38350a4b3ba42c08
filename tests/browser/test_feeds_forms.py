"""Every form of the security feed pages, submitted with bad input in a real Chromium, comes back as
the one form path promises (tests/browser/formcheck.py): a member's event filters, and the
coordinating body's source, report upload, rule and prefix-to-ASN table forms. Nothing is saved by a
bad submission (checked after the rows). One live server, one login per person."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from csirtnet.models import AsnPrefix, FeedRule, FeedRun, FeedSource
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.web.test_feed_pages import make_feed_world

pytestmark = pytest.mark.browser

FEED_ROWS: list[Row] = [
    Row(
        BadInput(
            "feed event filters",
            "/feeds/events",
            "[data-testid=event-filters]",
            {"ip": "203.0.113", "since": "2026-12-05", "until": "2026-12-01"},
            errors=("ip", "until"),
        ),
        Role.RESPONDER,
        ("feed_event_filters",),
    ),
    Row(
        BadInput(
            "feed source",
            "/feeds/new",
            "[data-testid=source-form]",
            {"name": "nguồn-lỗi", "provider": " ", "mapping": "{không phải JSON", "dedupe_window_hours": "0"},
            errors=("provider", "mapping", "dedupe_window_hours"),
        ),
        Role.COORDINATOR,
        ("feed_source",),
    ),
    Row(
        BadInput("feed report upload", "/feeds/{source}", "[data-testid=upload-form]", {}, errors=("file",)),
        Role.COORDINATOR,
        ("feed_upload",),
        language="en",
    ),
    Row(
        BadInput(
            "feed rule",
            "/feeds/rules",
            "[data-testid=rule-form]",
            {"name": " ", "window_hours": "0"},
            errors=("name", "window_hours"),
        ),
        Role.COORDINATOR,
        ("feed_rule",),
    ),
    Row(
        BadInput(
            "prefix-to-ASN table",
            "/feeds/asn-table",
            "[data-testid=asn-form]",
            {"file": "{bad_asn}"},
            errors=("file",),
        ),
        Role.COORDINATOR,
        ("feed_asn_table",),
        language="en",
    ),
]


def _counts(session: Any) -> tuple[int, ...]:
    models = (FeedSource, FeedRun, FeedRule, AsnPrefix)
    return tuple(int(session.scalar(select(func.count()).select_from(m)) or 0) for m in models)


def test_every_bad_feed_form_comes_back_in_place(live_server: Any, browser: Any, tmp_path: Path) -> None:
    with live_server.database.unit_of_work() as session:
        w = make_feed_world(session)
        people = {Role.RESPONDER: (w.a1.email, None), Role.COORDINATOR: (w.coordinator.email, w.totp)}
        values = {"source": str(w.source.id)}
    bad_asn = tmp_path / "asn.txt"
    bad_asn.write_text("203.0.113.0/24 64500\nkhông-phải-tiền-tố AS1\n", encoding="utf-8")
    values["bad_asn"] = str(bad_asn)
    with live_server.database.unit_of_work() as session:
        before = _counts(session)
    for role, (email, totp) in people.items():
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        page = context.new_page()
        log_in(page, live_server.url, email, totp)
        for row in (r for r in FEED_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")
            # "{bad_asn}" names a value made here; other text (a broken mapping "{…") is typed as is.
            typed = {k: values.get(v.strip("{}"), v) if isinstance(v, str) else v for k, v in row.case.typed.items()}
            case = dataclasses.replace(row.case, url=row.case.url.format(**values), typed=typed)
            submit_bad(page, live_server.url, case, language=row.language)
        context.close()
    with live_server.database.unit_of_work() as session:
        assert _counts(session) == before
