"""Every form of the indicator pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): the search filters, a new indicator and its
edit, the pasted list, a sighting, an upload, the export, and the coordinating body's collection,
grant and subscription forms. Nothing is saved by a bad submission (checked after the rows). One
live server, one login per person."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from csirtnet.intel.federation import service as federation
from csirtnet.intel.federation.schemas import TaxiiCollectionCreate
from csirtnet.models import Indicator, IntelImport, Sighting, TaxiiCollection, TaxiiSubscription
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.incident.helpers import who
from tests.intel.indicator_world import make_world, share

pytestmark = pytest.mark.browser

LONG = "quá dài " * 40

INTEL_ROWS: list[Row] = [
    Row(
        BadInput(
            "indicator filters",
            "/indicators",
            "[data-testid=indicator-filters]",
            {"q": "45.77", "tag": LONG, "source": LONG},
            errors=("tag", "source"),
        ),
        Role.RESPONDER,
        ("indicator_filters",),
    ),
    Row(
        BadInput(
            "new indicator",
            "/indicators/new",
            "[data-testid=indicator-form]",
            {"value": "không phải giá trị", "kind": "ipv4", "confidence": "150", "tags": "attack:T1566"},
            errors=("value", "confidence"),
        ),
        Role.RESPONDER,
        ("indicator",),
    ),
    Row(
        BadInput(
            "indicator edit",
            "/indicators/{indicator}/edit",
            "[data-testid=indicator-edit-form]",
            {"confidence": "-5", "description": "Máy chủ điều khiển"},
            errors=("confidence",),
        ),
        Role.RESPONDER,
        ("indicator_edit",),
        language="en",
    ),
    Row(
        BadInput(
            "pasted list",
            "/indicators/bulk",
            "[data-testid=bulk-form]",
            {"text": "45.77.10.1\nfoo\n", "confidence": "50"},
            errors=("text",),
        ),
        Role.RESPONDER,
        ("indicator_bulk",),
    ),
    Row(
        BadInput(
            "sighting",
            "/indicators/{indicator}",
            "[data-testid=sighting-form]",
            {"last_seen_at": "", "count": "0", "note": "Tường lửa"},
            errors=("last_seen_at", "count"),
        ),
        Role.RESPONDER,
        ("indicator_sighting",),
        language="en",
    ),
    Row(
        BadInput(
            "upload",
            "/indicators/imports",
            "[data-testid=import-form]",
            {"file": "{not_a_bundle}"},
            errors=("file",),
        ),
        Role.RESPONDER,
        ("indicator_import",),
    ),
    Row(
        BadInput(
            "export",
            "/indicators/export",
            "[data-testid=export-form]",
            {"format": "pdf"},
            errors=("format",),
            ignore_values=("format",),  # a radio button's value is the server's, not typed
        ),
        Role.RESPONDER,
        ("indicator_export",),
        language="en",
    ),
    Row(
        BadInput(
            "configured collection",
            "/indicators/collections",
            "[data-testid=collection-form]",
            {"title": " ", "description": "Trao đổi với các ngân hàng"},
            errors=("title",),
        ),
        Role.COORDINATOR,
        ("taxii_collection",),
    ),
    Row(
        BadInput(
            "collection grant",
            "/indicators/collections",
            "[data-testid=grant-form]",
            {"organisation_id": "", "can_write": True},
            errors=("organisation_id",),
        ),
        Role.COORDINATOR,
        ("taxii_collection_grant",),
        language="en",
    ),
    Row(
        BadInput(
            "subscription",
            "/indicators/subscriptions",
            "[data-testid=subscription-form]",
            {
                "name": "CERT đối tác",
                "api_root_url": "ftp://cert.example/taxii2/",
                "remote_collection_id": "không-phải-uuid",
                "interval_minutes": "60",
            },
            errors=("api_root_url", "remote_collection_id"),
        ),
        Role.COORDINATOR,
        ("taxii_subscription",),
    ),
]


def _counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        int(session.scalar(select(func.count()).select_from(m)) or 0)
        for m in (Indicator, Sighting, IntelImport, TaxiiCollection, TaxiiSubscription)
    )


def test_every_bad_indicator_form_comes_back_in_place(live_server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        w.coordinator.totp_secret = secret
        ind = share(session, w.a1, "45.77.10.9", tlp="green")
        federation.create_collection(session, who(w.coordinator), TaxiiCollectionCreate(title="Ngân hàng"))
        people = {Role.RESPONDER: (w.a1.email, None), Role.COORDINATOR: (w.coordinator.email, secret)}
        values = {"indicator": str(ind.id)}
    bad_file = tmp_path / "ghi-chu.json"
    bad_file.write_text('{"ghi chú": "không phải STIX"}', encoding="utf-8")
    values["not_a_bundle"] = str(bad_file)
    with live_server.database.unit_of_work() as session:
        before = _counts(session)
    for role, (email, totp) in people.items():
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, live_server.url, email, totp)
        for row in (r for r in INTEL_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")
            typed = {k: v.format(**values) if isinstance(v, str) else v for k, v in row.case.typed.items()}
            case = dataclasses.replace(row.case, url=row.case.url.format(**values), typed=typed)
            submit_bad(page, live_server.url, case, language=row.language)
        context.close()
    with live_server.database.unit_of_work() as session:
        assert _counts(session) == before
