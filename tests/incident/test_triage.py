"""Triage: open, attach (duplicates merge), reject with a reason, link; the reporter is told; the
severity suggestion follows Decision 05 and is overridable only with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from csirtnet.errors import Conflict, Forbidden, ValidationFailed
from csirtnet.incident import severity, triage
from csirtnet.incident.schemas import Classification, OpenFromReport
from csirtnet.models import AuditRecord, IncidentLink, IncidentParticipant, Job, Notification
from csirtnet.vocabulary import Severity
from tests.incident.helpers import coordinator, make_report, member, open_incident, who


@pytest.mark.parametrize(
    ("level", "national", "criteria", "expected"),
    [
        (4, False, ["service_interruption"], Severity.SERIOUS),
        (5, False, ["state_secret_disclosure"], Severity.SERIOUS),
        (2, True, ["wide_spread"], Severity.SERIOUS),  # on the national list of important systems
        (4, False, [], Severity.NORMAL),  # critical system, no Decision 05 impact
        (3, False, ["loss_of_control", "integrity_unrecoverable"], Severity.NORMAL),  # below level 4
        (None, False, ["service_interruption"], Severity.NORMAL),
    ],
)
def test_severity_suggestion_follows_decision_05(level, national, criteria, expected) -> None:
    assert severity.suggest(level, national, criteria).severity == expected


def test_open_incident_from_report_classifies_and_tells_the_reporter(db) -> None:
    coord, reporter = coordinator(db), member(db)
    report = make_report(db, reporter, system_security_level=4)
    incident = triage.open_incident(
        db,
        who(coord),
        report.id,
        OpenFromReport(
            rsit_class="malicious-code", rsit_type="infected-system", serious_criteria=["service_interruption"]
        ),
    )
    assert incident.reference.startswith("SC-") and incident.severity == "serious"
    assert incident.severity_suggested == "serious" and incident.phase == "triage"
    assert report.status == "opened" and report.incident_id == incident.id
    roles = {
        p.user_id: p.role
        for p in db.scalars(select(IncidentParticipant).where(IncidentParticipant.incident_id == incident.id))
    }
    assert roles == {coord.id: "commander", reporter.id: "reporter"}
    note = db.scalar(
        select(Notification).where(
            Notification.user_id == reporter.id, Notification.event_type == "incident.report_outcome"
        )
    )
    assert note is not None and note.params["incident_reference"] == incident.reference
    assert db.scalar(select(AuditRecord).where(AuditRecord.action == "incident.opened")) is not None
    with pytest.raises(Conflict):
        triage.open_incident(db, who(coord), report.id, OpenFromReport())


def test_severity_override_needs_a_reason(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter, system_security_level=2)
    with pytest.raises(ValidationFailed) as err:
        triage.update_classification(db, who(coord), incident.id, Classification(severity=Severity.SERIOUS))
    assert err.value.errors[0].field == "severity_reason"
    triage.update_classification(
        db, who(coord), incident.id, Classification(severity=Severity.SERIOUS, severity_reason="Ảnh hưởng dư luận")
    )
    assert incident.severity == "serious" and incident.severity_suggested == "normal"


def test_rsit_is_validated(db) -> None:
    coord, reporter = coordinator(db), member(db)
    incident = open_incident(db, coord, reporter)
    with pytest.raises(ValidationFailed) as err:
        triage.update_classification(db, who(coord), incident.id, Classification(rsit_class="fraud", rsit_type="ddos"))
    assert err.value.errors[0].field == "rsit_type"
    with pytest.raises(ValidationFailed) as err:
        triage.update_classification(db, who(coord), incident.id, Classification(rsit_class="nope", rsit_type="x"))
    assert err.value.errors[0].field == "rsit_class"


def test_attach_merges_a_duplicate_and_reject_gives_the_reason(db) -> None:
    coord, reporter, other = coordinator(db), member(db), member(db)
    incident = open_incident(db, coord, reporter)
    duplicate = make_report(db, other)
    triage.attach_report(db, who(coord), duplicate.id, incident.id)
    assert duplicate.status == "attached" and duplicate.incident_id == incident.id
    # The second reporter now follows the incident.
    assert db.scalar(
        select(IncidentParticipant).where(
            IncidentParticipant.incident_id == incident.id, IncidentParticipant.user_id == other.id
        )
    )
    spam = make_report(db, other)
    with pytest.raises(ValidationFailed):
        triage.reject_report(db, who(coord), spam.id, " ")
    triage.reject_report(db, who(coord), spam.id, "Không phải sự cố an toàn thông tin")
    assert spam.status == "rejected"
    note = db.scalars(
        select(Notification).where(
            Notification.user_id == other.id, Notification.event_type == "incident.report_outcome"
        )
    ).all()
    assert {n.params["outcome"] for n in note} == {"attached", "rejected"}


def test_public_reporter_is_told_by_email(db) -> None:
    from csirtnet.incident import intake
    from csirtnet.incident.schemas import ReportCreate
    from csirtnet.models import ReportChannel
    from tests.incident.helpers import report_data

    coord = coordinator(db)
    received = intake.submit(
        db,
        intake.public_subject("public:test"),
        ReportCreate.model_validate(report_data()),
        channel=ReportChannel.PUBLIC,
    )
    triage.reject_report(db, who(coord), received.report.id, "Trùng với báo cáo khác")
    acknowledgements = db.scalars(select(Job).where(Job.name == intake.ACKNOWLEDGE_JOB)).all()
    assert [j.payload for j in acknowledgements] == [{"report_id": received.report.id}]  # ids only
    jobs = db.scalars(select(Job).where(Job.name == "notification.send_email")).all()
    events = [j.payload["event_type"] for j in jobs if j.payload.get("address") == "bao@example.vn"]
    assert events == ["incident.report_outcome"]


def test_only_coordinators_triage(db) -> None:
    reporter = member(db)
    report = make_report(db, reporter)
    with pytest.raises(Forbidden):
        triage.open_incident(db, who(reporter), report.id, OpenFromReport())


def test_link_needs_both_visible(db) -> None:
    coord, a, b = coordinator(db), member(db), member(db)
    first = open_incident(db, coord, a)
    second = open_incident(db, coord, b)
    with pytest.raises(ValidationFailed) as err:
        triage.link_incidents(db, who(a), first.id, second.id, None)
    assert err.value.errors[0].field == "other_incident_id"
    triage.link_incidents(db, who(coord), second.id, first.id, "cùng chiến dịch")
    link = db.scalar(select(IncidentLink))
    assert (link.incident_id, link.other_incident_id, link.kind) == (first.id, second.id, "related")
