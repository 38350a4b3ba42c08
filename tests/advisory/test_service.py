"""Publishing an advisory: the audience resolved and frozen, deliveries queued and sent, answers
recorded (and "needs help" opening a support request), versions with their diff, four-eyes
review, and nothing visible to an organisation that was not told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.advisory import answers, reads, sending, service
from csirtnet.advisory.schemas import AdvisoryUpdate, ReviewDecision
from csirtnet.authz import advisory as rules
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    AckStatus,
    AdvisoryDelivery,
    AdvisoryRecipient,
    AdvisoryStatus,
    Job,
    Notification,
    SupportRequest,
)
from tests.advisory.helpers import draft, make_world, published
from tests.incident.helpers import who


def test_publishing_to_a_cluster_tells_its_six_provinces_and_nobody_else(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    assert advisory.status == AdvisoryStatus.PUBLISHED.value and advisory.version == "1.0"
    told = set(
        db.scalars(select(AdvisoryRecipient.organisation_id).where(AdvisoryRecipient.advisory_id == advisory.id))
    )
    assert told == {o.id for o in w.provinces}
    people = db.scalar(select(func.count()).where(AdvisoryDelivery.advisory_id == advisory.id))
    assert people == 12  # an admin and a responder in each province
    jobs = db.scalars(select(Job).where(Job.name == "advisory.deliver")).all()
    assert jobs and all(set(j.payload) == {"advisory_id", "first_id", "last_id"} for j in jobs)
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.outsider), advisory.id)
    assert rules.get_visible(db, who(w.responders[0]), advisory.id).id == advisory.id


def test_the_delivery_job_notifies_in_app_and_stamps_each_delivery(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    job = db.scalars(select(Job).where(Job.name == "advisory.deliver")).first()
    assert job is not None
    sending.deliver(db, **job.payload)
    notes = db.scalars(select(Notification).where(Notification.user_id == w.admins[2].id)).all()
    assert [n.event_type for n in notes] == ["advisory.published"]
    assert notes[0].params["reference"] == advisory.reference
    assert db.scalar(select(func.count()).where(AdvisoryDelivery.notified_at.is_(None))) == 0


def test_answers_and_needs_help_opens_a_support_request(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answers.answer(db, who(w.admins[0]), advisory.id, AckStatus.APPLIED, "Đã vá")
    recipient = answers.answer(db, who(w.responders[1]), advisory.id, AckStatus.NEEDS_HELP, "Không có chuyên gia")
    assert recipient.support_request_id is not None and recipient.incident_id is not None
    request = db.get(SupportRequest, recipient.support_request_id)
    assert request is not None and advisory.reference in request.summary
    with pytest.raises(NotFound):
        answers.answer(db, who(w.outsider), advisory.id, AckStatus.APPLIED, None)
    view = reads.tracking(db, who(w.coordinator), advisory.id)
    assert view.totals["applied"] == 1 and view.totals["needs_help"] == 1 and view.totals["pending"] == 4
    assert [r.status for r in view.recipients[:4]] == ["pending"] * 4
    with pytest.raises(Forbidden):
        reads.tracking(db, who(w.admins[0]), advisory.id)


def test_after_the_deadline_the_unanswered_are_overdue_and_escalated(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    for admin in w.admins[:3]:
        answers.answer(db, who(admin), advisory.id, AckStatus.APPLIED, None)
    later = utcnow() + timedelta(days=3)
    view = reads.tracking(db, who(w.coordinator), advisory.id, now=later)
    assert view.totals["overdue"] == 3
    assert [r.overdue for r in view.recipients] == [True, True, True, False, False, False]
    assert advisory.deadline_at is not None
    escalated = sending.escalate(db, advisory.id, advisory.ack_round, advisory.deadline_at.isoformat(), now=later)
    assert escalated == 3
    kinds = db.scalars(select(AdvisoryDelivery.kind).where(AdvisoryDelivery.kind == "escalation")).all()
    assert len(kinds) == 3  # the admin of each overdue province
    assert sending.escalate(db, advisory.id, advisory.ack_round, advisory.deadline_at.isoformat(), now=later) == 0


def test_an_update_is_a_new_version_with_its_diff_and_may_ask_for_fresh_answers(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answers.answer(db, who(w.admins[0]), advisory.id, AckStatus.APPLIED, None)
    service.update(
        db,
        who(w.coordinator),
        advisory.id,
        AdvisoryUpdate.model_validate(
            {"recommended_actions": ["Cập nhật lên 10.2.10"], "note": "Bản vá mới", "fresh_ack": True}
        ),
    )
    assert advisory.version == "1.1"
    page = reads.advisory_page(db, who(w.admins[0]), advisory.id)
    assert [v.version for v in page.versions] == ["1.1", "1.0"]
    assert [c["field"] for c in page.versions[0].changes] == ["recommended_actions"]
    assert page.my_answer is not None and page.my_answer.status == "pending" and page.stale_answer
    updates = db.scalar(select(func.count()).where(AdvisoryDelivery.kind == "update"))
    assert updates == 12


def test_four_eyes_a_critical_advisory_waits_for_a_second_coordinator(db: Session) -> None:
    w = make_world(db)
    advisory = draft(db, w.coordinator, severity="critical", audience={"network": True})
    service.publish(db, who(w.coordinator), advisory.id)
    assert advisory.status == AdvisoryStatus.IN_REVIEW.value
    with pytest.raises(Forbidden):
        service.review(db, who(w.coordinator), advisory.id, ReviewDecision(approve=True))
    service.review(db, who(w.reviewer), advisory.id, ReviewDecision(approve=True, note="OK"))
    assert advisory.status == AdvisoryStatus.PUBLISHED.value
    assert advisory.reviewed_by_id == w.reviewer.id


def test_a_member_publishes_only_to_its_own_people(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationFailed) as refused:
        draft(db, w.admins[0], audience={"cluster_ids": [w.cluster.id]})
    assert refused.value.errors[0].field == "audience"
    own = published(db, w.admins[0], severity="low", audience={"organisation_ids": [w.provinces[0].id]})
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.admins[1]), own.id)


def test_tlp_red_names_people_only(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationFailed):
        draft(db, w.coordinator, tlp="red", audience={"cluster_ids": [w.cluster.id]})
    advisory = published(db, w.coordinator, tlp="red", audience={"user_ids": [w.admins[0].id]})
    assert rules.get_visible(db, who(w.admins[0]), advisory.id)
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.responders[0]), advisory.id)  # same organisation, not named


def test_every_job_the_advisories_queue_has_a_handler(db: Session) -> None:
    import csirtnet.jobs_registry  # noqa: F401 - what every worker imports
    from csirtnet.worker import handlers

    w = make_world(db)
    published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    queued = set(db.scalars(select(Job.name).where(Job.name.like("advisory.%"))))
    assert queued == {"advisory.deliver", "advisory.remind", "advisory.escalate"}
    assert queued <= set(handlers())


def test_a_cluster_lead_publishes_to_its_cluster_during_its_term_only(db: Session) -> None:
    from datetime import date

    from csirtnet.authz.cluster import today
    from csirtnet.models import ClusterLeadTerm

    w = make_world(db)
    lead = w.admins[3]  # Cao Bằng leads cluster no. 1 this year
    term = ClusterLeadTerm(
        cluster_id=w.cluster.id,
        organisation_id=w.provinces[3].id,
        starts_on=date(today().year, 1, 1),
        ends_on=date(today().year, 12, 31),
    )
    db.add(term)
    db.flush()
    advisory = published(db, lead, cluster_id=w.cluster.id, audience={"cluster_ids": [w.cluster.id]})
    told = set(
        db.scalars(select(AdvisoryRecipient.organisation_id).where(AdvisoryRecipient.advisory_id == advisory.id))
    )
    assert told == {o.id for o in w.provinces}
    with pytest.raises(ValidationFailed) as refused:
        draft(db, lead, cluster_id=w.cluster.id, audience={"network": True})
    assert refused.value.errors[0].field == "audience.network"
    # Naming an outsider keeps the audience inside the cluster.
    inside = published(db, lead, cluster_id=w.cluster.id, audience={"organisation_ids": [w.outsider_org.id]})
    assert db.scalar(select(func.count()).where(AdvisoryRecipient.advisory_id == inside.id)) == 0
    term.ends_on = date(today().year - 1, 12, 31)
    term.starts_on = date(today().year - 1, 1, 1)
    db.flush()
    with pytest.raises(Forbidden):
        draft(db, lead, cluster_id=w.cluster.id, audience={"cluster_ids": [w.cluster.id]})


def test_audiences_by_sector_province_and_security_level(db: Session) -> None:
    from csirtnet.models import InformationSystem

    w = make_world(db)
    w.provinces[0].sector = "finance"
    db.add(InformationSystem(organisation_id=w.provinces[1].id, name="Cổng dịch vụ công", security_level=4))
    db.add(InformationSystem(organisation_id=w.provinces[2].id, name="Thư điện tử", security_level=2))
    db.flush()

    def told(audience: dict[str, object]) -> set[int]:
        advisory = published(db, w.coordinator, audience=audience)
        return set(
            db.scalars(select(AdvisoryRecipient.organisation_id).where(AdvisoryRecipient.advisory_id == advisory.id))
        )

    assert told({"sectors": ["finance"]}) == {w.provinces[0].id}
    assert told({"provinces": ["Cà Mau", "Lạng Sơn"]}) == {w.outsider_org.id, w.provinces[4].id}
    assert told({"security_levels": [4, 5]}) == {w.provinces[1].id}
    assert told({"organisation_ids": [w.provinces[5].id], "security_levels": [2]}) == {
        w.provinces[5].id,
        w.provinces[2].id,
    }


def test_email_in_each_language_with_the_tlp_in_the_subject_and_webhooks(db: Session, smtp_server: list[Any]) -> None:
    import email.header

    from csirtnet.models import WebhookEndpoint

    w = make_world(db)
    w.admins[0].language = "en"
    w.responders[0].language = "vi"
    db.add(WebhookEndpoint(organisation_id=w.provinces[0].id, url="https://hooks.example.vn/x", secret="s" * 32))
    db.flush()
    advisory = published(db, w.coordinator, audience={"organisation_ids": [w.provinces[0].id]})
    for job in db.scalars(select(Job).where(Job.name == "advisory.deliver")).all():
        sending.deliver(db, **job.payload)
    mails = list(smtp_server)
    subjects = {
        str(m["To"]).lower(): str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in mails
    }
    assert subjects[w.admins[0].email.lower()].startswith(f"[TLP:AMBER] Advisory {advisory.reference}")
    assert subjects[w.responders[0].email.lower()].startswith(f"[TLP:AMBER] Khuyến cáo {advisory.reference}")
    hooks = db.scalars(select(Job).where(Job.name == "notification.deliver_webhook")).all()
    assert len(hooks) == 1 and hooks[0].payload["data"]["reference"] == advisory.reference
    emailed = db.scalars(select(AdvisoryDelivery.emailed_at).where(AdvisoryDelivery.advisory_id == advisory.id)).all()
    assert len(emailed) == 2 and all(emailed)


def test_reminders_go_before_the_deadline_to_those_who_have_not_answered(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, audience={"cluster_ids": [w.cluster.id]})
    answers.answer(db, who(w.admins[0]), advisory.id, AckStatus.RECEIVED, None)
    assert advisory.deadline_at is not None
    reminded = sending.remind(db, advisory.id, advisory.ack_round, advisory.deadline_at.isoformat())
    assert reminded == 5
    people = db.scalars(select(AdvisoryDelivery.user_id).where(AdvisoryDelivery.kind == "reminder")).all()
    assert w.admins[0].id not in people and w.responders[0].id not in people and len(people) == 10
    assert sending.remind(db, advisory.id, advisory.ack_round, advisory.deadline_at.isoformat()) == 0


def test_a_draft_withdrawn_before_it_went_out_stays_with_its_writers(db: Session) -> None:
    w = make_world(db)
    advisory = draft(db, w.admins[0], tlp="clear", severity="low", audience={"organisation_ids": [w.provinces[0].id]})
    service.withdraw(db, who(w.admins[0]), advisory.id, "Viết lại")
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.admins[1]), advisory.id)
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.coordinator), advisory.id)


def test_a_members_advisory_needs_no_review_and_nobody_else_changes_it(db: Session) -> None:
    from csirtnet.authz import Subject

    w = make_world(db)
    own = published(db, w.admins[0], severity="critical", audience={"organisation_ids": [w.provinces[0].id]})
    assert own.status == AdvisoryStatus.PUBLISHED.value
    admin = Subject(user_id=w.coordinator.id, organisation_id=None, roles=frozenset({"platform_admin"}))
    assert not rules.can_edit(admin, own)


def test_a_person_named_later_in_an_organisation_already_told_is_told(db: Session) -> None:
    w = make_world(db)
    advisory = published(db, w.coordinator, tlp="red", audience={"user_ids": [w.admins[0].id]})
    with pytest.raises(NotFound):
        rules.get_visible(db, who(w.responders[0]), advisory.id)
    service.update(
        db,
        who(w.coordinator),
        advisory.id,
        AdvisoryUpdate.model_validate({"audience": {"user_ids": [w.admins[0].id, w.responders[0].id]}}),
    )
    assert rules.get_visible(db, who(w.responders[0]), advisory.id).id == advisory.id
