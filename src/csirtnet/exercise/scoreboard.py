"""The scoreboard of an exercise as one reader sees it: each kind's scoring facts
(`<part>.scores.score_events`) ranked by `scoring.rank`, stopped at the freeze the reader sees
(`authz.exercise.scoreboard_until`: organisers and staff see it live, everyone else the board as it
stood at `freeze_at` until the exercise finishes). An outside drill's board is its entered results
(`results.scores.external_standings`). A live-fire exercise ranks its attackers and its defenders
apart (`boards`): finding points and defence points are not the same currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.exercise import scoring
from csirtnet.exercise.common import team_rows
from csirtnet.kit.time import utcnow
from csirtnet.models import Exercise, ExerciseKind

ALL = "all"
ATTACKERS = "attacker"
DEFENDERS = "defender"


def _events(session: Session, exercise: Exercise, until: datetime | None = None) -> list[scoring.ScoreEvent]:
    """Every scoring fact of the exercise, from its kind's part (imported here: each part is
    loaded only when a board of its kind is asked for). A technical drill's dynamic values depend
    on the solves counted: a frozen board values each challenge by the solves before the freeze."""
    if exercise.kind == ExerciseKind.TECHNICAL.value:
        from csirtnet.exercise.technical import scores as technical

        return technical.score_events(session, exercise, until=until)
    if exercise.kind == ExerciseKind.TABLETOP.value:
        from csirtnet.exercise.tabletop import scores as tabletop

        return tabletop.score_events(session, exercise)
    if exercise.kind == ExerciseKind.LIVE_FIRE.value:
        from csirtnet.exercise.livefire import scores as livefire

        return livefire.score_events(session, exercise)
    return []


def _external(session: Session, exercise: Exercise, teams: list[scoring.TeamRow]) -> scoring.Board:
    from csirtnet.exercise.results import scores as results

    shown = {t.id: t for t in teams if not t.hidden}
    standings = [
        scoring.Standing(
            rank=rank,
            team_id=team_id,
            team=shown[team_id].name,
            organisation_id=shown[team_id].organisation_id,
            score=score,
            last_at=None,
            side=shown[team_id].side,
        )
        for team_id, rank, score in results.external_standings(session, exercise)
        if team_id in shown
    ]
    return scoring.Board(standings=standings, until=None)  # in the drill's order (results.scores)


def _on_side(team: scoring.TeamRow, side: str) -> bool:
    if side == ALL:
        return True
    if side == DEFENDERS:
        return team.side == DEFENDERS
    return team.side != DEFENDERS  # a live-fire "player" team attacks


def board(
    session: Session,
    who: Subject,
    exercise: Exercise,
    *,
    history: bool = False,
    now: datetime | None = None,
    side: str = ALL,
    events: list[scoring.ScoreEvent] | None = None,
) -> scoring.Board:
    """The ranked board `who` sees of this exercise (the caller found it through
    `authz.exercise.get_visible`); `side` keeps one side of a live-fire exercise; `events` lets a
    caller that shows several boards read the scoring facts once."""
    teams = [t for t in team_rows(session, exercise.id) if _on_side(t, side)]
    if exercise.kind == ExerciseKind.EXTERNAL.value:
        return _external(session, exercise, teams)
    until = rules.scoreboard_until(session, who, exercise, now or utcnow())
    return scoring.rank(
        teams, _events(session, exercise, until) if events is None else events, until=until, history=history
    )


def boards(
    session: Session, who: Subject, exercise: Exercise, *, history: bool = False, now: datetime | None = None
) -> list[tuple[str, scoring.Board]]:
    """The boards of the exercise page: one, or attackers and defenders apart on a live-fire."""
    if exercise.kind != ExerciseKind.LIVE_FIRE.value:
        return [(ALL, board(session, who, exercise, history=history, now=now))]
    events = _events(session, exercise)
    return [
        (side, board(session, who, exercise, history=history, now=now, side=side, events=events))
        for side in (ATTACKERS, DEFENDERS)
    ]


def board_as_rows(board: scoring.Board) -> list[dict[str, Any]]:
    """The board for CSV and JSON exports: rank, team, score (the header of `csirtnet exercise
    scoreboard --format csv`)."""
    return [{"rank": s.rank, "team": s.team, "score": s.score} for s in board.standings]


@dataclass(frozen=True)
class Series:
    """One team's score over time, as a chart's line: (moment, cumulative score) points."""

    team_id: int
    team: str
    points: list[tuple[datetime, float]]


def history_series(board: scoring.Board, top: int = 10) -> list[Series]:
    """The score history of the board's first `top` teams (the chart shows the leaders)."""
    out: list[Series] = []
    for standing in board.standings[:top]:
        points = board.history.get(standing.team_id, [])
        if points:
            out.append(Series(standing.team_id, standing.team, list(points)))
    return out
