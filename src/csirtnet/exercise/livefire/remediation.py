"""Remediation: each validated finding is a task of its target's defending organisation, due
`rules.REMEDIATION_DAYS` after validation; the organisation's admins and responders
(`authz.exercise.defending_findings_clause`, `can_remediate`) mark it fixed or accept the risk, with
a note. A task still open after its due day is overdue (in the exercise's time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as authz
from csirtnet.errors import Conflict, Forbidden
from csirtnet.exercise.common import record
from csirtnet.exercise.livefire import repository, rules
from csirtnet.exercise.livefire.schemas import RemediationBody
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Exercise, Finding, RemediationStatus, Target

__all__ = ["Task", "close", "exercise_today", "tasks"]


@dataclass(frozen=True)
class Task:
    finding: Finding
    target: Target
    overdue: bool


def exercise_today(exercise: Exercise, now: datetime | None = None) -> date:
    """Today in the exercise's time zone (due days are its days)."""
    return as_utc(now or utcnow()).astimezone(ZoneInfo(exercise.timezone)).date()


def tasks(session: Session, who: Subject, exercise: Exercise, *, now: datetime | None = None) -> list[Task]:
    """The remediation tasks of `who`'s organisation in this exercise: overdue first, then by due day."""
    today = exercise_today(exercise, now)
    rows = session.execute(
        repository.tasks(who, exercise.id)
        .add_columns(Target)
        .join(Target, Target.id == Finding.target_id)
        .order_by(Finding.remediation_due_on, Finding.id)
    ).all()
    out = [Task(f, t, rules.is_overdue(f.remediation_due_on, f.remediation_status, today)) for f, t in rows]
    return sorted(out, key=lambda task: (not task.overdue, task.finding.remediation_status != "open"))


def close(
    session: Session,
    who: Subject,
    exercise_id: int,
    finding_id: int,
    data: RemediationBody,
    *,
    now: datetime | None = None,
) -> Finding:
    """Mark a remediation task fixed, or accept its risk, with a note."""
    exercise = repository.live_fire(session, who, exercise_id)
    finding = repository.get_finding(session, who, exercise, finding_id)
    target = repository.get_target(session, exercise.id, finding.target_id)
    if not authz.can_remediate(who, target.defending_organisation_id):
        raise Forbidden("Only the defending organisation's admins and responders close its remediation tasks.")
    if finding.remediation_status != RemediationStatus.OPEN.value:
        raise Conflict("This remediation task is not open.")
    now = now or utcnow()
    finding.remediation_status = data.status
    finding.remediation_note = data.note
    finding.remediated_at = now
    record(
        session,
        who,
        "exercise.remediation_closed",
        exercise,
        finding,
        team_id=finding.team_id,
        status=data.status,
        note=data.note,
        overdue=rules.is_overdue(
            finding.remediation_due_on, RemediationStatus.OPEN.value, exercise_today(exercise, now)
        ),
    )
    return finding
