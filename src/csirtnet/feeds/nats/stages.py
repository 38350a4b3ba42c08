"""The work of each stage on one message, without NATS (the worker loop in worker.py moves the bytes).

- parse: a `FileJob` -> the file's batches (parsers.parse_path), cut to fit a message, then a
  `FileEnd` with how many there were. Reading the same file again gives the same batches.
- enrich: a `Batch` -> the same batch with its owners (pipeline.enrich.Enricher, rebuilt from the
  database every `refresh_seconds`, so new claims apply within that delay).
- store: a `Batch` -> pipeline.store.store_batch in one transaction (None when the batch id was
  stored before: a redelivery); a `FileEnd` -> its marker. After either, the run is finished when
  every file has ended and every batch they announced is stored (runs.finish_if_complete).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from csirtnet.db import Database
from csirtnet.feeds.nats import runs
from csirtnet.feeds.nats.codec import Batch, FileEnd, FileJob, Message, batch_id, encode
from csirtnet.feeds.parsers import Quarantined, parse_path
from csirtnet.feeds.pipeline.enrich import Enricher
from csirtnet.feeds.pipeline.store import store_batch
from csirtnet.kit.time import utcnow

log = logging.getLogger("csirtnet.feeds.nats")

# Fault injection for the kill-a-worker test: "<stage>:<file>" makes that stage, in the middle of
# its first message (store: the batch written, not committed; parse: a batch published, the file
# not finished), create <file> and wait there to be killed. Unset in production.
HOLD_ENV = "CSIRTNET_FEEDS_NATS_HOLD"


class FileTooLong(ValueError):
    pass


def hold(stage: str) -> None:
    """Wait here forever when HOLD_ENV names this stage (once per process), for a test to SIGKILL us."""
    spec = os.environ.get(HOLD_ENV, "")
    if not spec.startswith(f"{stage}:"):
        return
    os.environ.pop(HOLD_ENV)
    Path(spec.split(":", 1)[1]).write_text(str(os.getpid()))
    log.warning("holding for a test", extra={"stage": stage})
    while True:
        time.sleep(3600)


class FileReader:
    """The batch messages of one file job, in order; `batches` counts them once the file is read."""

    def __init__(self, job: FileJob, *, batch_rows: int, limit: int, blob_root: Path | None = None) -> None:
        self.job = job
        self.batch_rows = batch_rows
        self.limit = limit
        self.blob_root = blob_root
        self.batches = 0
        self.events = 0  # events of the file so far (its seq offset)

    def path(self) -> Path:
        if self.job.path is not None:
            return Path(self.job.path)
        if self.job.sha256 is None:
            raise ValueError("file job names neither a path nor a stored file")
        from csirtnet.kit.files import ContentStore, blob_store

        store = blob_store() if self.blob_root is None else ContentStore(self.blob_root)
        return store.path_for(self.job.sha256)

    def messages(self) -> Iterator[tuple[str, bytes]]:
        """(Nats-Msg-Id, bytes) of each batch; an OSError or a parser's error is the file's failure."""
        for parsed in parse_path(self.path(), self.job.source, batch_rows=self.batch_rows, name=self.job.name):
            if parsed.frame.height == 0 and not parsed.quarantined:
                continue
            yield from self._pieces(parsed.frame, tuple(parsed.quarantined), parsed.report_type)

    def end(self, error: str | None = None) -> tuple[str, bytes]:
        message = FileEnd(self.job.run_id, self.job.file_no, self.batches, error)
        return message.msg_id, encode(message)

    def _pieces(
        self, frame: pl.DataFrame, quarantined: tuple[Quarantined, ...], report_type: str | None
    ) -> Iterator[tuple[str, bytes]]:
        # Too large: as many equal parts as the size asks for (each cut again if it still does not
        # fit). The cut depends on the data alone, so a file read again is cut the same way and its
        # batches keep their ids and numbers.
        if self.events + frame.height > self.job.seq_room:
            raise FileTooLong(f"more than {self.job.seq_room} events in one file of this run")
        message = Batch(
            run_id=self.job.run_id,
            batch_id=batch_id(self.job.run_id, self.job.file_no, self.batches),
            seq_start=self.job.seq_base + self.events,
            source=self.job.source,
            frame=frame,
            quarantined=quarantined,
            report_type=report_type,
        )
        data = encode(message)
        if len(data) <= self.limit:
            self.batches += 1
            self.events += frame.height
            yield message.msg_id, data
            return
        total = frame.height + len(quarantined)
        if total <= 1:
            raise ValueError(f"one event or quarantined line is larger than a message ({len(data)} bytes)")
        parts = min(total, max(2, -(-len(data) * 11 // (self.limit * 10))))  # 10 % margin: fewer re-cuts
        height = frame.height
        for n in range(parts):  # over the events, then the lines: every part is smaller than the whole
            start, stop = n * total // parts, (n + 1) * total // parts
            rows = frame.slice(min(start, height), max(0, min(stop, height) - start))
            lines = quarantined[max(0, start - height) : max(0, stop - height)]
            yield from self._pieces(rows, lines, report_type)


class EnrichStage:
    def __init__(self, db: Database, *, refresh_seconds: float = 30.0) -> None:
        self.db = db
        self.refresh_seconds = refresh_seconds
        self._enricher: Enricher | None = None
        self._built = 0.0

    def enricher(self) -> Enricher:
        if self._enricher is None or time.monotonic() - self._built > self.refresh_seconds:
            with self.db.unit_of_work(write=False) as session:
                self._enricher = Enricher.build(session)
            self._built = time.monotonic()
        return self._enricher

    def process(self, message: Message) -> tuple[str, bytes]:
        if not isinstance(message, Batch):
            raise ValueError(f"the enrich stage takes batches, not {type(message).__name__}")
        frame = self.enricher().enrich(message.frame) if message.frame.height else message.frame
        out = Batch(
            run_id=message.run_id,
            batch_id=message.batch_id,
            seq_start=message.seq_start,
            source=message.source,
            frame=frame,
            quarantined=message.quarantined,
            report_type=message.report_type,
            enriched=True,
        )
        return out.msg_id, encode(out)


class StoreStage:
    def __init__(self, db: Database) -> None:
        self.db = db

    def process(self, message: Message) -> int:
        """Store a batch or a file's end in one transaction; answers the run to check for completion."""
        if isinstance(message, FileJob):
            raise ValueError("the store stage takes batches and file ends, not file jobs")
        with self.db.unit_of_work() as session:
            if isinstance(message, FileEnd):
                runs.record_file_end(session, message)
            else:
                if not message.enriched:
                    raise ValueError(f"batch {message.batch_id} reached the store stage without enrichment")
                frame = message.frame if message.frame.height else _empty_enriched()
                result = store_batch(
                    session,
                    message.source,
                    run_id=message.run_id,
                    batch_id=message.batch_id,
                    seq_start=message.seq_start,
                    frame=frame,
                    now=utcnow(),
                    quarantined=message.quarantined,
                )
                if result is not None and message.report_type:
                    runs.note_report_type(session, message.run_id, message.report_type)
                hold("store")
        return message.run_id


def _empty_enriched() -> pl.DataFrame:
    from csirtnet.feeds import event as ev

    frame = ev.empty_frame()
    return frame.with_columns(
        pl.lit(None, dtype=pl.Int32).alias(ev.ORG),
        pl.lit(None, dtype=pl.Int32).alias(ev.CLAIM),
        pl.lit(None, dtype=pl.String).alias(ev.MATCH),
        pl.lit(None, dtype=pl.Int8).alias(ev.LEVEL),
        pl.lit(None, dtype=pl.String).alias(ev.WARNINGLIST),
    )
