"""The embedded engine: a run over files or streams in one process (docs/feeds.md, ADR 0027).

A run is a `FeedRun`, created with its audit record ("feed.run") in a transaction of its own, so
the pages see it running. Its files are read in order (a directory is walked, sorted); each batch
the parser yields is enriched and stored (`store.store_batch`) in a transaction of its own, so a
crash loses at most the batch in hand, and the counts on the run are those of committed batches.
The run ends with its status, `finished_at`, the source's `last_run_at` and one audit record
("feed.run_finished"). An I/O failure marks the run failed with the error (what was committed
stays, counted); any other exception does too, then propagates.

Parsing and enrichment (polars and numpy, which release the GIL) run in a second thread, one
batch ahead of storing: on two cores the database's work on a batch and the next batch's parse
overlap. The next batch is begun only once the one before it is stored (two batches are alive at
most, whichever side is slower), so memory is two batches whatever the size of the input. The
steps that allocate (making a batch; making the stored batch's JSON and blocks) take turns under
one lock, and the C library's free memory is given back after each stored batch (kit.memory), so
the peak is one step's worth over two batches, not the sum of whichever steps happen to meet
(ADR 0028, "Memory").
"""

from __future__ import annotations

import io
import itertools
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz import feeds as authz_feeds
from csirtnet.errors import NotFound
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.pipeline.enrich import Enricher
from csirtnet.feeds.pipeline.store import event_json, prepare, store_batch
from csirtnet.kit.memory import give_back
from csirtnet.kit.time import utcnow
from csirtnet.models import FeedRun, FeedSource, ParserName, RunStatus, SourceKind

if TYPE_CHECKING:
    import polars as pl

    from csirtnet.db import Database

SHADOWSERVER_SOURCE = "shadowserver"
QUEUE_DEPTH = 1
IN_FLIGHT = 2


@dataclass
class RunSummary:
    run_id: int
    source_id: int
    status: str
    events: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    quarantined: int = 0
    error: str | None = None
    files: list[str] = field(default_factory=list)
    report_type: str | None = None

    def line(self) -> str:
        """The CLI's summary line."""
        return (
            f"{self.events} events, {self.matched} matched, {self.duplicates} duplicates, "
            f"{self.quarantined} quarantined"
        )


@dataclass
class _Batch:
    batch_id: str  # "<run>:<file#>:<batch#>"
    seq_start: int
    moment: datetime  # the batch's time.observation, and its `now` in the store
    frame: pl.DataFrame
    quarantined: list[Any]
    report_type: str | None
    turn: threading.Lock  # held by the thread that allocates a batch's memory (see _prepared)
    json: Future[pl.Series] = field(default_factory=Future)  # its event_json, made by the parsing thread


