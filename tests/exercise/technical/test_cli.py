"""`csirtnet exercise import-ctfd FILE.zip`: progress on standard error, the new exercise's id on
the last line of standard output; a broken backup prints why and imports nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from csirtnet.exercise import common, scoring
from csirtnet.exercise.technical.scores import score_events
from csirtnet.models import Exercise
from tests.exercise.ctfd_fixture import build_ctfd_zip, expected_scoreboard
from tests.helpers import run_cli


def test_import_ctfd_prints_the_new_id_last(committing_database: Any, tmp_path: Path) -> None:
    path = build_ctfd_zip(tmp_path / "drill.zip")
    result = run_cli(committing_database, "exercise", "import-ctfd", str(path), "--title", "CTFd 2026")
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.isdigit()
    with committing_database.unit_of_work() as session:
        exercise = session.get(Exercise, int(last))
        assert exercise is not None and exercise.title == "CTFd 2026" and exercise.kind == "technical"
        board = scoring.rank(common.team_rows(session, exercise.id), score_events(session, exercise))
        assert [(s.rank, s.team, s.score) for s in board.standings] == expected_scoreboard()


def test_a_broken_backup_imports_nothing(committing_database: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"not a zip at all")
    result = run_cli(committing_database, "exercise", "import-ctfd", str(path))
    assert result.exit_code == 1
    assert "broken.zip: not a zip file" in result.output
    with committing_database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Exercise)) == 0
