"""Notifications, their emails and webhooks reach only those who may see what they say
(authz.derived): a task of a TLP:RED incident is not announced to an assignee who is not named on it,
and a webhook carries nothing of an incident its organisation as a whole may not see."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from csirtnet.authz.derived import Guard, GuardKind, guard_of
from csirtnet.incident import task_service, triage
from csirtnet.incident.schemas import Classification, TaskCreate
from csirtnet.models import Job, Notification
from csirtnet.notification import service
from csirtnet.vocabulary import TLP, Role
from tests.incident.helpers import coordinator, member, open_incident, who


def _told(db, user) -> str:  # type: ignore[no-untyped-def]
    notes = db.scalars(select(Notification.params).where(Notification.user_id == user.id)).all()
    jobs = [j.payload for j in db.scalars(select(Job)) if j.payload.get("user_id") == user.id]
    return str(notes) + str(jobs)


def test_a_red_incidents_task_is_told_only_to_those_named(db) -> None:
    coord, reporter = coordinator(db), member(db)
    colleague = member(db, org=reporter.organisation, role=Role.RESPONDER)
    incident = open_incident(db, coord, reporter)
    triage.update_classification(db, who(coord), incident.id, Classification(tlp=TLP.RED))
    title = f"Việc {uuid.uuid4().hex[:10]}"
    task_service.create(db, who(coord), incident.id, TaskCreate(title=title, assignee_ids=[colleague.id, reporter.id]))
    db.flush()
    assert title not in _told(db, colleague)  # not named on the RED incident
    assert title in _told(db, reporter)  # named, as its reporter
    jobs = db.scalars(select(Job).where(Job.name == "notification.send_email")).all()
    assert all(j.guard_kind == "incident" and j.guard_id == incident.id for j in jobs if title in str(j.payload))


def test_webhooks_carry_nothing_the_organisation_may_not_see(db) -> None:
    coord, reporter = coordinator(db), member(db)
    org = reporter.organisation
    admin = member(db, org=org, role=Role.ORG_ADMIN)
    service.create_webhook(db, who(admin), org.id, "https://hooks.example.vn/in", [])
    incident = open_incident(db, coord, reporter)
    assert service.emit_webhooks(db, org.id, "system.announcement", {"n": 1}, guard=guard_of(incident)) == 1
    triage.update_classification(db, who(coord), incident.id, Classification(tlp=TLP.RED))
    assert service.emit_webhooks(db, org.id, "system.announcement", {"n": 2}, guard=guard_of(incident)) == 0
    other = open_incident(db, coord, member(db))  # another organisation's incident
    guard = Guard(GuardKind.INCIDENT, other.id)
    assert service.emit_webhooks(db, org.id, "system.announcement", {"n": 3}, guard=guard) == 0
