"""Every form of the incident pages, submitted with bad input in a real Chromium, comes back as the
one form path promises (tests/browser/formcheck.py): in place (422), each error at its field, the
labels in a focused summary, everything typed kept, the language kept, no attribute name shown.

`INCIDENT_ROWS` has the shape of tests/browser/test_forms.py's rows; their URLs name the incident,
report and task the test makes ({incident}, {closing}, {report}, {task}).
test_forms.py's `test_every_declared_form_is_submitted` counts these rows too.
"""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest

from csirtnet.identity.service import subject_for
from csirtnet.incident import task_service, workflow
from csirtnet.incident.schemas import PhaseChange, TaskCreate
from csirtnet.vocabulary import Role
from tests.browser.formcheck import BadInput, submit_bad
from tests.browser.test_forms import Row, log_in
from tests.factories import make_user
from tests.incident.helpers import coordinator, make_report, member, open_incident

pytestmark = pytest.mark.browser

LONG = "x" * 4100

INCIDENT_ROWS: list[Row] = [
    Row(
        BadInput(
            "classification",
            "/incidents/{incident}?open=incident-classify",
            "[data-testid=classify-form]",
            {"severity": "serious", "severity_reason": " ", "sector": "Ngân hàng số", "is_major": True},
            errors=("severity_reason",),
        ),
        Role.COORDINATOR,
        ("incident-classify",),
    ),
    Row(
        BadInput(
            "phase",
            "/incidents/{incident}",
            "[data-testid=phase-form]",
            {"phase": "analysis", "note": LONG},
            errors=("note",),
        ),
        Role.COORDINATOR,
        ("incident-phase",),
        language="en",
    ),
    Row(
        BadInput(
            "closing report",
            "/incidents/{closing}",
            "[data-testid=close-form]",
            {"result": "Đã khôi phục", "root_cause": " ", "actions_taken": "Vá lỗi", "lessons_learned": ""},
            errors=("root_cause", "lessons_learned"),
        ),
        Role.COORDINATOR,
        ("incident-close",),
    ),
    Row(
        BadInput(
            "participant",
            "/incidents/{incident}?open=incident-participant",
            "[data-testid=participant-form]",
            {"email": "khong-co-ai@example.vn", "role": "observer"},
            errors=("email",),
        ),
        Role.COORDINATOR,
        ("incident-participant",),
    ),
    Row(
        BadInput(
            "link",
            "/incidents/{incident}?open=incident-link",
            "[data-testid=link-form]",
            {"other": "SC-1999-999999", "note": "cùng nhóm tấn công"},
            errors=("other",),
        ),
        Role.COORDINATOR,
        ("incident-link",),
    ),
    Row(
        BadInput(
            "timeline entry",
            "/incidents/{incident}/timeline?open=incident-timeline",
            "[data-testid=timeline-form]",
            {"occurred_at": "2099-01-02T08:30", "occurred_at_zone": "Asia/Bangkok", "text": "Cô lập máy chủ"},
            errors=("occurred_at",),
        ),
        Role.COORDINATOR,
        ("incident-timeline",),
    ),
    Row(
        BadInput(
            "new task",
            "/incidents/{incident}/tasks?open=incident-task",
            "[data-testid=task-form]",
            {"title": "x", "description": "Thu thập nhật ký tường lửa", "due_at": "2030-01-02T08:30"},
            errors=("title",),
        ),
        Role.COORDINATOR,
        ("incident-task",),
    ),
    Row(
        BadInput(
            "task log",
            "/incidents/{incident}/tasks/{task}",
            "[data-testid=task-update-form]",
            {"note": " ", "status": "open"},
            errors=("note",),
        ),
        Role.COORDINATOR,
        ("incident-task-update",),
    ),
    Row(
        BadInput(
            "task reassignment",
            "/incidents/{incident}/tasks/{task}",
            "[data-testid=task-assign-form]",
            {"note": LONG, "due_at": "2030-03-04T09:15"},
            errors=("note",),
        ),
        Role.COORDINATOR,
        ("incident-task-assign",),
        language="en",
    ),
    Row(
        BadInput(
            "discussion",
            "/incidents/{incident}/discussion",
            "[data-testid=comment-form]",
            {"body": "   "},
            errors=("body",),
        ),
        Role.COORDINATOR,
        ("incident-comment",),
    ),
    Row(
        BadInput(
            "observable",
            "/incidents/{incident}/observables",
            "[data-testid=observable-form]",
            {"kind": "ip", "value": "khong-phai-ip", "tlp": "green", "note": "từ nhật ký"},
            errors=("value",),
        ),
        Role.COORDINATOR,
        ("incident-observable",),
    ),
    Row(
        BadInput(
            "pasted observables",
            "/incidents/{incident}/observables",
            "[data-testid=paste-form]",
            {"text": "  ", "tlp": "red", "note": "danh sách IOC"},
            errors=("text",),
        ),
        Role.COORDINATOR,
        ("incident-observables-paste",),
    ),
    Row(
        BadInput(
            "file",
            "/incidents/{incident}/files",
            "[data-testid=attachment-form]",
            {"tlp": "red", "note": "ảnh chụp màn hình"},
            errors=("file",),
        ),
        Role.COORDINATOR,
        ("incident-attachment",),
    ),
    Row(
        BadInput(
            "open from a report",
            "/incidents/reports/{report}",
            "[data-testid=open-form]",
            {"severity": "serious", "severity_reason": "", "province": "Bắc Kạn"},
            errors=("severity_reason",),
        ),
        Role.COORDINATOR,
        ("report-open",),
    ),
    Row(
        BadInput(
            "attach a report",
            "/incidents/reports/{report}",
            "[data-testid=attach-form]",
            {"incident": "SC-1999-000001"},
            errors=("incident",),
        ),
        Role.COORDINATOR,
        ("report-attach",),
    ),
    Row(
        BadInput(
            "reject a report",
            "/incidents/reports/{report}",
            "[data-testid=reject-form]",
            {"reason": "ab"},
            errors=("reason",),
        ),
        Role.COORDINATOR,
        ("report-reject",),
    ),
    Row(
        BadInput(
            "incident filters",
            "/incidents",
            "[data-testid=incident-filters]",
            {"q": "x" * 250, "severity": "serious"},
            errors=("q",),
        ),
        Role.COORDINATOR,
        ("incident-filters",),
    ),
    Row(
        BadInput(
            "report filters",
            "/incidents/reports",
            "[data-testid=report-filters]",
            {"q": "y" * 250, "status": "rejected"},
            errors=("q",),
        ),
        Role.COORDINATOR,
        ("report-filters",),
    ),
    Row(
        BadInput(
            "deadline rule",
            "/incidents/deadline-profiles",
            "[data-testid=rule-form]",
            {"key": "khoá sai!", "label_vi": "Báo cáo bổ sung", "label_en": "Update", "anchor": "detected"},
            errors=("key",),
        ),
        Role.PLATFORM_ADMIN,
        ("deadline-rule",),
    ),
]


