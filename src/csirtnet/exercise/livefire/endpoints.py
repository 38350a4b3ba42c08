"""The live-fire API, under /api/v1/exercises/{id}: targets and the rules of engagement, findings
and their judging, remediation tasks, defence reports, the daily summary."""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session as DbSession

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.exercise.livefire import defence, findings, reads, remediation, repository, summary, targets
from csirtnet.exercise.livefire.schemas import (
    DailySummaryRead,
    DayRead,
    DefenceReportCreate,
    DefenceReportRead,
    DefenceScoreBody,
    FindingCreate,
    FindingMerge,
    FindingRead,
    FindingReject,
    FindingValidate,
    RemediationBody,
    RemediationTaskRead,
    TargetCreate,
    TargetRead,
    TargetUpdate,
    TeamPoints,
)
from csirtnet.kit.schemas import Day
from csirtnet.models import DefenceReport, Finding, FindingStatus

router = APIRouter(prefix="/exercises", tags=["exercises"])

StatusParam = Literal["submitted", "valid", "duplicate", "invalid"]
# The query parameter lists the stored codes; keep them in step with the model.
assert {s.value for s in FindingStatus} == set(get_args(StatusParam))


class TargetsRead(BaseModel):
    """The targets, and the rules of engagement every attacker reads first."""

    rules_of_engagement: str
    targets: list[TargetRead]


# -- targets -----------------------------------------------------------------------------------


@router.get("/{exercise_id}/targets", response_model=TargetsRead)
def list_targets(exercise_id: int, session: Session, who: ApiUser) -> TargetsRead:
    """The exercise's targets (in scope first, then those named out of scope) and its rules of engagement."""
    page = reads.targets_page(session, who, exercise_id)
    return TargetsRead(
        rules_of_engagement=page.exercise.rules, targets=[TargetRead.model_validate(t) for t in page.targets]
    )


@router.post("/{exercise_id}/targets", response_model=TargetRead, status_code=201)
def add_target(exercise_id: int, body: TargetCreate, session: Session, who: ApiUser) -> TargetRead:
    """Add a target, in scope or named out of scope (organisers)."""
    return TargetRead.model_validate(targets.add(session, who, exercise_id, body))


@router.patch("/{exercise_id}/targets/{target_id}", response_model=TargetRead)
def update_target(exercise_id: int, target_id: int, body: TargetUpdate, session: Session, who: ApiUser) -> TargetRead:
    """Change a target (organisers)."""
    return TargetRead.model_validate(targets.update(session, who, exercise_id, target_id, body))


@router.delete("/{exercise_id}/targets/{target_id}", status_code=204)
def remove_target(exercise_id: int, target_id: int, session: Session, who: ApiUser) -> Response:
    """Remove a target no finding names (organisers)."""
    targets.remove(session, who, exercise_id, target_id)
    return Response(status_code=204)


# -- findings ------------------------------------------------------------------------------------


def _finding(finding: Finding, *, as_task: bool = False) -> FindingRead:
    read = FindingRead.model_validate(finding)
    return read.model_copy(update={"team_id": None}) if as_task else read


@router.get("/{exercise_id}/findings", response_model=list[FindingRead])
def list_findings(
    exercise_id: int,
    session: Session,
    who: ApiUser,
    status: StatusParam | None = None,
    team_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
) -> list[FindingRead]:
    """Your team's findings (every team's for the exercise's staff), newest first."""
    exercise = repository.live_fire(session, who, exercise_id)
    query = repository.team_findings(session, who, exercise)
    if status:
        query = query.where(Finding.status == status)
    if team_id:
        query = query.where(Finding.team_id == team_id)
    return [_finding(f) for f in session.scalars(query.order_by(Finding.submitted_at.desc(), Finding.id.desc()))]


@router.post("/{exercise_id}/findings", response_model=FindingRead, status_code=201)
def submit_finding(exercise_id: int, body: FindingCreate, session: Session, who: ApiUser) -> FindingRead:
    """Report a finding on a target in scope for your attacking team (while the exercise runs)."""
    return _finding(findings.submit(session, who, exercise_id, body))


@router.get("/{exercise_id}/findings/tasks", response_model=list[RemediationTaskRead])
def list_tasks(exercise_id: int, session: Session, who: ApiUser) -> list[RemediationTaskRead]:
    """Your organisation's remediation tasks: the validated findings against the targets it defends."""
    exercise = repository.live_fire(session, who, exercise_id)
    return [
        RemediationTaskRead(
            finding_id=t.finding.id,
            exercise_id=exercise.id,
            target_id=t.target.id,
            target=t.target.name,
            title=t.finding.title,
            vulnerability=t.finding.vulnerability,
            asset=t.finding.asset,
            proof=t.finding.proof,
            severity=t.finding.severity,
            cvss_score=t.finding.cvss_score,
            validated_at=t.finding.judged_at,
            due_on=t.finding.remediation_due_on,
            status=t.finding.remediation_status or "open",
            note=t.finding.remediation_note,
            closed_at=t.finding.remediated_at,
            overdue=t.overdue,
        )
        for t in remediation.tasks(session, who, exercise)
    ]


