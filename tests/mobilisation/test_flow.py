"""The mobilisation flow through the services: raise, send, accept, decline, escalate, release,
and the incident access that follows a deployment."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz.incident import can_view
from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.kit import dates
from csirtnet.kit.time import utcnow
from csirtnet.mobilisation import deployments, reads, service
from csirtnet.mobilisation.schemas import AcceptBody, CancelBody, DeclineBody, ReleaseBody
from csirtnet.models import (
    AuditRecord,
    Deployment,
    IncidentParticipant,
    IncidentTimelineEntry,
    Job,
    Notification,
    SupportRequestTarget,
)
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker
from tests.factories import make_user
from tests.mobilisation.helpers import make_expert, make_network, request_body, who
from tests.smtp import text_of


def targets(db: Session, request_id: int) -> list[SupportRequestTarget]:
    return list(
        db.scalars(
            select(SupportRequestTarget)
            .where(SupportRequestTarget.support_request_id == request_id)
            .order_by(SupportRequestTarget.id)
        )
    )


def actions(db: Session) -> list[str]:
    rows = db.scalars(select(AuditRecord.action).order_by(AuditRecord.seq))
    return [a for a in rows if a.startswith("mobilisation.")]


def notified(db: Session, user_id: int, event: str) -> list[Notification]:
    return list(
        db.scalars(select(Notification).where(Notification.user_id == user_id, Notification.event_type == event))
    )


def test_a_request_goes_to_the_best_match_with_its_explanation(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    sent = targets(db, request.id)
    assert [t.organisation_id for t in sent] == [net.fpt.id]
    assert sent[0].rank == 1 and sent[0].score == 100 and sent[0].status == "pending"
    assert [c["key"] for c in sent[0].explanation] == ["experts", "capabilities"]
    assert "Lê Minh Ứng Cứu" in sent[0].explanation[0]["reason"]["vi"]
    assert notified(db, net.fpt_admin.id, "mobilisation.request_received")
    assert not notified(db, net.bkav_admin.id, "mobilisation.request_received")
    assert actions(db) == ["mobilisation.request_raised", "mobilisation.request_sent"]
    escalation = db.scalar(select(Job).where(Job.name == "mobilisation.escalate"))
    assert escalation is not None and escalation.run_after == request.response_deadline
    entries = db.scalars(
        select(IncidentTimelineEntry.action).where(IncidentTimelineEntry.incident_id == net.incident.id)
    ).all()
    assert list(entries) == ["mobilisation.request_raised", "mobilisation.request_sent"]

    _request, ranking = reads.matches(db, who(net.coordinator), request.id)
    assert [m.organisation.name for m in ranking] == ["FPT", "Bkav", "MISA"]
    assert ranking[2].experts[0].components[0].reason.en.startswith("Malware analysis: expert")


def test_accepting_deploys_named_experts_with_access_for_the_deployment_only(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    expert = who(net.fpt_expert_user)
    assert not can_view(db, expert, net.incident.id)

    [deployment] = service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))
    assert deployment.status == "active" and deployment.organisation_id == net.fpt.id
    assert deployment.ends_at == request.ends_at
    participant = db.scalar(select(IncidentParticipant).where(IncidentParticipant.deployment_id == deployment.id))
    assert participant is not None
    assert (participant.user_id, participant.role, participant.ends_at) == (
        net.fpt_expert_user.id,
        "responder",
        request.ends_at,
    )
    assert can_view(db, expert, net.incident.id)
    assert not can_view(db, expert, net.incident.id, now=request.ends_at + timedelta(seconds=1))
    assert request.status == "fulfilled"
    assert notified(db, net.fpt_expert_user.id, "mobilisation.deployed")
    assert notified(db, net.coordinator.id, "mobilisation.request_accepted")

    released = deployments.release(
        db, who(net.fpt_admin), deployment.id, ReleaseBody(hours=0, outcome="Đã khoanh vùng mã độc")
    )
    assert released.status == "released" and released.released_at is not None
    assert not can_view(db, expert, net.incident.id)
    assert notified(db, net.fpt_expert_user.id, "mobilisation.released")
    with pytest.raises(Conflict):
        deployments.release(db, who(net.coordinator), deployment.id, ReleaseBody())
    assert actions(db)[-4:] == [
        "mobilisation.expert_deployed",
        "mobilisation.request_accepted",
        "mobilisation.request_fulfilled",
        "mobilisation.expert_released",
    ]


def test_a_later_start_opens_the_incident_only_from_that_start(db: Session) -> None:
    net = make_network(db)
    start = utcnow() + timedelta(days=2)
    request = service.raise_request(
        db, who(net.coordinator), net.incident.id, request_body(starts_at=start, duration_hours=24)
    )
    [deployment] = service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))
    assert deployment.status == "planned"
    expert = who(net.fpt_expert_user)
    assert not can_view(db, expert, net.incident.id)
    assert can_view(db, expert, net.incident.id, now=start + timedelta(hours=1))
    assert not can_view(db, expert, net.incident.id, now=start + timedelta(hours=25))
    jobs = {j.name: j.run_after for j in db.scalars(select(Job).where(Job.name.like("mobilisation.%_deployment")))}
    assert jobs == {"mobilisation.start_deployment": start, "mobilisation.end_deployment": start + timedelta(hours=24)}


def test_an_organisation_names_only_its_own_available_experts(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    on_leave = make_expert(db, net.fpt, {"malware-analysis": 3}, available=False)
    with pytest.raises(ValidationFailed) as refused:
        service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.bkav_expert.id]))
    assert refused.value.errors[0].field == "expert_ids.0"
    assert "not on your organisation's roster" in refused.value.errors[0].message
    with pytest.raises(ValidationFailed) as leave:
        service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[on_leave.id]))
    assert "not available" in leave.value.errors[0].message
    with pytest.raises(ValidationFailed) as too_many:
        service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id, on_leave.id]))
    assert too_many.value.errors[0].field == "expert_ids"
    assert db.scalar(select(Deployment.id)) is None
    # Bkav was not asked: it cannot answer.
    with pytest.raises(NotFound):
        service.accept(db, who(net.bkav_admin), request.id, AcceptBody(expert_ids=[net.bkav_expert.id]))
    # A responder of FPT may not answer for FPT (the request is not even shown to them).
    with pytest.raises(NotFound):
        service.accept(db, who(net.fpt_expert_user), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))


def test_declining_needs_a_reason_and_asks_the_next_match(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    with pytest.raises(Exception) as no_reason:
        DeclineBody(reason=" ")
    assert "reason" in str(no_reason.value)

    target = service.decline(db, who(net.fpt_admin), request.id, DeclineBody(reason="Chuyên gia đang bận diễn tập"))
    assert target.status == "declined" and target.decline_reason == "Chuyên gia đang bận diễn tập"
    sent = targets(db, request.id)
    assert [(t.organisation_id, t.status, t.round) for t in sent] == [
        (net.fpt.id, "declined", 1),
        (net.bkav.id, "pending", 2),
    ]
    assert notified(db, net.coordinator.id, "mobilisation.request_declined")
    assert notified(db, net.bkav_admin.id, "mobilisation.request_received")
    with pytest.raises(Conflict):
        service.decline(db, who(net.fpt_admin), request.id, DeclineBody(reason="again"))


def test_unanswered_requests_escalate_to_the_next_match_after_the_deadline(database: Database, db: Session) -> None:
    net = make_network(db)
    asked_at = utcnow() - timedelta(hours=3)
    body = request_body(response_deadline=asked_at + timedelta(hours=2))
    request = service.raise_request(db, who(net.coordinator), net.incident.id, body, now=asked_at)
    db.flush()
    assert Worker(database).run_until_idle() >= 1

    db.expire_all()
    sent = targets(db, request.id)
    assert [(t.organisation_id, t.status) for t in sent] == [(net.fpt.id, "expired"), (net.bkav.id, "pending")]
    assert sent[1].respond_by > utcnow() + timedelta(minutes=110)  # the same two hours to answer
    assert notified(db, net.bkav_admin.id, "mobilisation.request_received")
    # Running the escalation again changes nothing (idempotent).
    service.escalate(db, request.id)
    service.escalate(db, request.id)
    assert [(t.organisation_id, t.status) for t in targets(db, request.id)] == [
        (net.fpt.id, "expired"),
        (net.bkav.id, "pending"),
    ]
    # Bkav and MISA let their deadlines pass too: nobody suitable is left.
    service.escalate(db, request.id, now=utcnow() + timedelta(hours=3))
    service.escalate(db, request.id, now=utcnow() + timedelta(hours=6))
    assert [t.status for t in targets(db, request.id)] == ["expired", "expired", "expired"]
    assert request.status == "unfilled"
    assert notified(db, net.coordinator.id, "mobilisation.request_unfilled")
    assert "mobilisation.request_expired" in actions(db)


def test_an_organisation_cannot_answer_after_its_deadline(db: Session) -> None:
    net = make_network(db)
    asked_at = utcnow() - timedelta(hours=3)
    body = request_body(response_deadline=asked_at + timedelta(hours=1))
    request = service.raise_request(db, who(net.coordinator), net.incident.id, body, now=asked_at)
    with pytest.raises(Conflict, match="deadline"):
        service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))


def test_two_experts_from_two_organisations(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body(experts_needed=2))
    assert [t.organisation_id for t in targets(db, request.id)] == [net.fpt.id, net.bkav.id]
    service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))
    assert request.status == "open"
    service.accept(db, who(net.bkav_admin), request.id, AcceptBody(expert_ids=[net.bkav_expert.id]))
    assert request.status == "fulfilled"
    for user in (net.fpt_expert_user, net.bkav_expert_user):
        assert can_view(db, who(user), net.incident.id)


def test_fulfilled_requests_withdraw_the_other_pending_organisations(db: Session) -> None:
    net = make_network(db)
    second = make_expert(db, net.fpt, {"malware-analysis": 3, "digital-forensics": 3}, province="Bắc Kạn")
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body(experts_needed=2))
    service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id, second.id]))
    assert request.status == "fulfilled"
    assert [t.status for t in targets(db, request.id)] == ["accepted", "withdrawn"]
    assert notified(db, net.bkav_admin.id, "mobilisation.request_withdrawn")
    # Second expert has no account: deployed, but no access row (it would open the incident to all of FPT).
    rows = db.scalars(select(IncidentParticipant).where(IncidentParticipant.incident_id == net.incident.id)).all()
    assert [r.user_id for r in rows] == [net.fpt_expert_user.id]


def test_cancel_withdraws_and_only_managers_may(db: Session) -> None:
    net = make_network(db)
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    with pytest.raises(Forbidden):
        service.cancel(db, who(net.fpt_admin), request.id, CancelBody(reason="không cần"))
    service.cancel(db, who(net.coordinator), request.id, CancelBody(reason="Sự cố đã được khắc phục"))
    assert request.status == "cancelled"
    assert [t.status for t in targets(db, request.id)] == ["withdrawn"]
    with pytest.raises(Conflict):
        service.accept(db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]))


def test_only_the_coordinator_or_the_cluster_lead_raise_requests(db: Session) -> None:
    net = make_network(db)
    # The affected organisation's admin sees the incident but may not mobilise the network.
    with pytest.raises(Forbidden):
        service.raise_request(db, who(net.affected_admin), net.incident.id, request_body())
    # Another member's admin does not even see the incident.
    with pytest.raises(NotFound):
        service.raise_request(db, who(net.fpt_admin), net.incident.id, request_body())
    viewer = make_user(db, roles=[Role.VIEWER], organisation=net.affected)
    with pytest.raises(Forbidden):
        service.raise_request(db, who(viewer), net.incident.id, request_body())


def test_bad_requests_name_the_field(db: Session) -> None:
    net = make_network(db)
    coordinator = who(net.coordinator)
    cases = {
        "response_deadline": request_body(response_deadline=utcnow() - timedelta(minutes=1)),
        "province": request_body(province=None),
        "starts_at": request_body(starts_at=utcnow() - timedelta(days=1)),
    }
    for field, body in cases.items():
        with pytest.raises(ValidationFailed) as bad:
            service.raise_request(db, coordinator, net.incident.id, body)
        assert bad.value.errors[0].field == field
    late = request_body(duration_hours=2, response_deadline=utcnow() + timedelta(hours=3))
    with pytest.raises(ValidationFailed, match="response_deadline"):
        service.raise_request(db, coordinator, net.incident.id, late)
    with pytest.raises(ValidationFailed) as unknown:
        service.raise_request(db, coordinator, net.incident.id, request_body(organisation_ids=[net.affected.id]))
    assert unknown.value.errors[0].field == "organisation_ids.0"


def test_the_coordinator_may_choose_the_organisations(db: Session) -> None:
    net = make_network(db)
    body = request_body(organisation_ids=[net.misa.id, net.bkav.id])
    request = service.raise_request(db, who(net.coordinator), net.incident.id, body)
    assert [(t.organisation_id, t.rank) for t in targets(db, request.id)] == [(net.misa.id, 3), (net.bkav.id, 2)]


def test_nobody_suitable_means_unfilled_at_once(db: Session) -> None:
    net = make_network(db)
    body = request_body(skills=[{"skill": "ot-ics-security", "min_level": 3}])
    request = service.raise_request(db, who(net.coordinator), net.incident.id, body)
    assert request.status == "unfilled" and targets(db, request.id) == []


def test_deployments_end_at_their_end_date(database: Database, db: Session) -> None:
    net = make_network(db)
    asked_at = utcnow() - timedelta(hours=5)
    body = request_body(duration_hours=3, response_deadline=asked_at + timedelta(hours=1))
    request = service.raise_request(db, who(net.coordinator), net.incident.id, body, now=asked_at)
    [deployment] = service.accept(
        db, who(net.fpt_admin), request.id, AcceptBody(expert_ids=[net.fpt_expert.id]), now=asked_at
    )
    db.flush()
    Worker(database).run_until_idle()
    db.expire_all()
    assert deployment.status == "released" and deployment.released_at == asked_at + timedelta(hours=3)
    assert not can_view(db, who(net.fpt_expert_user), net.incident.id)
    # Hours are recorded afterwards, within the deployment's span.
    with pytest.raises(ValidationFailed) as too_many:
        deployments.record(db, who(net.fpt_admin), deployment.id, ReleaseBody(hours=4))
    assert too_many.value.errors[0].field == "hours"
    deployments.record(db, who(net.fpt_admin), deployment.id, ReleaseBody(hours=2.5, outcome="Khôi phục xong"))
    assert deployment.hours == 2.5
    with pytest.raises(NotFound):
        deployments.record(db, who(net.misa_admin), deployment.id, ReleaseBody(hours=1))


def test_the_asked_organisations_admins_get_it_by_email_in_their_language(
    database: Database, db: Session, smtp_server: list[EmailMessage], settings: Settings
) -> None:
    net = make_network(db)
    net.fpt_admin.language = "en"
    second_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=net.fpt, language="vi")
    request = service.raise_request(db, who(net.coordinator), net.incident.id, request_body())
    db.flush()
    Worker(database).run_until_idle()
    mail = {str(m["To"]): m for m in smtp_server}
    assert set(mail) == {net.fpt_admin.email, second_admin.email}
    english, vietnamese = mail[net.fpt_admin.email], mail[second_admin.email]
    # One way to write a moment per language, in the reader's zone, named (an email travels).
    zone = settings.timezone
    en_deadline = dates.format_datetime(request.response_deadline, "en", zone, with_zone=True)
    vi_deadline = dates.format_datetime(request.response_deadline, "vi", zone, with_zone=True)
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} \(UTC\+07:00\)", vi_deadline)
    assert english["Subject"].strip() == f"Experts needed on incident {net.incident.reference}, answer by {en_deadline}"
    assert (
        vietnamese["Subject"].strip()
        == f"Cần chuyên gia cho sự cố {net.incident.reference}, trả lời trước {vi_deadline}"
    )
    body = text_of(vietnamese)
    assert "Mức độ khẩn: cao" in body and "tại chỗ (Bắc Kạn)" in body
    assert f"{settings.base_url}/mobilisation/requests/{request.id}" in body
    assert "Where: on site (Bắc Kạn)" in text_of(english)
