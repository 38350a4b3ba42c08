"""`csirtnet exercise import-results ID FILE.csv` (errors by line, nothing applied, exit 1) and
`csirtnet exercise record-results ID` (idempotent), against a committing database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from csirtnet.authz.cluster import today
from csirtnet.exercise.results import external
from csirtnet.exercise.results.schemas import ExternalExerciseCreate
from tests.exercise.results.helpers import make_world
from tests.helpers import run_cli
from tests.incident.helpers import who


def test_import_and_record_from_the_command_line(committing_database: Any, tmp_path: Path) -> None:
    with committing_database.unit_of_work() as session:
        w = make_world(session)
        drill = external.create(
            session,
            who(w.coordinator),
            ExternalExerciseCreate(external_name="APCERT Drill 2026", held_on=today() - timedelta(days=1)),
        )
        drill_id, names = drill.id, [p.name for p in w.provinces]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"team,rank,score\n{names[0]},1,10\nKhông ai,2,5\n", encoding="utf-8")
    refused = run_cli(committing_database, "exercise", "import-results", str(drill_id), str(bad))
    assert refused.exit_code == 1 and "line 3: team" in refused.output
    good = tmp_path / "good.csv"
    good.write_text(f"team,rank,score\n{names[0]},1,10\n{names[1]},2,5\n", encoding="utf-8")
    done = run_cli(committing_database, "exercise", "import-results", str(drill_id), str(good))
    assert done.exit_code == 0, done.output
    assert done.output.strip().splitlines()[-1] == "2 result(s) imported, 0 removed"
    first = run_cli(committing_database, "exercise", "record-results", str(drill_id))
    assert first.output.strip().splitlines()[-1] == "2 organisation(s): 2 drill(s) written, 0 removed"
    again = run_cli(committing_database, "exercise", "record-results", str(drill_id))
    assert again.output.strip().splitlines()[-1] == "2 organisation(s): 0 drill(s) written, 0 removed"
    missing = run_cli(committing_database, "exercise", "record-results", "999999")
    assert missing.exit_code == 1
