"""The job outbox and the worker: transactional enqueue, retries with backoff, leases, several
workers at once, and an admin's retry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.orm import Session

from csirtnet import worker
from csirtnet.db import Database
from csirtnet.identity.service import subject_for
from csirtnet.identity.tokens import create_token
from csirtnet.kit.time import utcnow
from csirtnet.metrics import REGISTRY
from csirtnet.models import AuditRecord, Job, JobStatus
from csirtnet.vocabulary import Role
from csirtnet.worker import Worker, backoff, enqueue, job
from tests.factories import make_user

RAN: list[dict[str, Any]] = []
_RAN_LOCK = threading.Lock()
FLAKY = {"fail": True}

# A table of the test's own: one row per job, keyed by the job's id, written in the job's transaction.
EFFECTS = Table(
    "test_job_effect", MetaData(), Column("job_id", Integer, primary_key=True), Column("thread", String(80))
)


@job("test.record")
def record_run(session: Session, **payload: Any) -> None:
    with _RAN_LOCK:
        RAN.append(payload)


@job("test.fail")
def always_fail(session: Session, **payload: Any) -> None:
    raise ValueError("the receiver is down")


@job("test.flaky")
def flaky(session: Session, **payload: Any) -> None:
    if FLAKY["fail"]:
        raise ValueError("not yet")
    RAN.append(payload)


@job("test.effect")
def write_effect(session: Session, *, job_id: int) -> None:
    time.sleep(0.002)  # long enough for the other workers to want a job meanwhile
    session.execute(insert(EFFECTS).values(job_id=job_id, thread=threading.current_thread().name))
    with _RAN_LOCK:
        RAN.append({"job_id": job_id, "thread": threading.current_thread().name})


@pytest.fixture(autouse=True)
def _clean() -> None:
    RAN.clear()
    FLAKY["fail"] = True


def job_row(database: Database, job_id: int) -> Job:
    with database.unit_of_work(write=False) as s:
        row = s.get(Job, job_id)
        assert row is not None
        return row


def queue(database: Database, name: str, **kwargs: Any) -> int:
    with database.unit_of_work() as s:
        row = enqueue(s, name, guard=None, **kwargs)
        s.flush()
        return row.id


def make_ready(database: Database, job_id: int) -> None:
    """Time travel: the job's backoff is over."""
    with database.unit_of_work() as s:
        s.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow() - timedelta(seconds=1)))


