"""Every form of the results pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): the rankings' filters, an outside drill, its
results by hand and by CSV, the after-action report and its lessons (the coordinator, who organises
them all). One live server, one login."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from csirtnet.authz.cluster import today
from csirtnet.exercise.results import external
from csirtnet.exercise.results.schemas import ExternalExerciseCreate
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row
from tests.browser.test_incident_response import _person
from tests.exercise.results.helpers import finished_drill, make_world
from tests.incident.helpers import who

pytestmark = pytest.mark.browser

RESULTS_ROWS: list[Row] = [
    Row(
        BadInput(
            "exercise rankings", "/exercises/rankings", "[data-testid=ranking-filters]", {"year": "1800"}, ("year",)
        ),
        Role.COORDINATOR,
        ("exercise_rankings",),
    ),
    Row(
        BadInput(
            "outside drill",
            "/exercises/external/new",
            "[data-testid=external-form]",
            {"external_name": "APCERT Drill 2026", "held_on": "2999-01-01", "description": "Diễn tập APCERT"},
            ("held_on",),
        ),
        Role.COORDINATOR,
        ("exercise_external",),
        language="en",
    ),
    Row(
        BadInput(
            "outside result",
            "/exercises/{external}/external-results",
            "[data-testid=result-form]",
            {"rank": "0", "score": "880"},
            ("organisation_id", "rank"),
        ),
        Role.COORDINATOR,
        ("exercise_external_result",),
    ),
    Row(
        BadInput(
            "outside results CSV",
            "/exercises/{external}/external-results",
            "[data-testid=csv-form]",
            {"file": "{csv}"},
            ("file",),
        ),
        Role.COORDINATOR,
        ("exercise_results_csv",),
        language="en",
    ),
    Row(
        BadInput(
            "after-action report",
            "/exercises/{finished}/after-action",
            "[data-testid=after-action-form]",
            {"summary": "Phối hợp tốt. " * 1500, "weaknesses": "Chậm báo cáo"},
            ("summary",),
        ),
        Role.COORDINATOR,
        ("exercise_after_action",),
    ),
    Row(
        BadInput(
            "after-action lesson",
            "/exercises/{finished}/after-action",
            "[data-testid=lesson-form]",
            {"title": "ab", "body": "Diễn tập báo cáo sự cố hằng quý"},
            ("title",),
        ),
        Role.COORDINATOR,
        ("exercise_lesson",),
        language="en",
    ),
]


def test_every_bad_results_form_comes_back_in_place(live_server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad_csv = tmp_path / "ket-qua.csv"
    bad_csv.write_text("team,rank,score\nSở không có,hai,900\n", encoding="utf-8")
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        finished = finished_drill(session, w, teams=3)
        drill = ExternalExerciseCreate(external_name="ASEAN ACID 2026", held_on=today() - timedelta(days=5))
        outside = external.create(session, who(w.coordinator), drill)
        values = {"finished": finished.id, "external": outside.id, "csv": str(bad_csv)}
        email, secret = w.coordinator.email, w.coordinator.totp_secret
    page = _person(browser, live_server.url, email, secret)
    for row in RESULTS_ROWS:
        page.goto(f"{live_server.url}/?lang={row.language}")
        typed = {k: v.format(**values) if isinstance(v, str) else v for k, v in row.case.typed.items()}
        case = dataclasses.replace(row.case, url=row.case.url.format(**values), typed=typed)
        submit_bad(page, live_server.url, case, language=row.language)
    page.context.close()
