"""Importing a CTFd backup: the scoreboard after import is the one CTFd showed (worked by hand in
tests/exercise/ctfd_fixture.py), and what cannot be read is refused whole, naming file and entry."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import ValidationFailed
from csirtnet.exercise import common, scoring
from csirtnet.exercise.technical import ctfd
from csirtnet.exercise.technical.scores import challenge_values, score_events
from csirtnet.models import (
    Award,
    Challenge,
    ChallengeFlag,
    Exercise,
    ExerciseTeam,
    ExerciseTeamMember,
    HintUnlock,
    Solve,
    Submission,
)
from tests.exercise.ctfd_fixture import build_ctfd_zip, expected_scoreboard
from tests.factories import make_organisation

SYSTEM = Subject.system("test")


def _import(db: Session, path: Path, **kw: object) -> ctfd.ImportReport:
    return ctfd.import_backup(db, SYSTEM, path.read_bytes(), filename=path.name, **kw)  # type: ignore[arg-type]


def test_the_scoreboard_after_import_is_the_one_ctfd_showed(db: Session, tmp_path: Path) -> None:
    report = _import(db, build_ctfd_zip(tmp_path / "backup.zip"))
    exercise = db.get(Exercise, report.exercise_id)
    assert exercise is not None and exercise.status == "finished" and exercise.source == "ctfd"
    board = scoring.rank(common.team_rows(db, exercise.id), score_events(db, exercise))
    assert [(s.rank, s.team, s.score) for s in board.standings] == expected_scoreboard()
    values = {v.name: (v.value, v.solves) for v in challenge_values(db, exercise.id).values()}
    assert values["Cookie Monster"] == (150, 3)  # linear, floored
    assert values["Memory Dump"] == (499, 2)  # hidden Hung Yen's solve not counted
    assert values["Disk Image"] == (230, 2)
    assert values["RSA Baby"] == (250, 4)


def test_import_keeps_teams_members_solves_and_attempts(db: Session, tmp_path: Path) -> None:
    org = make_organisation(db, name="Ha Noi")
    report = _import(db, build_ctfd_zip(tmp_path / "backup.zip"), title="Diễn tập 2026")
    eid = report.exercise_id
    assert report.title == "Diễn tập 2026"
    assert (report.challenges, report.flags, report.hints, report.teams, report.members) == (8, 8, 4, 6, 12)
    assert (report.solves, report.wrong_submissions, report.awards, report.unlocks) == (28, 5, 6, 5)
    assert [(m.team, m.organisation_id) for m in report.matched] == [("Ha Noi", org.id)]
    hidden = db.scalars(select(ExerciseTeam.name).where(ExerciseTeam.exercise_id == eid, ExerciseTeam.hidden)).all()
    assert hidden == ["Hung Yen"]
    members = db.scalars(
        select(ExerciseTeamMember.name)
        .join(ExerciseTeam, ExerciseTeam.id == ExerciseTeamMember.team_id)
        .where(ExerciseTeam.exercise_id == eid, ExerciseTeam.name == "Hai Phong")
        .order_by(ExerciseTeamMember.name)
    ).all()
    assert members == ["player4", "player5"]
    assert all(m.user_id is None for m in db.scalars(select(ExerciseTeamMember)))
    first = db.scalars(
        select(Solve.solved_at)
        .join(ExerciseTeam, ExerciseTeam.id == Solve.team_id)
        .where(Solve.exercise_id == eid, ExerciseTeam.name == "Hai Phong")
        .order_by(Solve.solved_at)
    ).first()
    assert first is not None and first.isoformat() == "2026-10-10T01:16:00.250000+00:00"
    assert db.scalar(select(func.count()).select_from(Submission).where(Submission.exercise_id == eid)) == 33
    # Hint costs came as CTFd's awards (not made twice), each tied to its unlock.
    assert db.scalar(select(func.sum(Award.value)).where(Award.exercise_id == eid)) == -210 + 30
    assert db.scalar(select(func.count()).select_from(Award).where(Award.hint_unlock_id.is_not(None))) == 5
    assert db.scalar(select(func.count()).select_from(HintUnlock)) == 5


def test_flags_are_hashed_and_keep_ctfds_comparison(db: Session, tmp_path: Path) -> None:
    from csirtnet.exercise.technical.flags import matches

    report = _import(db, build_ctfd_zip(tmp_path / "backup.zip"))
    by_name = {
        c.name: db.scalars(select(ChallengeFlag).where(ChallengeFlag.challenge_id == c.id)).one()
        for c in db.scalars(select(Challenge).where(Challenge.exercise_id == report.exercise_id))
    }
    login = by_name["Login Bypass"]
    assert login.digest and "0r_1" not in login.digest and login.pattern is None
    assert matches(login, " CSIRT{0r_1=1}\n") and not matches(login, "csirt{0r_1=1}")
    assert matches(by_name["Pcap Hunt"], "csirt{DNS_TUNNEL}")
    admin = by_name["Admin Panel"]
    assert admin.kind == "regex" and matches(admin, "CSIRT{adm1n_deadbeef}")
    assert not matches(admin, "CSIRT{adm1n_DEADBEEF}") and not matches(admin, "xCSIRT{adm1n_deadbeef}")


def _rewrite(src: Path, dst: Path, *, drop: str | None = None, replace: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename == drop:
                continue
            zout.writestr(item, (replace or {}).get(item.filename, zin.read(item)))
    return dst


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"drop": "db/solves.json"}, "backup.zip: db/solves.json is missing"),
        ({"replace": {"db/teams.json": b"{not json"}}, "db/teams.json is not JSON"),
        ({"replace": {"db/flags.json": b'{"count": 1}'}}, 'db/flags.json is not a CTFd table (no "results" list'),
        (
            {"replace": {"db/dynamic_challenge.json": b""}},
            "db/dynamic_challenge.json has no row for challenge 2",
        ),
    ],
)
def test_a_broken_backup_is_refused_whole_naming_file_and_entry(
    db: Session, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    good = build_ctfd_zip(tmp_path / "good.zip")
    bad = _rewrite(good, tmp_path / "backup.zip", **change)  # type: ignore[arg-type]
    before = db.scalar(select(func.count()).select_from(Exercise))
    with pytest.raises(ValidationFailed) as caught, db.begin_nested():
        _import(db, bad)
    assert message in caught.value.message
    assert caught.value.errors[0].field == "file"
    assert db.scalar(select(func.count()).select_from(Exercise)) == before


def test_a_file_that_is_not_a_zip_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "notes.zip"
    path.write_bytes(b"%PDF-1.7 not a zip")
    with pytest.raises(ValidationFailed, match=r"notes\.zip: not a zip file"):
        _import(db, path)


def test_a_bad_date_names_its_row(db: Session, tmp_path: Path) -> None:
    good = build_ctfd_zip(tmp_path / "good.zip")
    with zipfile.ZipFile(good) as z:
        data = json.loads(z.read("db/submissions.json"))
    data["results"][3]["date"] = "yesterday"
    bad = _rewrite(good, tmp_path / "backup.zip", replace={"db/submissions.json": json.dumps(data).encode()})
    with pytest.raises(ValidationFailed, match=r"db/submissions.json, row id 4: date is not a date \('yesterday'\)"):
        _import(db, bad)


def test_ctfd_38_column_names_give_the_same_board(db: Session, tmp_path: Path) -> None:
    """3.8.1+ prefixes the dynamic columns (dynamic_initial…); the values are the same."""
    good = build_ctfd_zip(tmp_path / "good.zip")
    with zipfile.ZipFile(good) as z:
        data = json.loads(z.read("db/dynamic_challenge.json"))
    data["results"] = [
        {"id": r["id"], **{f"dynamic_{k}": r[k] for k in ("initial", "minimum", "decay", "function")}}
        for r in data["results"]
    ]
    moved = _rewrite(good, tmp_path / "backup.zip", replace={"db/dynamic_challenge.json": json.dumps(data).encode()})
    report = _import(db, moved)
    exercise = db.get(Exercise, report.exercise_id)
    assert exercise is not None
    board = scoring.rank(common.team_rows(db, exercise.id), score_events(db, exercise))
    assert [(s.rank, s.team, s.score) for s in board.standings] == expected_scoreboard()
