"""The form of the intake's quarantine page (the discard reason), submitted with bad input in a
real Chromium, comes back as the one form path promises (tests/browser/formcheck.py).

`INTAKE_ROWS` has the shape of tests/browser/test_forms.py's rows; their URLs name the quarantined
message the test makes ({quarantine}). test_forms.py's `test_every_declared_form_is_submitted`
counts these rows too.
"""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage

import pyotp
import pytest

from csirtnet.incident import quarantine
from csirtnet.models import QuarantineReason, QuarantineSource
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.incident.helpers import coordinator

pytestmark = pytest.mark.browser

INTAKE_ROWS: list[Row] = [
    Row(
        BadInput(
            "quarantine discard",
            "/incidents/quarantine/{quarantine}",
            "[data-testid=discard-form]",
            {"reason": " "},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("intake-quarantine-discard",),
    ),
    Row(
        BadInput(
            "quarantine discard (en)",
            "/incidents/quarantine/{quarantine}",
            "[data-testid=discard-form]",
            {"reason": "x"},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("intake-quarantine-discard",),
        language="en",
    ),
]


@pytest.mark.parametrize("row", INTAKE_ROWS, ids=lambda row: row.case.name)
def test_a_bad_intake_form_comes_back_in_place(live_server, page, row: Row) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        msg = EmailMessage()
        msg["From"] = "soc@example.vn"
        msg["Subject"] = "Thư không lập được báo cáo"
        msg.set_content("Nội dung thư.")
        held = quarantine.keep(
            session,
            msg.as_bytes(),
            source=QuarantineSource.SMTP,
            reason=QuarantineReason.REJECTED,
            detail="reporter_email: missing",
        )
        user = coordinator(session, language=row.language, totp_secret=secret)
        ids = {"quarantine": held.id}
        email = user.email
    log_in(page, live_server.url, email, secret)
    case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
    submit_bad(page, live_server.url, case, language=row.language)
