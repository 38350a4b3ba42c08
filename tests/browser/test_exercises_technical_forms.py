"""Every form of the technical-drill pages, submitted with bad input in a real Chromium, comes back
as the one form path promises (tests/browser/formcheck.py): the challenge, its flags, hints and
files and the CTFd import (the organiser); the flag and the hint's unlock (a team's player). One
live server; one login per person."""

from __future__ import annotations

import dataclasses

import pytest

from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row
from tests.browser.test_incident_response import _person
from tests.exercise.technical.helpers import make_challenge, make_drill

pytestmark = pytest.mark.browser

CHALLENGE_PAGE = "/exercises/{e}/challenges/{c}"

TECHNICAL_ROWS: list[Row] = [
    Row(
        BadInput(
            "challenge",
            "/exercises/{e}/challenges/new",
            "[data-testid=challenge-form]",
            {"name": " ", "category": "Web", "function": "linear", "value": "100", "minimum": "500"},
            errors=("name",),
        ),
        Role.COORDINATOR,
        ("challenge",),
    ),
    Row(
        BadInput(
            "challenge flag",
            CHALLENGE_PAGE,
            "form[action$='/flags']",
            {"content": "CSIRT{(", "kind": "regex"},
            ("content",),
        ),
        Role.COORDINATOR,
        ("challenge_flag",),
    ),
    Row(
        BadInput(
            "challenge hint",
            CHALLENGE_PAGE,
            "form[action$='/hints']",
            {"content": "Xem mã nguồn trang đăng nhập", "cost": "2000000"},
            ("cost",),
        ),
        Role.COORDINATOR,
        ("challenge_hint",),
        language="en",
    ),
    Row(
        BadInput("challenge file", CHALLENGE_PAGE, "form[action$='/files']", {}, ("file",)),
        Role.COORDINATOR,
        ("challenge_file",),
    ),
    Row(
        BadInput(
            "CTFd import",
            "/exercises/import-ctfd",
            "[data-testid=ctfd-import]",
            {"title": "Diễn tập nhập từ CTFd"},
            ("file",),
        ),
        Role.COORDINATOR,
        ("ctfd_import",),
    ),
    Row(
        BadInput("flag submission", CHALLENGE_PAGE, "[data-testid=flag-form]", {"flag": "CSIRT{sai_roi}"}, ("flag",)),
        Role.RESPONDER,
        ("flag_submission",),
    ),
    Row(
        BadInput("hint unlock", CHALLENGE_PAGE, "form[action$='/unlock']", {"confirm": False}, ("confirm",)),
        Role.RESPONDER,
        ("hint_unlock",),
        language="en",
    ),
]


def test_every_bad_technical_form_comes_back_in_place(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    with live_server.database.unit_of_work() as session:
        drill = make_drill(session)
        challenge = make_challenge(session, drill, hints=[{"content": "Thử dấu nháy đơn", "cost": 10}])
        ids = {"e": drill.exercise.id, "c": challenge.id}
        people = {
            Role.COORDINATOR: (drill.organiser.email, drill.organiser.totp_secret),
            Role.RESPONDER: (drill.players[0].email, drill.players[0].totp_secret),
        }
    for role, (email, secret) in people.items():
        page = _person(browser, live_server.url, email, secret)
        for row in (r for r in TECHNICAL_ROWS if r.role == role):
            page.goto(f"{live_server.url}/?lang={row.language}")
            case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
            submit_bad(page, live_server.url, case, language=row.language)
        page.context.close()
