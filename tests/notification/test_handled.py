"""Handling an item reads the notifications about it for everyone who was told: a report triaged,
an application decided, a profile confirmed (a support request answered: tests/web/test_home.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.identity.service import subject_for
from csirtnet.incident import intake, triage
from csirtnet.incident.schemas import ReportCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, Notification, ReportChannel
from csirtnet.organisation import application, service, stale
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, member, report_data


def unread(db: Session, link: str, event_type: str) -> set[int]:
    rows = db.scalars(
        select(Notification.user_id).where(
            Notification.link == link, Notification.event_type == event_type, Notification.read_at.is_(None)
        )
    )
    return set(rows)


def test_triaging_a_report_reads_every_coordinators_notification_of_it(db) -> None:
    first, second = coordinator(db), coordinator(db)
    received = intake.submit(
        db, subject_for(member(db)), ReportCreate.model_validate(report_data()), channel=ReportChannel.WEB
    )
    link = f"/incidents/reports/{received.report.id}"

    assert unread(db, link, "incident.report_received") == {first.id, second.id}
    triage.reject_report(db, subject_for(first), received.report.id, "Không phải sự cố an toàn thông tin")
    assert unread(db, link, "incident.report_received") == set()
    assert db.get(IncidentReport, received.report.id).status == "rejected"


def test_deciding_an_application_reads_every_coordinators_notification_of_it(db) -> None:
    first, second = coordinator(db), coordinator(db)
    app, _token = application.submit(
        db,
        application.ApplicationForm(
            applicant_kind="individual",
            applicant_name="Trịnh Văn Chuyên Gia",
            applicant_email="chuyengia@example.vn",
            organisation_name="Trịnh Văn Chuyên Gia",
        ),
        [],
        ip=None,
    )
    link = f"/members/applications/{app.id}"
    assert unread(db, link, "membership.application_submitted") == {first.id, second.id}
    application.reject(db, subject_for(second), app.id, "Chưa đủ điều kiện tham gia mạng lưới")
    assert unread(db, link, "membership.application_submitted") == set()


def test_confirming_a_stale_profile_reads_the_reminders(db) -> None:
    org = make_organisation(db)
    admins = [make_user(db, roles=[Role.ORG_ADMIN], organisation=org) for _ in range(2)]
    org.confirmed_at = utcnow() - timedelta(days=400)
    db.flush()
    assert stale.remind(db) >= 1
    link = f"/members/{org.id}"
    assert unread(db, link, "organisation.confirmation_due") == {a.id for a in admins}
    service.confirm(db, subject_for(admins[0]), org.id)
    assert unread(db, link, "organisation.confirmation_due") == set()
