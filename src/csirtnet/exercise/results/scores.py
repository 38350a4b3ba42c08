"""An outside drill's results (APCERT, ACID) as the scoreboard shows them: `external_standings`.

PLACEHOLDER until the results part's author replaces it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.models import Exercise


def external_standings(session: Session, exercise: Exercise) -> list[tuple[int, int, float]]:
    """(team id, rank, score) of each team, best first."""
    return []
