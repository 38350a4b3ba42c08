"""Defence: a defending team reports what it detected (when, what, optionally the validated finding
it matches); a judge credits it — points by `rules.defence_points` unless the judge gives others,
with a note — or rejects it (no points, a note says why). The defenders' ranking sums these."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as authz
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.livefire import repository, rules
from csirtnet.exercise.livefire.findings import playing_team
from csirtnet.exercise.livefire.schemas import DefenceReportCreate, DefenceScoreBody
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import DefenceReport, Exercise, Finding, FindingStatus

__all__ = ["report", "score"]

_CLOCK_SKEW = timedelta(minutes=5)  # a detection clock a little ahead of ours is not "the future"


def _valid_finding(session: Session, who: Subject, exercise: Exercise, finding_id: int) -> Finding:
    message = "is not a validated finding of this exercise you can see"
    try:
        finding = repository.get_finding(session, who, exercise, finding_id)
    except NotFound:  # said as the field's problem, not as a missing page
        raise ValidationFailed("finding_id", message) from None
    if finding.status != FindingStatus.VALID.value:
        raise ValidationFailed("finding_id", message)
    return finding


def report(
    session: Session, who: Subject, exercise_id: int, data: DefenceReportCreate, *, now: datetime | None = None
) -> DefenceReport:
    """Report a detection for your defending team."""
    exercise = repository.live_fire(session, who, exercise_id)
    team = playing_team(session, who, exercise, data.team_id, "defender")
    now = now or utcnow()
    detected = as_utc(data.detected_at)
    if detected > now + _CLOCK_SKEW:
        raise ValidationFailed("detected_at", "is in the future")
    if exercise.starts_at is not None and detected < as_utc(exercise.starts_at):
        raise ValidationFailed("detected_at", "is before the exercise started")
    finding_id = _valid_finding(session, who, exercise, data.finding_id).id if data.finding_id else None
    row = DefenceReport(
        exercise_id=exercise.id,
        team_id=team.id,
        finding_id=finding_id,
        submitted_by_id=who.user_id,
        detected_at=detected,
        description=data.description,
        submitted_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        who,
        "exercise.defence_reported",
        exercise,
        row,
        team_id=team.id,
        detected_at=detected.isoformat(),
        finding_id=finding_id,
    )
    return row


def score(
    session: Session,
    who: Subject,
    exercise_id: int,
    report_id: int,
    data: DefenceScoreBody,
    *,
    now: datetime | None = None,
) -> DefenceReport:
    """Credit a defence report (points by the rule unless given, with a note) or reject it."""
    exercise = repository.live_fire(session, who, exercise_id)
    if not authz.can_judge(session, who, exercise):
        raise Forbidden("Only the exercise's judges score defence reports.")
    row = repository.get_defence_report(session, who, exercise, report_id)
    if data.finding_id is not None:
        row.finding_id = _valid_finding(session, who, exercise, data.finding_id).id
    finding = session.get(Finding, row.finding_id) if row.finding_id is not None else None
    matched = finding.submitted_at if finding is not None and finding.status == FindingStatus.VALID.value else None
    if not data.credit:
        points = 0
    else:
        by_rule = rules.defence_points(row.detected_at, matched)
        points = by_rule if data.points is None else data.points
        if points != by_rule and not (data.note or "").strip():
            raise ValidationFailed("note", "say why the points differ from the rule's")
    row.points = points
    row.judge_note = data.note
    row.judged_by_id = who.user_id
    row.judged_at = now or utcnow()
    record(
        session,
        who,
        "exercise.defence_scored",
        exercise,
        row,
        team_id=row.team_id,
        credited=data.credit,
        points=points,
        finding_id=row.finding_id,
    )
    return row
