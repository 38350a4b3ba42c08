"""Every form of the product, submitted with bad input in a real Chromium, comes back as the one
form path promises (tests/browser/formcheck.py): errors at their fields with their labels, a
focused summary, what was typed kept, the language kept, no attribute name on the page.

Each row logs in as the role that uses the form. `test_every_declared_form_is_submitted` fails
when a form declared with csirtnet.web.forms has no row here or in another tests/browser/test_*forms*.py
module (a list named ROWS or ending in _ROWS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
import pytest

from csirtnet.vocabulary import Role
from csirtnet.web import forms
from tests.browser.formcheck import BadInput, submit_bad
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Row:
    case: BadInput
    role: Role | None  # who fills it in; None: a visitor without an account (public pages)
    declared: tuple[str, ...]  # the csirtnet.web.forms.Form ids it exercises
    language: str = "vi"


ROWS: list[Row] = [
    Row(
        BadInput(
            "profile",
            "/account",
            "[data-testid=profile-form]",
            {"full_name": " ", "phone": "+84 (0) 90 12", "timezone": "Sao Hỏa/Căn cứ"},
            errors=("full_name", "timezone"),
        ),
        Role.RESPONDER,
        ("profile",),
    ),
    Row(
        BadInput(
            "password",
            "/account",
            "[data-testid=password-form]",
            {"current_password": "sai mật khẩu", "new_password": "ngắn", "new_password_again": "khác"},
            errors=("new_password_again",),
            ignore_values=("current_password", "new_password", "new_password_again"),
        ),
        Role.RESPONDER,
        ("password",),
        language="en",
    ),
]


def log_in(page, base: str, email: str, totp_secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit].primary")
    if totp_secret:
        page.wait_for_url(re.compile(r".*/login/2fa.*"))
        page.fill("#code", pyotp.TOTP(totp_secret).now())
        page.click("main button[type=submit].primary")
    page.wait_for_url(base + "/")


def _all_rows() -> list[Row]:
    """Every row of every form test module (tests/browser/test_*forms*.py), each module's lists
    named ROWS or ending in _ROWS."""
    import importlib
    from pathlib import Path

    rows: list[Row] = []
    for path in sorted(Path(__file__).parent.glob("test_*forms*.py")):
        module = importlib.import_module(f"tests.browser.{path.stem}")
        for name, value in vars(module).items():
            if (name == "ROWS" or name.endswith("_ROWS")) and isinstance(value, list):
                rows.extend(row for row in value if isinstance(row, Row))
    return rows


def test_every_declared_form_is_submitted() -> None:
    import csirtnet.app  # noqa: F401 - importing the app declares every page's forms
    from csirtnet.app import PAGE_MODULES, PUBLIC_MODULES

    for module in PAGE_MODULES + PUBLIC_MODULES:
        __import__(module)
    covered = {form_id for row in _all_rows() for form_id in row.declared}
    product = {form_id for form_id, form in forms.DECLARED.items() if form.module.startswith("csirtnet.")}
    missing = sorted(product - covered)
    assert not missing, f"forms with no bad-input row in tests/browser/test_*forms*.py: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.case.name)
def test_a_bad_submission_comes_back_as_promised(live_server, page, row: Row) -> None:
    secret = pyotp.random_base32() if row.role.requires_2fa else None
    with live_server.database.unit_of_work() as session:
        user = make_user(session, roles=[row.role], language=row.language, totp_secret=secret)
        email = user.email
    log_in(page, live_server.url, email, secret)
    submit_bad(page, live_server.url, row.case, language=row.language)
