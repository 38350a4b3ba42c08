"""The scoreboard's arithmetic, the same for every kind of exercise: each kind turns its work into
`ScoreEvent`s (a solve worth the challenge's current value, a hint's cost, a graded answer, a
validated finding, a scored defence report) and `rank` orders the teams.

Ties are broken by who reached the score first: the team whose last score change came earlier
ranks higher (CTFd's rule). Teams with no points rank after those with points, by name; hidden
teams are not ranked. Equal score and equal time share nothing: the lower team id ranks first, so
the order is total and the same on every reload.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    name: str
    organisation_id: int | None = None
    hidden: bool = False
    side: str = "player"


@dataclass(frozen=True, slots=True)
class ScoreEvent:
    team_id: int
    points: float
    at: datetime
    label: str = ""  # what earned it, for the history: a challenge's name, an inject's title


@dataclass
class Standing:
    rank: int
    team_id: int
    team: str
    organisation_id: int | None
    score: float
    last_at: datetime | None  # when the team reached its score (the tie-break)
    side: str = "player"
    events: int = 0


@dataclass
class Board:
    standings: list[Standing]
    until: datetime | None  # the freeze the reader sees, or None for live
    history: dict[int, list[tuple[datetime, float]]] = field(default_factory=dict)  # team -> cumulative


def _score_value(points: float) -> float:
    return int(points) if float(points).is_integer() else round(points, 2)


def rank(
    teams: Sequence[TeamRow], events: Iterable[ScoreEvent], *, until: datetime | None = None, history: bool = False
) -> Board:
    """Order `teams` by the sum of their events up to `until` (inclusive), ties by time reached."""
    score: dict[int, float] = {t.id: 0.0 for t in teams}
    last: dict[int, datetime | None] = {t.id: None for t in teams}
    count: dict[int, int] = {t.id: 0 for t in teams}
    timeline: dict[int, list[tuple[datetime, float]]] = {t.id: [] for t in teams} if history else {}
    ordered = sorted((e for e in events if e.team_id in score and (until is None or e.at <= until)), key=lambda e: e.at)
    for e in ordered:
        score[e.team_id] += e.points
        count[e.team_id] += 1
        if e.points:
            last[e.team_id] = e.at
        if history:
            timeline[e.team_id].append((e.at, _score_value(score[e.team_id])))
    shown = [t for t in teams if not t.hidden]
    far = datetime.max.replace(tzinfo=UTC)

    def key(t: TeamRow) -> tuple[float, datetime, str, int]:
        at = last[t.id]
        if score[t.id] == 0 and at is None:
            return (0.0, far, t.name, t.id)
        return (-score[t.id], at or far, "", t.id)

    standings: list[Standing] = []
    for position, t in enumerate(sorted(shown, key=key), start=1):
        standings.append(
            Standing(
                rank=position,
                team_id=t.id,
                team=t.name,
                organisation_id=t.organisation_id,
                score=_score_value(score[t.id]),
                last_at=last[t.id],
                side=t.side,
                events=count[t.id],
            )
        )
    return Board(
        standings=standings, until=until, history={k: v for k, v in timeline.items() if k in {t.id for t in shown}}
    )
