"""Remediation tasks and defence reports: the defending organisation sees only the validated
findings against its targets, closes them with a note, sees them overdue after their due day; a
defence report detected fast scores more."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from csirtnet.authz.exercise import can_remediate
from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import team_rows
from csirtnet.exercise.livefire import defence, findings, reads, remediation, rules, scores
from csirtnet.exercise.livefire.schemas import DefenceReportCreate, DefenceScoreBody, FindingValidate, RemediationBody
from csirtnet.exercise.scoring import rank
from csirtnet.kit.time import utcnow
from csirtnet.models import Target
from tests.exercise.livefire.helpers import HIGH, MEDIUM, make_world, submit
from tests.incident.helpers import who


def test_the_defending_organisation_sees_only_validated_findings_against_its_targets(db: Session) -> None:
    w = make_world(db)
    judge = who(w.judge)
    other = Target(exercise_id=w.exercise.id, name="Cổng tỉnh khác", address="https://other.example.vn", in_scope=True)
    db.add(other)
    db.flush()
    valid = submit(db, w, w.a1)
    waiting = submit(db, w, w.b1, title="Lộ thông tin phiên bản", cvss_vector=MEDIUM)
    elsewhere = submit(db, w, w.b1, target_id=other.id, title="Lỗi ở cổng khác")
    rejected = submit(db, w, w.a1, title="Không phải lỗ hổng", cvss_vector=MEDIUM)
    findings.validate(db, judge, w.exercise.id, valid.id, FindingValidate())
    findings.validate(db, judge, w.exercise.id, elsewhere.id, FindingValidate())
    findings.reject(db, judge, w.exercise.id, rejected.id, "Hành vi mong đợi")

    for person in (w.defender, w.defender_admin):
        tasks = remediation.tasks(db, who(person), w.exercise)
        assert [t.finding.id for t in tasks] == [valid.id]
        assert tasks[0].finding.remediation_status == "open"
        page = reads.finding_page(db, who(person), w.exercise.id, valid.id)
        assert page.as_task and page.team is None  # who found it is not told
        for hidden in (waiting, elsewhere, rejected):
            with pytest.raises(NotFound):
                reads.finding_page(db, who(person), w.exercise.id, hidden.id)
    # Its viewer reads the tasks too (the organisation's people see them), but closes none.
    assert [t.finding.id for t in remediation.tasks(db, who(w.defender_viewer), w.exercise)] == [valid.id]
    assert not can_remediate(who(w.defender_viewer), w.defender_org.id)
    assert remediation.tasks(db, who(w.outsider), w.exercise) == []
    assert remediation.tasks(db, who(w.a1), w.exercise) == []


def test_remediation_is_due_a_week_after_validation_and_overdue_after(db: Session) -> None:
    w = make_world(db)
    finding = submit(db, w, w.a1)
    # Validated at 23:30 on 10 Dec in Hà Nội (16:30 UTC): the exercise's day is 10 Dec.
    validated = datetime.fromisoformat("2026-12-10T16:30:00+00:00")
    findings.validate(db, who(w.judge), w.exercise.id, finding.id, FindingValidate(), now=validated)
    assert finding.remediation_due_on == date(2026, 12, 17)
    assert rules.REMEDIATION_DAYS == 7
    on_due_day = datetime.fromisoformat("2026-12-17T16:59:00+00:00")  # 23:59 on 17 Dec in Hà Nội
    next_day = datetime.fromisoformat("2026-12-17T17:00:00+00:00")  # 00:00 on 18 Dec in Hà Nội
    assert [t.overdue for t in remediation.tasks(db, who(w.defender), w.exercise, now=on_due_day)] == [False]
    assert [t.overdue for t in remediation.tasks(db, who(w.defender), w.exercise, now=next_day)] == [True]
    page = reads.findings_page(db, who(w.defender_admin), w.exercise.id, now=next_day)
    assert [t.overdue for t in page.tasks] == [True]

    with pytest.raises(Forbidden):
        remediation.close(db, who(w.judge), w.exercise.id, finding.id, RemediationBody(status="fixed", note="Đã vá"))
    remediation.close(
        db,
        who(w.defender),
        w.exercise.id,
        finding.id,
        RemediationBody(status="fixed", note="Dùng truy vấn tham số hoá"),
    )
    assert (finding.remediation_status, finding.remediation_note) == ("fixed", "Dùng truy vấn tham số hoá")
    assert [t.overdue for t in remediation.tasks(db, who(w.defender), w.exercise, now=next_day)] == [False]
    with pytest.raises(Conflict):
        remediation.close(
            db, who(w.defender_admin), w.exercise.id, finding.id, RemediationBody(status="accepted", note="x y z")
        )


def test_a_fixed_task_carries_over_when_its_finding_is_merged_into_the_first(db: Session) -> None:
    w = make_world(db)
    judge = who(w.judge)
    t0 = w.start + timedelta(hours=3)
    first = submit(db, w, w.a1, at=t0)
    later = submit(db, w, w.b1, at=t0 + timedelta(hours=1))
    findings.validate(db, judge, w.exercise.id, later.id, FindingValidate())
    remediation.close(db, who(w.defender), w.exercise.id, later.id, RemediationBody(status="fixed", note="Đã vá"))
    findings.validate(db, judge, w.exercise.id, first.id, FindingValidate())
    findings.merge(db, judge, w.exercise.id, later.id, first.id)
    assert [
        (t.finding.id, t.finding.remediation_status) for t in remediation.tasks(db, who(w.defender), w.exercise)
    ] == [(first.id, "fixed")]


def test_defence_reports_score_by_the_detection_rule(db: Session) -> None:
    w = make_world(db)
    judge = who(w.judge)
    t0 = w.start + timedelta(hours=10)
    finding = submit(db, w, w.a1, at=t0, cvss_vector=HIGH)
    findings.validate(db, judge, w.exercise.id, finding.id, FindingValidate())
    fast = defence.report(
        db,
        who(w.defender),
        w.exercise.id,
        DefenceReportCreate(
            detected_at=t0 - timedelta(hours=1), description="WAF chặn truy vấn SQL lạ", finding_id=finding.id
        ),
    )
    slow = defence.report(
        db,
        who(w.defender),
        w.exercise.id,
        DefenceReportCreate(detected_at=t0 + timedelta(hours=5), description="Nhật ký cho thấy đăng nhập lạ"),
    )
    noise = defence.report(
        db, who(w.defender), w.exercise.id, DefenceReportCreate(detected_at=t0, description="Báo động giả")
    )
    defence.score(db, judge, w.exercise.id, fast.id, DefenceScoreBody(credit=True))
    defence.score(db, judge, w.exercise.id, slow.id, DefenceScoreBody(credit=True, finding_id=finding.id))
    defence.score(db, judge, w.exercise.id, noise.id, DefenceScoreBody(credit=False, note="Không liên quan"))
    assert (
        (fast.points, slow.points, noise.points) == (rules.FAST_DEFENCE_POINTS, rules.DEFENCE_POINTS, 0) == (20, 10, 0)
    )
    with pytest.raises(ValidationFailed) as unexplained:
        defence.score(db, judge, w.exercise.id, slow.id, DefenceScoreBody(credit=True, points=15))
    assert unexplained.value.errors[0].field == "note"
    board = rank(team_rows(db, w.exercise.id), scores.score_events(db, w.exercise))
    assert {s.team: s.score for s in board.standings} == {
        "Đội tấn công Bắc Ninh": 50,
        "Đội phòng thủ Bắc Kạn": 30,
        "Đội tấn công Bắc Giang": 0,
    }


def test_defence_reports_are_the_defenders_and_checked(db: Session) -> None:
    w = make_world(db)
    hidden = submit(db, w, w.a1)  # not validated: the defenders do not see it
    with pytest.raises(Forbidden):
        defence.report(db, who(w.a1), w.exercise.id, DefenceReportCreate(detected_at=utcnow(), description="Thử"))
    with pytest.raises(ValidationFailed) as future:
        defence.report(
            db,
            who(w.defender),
            w.exercise.id,
            DefenceReportCreate(detected_at=utcnow() + timedelta(hours=2), description="Sau"),
        )
    assert future.value.errors[0].field == "detected_at"
    with pytest.raises(ValidationFailed) as unseen:
        defence.report(
            db,
            who(w.defender),
            w.exercise.id,
            DefenceReportCreate(detected_at=utcnow(), description="Khớp", finding_id=hidden.id),
        )
    assert unseen.value.errors[0].field == "finding_id"
    mine = defence.report(
        db, who(w.defender), w.exercise.id, DefenceReportCreate(detected_at=utcnow(), description="Quét cổng")
    )
    assert reads.findings_page(db, who(w.defender), w.exercise.id).reports == [mine]
    assert reads.findings_page(db, who(w.a1), w.exercise.id).reports == []
    with pytest.raises(Forbidden):
        defence.score(db, who(w.defender), w.exercise.id, mine.id, DefenceScoreBody(credit=True))
