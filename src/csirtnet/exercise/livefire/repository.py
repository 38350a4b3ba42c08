"""Live-fire queries, each scoped through authz.exercise: a team's findings and defence reports are
its own (`team_work_clause`), a validated finding is also its defending organisation's task
(`defending_findings_clause`); targets are seen by whoever sees the exercise."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, NotFound
from csirtnet.models import DefenceReport, Exercise, ExerciseKind, ExerciseTeam, Finding, Target


def live_fire(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The exercise if `who` sees it (NotFound otherwise) and it is a live-fire exercise."""
    exercise = rules.get_visible(session, who, exercise_id)
    if exercise.kind != ExerciseKind.LIVE_FIRE.value:
        raise Conflict("This is not a live-fire exercise.")
    return exercise


def targets(session: Session, exercise_id: int) -> list[Target]:
    """The exercise's targets, in scope first, by name (the caller checked it sees the exercise)."""
    return list(
        session.scalars(
            select(Target).where(Target.exercise_id == exercise_id).order_by(Target.in_scope.desc(), Target.name)
        )
    )


def get_target(session: Session, exercise_id: int, target_id: int) -> Target:
    target = session.get(Target, target_id)
    if target is None or target.exercise_id != exercise_id:
        raise NotFound("target")
    return target


def findings(session: Session, who: Subject, exercise: Exercise) -> Select[Finding]:
    """Every finding of the exercise `who` may see: its team's, all for the staff, and the
    validated ones against its organisation's targets."""
    seen = or_(
        rules.team_work_clause(session, who, exercise, Finding.team_id),
        rules.defending_findings_clause(who),
    )
    return select(Finding).where(Finding.exercise_id == exercise.id, seen)


def team_findings(session: Session, who: Subject, exercise: Exercise) -> Select[Finding]:
    """The findings of teams' work `who` may see (not the remediation tasks)."""
    return select(Finding).where(
        Finding.exercise_id == exercise.id,
        rules.team_work_clause(session, who, exercise, Finding.team_id),
    )


def tasks(who: Subject, exercise_id: int) -> Select[Finding]:
    """The remediation tasks of `who`'s organisation in this exercise."""
    return select(Finding).where(Finding.exercise_id == exercise_id, rules.defending_findings_clause(who))


def get_finding(session: Session, who: Subject, exercise: Exercise, finding_id: int) -> Finding:
    """One finding `who` may see, or NotFound (no existence leak)."""
    row = session.scalar(findings(session, who, exercise).where(Finding.id == finding_id))
    if row is None:
        raise NotFound("finding")
    return row


def defence_reports(session: Session, who: Subject, exercise: Exercise) -> Select[DefenceReport]:
    """The defence reports `who` may see: its team's, all for the staff."""
    return select(DefenceReport).where(
        DefenceReport.exercise_id == exercise.id,
        rules.team_work_clause(session, who, exercise, DefenceReport.team_id),
    )


def get_defence_report(session: Session, who: Subject, exercise: Exercise, report_id: int) -> DefenceReport:
    row = session.scalar(defence_reports(session, who, exercise).where(DefenceReport.id == report_id))
    if row is None:
        raise NotFound("defence report")
    return row


def teams(session: Session, exercise_id: int) -> list[ExerciseTeam]:
    return list(
        session.scalars(select(ExerciseTeam).where(ExerciseTeam.exercise_id == exercise_id).order_by(ExerciseTeam.name))
    )
