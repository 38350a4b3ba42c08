"""Deadlines come from profiles stored as data (seeded by the migration); the job reminds before
and escalates after."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from csirtnet.incident import deadlines, triage
from csirtnet.incident.schemas import Classification
from csirtnet.kit.time import utcnow
from csirtnet.models import DeadlineProfile, IncidentDeadline, Notification
from csirtnet.vocabulary import Severity
from csirtnet.worker import Worker, enqueue
from tests.incident.helpers import coordinator, member, open_incident, who


def _by_rule(db, incident) -> dict[str, IncidentDeadline]:
    return {d.rule_key: d for d in deadlines.deadlines_of(db, incident)}


def test_the_four_profiles_are_seeded_as_data(db) -> None:
    keys = set(db.scalars(select(DeadlineProfile.key)))
    assert {"vn-circular-20", "nis2-art23", "cisa-federal", "cisa-circia"} <= keys
    assert deadlines.default_profile_key(db) == "vn-circular-20"


def test_vietnam_five_days_for_normal_and_immediately_for_serious(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, system_security_level=2)
    rows = _by_rule(db, incident)
    assert rows["notification"].due_at == incident.detected_at + timedelta(days=5)
    assert rows["notification"].met_at == incident.reported_at  # the report is the notification
    assert "notification_serious" not in rows
    assert rows["closing_report"].due_at is None and rows["closing_report"].met_at is None
    triage.update_classification(
        db, who(coord), incident.id, Classification(severity=Severity.SERIOUS, severity_reason="Hệ thống trọng yếu")
    )
    rows = _by_rule(db, incident)
    assert "notification" not in rows
    assert rows["notification_serious"].due_at == incident.detected_at
    assert not deadlines.is_late(rows["notification_serious"])  # "immediately" is met by any report


def test_nis2_24_hours_72_hours_and_a_month(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, {"deadline_profile_key": "nis2-art23"})
    rows = _by_rule(db, incident)
    assert rows["early_warning"].due_at == incident.detected_at + timedelta(hours=24)
    assert rows["notification"].due_at == incident.detected_at + timedelta(hours=72)
    assert rows["final_report"].due_at == incident.detected_at + timedelta(hours=72) + timedelta(days=30)
    deadlines.mark_met(db, who(coord), incident, "notification")
    met = _by_rule(db, incident)["notification"].met_at
    assert met is not None
    assert _by_rule(db, incident)["final_report"].due_at == met + timedelta(days=30)


def test_cisa_one_hour_and_circia_ransom_payment(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, {"deadline_profile_key": "cisa-federal"})
    assert _by_rule(db, incident)["notification"].due_at == incident.detected_at + timedelta(hours=1)
    triage.update_classification(db, who(coord), incident.id, Classification(deadline_profile_key="cisa-circia"))
    rows = _by_rule(db, incident)
    assert set(rows) == {"covered_incident"}
    paid = utcnow() - timedelta(hours=1)
    triage.update_classification(db, who(coord), incident.id, Classification(ransom_paid_at=paid))
    assert _by_rule(db, incident)["ransom_payment"].due_at == paid + timedelta(hours=24)


def test_profiles_are_editable_by_admins_and_recompute_open_incidents(db) -> None:
    from csirtnet.authz import Subject

    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, system_security_level=2)
    rule = deadlines.RuleInput(
        "notification", "Báo cáo trong 3 ngày", "Report within 3 days", "detected", 3 * 1440, "normal", "report", 60
    )
    deadlines.save_rule(db, Subject.system("test"), "vn-circular-20", rule)
    assert _by_rule(db, incident)["notification"].due_at == incident.detected_at + timedelta(days=3)


def test_reminder_before_and_escalation_after(database, db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(
        db,
        coord,
        reporter,
        {"deadline_profile_key": "nis2-art23"},
        detected_at=(utcnow() - timedelta(hours=20)).isoformat(),
    )
    # The 72-hour notification is manual and far away; make the 24-hour warning "manual" by marking
    # nothing: it is met by the report. Move the notification's due time into the reminder window.
    row = _by_rule(db, incident)["notification"]
    db.execute(
        update(IncidentDeadline).where(IncidentDeadline.id == row.id).values(due_at=utcnow() + timedelta(hours=2))
    )
    enqueue(db, deadlines.SWEEP_JOB, guard=None)
    db.commit()
    Worker(database).run_until_idle()
    reminders = db.scalars(select(Notification).where(Notification.event_type == "incident.deadline_reminder")).all()
    assert {n.user_id for n in reminders} == {coord.id, reporter.id}
    assert not db.scalars(select(Notification).where(Notification.event_type == "incident.deadline_overdue")).all()
    db.execute(
        update(IncidentDeadline).where(IncidentDeadline.id == row.id).values(due_at=utcnow() - timedelta(minutes=1))
    )
    enqueue(db, deadlines.SWEEP_JOB, guard=None)
    db.commit()
    Worker(database).run_until_idle()
    Worker(database).run_until_idle()
    escalations = db.scalars(select(Notification).where(Notification.event_type == "incident.deadline_overdue")).all()
    assert [n.user_id for n in escalations] == [coord.id]  # escalated once, to the coordinators
    db.refresh(incident)
    assert incident.overdue
    # The job keeps a sweep queued for later.
    from csirtnet.models import Job

    assert db.scalar(select(Job).where(Job.name == deadlines.SWEEP_JOB, Job.status == "queued")) is not None
