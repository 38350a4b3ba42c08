"""Findings: an attacking team reports what it found on a target in scope; judges validate it (it
scores by severity and becomes its defending organisation's remediation task), reject it, or merge
it into an earlier validated finding of the same issue. The rules (severity bands, points, who
keeps the points of an issue found twice) are written in `livefire.rules`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.advisory.common import cvss_score
from csirtnet.authz import Subject
from csirtnet.authz import exercise as authz
from csirtnet.errors import Conflict, Forbidden, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.livefire import repository, rules
from csirtnet.exercise.livefire.schemas import FindingCreate, FindingValidate
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Exercise, ExerciseTeam, Finding, FindingStatus, RemediationStatus, Target

__all__ = ["merge", "reject", "submit", "validate"]


def playing_team(session: Session, who: Subject, exercise: Exercise, team_id: int | None, side: str) -> ExerciseTeam:
    """The team of `side` `who` submits for: the one named, or its only one (while it runs)."""
    mine = authz.playing_team_ids(session, who, exercise.id)
    teams = [t for t in repository.teams(session, exercise.id) if t.id in mine and t.side == side]
    if team_id is not None:
        authz.require_play(session, who, exercise, team_id)
        chosen = next((t for t in teams if t.id == team_id), None)
        if chosen is None:
            raise ValidationFailed("team_id", "is not one of your teams on this side")
        return chosen
    if not teams:
        if side == "attacker":
            raise Forbidden("You play in no attacking team of this exercise.")
        raise Forbidden("You play in no defending team of this exercise.")
    if len(teams) > 1:
        raise ValidationFailed("team_id", "you play in several teams: choose one")
    authz.require_play(session, who, exercise, teams[0].id)
    return teams[0]


def submit(
    session: Session, who: Subject, exercise_id: int, data: FindingCreate, *, now: datetime | None = None
) -> Finding:
    """Report a finding for your attacking team on a target in scope."""
    exercise = repository.live_fire(session, who, exercise_id)
    team = playing_team(session, who, exercise, data.team_id, "attacker")
    target = session.get(Target, data.target_id)
    if target is None or target.exercise_id != exercise.id:
        raise ValidationFailed("target_id", "is not a target of this exercise")
    if not target.in_scope:
        raise ValidationFailed("target_id", "is out of scope: findings on it are not accepted")
    score = cvss_score(data.cvss_vector)
    finding = Finding(
        exercise_id=exercise.id,
        team_id=team.id,
        target_id=target.id,
        submitted_by_id=who.user_id,
        title=data.title,
        vulnerability=data.vulnerability,
        asset=data.asset,
        proof=data.proof,
        cvss_vector=data.cvss_vector,
        cvss_score=score,
        severity=rules.severity_of_score(score) if score is not None else "medium",
        status=FindingStatus.SUBMITTED.value,
        points=0,
        submitted_at=now or utcnow(),
    )
    session.add(finding)
    session.flush()
    record(
        session,
        who,
        "exercise.finding_submitted",
        exercise,
        finding,
        team_id=team.id,
        title=finding.title,
        target=target.name,
        severity=finding.severity,
    )
    return finding


def _judged(session: Session, who: Subject, exercise_id: int, finding_id: int) -> tuple[Exercise, Finding]:
    exercise = repository.live_fire(session, who, exercise_id)
    if not authz.can_judge(session, who, exercise):
        raise Forbidden("Only the exercise's judges judge findings.")
    return exercise, repository.get_finding(session, who, exercise, finding_id)


def _local(exercise: Exercise, moment: datetime) -> datetime:
    return as_utc(moment).astimezone(ZoneInfo(exercise.timezone))


def validate(
    session: Session,
    who: Subject,
    exercise_id: int,
    finding_id: int,
    data: FindingValidate,
    *,
    now: datetime | None = None,
) -> Finding:
    """Validate a submitted finding: it scores by its severity and becomes a remediation task."""
    exercise, finding = _judged(session, who, exercise_id, finding_id)
    if finding.status != FindingStatus.SUBMITTED.value:
        raise Conflict(f"Only a submitted finding is validated (this one is {finding.status}).")
    now = now or utcnow()
    computed = rules.severity_of_score(finding.cvss_score) if finding.cvss_score is not None else None
    severity = data.severity or computed
    if severity is None:
        raise ValidationFailed("severity", "the finding has no CVSS vector: choose its severity")
    if computed is not None and severity != computed and not (data.note or "").strip():
        raise ValidationFailed("note", "say why the severity differs from the CVSS vector's")
    finding.status = FindingStatus.VALID.value
    finding.severity = severity
    finding.points = rules.points_of(severity)
    finding.judge_note = data.note
    finding.judged_by_id = who.user_id
    finding.judged_at = now
    finding.remediation_status = RemediationStatus.OPEN.value
    finding.remediation_due_on = rules.due_on(_local(exercise, now).date())
    record(
        session,
        who,
        "exercise.finding_validated",
        exercise,
        finding,
        team_id=finding.team_id,
        severity=severity,
        points=finding.points,
        adjusted_from=computed if computed != severity else None,
        due_on=finding.remediation_due_on.isoformat(),
    )
    return finding


def reject(
    session: Session, who: Subject, exercise_id: int, finding_id: int, reason: str, *, now: datetime | None = None
) -> Finding:
    """Reject a submitted finding (not reproducible, out of scope, not a vulnerability)."""
    exercise, finding = _judged(session, who, exercise_id, finding_id)
    if finding.status != FindingStatus.SUBMITTED.value:
        raise Conflict(f"Only a submitted finding is rejected (this one is {finding.status}).")
    finding.status = FindingStatus.INVALID.value
    finding.points = 0
    finding.judge_note = reason
    finding.judged_by_id = who.user_id
    finding.judged_at = now or utcnow()
    record(session, who, "exercise.finding_rejected", exercise, finding, team_id=finding.team_id, reason=reason)
    return finding


def merge(
    session: Session,
    who: Subject,
    exercise_id: int,
    finding_id: int,
    duplicate_of_id: int,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> Finding:
    """Merge a finding (submitted, or validated later than its earlier twin) into the earlier
    validated finding of the same issue: it keeps no points; the first finder keeps them."""
    exercise, finding = _judged(session, who, exercise_id, finding_id)
    if finding.status not in (FindingStatus.SUBMITTED.value, FindingStatus.VALID.value):
        raise Conflict(f"Only a submitted or validated finding is merged (this one is {finding.status}).")
    if duplicate_of_id == finding.id:
        raise ValidationFailed("duplicate_of_id", "a finding cannot be merged into itself")
    first = session.get(Finding, duplicate_of_id)
    if first is None or first.exercise_id != exercise.id:
        raise ValidationFailed("duplicate_of_id", "is not a finding of this exercise")
    if first.status != FindingStatus.VALID.value:
        raise ValidationFailed("duplicate_of_id", "merge into a validated finding: validate the first report first")
    if first.target_id != finding.target_id:
        raise ValidationFailed("duplicate_of_id", "is about another target")
    if (as_utc(first.submitted_at), first.id) > (as_utc(finding.submitted_at), finding.id):
        raise ValidationFailed(
            "duplicate_of_id",
            "was submitted later: merge the later finding into the earlier one, whose team keeps the points",
        )
    had_points = finding.points
    was_valid = finding.status == FindingStatus.VALID.value
    if was_valid:
        _hand_over_task(finding, first)
        # Findings already merged into this one follow it to the first finder's.
        for twin in session.scalars(select(Finding).where(Finding.duplicate_of_id == finding.id)):
            twin.duplicate_of_id = first.id
    finding.status = FindingStatus.DUPLICATE.value
    finding.duplicate_of_id = first.id
    finding.points = 0
    finding.judge_note = note
    finding.judged_by_id = who.user_id
    finding.judged_at = now or utcnow()
    record(
        session,
        who,
        "exercise.finding_merged",
        exercise,
        finding,
        team_id=finding.team_id,
        duplicate_of_id=first.id,
        points_withdrawn=had_points,
        note=note,
    )
    return finding


def _hand_over_task(later: Finding, first: Finding) -> None:
    """The later finding's remediation task ends; what the defenders already did on it (fixed,
    accepted) carries over to the first finding's task when that one is still open."""
    if (
        later.remediation_status in (RemediationStatus.FIXED.value, RemediationStatus.ACCEPTED.value)
        and first.remediation_status == RemediationStatus.OPEN.value
    ):
        first.remediation_status = later.remediation_status
        first.remediation_note = later.remediation_note
        first.remediated_at = later.remediated_at
    later.remediation_status = None
    later.remediation_due_on = None
