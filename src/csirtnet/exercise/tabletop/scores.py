"""What this part's work is worth on the scoreboard: `score_events(session, exercise)`.

PLACEHOLDER until the part's author replaces it (the contract: every scoring fact of the exercise,
as `ScoreEvent(team_id, points, at, label)`, in any order; `scoring.rank` sums and orders them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.exercise.scoring import ScoreEvent
from csirtnet.models import Exercise


def score_events(session: Session, exercise: Exercise) -> list[ScoreEvent]:
    return []
