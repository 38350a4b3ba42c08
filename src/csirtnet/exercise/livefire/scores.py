"""What live-fire work is worth on the scoreboard: `score_events(session, exercise)`.

Attackers: each validated finding's points (by its severity, `livefire.rules`) at the moment it was
submitted — so of two teams with the same score, the one that reported first ranks higher. A
duplicate or rejected finding earns nothing. Defenders: each scored defence report's points at the
moment the detection happened. Teams carry their side, so the scoreboard can rank each side apart.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.exercise.scoring import ScoreEvent
from csirtnet.i18n import N_
from csirtnet.kit.time import as_utc
from csirtnet.models import DefenceReport, Exercise, Finding, FindingStatus


def score_events(session: Session, exercise: Exercise) -> list[ScoreEvent]:
    """Every scoring fact of a live-fire exercise (the caller decides who sees the board)."""
    events = [
        ScoreEvent(team_id=team_id, points=points, at=as_utc(at), label=title)
        for team_id, points, at, title in session.execute(
            select(Finding.team_id, Finding.points, Finding.submitted_at, Finding.title).where(
                Finding.exercise_id == exercise.id, Finding.status == FindingStatus.VALID.value
            )
        )
    ]
    events += [
        ScoreEvent(team_id=team_id, points=points or 0, at=as_utc(at), label=N_("Defence report"))
        for team_id, points, at in session.execute(
            select(DefenceReport.team_id, DefenceReport.points, DefenceReport.detected_at).where(
                DefenceReport.exercise_id == exercise.id, DefenceReport.points.is_not(None)
            )
        )
    ]
    return events
