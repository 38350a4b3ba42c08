"""Background jobs: an outbox written in the causing transaction, and the worker that drains it.

`enqueue` adds a row in the caller's transaction, so a rolled-back change queues nothing and a
committed one survives a crash. Workers claim one job at a time atomically (PostgreSQL:
FOR UPDATE SKIP LOCKED; SQLite: one UPDATE … RETURNING under the write lock) with a lease, so
several workers never run the same job at once, and a job whose worker died is claimed again
when its lease ends. A handler runs in its own unit of work, and the job is marked done in that
same transaction: its database effects happen exactly once (docs/adr/0003-job-outbox.md).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, derived
from csirtnet.authz.derived import Guard, set_guard
from csirtnet.db import Database, after_commit
from csirtnet.kit.time import utcnow
from csirtnet.models.job import Job, JobStatus

log = logging.getLogger("csirtnet.worker")

Handler = Callable[..., None]
_HANDLERS: dict[str, Handler] = {}
_wakeup = threading.Event()


def job(name: str) -> Callable[[Handler], Handler]:
    """Register a handler: `@job("notification.send_email") def send(session, *, notification_id)`."""

    def register(fn: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise RuntimeError(f"job {name!r} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def handlers() -> dict[str, Handler]:
    load_handlers()
    return dict(_HANDLERS)


def load_handlers() -> None:
    """Import every module that registers jobs."""
    import csirtnet.jobs_registry  # noqa: F401


def enqueue(
    session: Session,
    name: str,
    *,
    guard: Guard | None,
    run_after: datetime | None = None,
    max_attempts: int = 8,
    **payload: Any,
) -> Job:
    """Queue `name` in the caller's transaction; workers are woken once it commits.

    `guard` (required, so that no caller can forget it) is the source of the payload's content:
    readers of the jobs see the payload only where they may see it (authz.derived). None says the
    payload holds ids only, or content of no guarded object."""
    row = Job(name=name, payload=payload, run_after=run_after or utcnow(), max_attempts=max_attempts)
    set_guard(row, guard)
    session.add(row)
    after_commit(session, _wakeup.set)
    return row


def backoff(attempts: int) -> timedelta:
    """5 s, 20 s, 80 s … capped at one hour."""
    return timedelta(seconds=min(3600, 5 * 4 ** max(0, attempts - 1)))


class Worker:
    def __init__(self, database: Database, *, lease_seconds: int = 300, name: str | None = None) -> None:
        self.database = database
        self.lease = timedelta(seconds=lease_seconds)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None  # set by start_in_process
        load_handlers()

    # -- claiming ---------------------------------------------------------------------------
    def claim(self) -> Job | None:
        now = utcnow()
        with self.database.unit_of_work() as session:
            ready = ((Job.status == JobStatus.QUEUED.value) & (Job.run_after <= now)) | (
                (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now)
            )
            if self.database.dialect == "postgresql":
                job_id = session.scalars(
                    select(Job.id).where(ready).order_by(Job.id).limit(1).with_for_update(skip_locked=True)
                ).first()
                if job_id is None:
                    return None
                session.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(
                        status=JobStatus.RUNNING.value,
                        locked_by=self.name,
                        locked_until=now + self.lease,
                        attempts=Job.attempts + 1,
                    )
                )
            else:
                candidate = select(Job.id).where(ready).order_by(Job.id).limit(1).scalar_subquery()
                result = session.execute(
                    update(Job)
                    .where(Job.id == candidate)
                    .values(
                        status=JobStatus.RUNNING.value,
                        locked_by=self.name,
                        locked_until=now + self.lease,
                        attempts=Job.attempts + 1,
                    )
                    .returning(Job.id)
                )
                job_id = result.scalar()
                if job_id is None:
                    return None
            claimed = session.get(Job, job_id)
            assert claimed is not None
            session.expunge(claimed)
            return claimed

    # -- running ----------------------------------------------------------------------------
    def run_one(self) -> bool:
        """Claim and run one job. Returns False when nothing was ready."""
        claimed = self.claim()
        if claimed is None:
            return False
        handler = _HANDLERS.get(claimed.name)
        try:
            if handler is None:
                raise LookupError(f"no handler registered for job {claimed.name!r}")
            with self.database.unit_of_work() as session:
                handler(session, **claimed.payload)
                done = session.execute(
                    update(Job)
                    .where(Job.id == claimed.id, Job.locked_by == self.name)
                    .values(
                        status=JobStatus.DONE.value,
                        finished_at=utcnow(),
                        locked_by=None,
                        locked_until=None,
                        last_error=None,
                    )
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    # Our lease ran out and another worker took the job: undo our effects.
                    raise RuntimeError("lease lost")
            _metric(claimed.name, "done")
        except Exception as exc:  # noqa: BLE001 - any failure of a handler is recorded, not raised
            self._record_failure(claimed, exc)
        return True

    def _record_failure(self, claimed: Job, exc: Exception) -> None:
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.warning("job failed", extra={"job_id": claimed.id, "job": claimed.name, "error": error})
        gave_up = claimed.attempts >= claimed.max_attempts
        with self.database.unit_of_work() as session:
            session.execute(
                update(Job)
                .where(Job.id == claimed.id)
                .values(
                    status=JobStatus.FAILED.value if gave_up else JobStatus.QUEUED.value,
                    run_after=utcnow() + backoff(claimed.attempts),
                    last_error=error[:4000],
                    locked_by=None,
                    locked_until=None,
                    finished_at=utcnow() if gave_up else None,
                )
            )
        _metric(claimed.name, "failed" if gave_up else "retry")

    def run_until_idle(self, max_jobs: int = 10_000) -> int:
        """Run ready jobs until none is left; for tests and the CLI's `--once`."""
        ran = 0
        while ran < max_jobs and self.run_one():
            ran += 1
        return ran

    def run_forever(self, poll_seconds: float = 1.0) -> None:
        log.info("worker started", extra={"worker": self.name})
        while not self._stop.is_set():
            try:
                if self.run_one():
                    continue
            except Exception:
                log.exception("worker loop error")
            _wakeup.wait(poll_seconds)
            _wakeup.clear()
        log.info("worker stopped", extra={"worker": self.name})

    def stop(self) -> None:
        self._stop.set()
        _wakeup.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread `start_in_process` gave this worker to finish its job and stop."""
        if self.thread is not None:
            self.thread.join(timeout)


def jobs(status: str | None = None) -> Select[Job]:
    """Jobs, optionally of one status (callers check jobs:read, and show payloads through `readable`)."""
    query = select(Job)
    if status:
        query = query.where(Job.status == status)
    return query


def readable(session: Session, who: Subject, rows: Sequence[Job]) -> list[tuple[Job, bool]]:
    """Each job with whether `who` may read its payload: only where it may see the payload's source
    (authz.derived) — the platform admin reads that a TLP:RED incident's email was sent, not what
    it said."""
    return derived.readable(session, who, rows)


def jobs_page(session: Session, status: str | None, *, cursor: str | None, limit: int) -> tuple[list[Job], str | None]:
    """One page of jobs, newest first (callers check jobs:read)."""
    from csirtnet.kit.pagination import paginate

    rows, next_cursor = paginate(session, jobs(status), Job.id, limit=limit, cursor=cursor)
    return list(rows), next_cursor


def status_counts(session: Session) -> dict[str, int]:
    """How many jobs are in each status."""
    counts = {s.value: 0 for s in JobStatus}
    for status, count in session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status)):
        counts[str(status)] = int(count)
    return counts


def retry(session: Session, job_id: int) -> Job | None:
    """Put a failed job back in the queue now (admins use this)."""
    row = session.get(Job, job_id)
    if row is None or row.status != JobStatus.FAILED.value:
        return None
    row.status = JobStatus.QUEUED.value
    row.run_after = utcnow()
    row.max_attempts = row.attempts + max(1, row.max_attempts // 2)
    row.finished_at = None
    after_commit(session, _wakeup.set)
    return row


def _metric(name: str, outcome: str) -> None:
    from csirtnet.metrics import JOBS_PROCESSED

    JOBS_PROCESSED.labels(job=name, outcome=outcome).inc()


def start_in_process(
    database: Database, *, threads: int = 1, poll_seconds: float = 1.0, lease_seconds: int = 300
) -> list[Worker]:
    """The embedded default: worker threads inside the web process."""
    workers = []
    for i in range(threads):
        w = Worker(database, lease_seconds=lease_seconds, name=f"inproc-{os.getpid()}-{i}")
        t = threading.Thread(target=w.run_forever, args=(poll_seconds,), name=f"csirtnet-worker-{i}", daemon=True)
        w.thread = t
        t.start()
        workers.append(w)
    return workers


def purge_done(session: Session, older_than: timedelta = timedelta(days=14)) -> int:
    """Delete finished jobs older than `older_than`; failed ones stay for an admin to see."""
    result = session.execute(
        delete(Job).where(Job.status == JobStatus.DONE.value, Job.finished_at < utcnow() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
