"""Who is told what on which channel, and the emails a real SMTP server receives."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.db import Database
from csirtnet.errors import ValidationFailed
from csirtnet.identity.login import start_password_reset
from csirtnet.identity.service import subject_for
from csirtnet.models import AuditRecord, Job, JobStatus, Notification, User
from csirtnet.notification import events, service
from csirtnet.notification.events import EventType
from csirtnet.worker import Worker
from tests.factories import make_user
from tests.smtp import text_of


def email_jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.name == "notification.send_email").order_by(Job.id)))


def inapp(db: Session, user: User) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id)))


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    out = {str(m["To"]): m for m in messages}
    assert len(out) == len(messages), "one message per recipient"
    return out


def test_notify_follows_each_users_preferences(db: Session) -> None:
    default = make_user(db)
    quiet = make_user(db)  # no email for announcements
    unseen = make_user(db)  # no bell for announcements
    gone = make_user(db, is_active=False)
    service.set_preferences(db, subject_for(quiet), quiet, {("system.announcement", "email"): False})
    service.set_preferences(db, subject_for(unseen), unseen, {("system.announcement", "inapp"): False})

    created = service.notify(
        db, "system.announcement", [default, quiet, unseen, gone], {"subject": "Diễn tập"}, guard=None, link="/x"
    )
    db.flush()
    assert {n.user_id for n in created} == {default.id, quiet.id}
    assert [(n.event_type, n.params, n.link) for n in inapp(db, default)] == [
        ("system.announcement", {"subject": "Diễn tập"}, "/x")
    ]
    assert inapp(db, unseen) == [] and inapp(db, gone) == []
    assert [j.payload["user_id"] for j in email_jobs(db)] == [default.id, unseen.id]
    assert service.unread_count(db, default.id) == 1


def test_defaults_apply_without_a_choice(db: Session) -> None:
    user = make_user(db)
    service.notify(db, "system.job_failed", [user], {"job": "feed.fetch"}, guard=None)  # in-app only by default
    db.flush()
    assert len(inapp(db, user)) == 1
    assert email_jobs(db) == []
    prefs = service.preferences(db, user.id)
    assert prefs[("system.job_failed", "inapp")] is True and prefs[("system.job_failed", "email")] is False


def test_preference_changes_are_audited_and_checked(db: Session) -> None:
    user = make_user(db)
    service.set_preferences(db, subject_for(user), user, {("system.announcement", "email"): False})
    record = db.scalars(select(AuditRecord).where(AuditRecord.action == "notification.preferences_changed")).one()
    assert record.summary == {"changes": {"system.announcement/email": False}}
    with pytest.raises(ValidationFailed) as err:
        service.set_preferences(db, subject_for(user), user, {("no.such_event", "email"): True})
    assert err.value.errors[0].field == "event_type"
    with pytest.raises(ValidationFailed) as err:
        service.set_preferences(db, subject_for(user), user, {("system.announcement", "pigeon"): True})
    assert err.value.errors[0].field == "channel"


def test_transactional_events_ignore_preferences(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    receipt = EventType("test.receipt", {"vi": "Biên nhận {n}", "en": "Receipt {n}"}, transactional=True)
    monkeypatch.setitem(events.EVENTS, receipt.key, receipt)
    user = make_user(db)
    service.set_preferences(db, subject_for(user), user, {("test.receipt", "email"): False})
    service.notify(db, "test.receipt", [user], {"n": "7"}, guard=None)
    db.flush()
    assert [j.payload["event_type"] for j in email_jobs(db)] == ["test.receipt"]


def test_emails_arrive_in_each_users_language(
    database: Database, db: Session, smtp_server: list[EmailMessage], settings
) -> None:
    vi = make_user(db, language="vi", email="nguoi.nhan@example.vn")
    en = make_user(db, language="en", email="recipient@example.org")
    unset = make_user(db, language=None, email="mac.dinh@example.vn")  # the platform's default: vi
    service.notify(
        db, "system.announcement", [vi, en, unset], {"subject": "Diễn tập ACID 2025"}, guard=None, link="/advisories/7"
    )
    db.flush()
    assert Worker(database).run_until_idle() == 3

    mail = by_recipient(smtp_server)
    link = settings.base_url.rstrip("/") + "/advisories/7"
    assert mail[vi.email]["Subject"] == "Thông báo: Diễn tập ACID 2025"
    assert "Mở csirtnet để xem chi tiết:" in text_of(mail[vi.email]) and link in text_of(mail[vi.email])
    assert mail[en.email]["Subject"] == "Announcement: Diễn tập ACID 2025"
    assert "Open csirtnet for the details:" in text_of(mail[en.email]) and link in text_of(mail[en.email])
    assert mail[unset.email]["Subject"] == "Thông báo: Diễn tập ACID 2025"
    assert mail[en.email]["From"] == settings.mail_from
    assert all(j.status == JobStatus.DONE.value for j in email_jobs(db))


def test_password_reset_email_carries_the_link(
    database: Database, db: Session, smtp_server: list[EmailMessage], settings
) -> None:
    vi = make_user(db, language="vi", full_name="Nguyễn Thị Hoa")
    en = make_user(db, language="en", full_name="Jane Doe")
    tokens = {vi.email: start_password_reset(db, vi), en.email: start_password_reset(db, en)}
    db.flush()
    Worker(database).run_until_idle()

    mail = by_recipient(smtp_server)
    assert mail[vi.email]["Subject"] == "Đặt lại mật khẩu csirtnet"
    assert mail[en.email]["Subject"] == "Reset your csirtnet password"
    for address, token in tokens.items():
        body = text_of(mail[address])
        assert f"{settings.base_url.rstrip('/')}/password/reset/{token}" in body
    assert "Xin chào Nguyễn Thị Hoa" in text_of(mail[vi.email])
    assert "Hello Jane Doe" in text_of(mail[en.email])


def test_formal_notifications_are_marked_tbsc(
    database: Database, db: Session, smtp_server: list[EmailMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    formal = EventType("test.formal_notice", {"vi": "Cảnh báo {code}", "en": "Warning {code}"}, formal=True)
    monkeypatch.setitem(events.EVENTS, formal.key, formal)
    user = make_user(db, language="en")
    service.notify(db, formal.key, [user], {"code": "CB-2025-01"}, guard=None)
    db.flush()
    Worker(database).run_until_idle()
    assert [m["Subject"] for m in smtp_server] == ["[TBSC] Warning CB-2025-01"]


def test_a_rolled_back_change_sends_no_email(database: Database, db: Session, smtp_server: list[EmailMessage]) -> None:
    user = make_user(db)
    db.flush()
    with pytest.raises(RuntimeError), database.unit_of_work() as s:
        service.notify(s, "system.announcement", [s.get(User, user.id)], {"subject": "x"}, guard=None)  # type: ignore[list-item]
        raise RuntimeError("the change failed")
    assert Worker(database).run_until_idle() == 0
    assert smtp_server == []


def test_unreachable_mail_server_means_retry(database: Database, db: Session, settings) -> None:
    """With no server listening (the settings' port 1), the job is retried, not lost."""
    user = make_user(db)
    service.notify(db, "system.announcement", [user], {"subject": "x"}, guard=None)
    db.flush()
    Worker(database).run_until_idle()
    [job] = email_jobs(db)
    db.refresh(job)
    assert (job.status, job.attempts) == (JobStatus.QUEUED.value, 1)
    assert job.last_error
