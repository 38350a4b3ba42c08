"""Every form of the core exercise pages, submitted with bad input in a real Chromium, comes back as
the one form path promises (tests/browser/formcheck.py): the exercise form, the list's filters, the
staff and team forms of the organisers, and a team's roster and contact-point forms of its
organisation's admin. One live server, one login per person."""

from __future__ import annotations

import dataclasses

import pyotp
import pytest

from csirtnet.exercise import service
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.exercise.core.helpers import add_teams, cluster_exercise, make_world
from tests.incident.helpers import who

pytestmark = pytest.mark.browser

LONG = "quá dài " * 40

EXERCISE_CORE_ROWS: list[Row] = [
    Row(
        BadInput(
            "new exercise",
            "/exercises/new",
            "[data-testid=exercise-form]",
            {
                "title": " ",
                "timezone": "Asia/Ho_Chi_Minh",
                "starts_at": "2026-11-02T08:00",
                "ends_at": "2026-11-02T17:00",
                "freeze_at": "2026-11-03T08:00",
                "late_factor": "1.5",
            },
            errors=("title", "late_factor"),
        ),
        Role.ORG_ADMIN,
        ("exercise",),
    ),
    Row(
        BadInput(
            "exercise schedule",
            "/exercises/{exercise}/edit",
            "[data-testid=exercise-form]",
            {"starts_at": "2026-11-02T08:00", "ends_at": "2026-11-02T17:00", "freeze_at": "2026-11-03T08:00"},
            errors=("freeze_at",),
        ),
        Role.ORG_ADMIN,
        ("exercise",),
        language="en",
    ),
    Row(
        BadInput(
            "exercise filters",
            "/exercises",
            "[data-testid=exercise-filters]",
            {"q": LONG, "year": "1800"},
            ("q", "year"),
        ),
        Role.ORG_ADMIN,
        ("exercise_filters",),
    ),
    Row(
        BadInput(
            "exercise staff",
            "/exercises/{exercise}?open=exercise_staff",
            "[data-testid=staff-form]",
            {"email": "không-ai@example.vn", "role": "judge"},
            ("email",),
        ),
        Role.ORG_ADMIN,
        ("exercise_staff",),
    ),
    Row(
        BadInput(
            "exercise team",
            "/exercises/{exercise}?open=exercise_team",
            "[data-testid=team-form]",
            {"name": "{team}"},
            ("name",),
        ),
        Role.ORG_ADMIN,
        ("exercise_team",),
        language="en",
    ),
    Row(
        BadInput(
            "team member",
            "/exercises/{exercise}?open=exercise_member",
            "[data-testid=member-form]",
            {"email": "", "name": ""},
            ("email",),
        ),
        Role.RESPONDER,  # the admin of the second province (its own team's roster)
        ("exercise_member",),
    ),
    Row(
        BadInput(
            "team contact points",
            "/exercises/{exercise}?open=exercise_contact",
            "[data-testid=contact-form]",
            {"note": "x" * 2100},
            ("note",),
        ),
        Role.RESPONDER,
        ("exercise_contact",),
        language="en",
    ),
]


def test_every_bad_exercise_form_comes_back_in_place(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        w = make_world(session)
        for user in (w.admins[0], w.admins[1]):
            user.totp_secret = secret
        exercise = cluster_exercise(session, w)
        teams = add_teams(session, w, exercise, w.admins[0])
        service.publish(session, who(w.admins[0]), exercise.id)
        values = {"exercise": str(exercise.id), "team": teams[0].name}
        # The lead's admin organises; the second province's admin keeps its team (rows "RESPONDER").
        people = {Role.ORG_ADMIN: w.admins[0].email, Role.RESPONDER: w.admins[1].email}
    for role, email in people.items():
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, live_server.url, email, secret)
        for row in (r for r in EXERCISE_CORE_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")
            typed = {k: v.format(**values) if isinstance(v, str) else v for k, v in row.case.typed.items()}
            case = dataclasses.replace(row.case, url=row.case.url.format(**values), typed=typed)
            submit_bad(page, live_server.url, case, language=row.language)
        context.close()
