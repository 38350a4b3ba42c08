"""What every part of an exercise shares: its reference numbers, the audit record of a change, the
teams as the scoreboard sees them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.exercise.scoring import TeamRow
from csirtnet.kit.time import utcnow
from csirtnet.models import Exercise, ExerciseTeam

_REFERENCE_LOCK = 0x45584552  # "EXER": one reference per number, also under concurrent creation


def next_reference(session: Session) -> str:
    """CSN-EX-2026-0001: per year, never reused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFERENCE_LOCK})
    stem = f"CSN-EX-{utcnow().year}-"
    last = session.scalar(select(func.max(Exercise.reference)).where(Exercise.reference.like(stem + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:04d}"


def record(
    session: Session,
    who: Subject,
    action: str,
    exercise: Exercise,
    obj: object | None = None,
    *,
    team_id: int | None = None,
    **details: Any,
) -> None:
    """The audit record of one change to `exercise` (or to `obj` inside it), in the caller's
    transaction. A change to a team's work carries that team's guard (`team_id`): only the team,
    the exercise's staff and the coordinating body read its details; anything else carries the
    exercise's preparation guard (its staff and organisers)."""
    guard = Guard(GuardKind.EXERCISE_TEAM, team_id) if team_id is not None else Guard(GuardKind.EXERCISE, exercise.id)
    audit.record(
        session,
        who,
        action,
        obj if obj is not None else exercise,
        organisation_id=exercise.organiser_organisation_id,
        guard=guard,
        reference=exercise.reference,
        **details,
    )


def team_rows(session: Session, exercise_id: int) -> list[TeamRow]:
    """The exercise's teams as the scoreboard ranks them."""
    rows = session.execute(
        select(
            ExerciseTeam.id, ExerciseTeam.name, ExerciseTeam.organisation_id, ExerciseTeam.hidden, ExerciseTeam.side
        ).where(ExerciseTeam.exercise_id == exercise_id)
    )
    return [TeamRow(id=r[0], name=r[1], organisation_id=r[2], hidden=r[3], side=r[4]) for r in rows]
