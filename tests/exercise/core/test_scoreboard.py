"""The scoreboard as each reader sees it: ranks by score, ties by who reached the score first,
hidden teams not ranked, the freeze for players but not for the staff, the history for the chart,
live-fire sides apart, and the rows of the CSV and JSON exports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from csirtnet.exercise import scoreboard, service
from csirtnet.exercise.schemas import TeamUpdate
from csirtnet.exercise.scoring import ScoreEvent, TeamRow, rank
from csirtnet.models import Challenge, Exercise, ExerciseTeam, Solve
from tests.exercise.core.helpers import START, add_teams, cluster_exercise, make_world
from tests.incident.helpers import who


def test_ties_go_to_who_reached_the_score_first() -> None:
    teams = [TeamRow(1, "Đội A"), TeamRow(2, "Đội B"), TeamRow(3, "Đội C"), TeamRow(4, "Đội D", hidden=True)]
    events = [
        ScoreEvent(1, 100, START + timedelta(minutes=30)),
        ScoreEvent(2, 100, START + timedelta(minutes=10)),
        ScoreEvent(4, 500, START),
        ScoreEvent(3, 50, START + timedelta(minutes=5)),
    ]
    board = rank(teams, events)
    assert [(s.rank, s.team, s.score) for s in board.standings] == [
        (1, "Đội B", 100),
        (2, "Đội A", 100),
        (3, "Đội C", 50),
    ]
    frozen = rank(teams, events, until=START + timedelta(minutes=20))
    assert [(s.team, s.score) for s in frozen.standings] == [("Đội B", 100), ("Đội C", 50), ("Đội A", 0)]
    rows = scoreboard.board_as_rows(frozen)
    assert rows[0] == {"rank": 1, "team": "Đội B", "score": 100}


def _solve(db: Session, exercise: Exercise, challenge: Challenge, team: ExerciseTeam, minutes: int) -> None:
    db.add(
        Solve(
            exercise_id=exercise.id,
            challenge_id=challenge.id,
            team_id=team.id,
            solved_at=START + timedelta(minutes=minutes),
        )
    )
    db.flush()


def test_players_see_the_frozen_board_and_the_staff_see_it_live(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w)  # technical; freeze after 7 of its 8 hours
    teams = add_teams(db, w, exercise, w.admins[0])
    service.publish(db, who(w.admins[0]), exercise.id)
    service.start(db, who(w.admins[0]), exercise.id)
    web = Challenge(exercise_id=exercise.id, name="Cổng thông tin", category="web", value=100)
    crypto = Challenge(exercise_id=exercise.id, name="Mật mã", category="crypto", value=200)
    db.add_all([web, crypto])
    db.flush()
    _solve(db, exercise, web, teams[0], 60)
    _solve(db, exercise, web, teams[1], 30)  # same score, reached earlier: ranks first
    _solve(db, exercise, crypto, teams[2], 7 * 60 + 30)  # after the freeze
    now = START + timedelta(hours=7, minutes=45)

    player = scoreboard.board(db, who(w.responders[3]), exercise, now=now)
    assert player.until == exercise.freeze_at
    assert [(s.team, s.score) for s in player.standings[:3]] == [
        (teams[1].name, 100),
        (teams[0].name, 100),
        (teams[2].name, 0),
    ]
    staff = scoreboard.board(db, who(w.admins[0]), exercise, now=now, history=True)
    assert staff.until is None
    assert [(s.rank, s.team, s.score) for s in staff.standings[:3]] == [
        (1, teams[2].name, 200),
        (2, teams[1].name, 100),
        (3, teams[0].name, 100),
    ]
    assert [points for _, points in staff.history[teams[2].id]] == [200]
    # Before the freeze everyone sees it live; once finished, everyone sees the final board.
    early = scoreboard.board(db, who(w.responders[3]), exercise, now=START + timedelta(hours=1))
    assert early.until is None
    service.finish(db, who(w.admins[0]), exercise.id)
    final = scoreboard.board(db, who(w.responders[3]), exercise, now=now)
    assert final.standings[0].team == teams[2].name
    # A hidden team is not ranked.
    service.update_team(db, who(w.admins[0]), exercise.id, teams[2].id, TeamUpdate(hidden=True))
    assert teams[2].name not in [s.team for s in scoreboard.board(db, who(w.admins[0]), exercise).standings]


def test_a_live_fire_ranks_attackers_and_defenders_apart(db: Session) -> None:
    w = make_world(db)
    exercise = cluster_exercise(db, w, kind="live_fire")
    teams = add_teams(db, w, exercise, w.admins[0])
    service.update_team(db, who(w.admins[0]), exercise.id, teams[0].id, TeamUpdate(side="defender"))
    service.update_team(db, who(w.admins[0]), exercise.id, teams[1].id, TeamUpdate(side="attacker"))
    boards = scoreboard.boards(db, who(w.admins[0]), exercise)
    assert [side for side, _ in boards] == ["attacker", "defender"]
    attackers, defenders = (b for _, b in boards)
    assert [s.team for s in defenders.standings] == [teams[0].name]
    assert teams[0].name not in [s.team for s in attackers.standings] and len(attackers.standings) == 5
