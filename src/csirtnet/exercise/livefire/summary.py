"""The daily summary of a live-fire exercise that runs for days (e.g. 14): for each day of the
exercise, in its time zone, the findings submitted, validated, merged as duplicates and rejected,
the validated ones by severity, the points each team earned that day, and the remediation tasks
closed. A finding counts on the day of its final judgement (a finding validated on Monday and
merged on Tuesday is Tuesday's duplicate); points count on the day the scoreboard dates them
(`livefire.scores`: a finding's submission, a defence report's detection).

The exercise's staff read it (the page, the API); the `exercise.daily_summary` job
(`livefire.tasks`) tells the organisers each morning what the day before brought."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as authz
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.exercise.livefire import repository
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import DefenceReport, Exercise, ExerciseTeam, Finding, FindingStatus, RemediationStatus

__all__ = ["Day", "days_of", "read"]

SEVERITY_ORDER = ("critical", "high", "medium", "low", "none")
MAX_DAYS = 366  # a summary never lists more days than a year


@dataclass
class Day:
    day: date
    submitted: int = 0
    validated: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITY_ORDER, 0))
    points: list[tuple[int, str, float]] = field(default_factory=list)  # (team id, team, points), best first
    remediations_closed: int = 0

    @property
    def quiet(self) -> bool:
        return not (self.submitted or self.validated or self.duplicates or self.rejected or self.points)


def _local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return as_utc(moment).astimezone(zone).date() if moment is not None else None


def _span(exercise: Exercise, now: datetime, seen: set[date]) -> tuple[date, date] | None:
    """The exercise's days: from its start (or first activity) to its end, or today while it runs."""
    zone = ZoneInfo(exercise.timezone)
    today = _local_day(now, zone)
    assert today is not None
    first = _local_day(exercise.starts_at, zone) or (min(seen) if seen else None)
    if first is None:
        return None
    end = _local_day(exercise.ends_at, zone)
    last = min(end, today) if end is not None else today
    if seen:
        first, last = min(first, min(seen)), max(last, max(seen))
    if last < first:
        return None
    return max(first, last - timedelta(days=MAX_DAYS - 1)), last


def days_of(session: Session, exercise: Exercise, *, now: datetime | None = None) -> list[Day]:
    """Every day of the exercise (the caller checked the reader may see all its work), first first."""
    zone = ZoneInfo(exercise.timezone)
    names = dict(
        session.execute(select(ExerciseTeam.id, ExerciseTeam.name).where(ExerciseTeam.exercise_id == exercise.id)).all()
    )
    findings = session.execute(
        select(
            Finding.team_id,
            Finding.status,
            Finding.severity,
            Finding.points,
            Finding.submitted_at,
            Finding.judged_at,
            Finding.remediation_status,
            Finding.remediated_at,
        ).where(Finding.exercise_id == exercise.id)
    ).all()
    reports = session.execute(
        select(DefenceReport.team_id, DefenceReport.points, DefenceReport.detected_at).where(
            DefenceReport.exercise_id == exercise.id, DefenceReport.points.is_not(None)
        )
    ).all()
    days: dict[date, Day] = defaultdict(lambda: Day(date.min))
    earned: dict[date, dict[int, float]] = defaultdict(lambda: defaultdict(float))

    def at(day: date | None) -> Day | None:
        if day is None:
            return None
        entry = days[day]
        entry.day = day
        return entry

    for team_id, status, severity, points, submitted_at, judged_at, remediation, remediated_at in findings:
        submitted_day = _local_day(submitted_at, zone)
        entry = at(submitted_day)
        if entry is not None:
            entry.submitted += 1
        judged = at(_local_day(judged_at, zone))
        if judged is not None:
            if status == FindingStatus.VALID.value:
                judged.validated += 1
                judged.by_severity[severity] = judged.by_severity.get(severity, 0) + 1
            elif status == FindingStatus.DUPLICATE.value:
                judged.duplicates += 1
            elif status == FindingStatus.INVALID.value:
                judged.rejected += 1
        if status == FindingStatus.VALID.value and points and submitted_day is not None:
            earned[submitted_day][team_id] += points
        closed = at(_local_day(remediated_at, zone))
        if closed is not None and remediation in (RemediationStatus.FIXED.value, RemediationStatus.ACCEPTED.value):
            closed.remediations_closed += 1
    for team_id, credited, detected_at in reports:
        detected_day = _local_day(detected_at, zone)
        if credited and detected_day is not None:
            earned[detected_day][team_id] += credited
            at(detected_day)
    span = _span(exercise, as_utc(now or utcnow()), set(days))
    if span is None:
        return []
    out: list[Day] = []
    day = span[0]
    while day <= span[1]:
        entry = days.get(day) or Day(day)
        entry.points = sorted(
            ((team_id, names.get(team_id, "?"), value) for team_id, value in earned.get(day, {}).items() if value),
            key=lambda row: (-row[2], row[1]),
        )
        out.append(entry)
        day += timedelta(days=1)
    return out


def read(
    session: Session, who: Subject, exercise_id: int, *, day: date | None = None, now: datetime | None = None
) -> tuple[Exercise, list[Day]]:
    """The daily summary for the exercise's staff: every day, or the one asked for."""
    exercise = repository.live_fire(session, who, exercise_id)
    if not authz.sees_all_work(session, who, exercise):
        raise Forbidden("Only the exercise's staff read its daily summary.")
    days = days_of(session, exercise, now=now)
    if day is not None:
        days = [d for d in days if d.day == day]
        if not days:
            raise ValidationFailed("day", "is not a day of the exercise")
    return exercise, days
