"""Findings and their judging: CVSS → severity → points, the out-of-scope refusal, and the first
valid finder keeping the points when the judges merge duplicates (numbers worked out by hand)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import team_rows
from csirtnet.exercise.livefire import findings, rules, scores
from csirtnet.exercise.livefire.schemas import FindingValidate
from csirtnet.exercise.scoring import rank
from csirtnet.models import AuditRecord, Finding
from tests.exercise.livefire.helpers import CRITICAL, HIGH, LOW, MEDIUM, World, make_world, submit
from tests.incident.helpers import who


def _board(db: Session, w: World) -> dict[str, float]:
    board = rank(team_rows(db, w.exercise.id), scores.score_events(db, w.exercise))
    return {s.team: s.score for s in board.standings if s.side == "attacker"}


@pytest.mark.parametrize(
    ("vector", "score", "severity", "points"),
    [(CRITICAL, 9.8, "critical", 100), (HIGH, 8.1, "high", 50), (MEDIUM, 5.4, "medium", 20), (LOW, 3.1, "low", 5)],
)
def test_cvss_vector_gives_score_severity_and_points(
    db: Session, vector: str, score: float, severity: str, points: int
) -> None:
    w = make_world(db)
    finding = submit(db, w, w.a1, cvss_vector=vector)
    assert (finding.cvss_score, finding.severity, finding.points, finding.status) == (score, severity, 0, "submitted")
    findings.validate(db, who(w.judge), w.exercise.id, finding.id, FindingValidate())
    assert (finding.status, finding.severity, finding.points) == ("valid", severity, points)
    assert _board(db, w)["Đội tấn công Bắc Ninh"] == points


def test_severity_bands_are_the_cvss_specifications() -> None:
    bands = {
        0.0: "none",
        0.1: "low",
        3.9: "low",
        4.0: "medium",
        6.9: "medium",
        7.0: "high",
        8.9: "high",
        9.0: "critical",
        10.0: "critical",
    }
    assert {s: rules.severity_of_score(s) for s in bands} == bands
    assert [rules.points_of(s) for s in ("critical", "high", "medium", "low", "none")] == [100, 50, 20, 5, 0]


def test_a_judge_adjusts_the_severity_only_with_a_note(db: Session) -> None:
    w = make_world(db)
    finding = submit(db, w, w.a1, cvss_vector=CRITICAL)
    with pytest.raises(ValidationFailed) as refused:
        findings.validate(db, who(w.judge), w.exercise.id, finding.id, FindingValidate(severity="high"))
    assert refused.value.errors[0].field == "note"
    findings.validate(
        db, who(w.judge), w.exercise.id, finding.id, FindingValidate(severity="high", note="Cần đăng nhập quản trị")
    )
    assert (finding.severity, finding.points, finding.judge_note) == ("high", 50, "Cần đăng nhập quản trị")


def test_a_finding_without_a_vector_needs_the_judges_severity(db: Session) -> None:
    w = make_world(db)
    finding = submit(db, w, w.a1, cvss_vector=None)
    with pytest.raises(ValidationFailed) as refused:
        findings.validate(db, who(w.judge), w.exercise.id, finding.id, FindingValidate())
    assert refused.value.errors[0].field == "severity"
    findings.validate(db, who(w.judge), w.exercise.id, finding.id, FindingValidate(severity="medium"))
    assert finding.points == 20


def test_an_out_of_scope_target_is_refused_naming_the_field(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, w.a1, target_id=w.mail.id)
    assert refused.value.errors[0].field == "target_id"
    assert "out of scope" in refused.value.errors[0].message
    assert db.scalar(select(Finding.id).where(Finding.exercise_id == w.exercise.id)) is None


def test_only_attackers_submit_and_only_while_it_runs(db: Session) -> None:
    w = make_world(db)
    with pytest.raises(Forbidden):
        submit(db, w, w.defender)  # a defender
    with pytest.raises(Forbidden):
        submit(db, w, w.judge)
    with pytest.raises(Forbidden):
        submit(db, w, w.a1, team_id=w.attack_b.id)  # another team's
    w.exercise.status = "finished"
    with pytest.raises(Forbidden):
        submit(db, w, w.a1)


def test_first_valid_finder_keeps_the_points_when_the_later_one_was_validated_first(db: Session) -> None:
    """Team A reports the SQL injection at 09:00, team B the same at 10:00 and a stored XSS at 11:00.
    The judge validates B's injection first (B: 100), then A's (A: 100, B: 100), then merges B's
    into A's: A 100, B 0. B's XSS (high) is validated: B 50. A reports the injection again at 12:00:
    merged while still submitted, A stays at 100."""
    w = make_world(db)
    t0 = w.start + timedelta(days=1, hours=2)
    judge = who(w.judge)
    first = submit(db, w, w.a1, at=t0)
    later = submit(db, w, w.b1, at=t0 + timedelta(hours=1))
    xss = submit(
        db, w, w.b1, at=t0 + timedelta(hours=2), title="Stored XSS ở góp ý", vulnerability="CWE-79", cvss_vector=HIGH
    )
    again = submit(db, w, w.a1, at=t0 + timedelta(hours=3))

    findings.validate(db, judge, w.exercise.id, later.id, FindingValidate())
    assert _board(db, w) == {"Đội tấn công Bắc Giang": 100, "Đội tấn công Bắc Ninh": 0}
    findings.validate(db, judge, w.exercise.id, first.id, FindingValidate())
    assert _board(db, w) == {"Đội tấn công Bắc Giang": 100, "Đội tấn công Bắc Ninh": 100}

    with pytest.raises(ValidationFailed) as wrong_way:
        findings.merge(db, judge, w.exercise.id, first.id, later.id)
    assert wrong_way.value.errors[0].field == "duplicate_of_id" and "later" in wrong_way.value.errors[0].message

    findings.merge(db, judge, w.exercise.id, later.id, first.id, "Cùng lỗi tham số q")
    assert (later.status, later.points, later.duplicate_of_id, later.remediation_status) == (
        "duplicate",
        0,
        first.id,
        None,
    )
    assert _board(db, w) == {"Đội tấn công Bắc Ninh": 100, "Đội tấn công Bắc Giang": 0}

    findings.validate(db, judge, w.exercise.id, xss.id, FindingValidate())
    findings.merge(db, judge, w.exercise.id, again.id, first.id)
    board = rank(team_rows(db, w.exercise.id), scores.score_events(db, w.exercise))
    assert [(s.rank, s.team, s.score) for s in board.standings if s.side == "attacker"] == [
        (1, "Đội tấn công Bắc Ninh", 100),
        (2, "Đội tấn công Bắc Giang", 50),
    ]
    merged = db.scalars(select(AuditRecord).where(AuditRecord.action == "exercise.finding_merged")).all()
    assert len(merged) == 2


def test_merging_is_refused_into_an_unvalidated_or_other_target_finding(db: Session) -> None:
    w = make_world(db)
    judge = who(w.judge)
    t0 = w.start + timedelta(hours=5)
    first = submit(db, w, w.a1, at=t0)
    later = submit(db, w, w.b1, at=t0 + timedelta(hours=1))
    with pytest.raises(ValidationFailed) as not_valid:
        findings.merge(db, judge, w.exercise.id, later.id, first.id)
    assert not_valid.value.errors[0].field == "duplicate_of_id"
    with pytest.raises(ValidationFailed):
        findings.merge(db, judge, w.exercise.id, later.id, later.id)
    findings.reject(db, judge, w.exercise.id, first.id, "Không tái hiện được")
    with pytest.raises(Conflict):
        findings.validate(db, judge, w.exercise.id, first.id, FindingValidate())


def test_players_do_not_judge(db: Session) -> None:
    w = make_world(db)
    finding = submit(db, w, w.a1)
    with pytest.raises(Forbidden):
        findings.validate(db, who(w.a1), w.exercise.id, finding.id, FindingValidate())
    with pytest.raises(Forbidden):
        findings.validate(db, who(w.b1), w.exercise.id, finding.id, FindingValidate())
    with pytest.raises(NotFound):  # a judge asking for a finding that is not there
        findings.validate(db, who(w.judge), w.exercise.id, finding.id + 1000, FindingValidate())