def metric(job_name: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("csirtnet_jobs_processed_total", {"job": job_name, "outcome": outcome}) or 0.0


def test_a_rolled_back_change_queues_nothing(database: Database, db: Session) -> None:
    worker._wakeup.clear()
    with pytest.raises(RuntimeError), database.unit_of_work() as s:
        enqueue(s, "test.record", guard=None, n=1)
        s.flush()
        raise RuntimeError("the change failed")
    assert db.scalar(select(func.count()).select_from(Job)) == 0
    assert not worker._wakeup.is_set(), "no worker is woken for a rolled-back job"
    assert Worker(database).run_until_idle() == 0
    assert RAN == []


def test_a_committed_job_runs_once(database: Database) -> None:
    worker._wakeup.clear()
    job_id = queue(database, "test.record", n=7, text="Xin chào")
    assert worker._wakeup.is_set(), "workers are woken when the job commits"
    assert Worker(database).run_until_idle() == 1
    assert RAN == [{"n": 7, "text": "Xin chào"}]
    row = job_row(database, job_id)
    assert (row.status, row.attempts, row.locked_by, row.last_error) == (JobStatus.DONE.value, 1, None, None)
    assert row.finished_at is not None
    assert Worker(database).run_until_idle() == 0  # done jobs do not run again
    assert len(RAN) == 1


def test_a_failing_job_backs_off_then_fails_for_good(database: Database) -> None:
    job_id = queue(database, "test.fail", max_attempts=3)
    w = Worker(database)
    retries, failures = metric("test.fail", "retry"), metric("test.fail", "failed")

    for attempt in (1, 2):
        started = utcnow()
        assert w.run_one()
        row = job_row(database, job_id)
        assert (row.status, row.attempts) == (JobStatus.QUEUED.value, attempt)
        assert row.last_error == "ValueError: the receiver is down"
        assert row.locked_by is None and row.finished_at is None
        delay = row.run_after - started
        assert backoff(attempt) <= delay <= backoff(attempt) + timedelta(seconds=5)
        assert not w.run_one(), "not again before the backoff is over"
        make_ready(database, job_id)

    assert w.run_one()
    row = job_row(database, job_id)
    assert (row.status, row.attempts) == (JobStatus.FAILED.value, 3)
    assert row.finished_at is not None
    make_ready(database, job_id)
    assert not w.run_one(), "a failed job stays failed"
    assert metric("test.fail", "retry") == retries + 2
    assert metric("test.fail", "failed") == failures + 1
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [5, 20, 80, 3600]


def test_an_unknown_job_name_is_a_failure_not_a_crash(database: Database) -> None:
    job_id = queue(database, "test.nobody_handles_this", max_attempts=1)
    assert Worker(database).run_until_idle() == 1
    row = job_row(database, job_id)
    assert row.status == JobStatus.FAILED.value
    assert "no handler registered" in (row.last_error or "")


def test_an_expired_lease_is_claimed_again(database: Database) -> None:
    job_id = queue(database, "test.record", n=1)
    crashed = Worker(database, lease_seconds=60, name="crashed-worker")
    claimed = crashed.claim()  # ... and then the process died
    assert claimed is not None and claimed.id == job_id
    row = job_row(database, job_id)
    assert (row.status, row.locked_by) == (JobStatus.RUNNING.value, "crashed-worker")

    other = Worker(database, name="other-worker")
    assert not other.run_one(), "a leased job is not taken while the lease lasts"
    with database.unit_of_work() as s:
        s.execute(update(Job).where(Job.id == job_id).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert other.run_one()
    row = job_row(database, job_id)
    assert (row.status, row.attempts) == (JobStatus.DONE.value, 2)
    assert RAN == [{"n": 1}]


def test_retry_puts_a_failed_job_back(database: Database) -> None:
    job_id = queue(database, "test.flaky", max_attempts=1, n=3)
    w = Worker(database)
    w.run_until_idle()
    assert job_row(database, job_id).status == JobStatus.FAILED.value

    with database.unit_of_work() as s:
        assert worker.retry(s, job_id) is not None
    row = job_row(database, job_id)
    assert (row.status, row.max_attempts, row.finished_at) == (JobStatus.QUEUED.value, 2, None)
    FLAKY["fail"] = False
    assert w.run_until_idle() == 1
    assert job_row(database, job_id).status == JobStatus.DONE.value
    assert RAN == [{"n": 3}]
    with database.unit_of_work() as s:
        assert worker.retry(s, job_id) is None, "only failed jobs can be retried"


def test_an_admin_retries_through_the_api_and_it_is_audited(database: Database, db: Session, client) -> None:
    admin = make_user(db, roles=[Role.PLATFORM_ADMIN])
    viewer = make_user(db)
    token = create_token(db, subject_for(admin), admin, name="ops", scopes=["jobs:write"], expires_in_days=1).token
    other = create_token(db, subject_for(viewer), viewer, name="me", scopes=["profile:read"], expires_in_days=1).token
    job_id = queue(database, "test.fail", max_attempts=1)
    Worker(database).run_until_idle()

    assert client.post(f"/api/v1/jobs/{job_id}/retry", headers={"Authorization": f"Bearer {other}"}).status_code == 403
    r = client.post(f"/api/v1/jobs/{job_id}/retry", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "queued"
    audited = db.scalars(select(AuditRecord).where(AuditRecord.action == "job.retried")).all()
    assert [(a.object_type, a.object_id, a.actor_user_id) for a in audited] == [("job", str(job_id), admin.id)]
    again = client.post(f"/api/v1/jobs/{job_id}/retry", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 404


def test_purge_keeps_failed_jobs(database: Database) -> None:
    done = queue(database, "test.record")
    failed = queue(database, "test.fail", max_attempts=1)
    Worker(database).run_until_idle()
    with database.unit_of_work() as s:
        s.execute(update(Job).values(finished_at=utcnow() - timedelta(days=30)))
        assert worker.purge_done(s) == 1
    with database.unit_of_work(write=False) as s:
        assert s.get(Job, done) is None
        assert s.get(Job, failed) is not None


@pytest.mark.committing
def test_several_workers_run_every_job_exactly_once(committing_database: Database) -> None:
    database = committing_database
    EFFECTS.create(database.engine)
    with database.unit_of_work() as s:
        rows = [enqueue(s, "test.effect", guard=None) for _ in range(60)]
        s.flush()
        for row in rows:
            row.payload = {"job_id": row.id}
        ids = [row.id for row in rows]

    workers = [Worker(database, name=f"w{i}") for i in range(3)]
    errors: list[BaseException] = []

    def run(w: Worker) -> None:
        try:
            w.run_until_idle()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,), name=w.name) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(r["job_id"] for r in RAN) == ids, "each job ran once"
    with database.unit_of_work(write=False) as s:
        effects = s.execute(select(EFFECTS.c.job_id, EFFECTS.c.thread)).all()
        statuses = s.execute(select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)).all()
    assert sorted(e.job_id for e in effects) == ids
    assert [tuple(s) for s in statuses] == [(JobStatus.DONE.value, 1, 60)]
    assert len({e.thread for e in effects}) >= 2, "the work was shared between workers"
