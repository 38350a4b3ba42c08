"""`csirtnet feed run PATH…`: the one summary line on standard output, the default Shadowserver
source, a file with malformed lines, refusals."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from csirtnet.db import Database
from csirtnet.models import AuditRecord, FeedQuarantine, FeedRun, FeedSource
from csirtnet.vocabulary import Role
from tests.factories import make_user
from tests.feeds.test_pipeline import NAME, make_world, report, row
from tests.helpers import run_cli


def test_feed_run_prints_exactly_one_summary_line(committing_database: Database, tmp_path: Path) -> None:
    with committing_database.unit_of_work() as session:
        make_world(session)
    path = tmp_path / NAME
    path.write_bytes(
        report(
            [row("10.1.2.3"), row("10.1.2.3"), row("10.9.9.9"), row("203.0.113.1")],
            ['"2026-12-05 00:02:00","10.1.2.999","445","","smb","","VN","",""', '"only","two"'],
        )
    )
    done = run_cli(committing_database, "feed", "run", str(path))
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == ["4 events, 2 matched, 1 duplicates, 2 quarantined"]
    with committing_database.unit_of_work() as session:
        source = session.scalars(select(FeedSource)).one()
        assert (source.name, source.provider, source.tlp) == ("shadowserver", "Shadowserver", "amber")
        run = session.scalars(select(FeedRun)).one()
        assert (run.status, run.origin, run.source_id, run.files) == ("done", "cli", source.id, [NAME])
        lines = session.scalars(select(FeedQuarantine.line).order_by(FeedQuarantine.line)).all()
        assert lines == [6, 7]
        assert session.scalar(select(AuditRecord.seq).where(AuditRecord.action == "feed.source_created")) is not None

    again = run_cli(committing_database, "feed", "run", str(tmp_path))  # the directory: walked
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == ["4 events, 0 matched, 4 duplicates, 2 quarantined"]


def test_feed_run_needs_a_source_for_other_files(committing_database: Database, tmp_path: Path) -> None:
    path = tmp_path / "sensor.csv"
    path.write_text("a,b\n1,2\n")
    done = run_cli(committing_database, "feed", "run", str(path))
    assert done.exit_code == 1
    assert "--source" in done.stderr and "sensor.csv" in done.stderr
    assert done.stdout == ""
    missing = run_cli(committing_database, "feed", "run", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    unknown = run_cli(committing_database, "feed", "run", str(path), "--source", "nobody")
    assert unknown.exit_code == 1 and "feed source" in unknown.stderr


def test_feed_run_refuses_a_member(committing_database: Database, tmp_path: Path) -> None:
    with committing_database.unit_of_work() as session:
        user = make_user(session, roles=[Role.RESPONDER])
        email = user.email
    path = tmp_path / NAME
    path.write_bytes(report([row("10.1.2.3")]))
    done = run_cli(committing_database, "feed", "run", str(path), "--as", email)
    assert done.exit_code == 1
    assert "feeds" in done.stderr.lower()
    with committing_database.unit_of_work() as session:
        assert session.scalars(select(FeedRun)).all() == []
