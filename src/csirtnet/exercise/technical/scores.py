"""What a technical drill's work is worth on the scoreboard, by CTFd's rules (utils/scores):

- each solve scores its challenge's *current* value (`values.current_value` from the number of
  solves by teams that are not hidden), for every solver alike; a challenge worth 0 scores nothing;
- each award scores its value (hint costs are negative awards, as CTFd keeps them); an award of 0
  (a free hint) is left out, so it does not move the team's "last score change", the tie-break.

Hidden challenges count like the others (CTFd does not filter by state). Four column-only queries
(challenges, hidden teams, solves, awards) and arithmetic in Python: the board of 500 teams and
100,000 submissions is recomputed in a few tens of milliseconds (benchmarks/)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func, select, type_coerce
from sqlalchemy.orm import Session

from csirtnet.exercise.scoring import ScoreEvent
from csirtnet.exercise.technical.values import DYNAMIC, current_value
from csirtnet.models import Award, Challenge, Exercise, ExerciseTeam, Solve


@dataclass(frozen=True)
class ChallengeValue:
    id: int
    name: str
    value: int  # now
    solves: int  # by teams that are not hidden


def _hidden_teams(session: Session, exercise_id: int) -> set[int]:
    return set(
        session.scalars(
            select(ExerciseTeam.id).where(ExerciseTeam.exercise_id == exercise_id, ExerciseTeam.hidden.is_(True))
        )
    )


def _from_text(value: str) -> datetime:
    return datetime.fromisoformat(value + "+00:00")


def _as_is(value: datetime) -> datetime:
    return value


def _moments(session: Session, column: Any) -> tuple[Any, Callable[[Any], datetime]]:
    """A timestamp column read the cheapest way that still gives aware datetimes: tens of thousands
    of rows through the UTCDateTime decorator (and its `as_utc`) cost more than the rest of the board.
    SQLite keeps UTC as text ("2026-10-10 01:16:00.250000"), read with one C call; PostgreSQL's
    timestamptz comes back aware already."""
    if session.get_bind().dialect.name == "sqlite":
        return type_coerce(column, String), _from_text
    return type_coerce(column, DateTime(timezone=True)), _as_is


def _solve_rows(session: Session, exercise_id: int) -> list[tuple[int, int, datetime]]:
    column, moment = _moments(session, Solve.solved_at)
    rows = session.execute(select(Solve.challenge_id, Solve.team_id, column).where(Solve.exercise_id == exercise_id))
    return [(c, t, moment(at)) for c, t, at in rows]


def _values(
    session: Session, exercise_id: int, solves: list[tuple[int, int, datetime]], hidden: set[int]
) -> dict[int, ChallengeValue]:
    counted = Counter(challenge_id for challenge_id, team_id, _ in solves if team_id not in hidden)
    rows = session.execute(
        select(
            Challenge.id, Challenge.name, Challenge.function, Challenge.value, Challenge.decay, Challenge.minimum
        ).where(Challenge.exercise_id == exercise_id)
    )
    out: dict[int, ChallengeValue] = {}
    for cid, name, function, initial, decay, minimum in rows:
        n = counted.get(cid, 0)
        out[cid] = ChallengeValue(cid, name, current_value(function, initial, decay, minimum, n), n)
    return out


def challenge_values(session: Session, exercise_id: int) -> dict[int, ChallengeValue]:
    """Every challenge of the exercise with its value now and its count of ranked solves."""
    return _values(session, exercise_id, _solve_rows(session, exercise_id), _hidden_teams(session, exercise_id))


def value_of(session: Session, challenge: Challenge) -> int:
    """One challenge's value now (one count query: what a submission answers with)."""
    if challenge.function not in DYNAMIC:
        return challenge.value
    solves = session.scalar(
        select(func.count(Solve.id))
        .join(ExerciseTeam, ExerciseTeam.id == Solve.team_id)
        .where(Solve.challenge_id == challenge.id, ExerciseTeam.hidden.is_(False))
    )
    return current_value(challenge.function, challenge.value, challenge.decay, challenge.minimum, solves or 0)


def score_events(session: Session, exercise: Exercise, *, until: datetime | None = None) -> list[ScoreEvent]:
    """One event per solve (the challenge's current value, at the solve) and per award of non-zero value.
    With `until` (the scoreboard's freeze) the values are those the solves up to it gave: a frozen
    board does not move when teams solve after the freeze."""
    solves = _solve_rows(session, exercise.id)
    if until is not None:
        solves = [s for s in solves if s[2] <= until]
    values = _values(session, exercise.id, solves, _hidden_teams(session, exercise.id))
    events: list[ScoreEvent] = []
    for challenge_id, team_id, solved_at in solves:
        worth = values[challenge_id]
        if worth.value:
            events.append(ScoreEvent(team_id, worth.value, solved_at, worth.name))
    column, moment = _moments(session, Award.awarded_at)
    awards = session.execute(
        select(Award.team_id, Award.value, column, Award.name).where(Award.exercise_id == exercise.id)
    )
    for team_id, value, awarded_at, name in awards:
        if value:
            events.append(ScoreEvent(team_id, value, moment(awarded_at), name))
    return events


def team_score(session: Session, exercise: Exercise, team_id: int) -> int:
    """One team's score now (what CTFd's admin view shows: hidden teams and the freeze ignored)."""
    return int(sum(e.points for e in score_events(session, exercise) if e.team_id == team_id))
