"""Mentions notify only those who may see the incident; the Maildir poller files reports once;
every incident email template renders in both languages."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from csirtnet.incident import discussion, task_service
from csirtnet.incident.email_intake import poll_maildir
from csirtnet.incident.schemas import TaskCreate
from csirtnet.models import IncidentReport, Notification
from csirtnet.notification.render import render
from tests.incident.helpers import coordinator, member, open_incident, who


def test_mentions_notify_only_who_may_see(db) -> None:
    coord, reporter, stranger = coordinator(db), member(db), member(db)
    colleague = member(db, org=reporter.organisation, full_name="Trần Thị Đồng Nghiệp")
    incident = open_incident(db, coord, reporter)
    comment = discussion.post(
        db, who(coord), incident.id, f"@{stranger.email} và @[Trần Thị Đồng Nghiệp] xem giúp nhật ký máy chủ"
    )
    assert comment.mentioned_user_ids == [colleague.id]
    told = db.scalars(select(Notification.user_id).where(Notification.event_type == "incident.mentioned")).all()
    assert told == [colleague.id]


def test_task_assignees_are_told(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    task_service.create(db, who(coord), incident.id, TaskCreate(title="Thu thập nhật ký", assignee_ids=[reporter.id]))
    assert db.scalar(
        select(Notification).where(
            Notification.user_id == reporter.id, Notification.event_type == "incident.task_assigned"
        )
    )


def test_maildir_poller_files_new_messages_once(database, db, tmp_path) -> None:
    box = mailbox.Maildir(str(tmp_path / "reports"), create=True)
    msg = EmailMessage()
    msg["From"] = "Ban CNTT <cntt@example.vn>"
    msg["Subject"] = "[TBSC] Tấn công từ chối dịch vụ cổng thông tin"
    msg["Message-ID"] = "<dos-1@example.vn>"
    msg.set_content("Cổng thông tin không truy cập được từ 8 giờ sáng do lưu lượng bất thường.")
    box.add(msg)
    bad = EmailMessage()
    bad["From"] = "not-an-address"
    bad["Subject"] = "x"
    bad.set_content("?")
    box.add(bad)
    first = poll_maildir(database, tmp_path / "reports")
    assert (first.filed, first.quarantined, first.failed) == (1, 1, 0)  # the bad one is quarantined, not lost
    again = poll_maildir(database, tmp_path / "reports")
    assert (again.filed, again.quarantined) == (0, 0)  # moved to cur/
    report = db.scalar(select(IncidentReport).where(IncidentReport.email_message_id == "<dos-1@example.vn>"))
    assert report is not None and report.formal and report.channel == "email"


PARAMS = {
    "reference": "SC-2026-000001",
    "title": "Mã độc",
    "outcome": "opened",
    "incident_reference": "SC-2026-000001",
    "reason": "",
    "tracking_link": "http://x/report/track/t",
    "label": "l",
    "label_vi": "Báo cáo",
    "label_en": "Report",
    "due_at": "2026-01-01T00:00",
}


@pytest.mark.parametrize(
    "event",
    [
        "incident.report_acknowledged",
        "incident.report_outcome",
        "incident.deadline_reminder",
        "incident.deadline_overdue",
    ],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_email_templates_render(event: str, language: str) -> None:
    import csirtnet.incident.events  # noqa: F401

    subject, body = render(event, language, PARAMS, "http://x/incidents/1")
    assert "SC-2026-000001" in subject + body
    assert ("Xin chào" in body) == (language == "vi")