@pytest.mark.parametrize("row", INCIDENT_ROWS, ids=lambda row: row.case.name)
def test_a_bad_incident_form_comes_back_in_place(live_server, page, row: Row) -> None:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32() if row.role.requires_2fa else None
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session)
        reporter = member(session)
        incident = open_incident(session, coord, reporter)
        closing = open_incident(session, coord, reporter, title="Sự cố sắp kết thúc")
        for phase in ("analysis", "post_incident"):
            workflow.change_phase(session, subject_for(coord), closing.id, PhaseChange(phase=phase))
        task = task_service.create(session, subject_for(coord), incident.id, TaskCreate(title="Thu thập nhật ký"))
        report = make_report(session, reporter, title="Báo cáo chờ phân loại")
        if row.role == Role.COORDINATOR:
            user = coordinator(session, language=row.language, totp_secret=secret)
        else:
            user = make_user(session, roles=[row.role], language=row.language, totp_secret=secret)
        ids = {"incident": incident.id, "closing": closing.id, "task": task.id, "report": report.id}
        email = user.email
    log_in(page, live_server.url, email, secret)
    case = dataclasses.replace(row.case, url=row.case.url.format(**ids))
    submit_bad(page, live_server.url, case, language=row.language)


def test_the_severity_error_is_at_its_field_in_the_browser(live_server, page) -> None:  # type: ignore[no-untyped-def]
    """The done-when of issue 11: a coordinator who overrides a severity without a reason sees the
    error at the field with everything typed still there."""
    secret = pyotp.random_base32()
    with live_server.database.unit_of_work() as session:
        coord = coordinator(session, totp_secret=secret)
        incident = open_incident(session, coord, member(session))
        email, incident_id = coord.email, incident.id
    log_in(page, live_server.url, email, secret)
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    page.click("#classification details summary")
    page.select_option("#incident-classify-severity", "serious")
    page.fill("#incident-classify-sector", "Tài chính")
    page.check("#incident-classify-serious_criteria input[value=wide_spread]")
    with page.expect_navigation() as nav:
        page.click("[data-testid=classify-form] button[type=submit]")
    assert nav.value is not None and nav.value.status == 422
    error = page.inner_text("#incident-classify-severity_reason-e")
    assert "Nghiêm trọng" in error and "lý do" in error
    assert page.input_value("#incident-classify-severity") == "serious"
    assert page.input_value("#incident-classify-sector") == "Tài chính"
    assert page.is_checked("#incident-classify-serious_criteria input[value=wide_spread]")
    assert not re.search(r"severity_reason", page.inner_text("body"))