def _read(session: DbSession, who: Subject, exercise_id: int, finding_id: int) -> FindingRead:
    page = reads.finding_page(session, who, exercise_id, finding_id)
    return _finding(page.finding, as_task=page.as_task)


@router.get("/{exercise_id}/findings/{finding_id}", response_model=FindingRead)
def get_finding(exercise_id: int, finding_id: int, session: Session, who: ApiUser) -> FindingRead:
    """One finding: your team's, or a validated one against a target your organisation defends."""
    return _read(session, who, exercise_id, finding_id)


@router.post("/{exercise_id}/findings/{finding_id}/validate", response_model=FindingRead)
def validate_finding(
    exercise_id: int, finding_id: int, body: FindingValidate, session: Session, who: ApiUser
) -> FindingRead:
    """Validate a submitted finding (judges): points by severity, and a remediation task for the defenders."""
    return _finding(findings.validate(session, who, exercise_id, finding_id, body))


@router.post("/{exercise_id}/findings/{finding_id}/reject", response_model=FindingRead)
def reject_finding(
    exercise_id: int, finding_id: int, body: FindingReject, session: Session, who: ApiUser
) -> FindingRead:
    """Reject a submitted finding, with the reason (judges)."""
    return _finding(findings.reject(session, who, exercise_id, finding_id, body.reason))


@router.post("/{exercise_id}/findings/{finding_id}/merge", response_model=FindingRead)
def merge_finding(exercise_id: int, finding_id: int, body: FindingMerge, session: Session, who: ApiUser) -> FindingRead:
    """Merge a finding into the earlier validated finding of its issue: the first finder keeps the points (judges)."""
    return _finding(findings.merge(session, who, exercise_id, finding_id, body.duplicate_of_id, body.note))


@router.post("/{exercise_id}/findings/{finding_id}/remediation", response_model=FindingRead)
def close_task(exercise_id: int, finding_id: int, body: RemediationBody, session: Session, who: ApiUser) -> FindingRead:
    """Mark a remediation task fixed or its risk accepted (the defending organisation's admins and responders)."""
    remediation.close(session, who, exercise_id, finding_id, body)
    return _read(session, who, exercise_id, finding_id)


# -- defence -----------------------------------------------------------------------------------


@router.get("/{exercise_id}/defence-reports", response_model=list[DefenceReportRead])
def list_defence_reports(exercise_id: int, session: Session, who: ApiUser) -> list[DefenceReportRead]:
    """Your defending team's reports (every team's for the exercise's staff), latest detection first."""
    exercise = repository.live_fire(session, who, exercise_id)
    query = repository.defence_reports(session, who, exercise)
    query = query.order_by(DefenceReport.detected_at.desc(), DefenceReport.id.desc())
    return [DefenceReportRead.model_validate(r) for r in session.scalars(query)]


@router.post("/{exercise_id}/defence-reports", response_model=DefenceReportRead, status_code=201)
def report_detection(exercise_id: int, body: DefenceReportCreate, session: Session, who: ApiUser) -> DefenceReportRead:
    """Report what your defending team detected (while the exercise runs)."""
    return DefenceReportRead.model_validate(defence.report(session, who, exercise_id, body))


@router.post("/{exercise_id}/defence-reports/{report_id}/score", response_model=DefenceReportRead)
def score_report(
    exercise_id: int, report_id: int, body: DefenceScoreBody, session: Session, who: ApiUser
) -> DefenceReportRead:
    """Credit a defence report (points by the documented rule unless given) or reject it (judges)."""
    return DefenceReportRead.model_validate(defence.score(session, who, exercise_id, report_id, body))


# -- the daily summary ------------------------------------------------------------------------


@router.get("/{exercise_id}/daily-summary", response_model=DailySummaryRead)
def daily_summary(exercise_id: int, session: Session, who: ApiUser, day: Day | None = None) -> DailySummaryRead:
    """Each day in the exercise's time zone: findings by outcome and severity, points per team, tasks closed (staff)."""
    exercise, days = summary.read(session, who, exercise_id, day=day)
    return DailySummaryRead(
        exercise_id=exercise.id,
        timezone=exercise.timezone,
        days=[
            DayRead(
                day=d.day,
                submitted=d.submitted,
                validated=d.validated,
                duplicates=d.duplicates,
                rejected=d.rejected,
                by_severity=d.by_severity,
                points=[TeamPoints(team_id=i, team=name, points=p) for i, name, p in d.points],
                remediations_closed=d.remediations_closed,
            )
            for d in days
        ],
    )
