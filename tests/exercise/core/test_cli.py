"""`csirtnet exercise list` and `csirtnet exercise scoreboard ID --format csv|json` against a
committing database: the scoreboard's CSV header is exactly rank,team,score, one line per team in
rank order; a user who may not see the exercise is refused."""

from __future__ import annotations

import json
from datetime import timedelta

from csirtnet.db import Database
from csirtnet.exercise import service
from csirtnet.models import Challenge, Solve
from tests.exercise.core.helpers import START, add_teams, cluster_exercise, make_world
from tests.helpers import run_cli
from tests.incident.helpers import who


def test_the_scoreboard_prints_as_csv_and_json(committing_database: Database) -> None:
    with committing_database.unit_of_work() as db:
        w = make_world(db)
        exercise = cluster_exercise(db, w, freeze_at=None)
        teams = add_teams(db, w, exercise, w.admins[0])
        service.publish(db, who(w.admins[0]), exercise.id)
        service.start(db, who(w.admins[0]), exercise.id)
        challenge = Challenge(exercise_id=exercise.id, name="Cổng thông tin", value=100)
        db.add(challenge)
        db.flush()
        for minutes, team in ((20, teams[3]), (10, teams[4])):
            db.add(
                Solve(
                    exercise_id=exercise.id,
                    challenge_id=challenge.id,
                    team_id=team.id,
                    solved_at=START + timedelta(minutes=minutes),
                )
            )
        ident, names, outsider = exercise.id, [t.name for t in teams], w.outsider.email

    csv = run_cli(committing_database, "exercise", "scoreboard", str(ident), "--format", "csv")
    assert csv.exit_code == 0, csv.output
    lines = csv.stdout.splitlines()
    assert lines[0] == "rank,team,score"
    assert lines[1:3] == [f"1,{names[4]},100", f"2,{names[3]},100"]
    assert len(lines) == 7

    as_json = run_cli(committing_database, "exercise", "scoreboard", str(ident), "--format", "json")
    assert json.loads(as_json.stdout)[0] == {"rank": 1, "team": names[4], "score": 100}

    listed = run_cli(committing_database, "exercise", "list")
    assert listed.exit_code == 0 and "Diễn tập Cụm số 1" in listed.stdout

    refused = run_cli(committing_database, "exercise", "scoreboard", str(ident), "--as", outsider)
    assert refused.exit_code == 1 and "no exercise" in refused.output
