"""Rankings across exercises: the network's ranking for a year (each member's results, best rank,
participations; by kind and cluster) and one member's results across exercises and years. Only
finished exercises the reader sees count (`authz.exercise.visible_exercises_clause`): their final
boards are public to whoever sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, can
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz import exercise as rules
from csirtnet.authz.permissions import Permission
from csirtnet.exercise.results.readiness import drill_name, held_on
from csirtnet.exercise.results.standings import Placed, placed
from csirtnet.models import (
    ClusterMember,
    Exercise,
    ExerciseKind,
    ExerciseStatus,
    ExerciseTeam,
    Organisation,
    ReadinessAction,
    ReadinessDrill,
    ReadinessRecord,
)

FINAL = (ExerciseStatus.FINISHED.value, ExerciseStatus.ARCHIVED.value)
KINDS = tuple(k.value for k in ExerciseKind)


@dataclass(frozen=True)
class Result:
    """One organisation's result in one exercise."""

    exercise: Exercise
    held_on: date
    team_id: int
    team: str
    rank: int
    total: int
    score: float

    @property
    def name(self) -> str:
        return drill_name(self.exercise)


@dataclass
class MemberRanking:
    organisation_id: int
    organisation: str
    results: list[Result] = field(default_factory=list)

    @property
    def participations(self) -> int:
        return len({r.exercise.id for r in self.results})

    @property
    def best(self) -> Result | None:
        return min(self.results, key=lambda r: (r.rank, r.total and r.rank / r.total, -r.total), default=None)


def _finished(session: Session, who: Subject, *conditions: object) -> list[Exercise]:
    query = (
        select(Exercise)
        .where(Exercise.status.in_(FINAL), rules.visible_exercises_clause(session, who), *conditions)  # type: ignore[arg-type]
        .order_by(Exercise.starts_at, Exercise.id)
    )
    return list(session.scalars(query))


def _results_of(session: Session, who: Subject, exercises: Sequence[Exercise]) -> list[tuple[Exercise, list[Placed]]]:
    return [(e, placed(session, who, e)) for e in exercises]


def network_ranking(
    session: Session, who: Subject, year: int, *, kind: str | None = None, cluster_id: int | None = None
) -> list[MemberRanking]:
    """Each member's results in the year's finished exercises, best rank first."""
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)  # the exercise's zone decides the year
    end = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    conditions: list[object] = [Exercise.starts_at >= start, Exercise.starts_at < end]
    if kind:
        conditions.append(Exercise.kind == kind)
    exercises = [e for e in _finished(session, who, *conditions) if held_on(e).year == year]
    members: set[int] | None = None
    if cluster_id is not None:
        members = set(
            session.scalars(
                select(ClusterMember.organisation_id).where(
                    ClusterMember.cluster_id == cluster_id,
                    cluster_authz.member_on(min(cluster_authz.today(), date(year, 12, 31))),
                )
            )
        )
    rankings: dict[int, MemberRanking] = {}
    for exercise, board in _results_of(session, who, exercises):
        day = held_on(exercise)
        for p in board:
            org_id = p.standing.organisation_id
            if org_id is None or (members is not None and org_id not in members):
                continue
            entry = rankings.setdefault(org_id, MemberRanking(org_id, p.organisation or ""))
            entry.results.append(
                Result(exercise, day, p.standing.team_id, p.standing.team, p.rank, p.total, float(p.standing.score))
            )
    out = list(rankings.values())
    for entry in out:
        entry.results.sort(key=lambda r: (r.held_on, r.exercise.id))
    out.sort(key=lambda m: (m.best.rank if m.best else 10**9, -m.participations, m.organisation))
    return out


def member_results(session: Session, who: Subject, organisation_id: int) -> list[Result]:
    """The organisation's results across every finished exercise the reader sees, newest first."""
    took_part = select(ExerciseTeam.exercise_id).where(ExerciseTeam.organisation_id == organisation_id)
    exercises = _finished(session, who, Exercise.id.in_(took_part))
    out: list[Result] = []
    for exercise, board in _results_of(session, who, exercises):
        mine = [p for p in board if p.standing.organisation_id == organisation_id]
        if not mine:
            continue
        p = min(mine, key=lambda p: p.rank)
        out.append(
            Result(
                exercise,
                held_on(exercise),
                p.standing.team_id,
                p.standing.team,
                p.rank,
                p.total,
                float(p.standing.score),
            )
        )
    out.sort(key=lambda r: (r.held_on, r.exercise.id), reverse=True)
    return out


def organisation_name(session: Session, organisation_id: int) -> str | None:
    org = session.get(Organisation, organisation_id)
    return org.name if org else None


@dataclass(frozen=True)
class ReadinessItems:
    """What exercises wrote in one member's readiness record for a year."""

    drills: list[ReadinessDrill]
    actions: list[ReadinessAction]


def readiness_items(session: Session, who: Subject, organisation_id: int, year: int) -> ReadinessItems:
    """The drills exercises recorded and the lessons to follow up, in a record the reader may read
    (the readiness page's own rule: `authz.cluster.readiness_organisation_ids`)."""
    if not can(who, Permission.READINESS_READ):
        return ReadinessItems([], [])
    visible = cluster_authz.readiness_organisation_ids(session, who)
    if visible is not None and organisation_id not in visible:
        return ReadinessItems([], [])
    record = and_(ReadinessRecord.organisation_id == organisation_id, ReadinessRecord.year == year)
    drills = session.scalars(
        select(ReadinessDrill)
        .join(ReadinessRecord, ReadinessRecord.id == ReadinessDrill.record_id)
        .where(record, ReadinessDrill.exercise_id.is_not(None))
        .order_by(ReadinessDrill.held_on, ReadinessDrill.id)
    )
    actions = session.scalars(
        select(ReadinessAction)
        .join(ReadinessRecord, ReadinessRecord.id == ReadinessAction.record_id)
        .where(record)
        .order_by(ReadinessAction.done_on.is_not(None), ReadinessAction.due_on, ReadinessAction.id)
    )
    return ReadinessItems(list(drills), list(actions))
