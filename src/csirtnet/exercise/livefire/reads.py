"""What the live-fire pages and endpoints read: the targets with the rules of engagement, the
findings page (an attacking team's own findings, the judges' queue, the defenders' remediation
tasks and defence reports — each part only for whom authz.exercise allows it), one finding's page.
No changes here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as authz
from csirtnet.exercise.livefire import remediation, repository, rules
from csirtnet.kit.time import as_utc
from csirtnet.models import (
    DefenceReport,
    Exercise,
    ExerciseStatus,
    ExerciseTeam,
    Finding,
    FindingStatus,
    Organisation,
    OrganisationStatus,
    RemediationStatus,
    Target,
)

__all__ = [
    "DefenderChoices",
    "FindingPage",
    "FindingsPage",
    "TargetsPage",
    "defender_choices",
    "finding_page",
    "findings_page",
    "targets_page",
]


@dataclass
class TargetsPage:
    exercise: Exercise
    targets: list[Target]
    organisations: dict[int, str]  # defending organisation id -> name
    teams: dict[int, str]  # exercise team id -> name
    can_organise: bool


@dataclass
class FindingsPage:
    exercise: Exercise
    running: bool
    targets: dict[int, Target]
    teams: dict[int, ExerciseTeam]
    attacking_teams: list[ExerciseTeam]  # the attackers' teams `who` submits for
    defending_teams: list[ExerciseTeam]  # the defenders' teams `who` reports for
    findings: list[Finding]  # the team work `who` sees (all of it for the staff)
    queue: list[Finding]  # submitted, waiting for a judge (judges only)
    valid: list[Finding]  # the validated findings a judge merges into
    tasks: list[remediation.Task]
    reports: list[DefenceReport]
    can_judge: bool
    sees_all: bool
    in_scope: list[Target] = field(default_factory=list)


@dataclass
class FindingPage:
    exercise: Exercise
    finding: Finding
    target: Target
    team: ExerciseTeam | None  # hidden from a defender reading its task
    duplicate_of: Finding | None
    duplicates: list[Finding]
    merge_choices: list[Finding]  # earlier validated findings on the same target
    can_judge: bool
    can_remediate: bool
    overdue: bool
    as_task: bool  # read by its defending organisation (not the finders' team nor the staff)


def _org_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


def targets_page(session: Session, who: Subject, exercise_id: int) -> TargetsPage:
    exercise = repository.live_fire(session, who, exercise_id)
    targets = repository.targets(session, exercise.id)
    orgs = _org_names(session, {t.defending_organisation_id for t in targets if t.defending_organisation_id})
    teams = {t.id: t.name for t in repository.teams(session, exercise.id)}
    return TargetsPage(exercise, targets, orgs, teams, authz.is_organiser(session, who, exercise))


def findings_page(session: Session, who: Subject, exercise_id: int, *, now: datetime | None = None) -> FindingsPage:
    exercise = repository.live_fire(session, who, exercise_id)
    teams = {t.id: t for t in repository.teams(session, exercise.id)}
    playing = authz.playing_team_ids(session, who, exercise.id)
    running = exercise.status == ExerciseStatus.RUNNING.value
    targets = {t.id: t for t in repository.targets(session, exercise.id)}
    judge = authz.can_judge(session, who, exercise)
    seen = list(
        session.scalars(
            repository.team_findings(session, who, exercise).order_by(Finding.submitted_at.desc(), Finding.id.desc())
        )
    )
    reports = list(
        session.scalars(
            repository.defence_reports(session, who, exercise).order_by(
                DefenceReport.detected_at.desc(), DefenceReport.id.desc()
            )
        )
    )
    return FindingsPage(
        exercise=exercise,
        running=running,
        targets=targets,
        teams=teams,
        attacking_teams=[t for t in teams.values() if t.id in playing and t.side == "attacker"],
        defending_teams=[t for t in teams.values() if t.id in playing and t.side == "defender"],
        findings=seen,
        queue=sorted(
            (f for f in seen if judge and f.status == FindingStatus.SUBMITTED.value),
            key=lambda f: (as_utc(f.submitted_at), f.id),
        ),
        valid=[f for f in seen if judge and f.status == FindingStatus.VALID.value],
        tasks=remediation.tasks(session, who, exercise, now=now),
        reports=reports,
        can_judge=judge,
        sees_all=authz.sees_all_work(session, who, exercise),
        in_scope=[t for t in targets.values() if t.in_scope],
    )


def finding_page(
    session: Session, who: Subject, exercise_id: int, finding_id: int, *, now: datetime | None = None
) -> FindingPage:
    exercise = repository.live_fire(session, who, exercise_id)
    finding = repository.get_finding(session, who, exercise, finding_id)
    target = repository.get_target(session, exercise.id, finding.target_id)
    team_work = session.scalar(repository.team_findings(session, who, exercise).where(Finding.id == finding.id))
    judge = authz.can_judge(session, who, exercise)
    siblings = list(
        session.scalars(
            repository.team_findings(session, who, exercise)
            .where(Finding.target_id == finding.target_id, Finding.id != finding.id)
            .order_by(Finding.submitted_at, Finding.id)
        )
    )
    merge_choices = [
        f
        for f in siblings
        if judge
        and f.status == FindingStatus.VALID.value
        and (as_utc(f.submitted_at), f.id) < (as_utc(finding.submitted_at), finding.id)
    ]
    duplicate_of = (
        session.scalar(repository.team_findings(session, who, exercise).where(Finding.id == finding.duplicate_of_id))
        if finding.duplicate_of_id and team_work is not None
        else None
    )
    today = remediation.exercise_today(exercise, now)
    return FindingPage(
        exercise=exercise,
        finding=finding,
        target=target,
        team=session.get(ExerciseTeam, finding.team_id) if team_work is not None else None,
        duplicate_of=duplicate_of,
        duplicates=[f for f in siblings if f.duplicate_of_id == finding.id],
        merge_choices=merge_choices,
        can_judge=judge,
        can_remediate=authz.can_remediate(who, target.defending_organisation_id)
        and finding.remediation_status == RemediationStatus.OPEN.value,
        overdue=rules.is_overdue(finding.remediation_due_on, finding.remediation_status, today),
        as_task=team_work is None,
    )


@dataclass
class DefenderChoices:
    organisations: list[tuple[str, str]]  # (id, name): the active member organisations, by name
    teams: list[tuple[str, str]]  # (id, name): the exercise's defending teams


def defender_choices(session: Session, exercise: Exercise) -> DefenderChoices:
    """What the organisers choose a target's defenders from (the caller checked they organise)."""
    orgs = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.status == OrganisationStatus.ACTIVE.value)
        .order_by(Organisation.name_sort, Organisation.id)
    ).all()
    teams = [t for t in repository.teams(session, exercise.id) if t.side == "defender"]
    return DefenderChoices([(str(i), name) for i, name in orgs], [(str(t.id), t.name) for t in teams])
