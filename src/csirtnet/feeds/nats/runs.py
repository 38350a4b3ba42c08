"""A run of the scaled pipeline in the database: created by `submit`, finished by the store stage.

How a run knows it is complete, with any number of workers per stage and any of them killed at any
moment: the parse stage ends each file with a `FileEnd` telling how many batches the file gave. The
store stage records it as a marker row in `feed_batch` (`<run>:<file#>:end:<batches>`, beside the
batch rows `<run>:<file#>:<batch#>` that `store_batch` claims), in the same kind of transaction as a
batch. After each commit (and again on a redelivery, which finds its work done) the store worker
checks: a marker for each of the run's files, and as many batch rows as the markers announce. The
worker whose commit came last sees everything committed, so some worker always sees the run
complete; finishing is a conditional UPDATE … WHERE status = 'running', so exactly one of them
finishes it (its status, `finished_at`, the source's `last_run_at`, the audit record
"feed.run_finished": `pipeline.runner.finish_run`, which the embedded runner uses too).

A file that could not be read ends with its error: the run fails with it once its other files are
done (what was stored stays, counted). A message given up after `max_deliver` attempts fails its run
at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import feeds as authz_feeds
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.nats.codec import FileEnd
from csirtnet.feeds.pipeline.runner import RunSummary, finish_run, load_source, run_summary, start_run
from csirtnet.kit.time import utcnow
from csirtnet.models import FeedBatch, FeedRun, RunStatus

ORIGIN = "nats"
WORKER = Subject.system("feeds-nats")  # who finishes a run: the pipeline itself
_END = ":end:"


def create_run(
    session: Session, who: Subject, source: SourceConfig | str, names: list[str]
) -> tuple[int, SourceConfig]:
    """A running FeedRun of `source` (a manager's act), with its audit record "feed.run"."""
    authz_feeds.require_manage(who)
    row = load_source(session, source)
    run = start_run(session, who, row, origin=ORIGIN, files=names)
    return run.id, SourceConfig.from_row(row)


def end_marker(end: FileEnd) -> str:
    return f"{end.run_id}:{end.file_no}{_END}{end.batches}"


def record_file_end(session: Session, end: FileEnd) -> None:
    """The marker of a file's end (once, however often it is delivered); its error onto the run."""
    inserted = session.execute(
        text(
            "INSERT INTO feed_batch (batch_id, run_id, done_at) VALUES (:b, :r, :t) "
            "ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id"
        ),
        {"b": end_marker(end), "r": end.run_id, "t": _bind_time(session, utcnow())},
    ).first()
    if inserted is not None and end.error:
        _add_error(session, end.run_id, end.error)


def note_report_type(session: Session, run_id: int, report_type: str) -> None:
    """Add a file's report type to the run's (as the embedded runner does: "a, b")."""
    current = session.scalar(select(FeedRun.report_type).where(FeedRun.id == run_id))
    known = [t for t in (current or "").split(", ") if t]
    if report_type not in known:
        known.append(report_type)
        session.execute(update(FeedRun).where(FeedRun.id == run_id).values(report_type=", ".join(known)[:80]))


def progress(session: Session, run_id: int) -> tuple[int, int, int, int]:
    """(files ended, files of the run, batches stored, batches announced by the ended files)."""
    files = session.scalar(select(FeedRun.files).where(FeedRun.id == run_id))
    markers = session.scalars(
        select(FeedBatch.batch_id).where(FeedBatch.run_id == run_id, FeedBatch.batch_id.like(f"%{_END}%"))
    ).all()
    stored = session.scalar(
        select(func.count())
        .select_from(FeedBatch)
        .where(FeedBatch.run_id == run_id, FeedBatch.batch_id.not_like(f"%{_END}%"))
    )
    announced = sum(int(m.rsplit(":", 1)[1]) for m in markers)
    return len(markers), len(files or []), int(stored or 0), announced


def finish_if_complete(session: Session, run_id: int, *, now: datetime | None = None) -> bool:
    """Finish the run if every file has ended and every announced batch is stored; True when this
    call finished it (see the module's note on why exactly one caller does)."""
    ended, files, stored, announced = progress(session, run_id)
    if ended < files or stored < announced:
        return False
    error = session.scalar(select(FeedRun.error).where(FeedRun.id == run_id))
    return finish_run(session, WORKER, run_id, status=RunStatus.FAILED if error else RunStatus.DONE, now=now)


def fail(session: Session, run_id: int, error: str, *, now: datetime | None = None) -> bool:
    """Fail a running run now (a message given up); False when it had already ended."""
    _add_error(session, run_id, error)
    return finish_run(session, WORKER, run_id, status=RunStatus.FAILED, now=now)


def summary(session: Session, run_id: int) -> RunSummary:
    return run_summary(session, run_id)


def _add_error(session: Session, run_id: int, error: str) -> None:
    current = session.scalar(select(FeedRun.error).where(FeedRun.id == run_id))
    joined = error if not current else f"{current}; {error}"
    session.execute(update(FeedRun).where(FeedRun.id == run_id).values(error=joined[:4000]))


def _bind_time(session: Session, moment: datetime) -> object:
    from datetime import UTC

    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(sep=" ") if session.get_bind().dialect.name == "sqlite" else utc
