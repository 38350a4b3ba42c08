"""What a tabletop's work is worth on the scoreboard: one `ScoreEvent` per graded answer, worth
its points (the late factor already applied), at the moment the team answered — the time the team
reached that score, whenever the judge graded it — labelled with the inject's title."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.exercise.scoring import ScoreEvent
from csirtnet.kit.time import as_utc
from csirtnet.models import Exercise, Inject, InjectAnswer


def score_events(session: Session, exercise: Exercise) -> list[ScoreEvent]:
    """Every graded answer of the exercise as a scoring fact."""
    rows = session.execute(
        select(InjectAnswer.team_id, InjectAnswer.points, InjectAnswer.submitted_at, Inject.title)
        .join(Inject, Inject.id == InjectAnswer.inject_id)
        .where(Inject.exercise_id == exercise.id, InjectAnswer.points.is_not(None))
    )
    return [
        ScoreEvent(team_id=team_id, points=float(points or 0), at=as_utc(submitted_at), label=title)
        for team_id, points, submitted_at, title in rows
    ]
