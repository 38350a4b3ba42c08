"""An outside drill's results (APCERT, ACID) as the scoreboard shows them: `external_standings`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.models import Exercise, ExerciseTeam, ExternalResult


def external_standings(session: Session, exercise: Exercise) -> list[tuple[int, int, float]]:
    """(team id, rank, score) of each team with a result, best first; equal ranks by score, then by
    team name (the order the drill's own table gives is not known)."""
    rows = session.execute(
        select(ExternalResult.team_id, ExternalResult.rank, ExternalResult.score)
        .join(ExerciseTeam, ExerciseTeam.id == ExternalResult.team_id)
        .where(ExternalResult.exercise_id == exercise.id)
        .order_by(ExternalResult.rank, ExternalResult.score.desc(), ExerciseTeam.name, ExerciseTeam.id)
    )
    return [(team_id, rank, _number(score)) for team_id, rank, score in rows]


def _number(score: float) -> float:
    return int(score) if float(score).is_integer() else round(score, 2)
