"""Submitting files to the scaled pipeline: the run is created (a manager's act, audited as the
embedded runner does), then one file job per file is published to the parse stage. The workers do
the rest; `wait` follows the run in the database until the store stage has finished it.

Event numbers: each file of a run gets its own range of the run's `seq` numbers (2^31 shared
equally), so parse workers number the events of different files at once without talking to each
other, and a file read twice numbers its events the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nats

from csirtnet.authz import Subject
from csirtnet.db import Database
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.nats import runs, topology
from csirtnet.feeds.nats.codec import FileJob, encode
from csirtnet.feeds.nats.topology import Topology, publish
from csirtnet.feeds.pipeline.runner import RunSummary, expand
from csirtnet.kit.aio import run_async
from csirtnet.models import RunStatus

SEQ_SPACE = 2**31 - 1  # an event's seq (feed_block.first_seq) is a 32-bit integer


@dataclass(frozen=True)
class Input:
    """A file to process: a path the parse workers can read, or a stored file's SHA-256."""

    name: str
    path: Path | None = None
    sha256: str | None = None


def submit_paths(
    db: Database,
    source: SourceConfig | str,
    paths: Sequence[Path],
    *,
    who: Subject,
    nats_url: str,
    topology_: Topology | None = None,
) -> int:
    """Submit files (directories walked, sorted) as one run of `source`; answers the run's id."""
    files = [Input(p.name, path=p.resolve()) for p in expand(paths)]
    return submit(db, source, files, who=who, nats_url=nats_url, topology_=topology_)


def submit(
    db: Database,
    source: SourceConfig | str,
    files: Sequence[Input],
    *,
    who: Subject,
    nats_url: str,
    topology_: Topology | None = None,
) -> int:
    """Create the run and publish its file jobs; a run that could not be published is failed."""
    with db.unit_of_work() as session:
        run_id, config = runs.create_run(session, who, source, [f.name for f in files])
    room = SEQ_SPACE // max(1, len(files))
    jobs = [
        FileJob(
            run_id=run_id,
            file_no=n,
            name=f.name,
            source=config,
            seq_base=n * room,
            seq_room=room,
            path=str(f.path) if f.path is not None else None,
            sha256=f.sha256,
        )
        for n, f in enumerate(files)
    ]
    try:
        run_async(_publish(nats_url, topology_ or Topology.from_env(), jobs))
    except Exception as exc:
        with db.unit_of_work() as session:
            runs.fail(session, run_id, f"not submitted to NATS: {type(exc).__name__}: {exc}")
        raise
    if not jobs:
        with db.unit_of_work() as session:
            runs.finish_if_complete(session, run_id)
    return run_id


async def _publish(url: str, layout: Topology, jobs: Sequence[FileJob]) -> None:
    nc = await nats.connect(url, name="csirtnet-submit", max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await topology.ensure(js, layout)
        for job in jobs:
            await publish(js, layout.subject("parse"), job.msg_id, encode(job))
    finally:
        await nc.drain()


def wait(db: Database, run_id: int, *, timeout: float | None = None, poll: float = 0.2) -> RunSummary:
    """The run's summary once it has finished (TimeoutError after `timeout` seconds)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with db.unit_of_work(write=False) as session:
            summary = runs.summary(session, run_id)
        if summary.status != RunStatus.RUNNING.value:
            return summary
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} still running after {timeout} s")
        time.sleep(poll)
