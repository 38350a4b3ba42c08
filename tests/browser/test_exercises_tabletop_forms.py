"""Every form of the tabletop pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): the inject (organiser), the answer in each of
its kinds and the contact check (a team member), the grade (a judge). One live server; one login
per person."""

from __future__ import annotations

import dataclasses

import pytest

from csirtnet.exercise.tabletop import answers
from csirtnet.exercise.tabletop.schemas import InjectAnswerIn
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row
from tests.browser.test_incident_response import _person
from tests.exercise.tabletop.helpers import make_world, released
from tests.incident.helpers import who

pytestmark = pytest.mark.browser

TABLETOP_ROWS: list[Row] = [
    Row(
        BadInput(
            "inject",
            "/exercises/{e}/injects/new",
            "[data-testid=inject-form]",
            {"title": " ", "body": "Lưu lượng bất thường", "rubric": "Nhận diện | nhiều", "answer_minutes": "30"},
            errors=("title", "rubric"),
        ),
        Role.COORDINATOR,
        ("exercise-inject",),
    ),
    Row(
        BadInput(
            "inject answer",
            "/exercises/{e}/injects/{text}/answer",
            "[data-testid=answer-form]",
            {"body": " "},
            ("body",),
        ),
        Role.RESPONDER,
        ("exercise-inject-answer",),
    ),
    Row(
        BadInput(
            "inject answer file",
            "/exercises/{e}/injects/{file}/answer",
            "[data-testid=answer-form]",
            {"note": "Báo cáo kèm theo"},
            ("file",),
        ),
        Role.RESPONDER,
        ("exercise-inject-answer-file",),
        language="en",
    ),
    Row(
        BadInput(
            "inject answer report",
            "/exercises/{e}/injects/{report}/answer",
            "[data-testid=answer-form]",
            {"title": "Mã", "description": "ngắn", "system_name": "Cổng thông tin"},
            ("title", "description", "detected_at"),
        ),
        Role.RESPONDER,
        ("exercise-inject-answer-report",),
    ),
    Row(
        BadInput(
            "contact check",
            "/exercises/{e}/injects/{contact}/answer",
            "[data-testid=answer-form]",
            {"body": "Trực 24/7: 0912 345 678"},
            ("confirm",),
        ),
        Role.RESPONDER,
        ("exercise-inject-contact",),
    ),
    Row(
        BadInput(
            "inject grade",
            "/exercises/{e}/answers/{answer}/grade",
            "[data-testid=grade-form]",
            {"points_1": "9", "points_2": "2", "feedback": "Thiếu bước báo cáo"},
            ("points_1",),
        ),
        Role.VIEWER,  # the judge (a responder named judge of the exercise)
        ("exercise-inject-grade",),
    ),
]


def test_every_bad_tabletop_form_comes_back_in_place(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        ids = {
            "e": w.exercise.id,
            "text": released(session, w, title="Chữ").id,
            "file": released(session, w, title="Tệp", answer_kind="file").id,
            "report": released(session, w, title="Báo cáo", answer_kind="incident_report").id,
            "contact": released(session, w, title="Đầu mối", kind="contact_check", headers=[], rubric=[]).id,
        }
        graded = released(session, w, title="Để chấm")
        ids["answer"] = answers.answer(
            session, who(w.player_a), w.exercise.id, graded.id, InjectAnswerIn(body="Trả lời")
        ).id
        people = {
            Role.COORDINATOR: (w.organiser.email, w.organiser.totp_secret),
            Role.RESPONDER: (w.player_a.email, w.player_a.totp_secret),
            Role.VIEWER: (w.judge.email, w.judge.totp_secret),
        }
    for role, (email, secret) in people.items():
        page = _person(browser, live_server.url, email, secret)
        for row in (r for r in TABLETOP_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")
            case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
            submit_bad(page, live_server.url, case, language=row.language)
        page.context.close()
