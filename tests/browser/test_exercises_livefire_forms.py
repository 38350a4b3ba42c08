"""Every form of the live-fire pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): the target (the organiser), the finding (an
attacker), the judges' validation, rejection, merge and defence scoring, and the defenders'
detection report and remediation. One live server; one login per person."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from csirtnet.exercise.livefire import defence, findings
from csirtnet.exercise.livefire.schemas import DefenceReportCreate, FindingValidate
from csirtnet.kit.time import utcnow
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row
from tests.browser.test_incident_response import _person
from tests.exercise.livefire.helpers import make_world, submit
from tests.incident.helpers import who

pytestmark = pytest.mark.browser

LATER = "/exercises/{e}/findings/{later}"

# Who fills each form in (Row.role is each person's role; the judge and both players are responders).
BY = {
    "livefire target": "coordinator",
    "livefire finding": "a1",
    "livefire validate": "judge",
    "livefire reject": "judge",
    "livefire merge": "judge",
    "livefire defence score": "judge",
    "livefire detection": "defender",
    "livefire remediation": "defender",
}

LIVEFIRE_ROWS: list[Row] = [
    Row(
        BadInput(
            "livefire target",
            "/exercises/{e}/targets",
            "[data-testid=target-form]",
            {"name": " ", "address": "https://backan.example.vn/cms", "description": "Trang quản trị"},
            ("name",),
        ),
        Role.COORDINATOR,
        ("livefire-target",),
    ),
    Row(
        BadInput(
            "livefire finding",
            "/exercises/{e}/findings",
            "[data-testid=finding-form]",
            {"target_id": "{portal}", "title": " ", "proof": "q=' OR 1=1--", "cvss_vector": "CVSS:3.1/AV:Z"},
            ("title", "cvss_vector"),
        ),
        Role.RESPONDER,
        ("livefire-finding",),
    ),
    Row(
        BadInput(
            "livefire validate",
            LATER + "?open=livefire-validate",
            "[data-testid=validate-form]",
            {"severity": "low", "note": ""},
            ("note",),
        ),
        Role.RESPONDER,
        ("livefire-validate",),
    ),
    Row(
        BadInput(
            "livefire reject",
            LATER + "?open=livefire-reject",
            "[data-testid=reject-form]",
            {"reason": "ừ"},
            ("reason",),
        ),
        Role.RESPONDER,
        ("livefire-reject",),
        language="en",
    ),
    Row(
        BadInput(
            "livefire merge",
            LATER + "?open=livefire-merge",
            "[data-testid=merge-form]",
            {"note": "Cùng lỗi SQL injection"},
            ("duplicate_of_id",),
        ),
        Role.RESPONDER,
        ("livefire-merge",),
    ),
    Row(
        BadInput(
            "livefire defence score",
            "/exercises/{e}/findings?open=livefire-score",
            "[data-testid=score-form]",
            {"points": "5000", "note": "Phát hiện sớm"},
            ("points",),
        ),
        Role.RESPONDER,
        ("livefire-score",),
    ),
    Row(
        BadInput(
            "livefire detection",
            "/exercises/{e}/findings",
            "[data-testid=defence-form]",
            {"description": "ab"},
            ("detected_at", "description"),
        ),
        Role.RESPONDER,
        ("livefire-defence",),
        language="en",
    ),
    Row(
        BadInput(
            "livefire remediation",
            "/exercises/{e}/findings/{valid}?open=livefire-remediation",
            "[data-testid=remediate-form]",
            {"note": "ok"},
            ("note",),
        ),
        Role.RESPONDER,
        ("livefire-remediation",),
    ),
]


def test_every_bad_livefire_form_comes_back_in_place(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        valid = submit(session, w, w.a1, at=w.start + timedelta(hours=1))
        findings.validate(session, who(w.judge), w.exercise.id, valid.id, FindingValidate())
        later = submit(session, w, w.b1, at=w.start + timedelta(hours=2))
        detected = DefenceReportCreate(detected_at=utcnow() - timedelta(hours=1), description="Cảnh báo WAF: SQLi")
        defence.report(session, who(w.defender), w.exercise.id, detected)
        values = {"e": w.exercise.id, "valid": valid.id, "later": later.id, "portal": str(w.portal.id)}
        people = {
            name: (user.email, user.totp_secret)
            for name, user in (
                ("coordinator", w.coordinator),
                ("a1", w.a1),
                ("judge", w.judge),
                ("defender", w.defender),
            )
        }
    for person, (email, secret) in people.items():
        page = _person(browser, live_server.url, email, secret)
        for row in (r for r in LIVEFIRE_ROWS if BY[r.case.name] == person):
            page.goto(f"{live_server.url}/?lang={row.language}")
            typed = {k: v.format(**values) if isinstance(v, str) else v for k, v in row.case.typed.items()}
            case = dataclasses.replace(row.case, url=row.case.url.format(**values), typed=typed)
            submit_bad(page, live_server.url, case, language=row.language)
        page.context.close()