class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it (the progress bar's measure)."""

    def __init__(self, inner: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._inner = inner
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self._on_read(n)
        return n


def expand(paths: Sequence[Path]) -> list[Path]:
    """The files named, directories walked (sorted, hidden entries skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def load_source(session: Session, source: SourceConfig | str | int) -> FeedSource:
    if isinstance(source, SourceConfig):
        source = source.id
    if isinstance(source, int):
        row = session.get(FeedSource, source)
    else:
        row = session.scalar(select(FeedSource).where(FeedSource.name == source))
    if row is None:
        raise NotFound("feed source")
    return row


def default_source(db: Database, who: Subject) -> str:
    """The source a Shadowserver report uses when none is named: `shadowserver` (provider
    Shadowserver, TLP:AMBER, digests and rules on), created on first use (a manager's act)."""
    with db.unit_of_work() as session:
        authz_feeds.require_manage(who)
        row = session.scalar(select(FeedSource).where(FeedSource.name == SHADOWSERVER_SOURCE))
        if row is None:
            row = FeedSource(
                name=SHADOWSERVER_SOURCE,
                provider="Shadowserver",
                kind=SourceKind.FILE.value,
                parser=ParserName.SHADOWSERVER.value,
                tlp="amber",
            )
            session.add(row)
            session.flush()
            audit.record(session, who, "feed.source_created", row, name=row.name, reason="first Shadowserver report")
        return row.name


def run_paths(
    db: Database,
    source: SourceConfig | str,
    paths: Sequence[Path],
    *,
    who: Subject,
    origin: str = "cli",
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> RunSummary:
    """Process files (directories walked) as one run of `source`; `progress` gets the bytes read so far."""
    files = expand(paths)
    total = [0]

    def advance(n: int) -> None:
        total[0] += n
        if progress is not None:
            progress(total[0])

    def inputs() -> Iterator[tuple[str, IO[bytes]]]:
        for path in files:
            with path.open("rb") as handle:
                yield path.name, io.BufferedReader(_Counting(handle, advance), buffer_size=1 << 20)

    return _run(db, source, [p.name for p in files], inputs(), who=who, origin=origin, now=now)


def run_streams(
    db: Database,
    source: SourceConfig | str,
    streams: Sequence[tuple[str, BinaryIO]],
    *,
    who: Subject,
    origin: str,
    submitter_org_id: int | None = None,
    now: datetime | None = None,
) -> RunSummary:
    """Process named binary streams (an upload, a sensor's POST, a downloaded report) as one run."""
    return _run(
        db,
        source,
        [name for name, _ in streams],
        iter(streams),
        who=who,
        origin=origin,
        now=now,
        submitter_org_id=submitter_org_id,
    )


def _run(
    db: Database,
    source: SourceConfig | str,
    names: list[str],
    inputs: Iterator[tuple[str, IO[bytes]]],
    *,
    who: Subject,
    origin: str,
    now: datetime | None,
    submitter_org_id: int | None = None,
) -> RunSummary:
    with db.unit_of_work() as session:
        row = load_source(session, source)
        if origin == "api":
            authz_feeds.require_submit(who, row)
        else:
            authz_feeds.require_manage(who)
        config = SourceConfig.from_row(row)
        run_id = start_run(session, who, row, origin=origin, files=names, now=now, submitter_org_id=submitter_org_id).id
    with db.unit_of_work(write=False) as session:
        enricher = Enricher.build(session)

    report_types: list[str] = []
    error: str | None = None
    failure: BaseException | None = None
    try:
        for batch in _prepared(config, enricher, inputs, run_id, now):
            if batch.report_type and batch.report_type not in report_types:
                report_types.append(batch.report_type)
            with db.unit_of_work() as session:
                store_batch(
                    session,
                    config,
                    run_id=run_id,
                    batch_id=batch.batch_id,
                    seq_start=batch.seq_start,
                    frame=batch.frame,
                    now=batch.moment,
                    quarantined=batch.quarantined,
                    turn=batch.turn,
                    json=batch.json,
                )
            del batch  # freed before the next is taken (see _prepared)
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - recorded on the run, then raised again below
        error = f"{type(exc).__name__}: {exc}"
        failure = exc
    with db.unit_of_work() as session:
        finish_run(
            session,
            who,
            run_id,
            status=RunStatus.FAILED if error else RunStatus.DONE,
            error=error,
            report_types=report_types,
            now=now,
        )
        summary = run_summary(session, run_id)
    if failure is not None:
        raise failure
    return summary


def _prepared(
    config: SourceConfig,
    enricher: Enricher,
    inputs: Iterator[tuple[str, IO[bytes]]],
    run_id: int,
    now: datetime | None,
) -> Iterator[_Batch]:
    """Parsed, enriched and prepared batches (store.prepare: key, JSON), made ahead in a second
    thread (see the module's note)."""
    from csirtnet.config import get_settings
    from csirtnet.feeds import parsers

    batch_rows = get_settings().feeds_batch_rows
    handoff: queue.Queue[_Batch | BaseException | None] = queue.Queue(maxsize=QUEUE_DEPTH)
    stop = threading.Event()
    # A batch is begun only when fewer than IN_FLIGHT are alive (the one being stored and the one
    # being made): a finished batch never waits in the thread that made it while the next is begun,
    # so the memory a run holds is two batches, whichever side is the slower.
    room = threading.Semaphore(IN_FLIGHT)
    # Making a batch (parse, enrich, prepare) and making the stored one's blocks take turns: the two
    # steps that allocate never overlap, so a run's peak is the larger of the two (a batch's worth,
    # the same in every batch), not their sum at the moments they happen to meet, which a longer run
    # meets more often. They rarely contend: a batch is made while the one before it is in the
    # database (the dedupe upsert), which takes about as long.
    turn = threading.Lock()

    def take_room() -> bool:
        while not stop.is_set():
            if room.acquire(timeout=0.1):
                return True
        return False

    def put(item: _Batch | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def json_of(batch: _Batch) -> None:
        """The JSON of the batch being stored, which its store_batch waits for after the dedupe."""
        try:
            with turn:
                batch.json.set_result(event_json(batch.frame))
        except BaseException as exc:
            batch.json.set_exception(exc)
            raise

    def produce() -> None:
        seq = 0
        previous: _Batch | None = None
        try:
            for file_no, (name, stream) in enumerate(inputs):
                batches = parsers.parse_stream(stream, name, config, batch_rows=batch_rows)
                for batch_no in itertools.count():
                    if not take_room():
                        return
                    # The batch before this one is being stored now: its JSON first, while the
                    # database dedupes it, then this batch.
                    if previous is not None:
                        json_of(previous)
                        previous = None
                    with turn:
                        parsed = next(batches, None)
                        if parsed is None:
                            room.release()
                            break
                        moment = now or utcnow()
                        frame = enricher.enrich(parsed.frame) if parsed.frame.height else parsed.frame
                        batch = _Batch(
                            f"{run_id}:{file_no}:{batch_no}",
                            seq,
                            moment,
                            prepare(frame, config, moment),
                            list(parsed.quarantined),
                            parsed.report_type,
                            turn,
                        )
                        seq += batch.frame.height
                        del parsed, frame
                    if not put(batch):
                        return
                    previous = batch  # its JSON is made first thing in the next round (the end of
            put(None)  # a file is one: the round that finds no batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the storing thread, which raises it
            put(exc)

    worker = threading.Thread(target=produce, name="feeds-parse", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            del item  # the caller let go of its batch too (_run), so its memory is free now
            give_back()
            room.release()  # stored: the next batch may be begun
    finally:
        stop.set()
        worker.join()


def start_run(
    session: Session,
    who: Subject,
    source: FeedSource,
    *,
    origin: str,
    files: Sequence[str],
    now: datetime | None = None,
    submitter_org_id: int | None = None,
) -> FeedRun:
    """A running FeedRun of `source` (flushed: it has its id), with its audit record "feed.run"; in
    the caller's session, whose authorisation the caller checked."""
    run = FeedRun(
        source_id=source.id,
        origin=origin,
        files=[os.path.basename(n) for n in files],
        status=RunStatus.RUNNING.value,
        started_at=now or utcnow(),
        started_by_id=who.user_id,
        submitter_org_id=submitter_org_id,
    )
    session.add(run)
    session.flush()
    audit.record(session, who, "feed.run", run, source=source.name, origin=origin, files=run.files)
    return run


def finish_run(
    session: Session,
    who: Subject,
    run_id: int,
    *,
    status: RunStatus,
    error: str | None = None,
    report_types: Sequence[str] = (),
    now: datetime | None = None,
) -> bool:
    """End a running run, in the caller's session: its `status`, `finished_at`, `error` (when given;
    else the one it has stays), `report_type` (when any: "a, b"), the source's `last_run_at`, and one
    audit record "feed.run_finished" (by `who`) with the run's counts. A conditional UPDATE … WHERE
    status = 'running': False, and nothing written, when the run had already ended."""
    finished = now or utcnow()
    values: dict[str, object] = {"status": status.value, "finished_at": finished}
    if error is not None:
        values["error"] = error
    if report_types:
        values["report_type"] = ", ".join(report_types)[:80]
    claimed = session.execute(
        update(FeedRun).where(FeedRun.id == run_id, FeedRun.status == RunStatus.RUNNING.value).values(**values)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    run = session.get(FeedRun, run_id)
    assert run is not None
    session.refresh(run)
    source = session.get(FeedSource, run.source_id)
    if source is not None:
        source.last_run_at = finished
    audit.record(
        session,
        who,
        "feed.run_finished",
        run,
        status=run.status,
        events=run.events,
        matched=run.matched,
        unmatched=run.unmatched,
        duplicates=run.duplicates,
        quarantined=run.quarantined,
        error=run.error,
    )
    return True


def run_summary(session: Session, run_id: int) -> RunSummary:
    """The run as it stands (LookupError when there is none)."""
    run = session.get(FeedRun, run_id)
    if run is None:
        raise LookupError(f"no run {run_id}")
    return RunSummary(
        run_id=run.id,
        source_id=run.source_id,
        status=run.status,
        events=run.events,
        matched=run.matched,
        unmatched=run.unmatched,
        duplicates=run.duplicates,
        quarantined=run.quarantined,
        error=run.error,
        files=list(run.files),
        report_type=run.report_type,
    )
