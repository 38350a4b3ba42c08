"""The public and account forms (report, apply and its tracking page, login, second factor,
password reset, 2FA enrolment, API tokens), submitted with bad input in a real Chromium, come
back as the one form path promises (tests/browser/formcheck.py): in place (422), each error at
its field, the labels in a focused summary, everything typed kept (the detection time with its
zone, multi-selects), the language kept, no attribute name shown.

`PUBLIC_ROWS` has the shape of tests/browser/test_forms.py's rows; a row with no role is filled
in by a visitor without an account. URLs name what the test makes ({application}, {reset}).
test_forms.py's `test_every_declared_form_is_submitted` counts these rows too.
"""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest

from csirtnet.identity import login as login_service
from csirtnet.organisation import application
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

SERVICES = ["incident-management.incident-analysis", "incident-management.mitigation-recovery"]

PUBLIC_ROWS: list[Row] = [
    Row(
        BadInput(
            "public report",
            "/report",
            "[data-testid=public-report-form]",
            {
                "reporter_name": "Lê Thị Công Dân",
                "reporter_email": "congdan@example.vn",
                "title": " ",
                "description": "Trang chủ của công ty bị thay bằng nội dung lạ.",
                "detected_at": "2026-12-06T07:30",
                "detected_at_zone": "Asia/Bangkok",
                "system_ips": "999.1.1.1",
                "system_security_level": "3",
            },
            errors=("title", "system_ips"),
        ),
        None,
        ("public-report",),
    ),
    Row(
        BadInput(
            "public report in English",
            "/report?lang=en",
            "[data-testid=public-report-form]",
            {"reporter_name": "A", "reporter_email": "khong-phai-email", "detected_at": "2026-12-06T07:30"},
            errors=("reporter_name", "reporter_email", "title", "description"),
        ),
        None,
        ("public-report",),
        language="en",
    ),
    Row(
        BadInput(
            "member report",
            "/incidents/report",
            "[data-testid=report-form]",
            {
                "title": "Mã độc mã hoá máy chủ",
                "description": "",
                "detected_at": "2026-12-06T07:30",
                "detected_at_zone": "Asia/Tokyo",
                "system_domains": "khong phai ten mien!",
            },
            errors=("description", "system_domains"),
        ),
        Role.RESPONDER,
        ("member-report",),
        language="en",
    ),
    Row(
        BadInput(
            "apply",
            "/apply",
            "[data-testid=apply-form]",
            {
                "applicant_name": "Đinh Văn Nộp",
                "applicant_email": "khong-phai-email",
                "organisation_name": "Công ty An ninh Mới",
                "website": "khong phai url",
                "incident_email": "ir@congty-moi.example.vn",
                "c_infosec_leader_full_name": "Lãnh đạo ATTT",
                "c_incident_24x7_full_name": "Trực 24/7",
                "c_incident_24x7_phone": "+84 236 000 000",
                "services": SERVICES,
                "e0_full_name": "Chuyên gia Một",
                "e0_skills": ["malware-analysis", "digital-forensics"],
            },
            errors=("applicant_email", "website", "c_focal_point_full_name"),
        ),
        None,
        ("apply",),
    ),
    Row(
        BadInput(
            "applicant's answer",
            "/apply/track/{application}?lang=en",
            "[data-testid=answer-form]",
            {"body": "x"},
            errors=("body",),
        ),
        None,
        ("apply-answer",),
        language="en",
    ),
    Row(
        BadInput(
            "login",
            "/login",
            "main form[action='/login']",
            {"email": "khong-co-ai@example.vn", "password": ""},
            errors=("password",),
            ignore_values=("password",),
        ),
        None,
        ("login",),
    ),
    Row(
        BadInput("second factor", "/login/2fa", "main form[action='/login/2fa']", {"code": " "}, errors=("code",)),
        Role.COORDINATOR,  # logged in with a password, the code not yet given
        ("login-2fa",),
        language="en",
    ),
    Row(
        BadInput(
            "forgotten password",
            "/password/forgot",
            "main form[action='/password/forgot']",
            {"email": "khong-phai-email"},
            errors=("email",),
        ),
        None,
        ("password-forgot",),
    ),
    Row(
        BadInput(
            "password reset",
            "/password/reset/{reset}",
            "main form[action^='/password/reset/']",
            {"password": "ngắn quá", "password_again": "ngắn quá"},
            errors=("password",),
            ignore_values=("password", "password_again"),
        ),
        None,
        ("password-reset",),
    ),
    Row(
        BadInput("2FA enrolment", "/account/2fa", "[data-testid=totp-confirm-form]", {"code": "123"}, errors=("code",)),
        Role.RESPONDER,  # the enrolment begun, not confirmed
        ("totp-confirm",),
    ),
    Row(
        BadInput(
            "2FA management",
            "/account/2fa",
            "[data-testid=totp-manage-form]",
            {"code": "123"},
            errors=("code",),
            submit="button[value=regenerate]",
        ),
        Role.COORDINATOR,
        ("totp-manage",),
        language="en",
    ),
    Row(
        BadInput(
            "API token",
            "/account/tokens",
            "[data-testid=token-form]",
            {"name": "Kết nối SIEM", "expires_in_days": "9999"},
            errors=("expires_in_days",),
        ),
        Role.RESPONDER,
        ("token",),
    ),
]


def _application_token(session) -> str:  # type: ignore[no-untyped-def]
    form = application.ApplicationForm.model_validate(
        {
            "applicant_kind": "individual",
            "applicant_name": "Chuyên Gia Tự Do",
            "applicant_email": "chuyengia@example.vn",
            "organisation_name": "Chuyên Gia Tự Do",
        }
    )
    _app, token = application.submit(session, form, [], ip=None)
    return token


@pytest.mark.parametrize("row", PUBLIC_ROWS, ids=lambda row: row.case.name)
def test_a_bad_public_form_comes_back_in_place(live_server, page, row: Row) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    secret = pyotp.random_base32() if row.role is not None and row.role.requires_2fa else None
    with live_server.database.unit_of_work() as session:
        ids = {"application": _application_token(session)}
        visitor = make_user(session, roles=[Role.VIEWER], language=row.language)
        ids["reset"] = login_service.start_password_reset(session, visitor)
        user = None
        if row.role is not None:
            user = make_user(session, roles=[row.role], language=row.language, totp_secret=secret)
            if row.declared == ("totp-confirm",):
                login_service.begin_totp_enrolment(session, user)
        email = user.email if user else None
    if row.declared == ("login-2fa",):
        # Half logged in: the password given, the second factor asked.
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/login/2fa.*"))
    elif email is not None:
        log_in(page, base, email, secret)
    case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
    submit_bad(page, base, case, language=row.language)
