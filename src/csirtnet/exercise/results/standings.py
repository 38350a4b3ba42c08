"""The final standings of an exercise as the results part reads them ("3rd of 63"), and the words
of a placement in either language.

The boards are CORE's (`exercise.scoreboard.boards`): one per exercise, or attackers and defenders
apart on a live-fire exercise, each ranking its own teams ("1st of 4 attackers"). Once an exercise
is finished nobody's board is frozen, so every reader gets the same final ranking."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.exercise.scoring import Board, Standing
from csirtnet.i18n import N_, translate
from csirtnet.models import Exercise, ExerciseKind, ExerciseTeam, Organisation

PLACEMENT = N_("%(rank)s of %(total)s")


def final_boards(session: Session, who: Subject, exercise: Exercise) -> list[Board]:
    """The exercise's boards (one; two on a live-fire exercise), best first in each."""
    from csirtnet.exercise import scoreboard

    return [board for _side, board in scoreboard.boards(session, who, exercise)]


def total_of(exercise: Exercise, standings: list[Standing]) -> int:
    """M in "Nth of M": the ranked teams; an outside drill's ranks may run past the teams entered
    (only the network's members are), so its last rank counts too."""
    if exercise.kind == ExerciseKind.EXTERNAL.value and standings:
        return max(len(standings), max(s.rank for s in standings))
    return len(standings)


def ordinal_en(rank: int) -> str:
    if 10 <= rank % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def placement(rank: int, total: int, language: str) -> str:
    """ "3rd of 63" in English, "hạng 3 trên 63" in Vietnamese."""
    shown = ordinal_en(rank) if language == "en" else str(rank)
    return translate(language, PLACEMENT) % {"rank": shown, "total": total}


@dataclass(frozen=True)
class Placed:
    """One ranked team of a final board, with its organisation's name."""

    standing: Standing
    total: int
    organisation: str | None

    @property
    def rank(self) -> int:
        return self.standing.rank


def placed(session: Session, who: Subject, exercise: Exercise) -> list[Placed]:
    """The final boards' teams with "of M" (M: the teams ranked on the same board) and their
    organisations' names; a live-fire exercise's attackers first, then its defenders."""
    out: list[tuple[Standing, int]] = []
    for board in final_boards(session, who, exercise):
        total = total_of(exercise, board.standings)
        out.extend((s, total) for s in board.standings)
    org_ids = {s.organisation_id for s, _ in out if s.organisation_id is not None}
    names = (
        {
            i: n
            for i, n in session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
        }
        if org_ids
        else {}
    )
    return [
        Placed(s, total, names.get(s.organisation_id) if s.organisation_id is not None else None) for s, total in out
    ]


def team_of(session: Session, exercise: Exercise, team_id: int) -> ExerciseTeam | None:
    team = session.get(ExerciseTeam, team_id)
    return team if team is not None and team.exercise_id == exercise.id else None
