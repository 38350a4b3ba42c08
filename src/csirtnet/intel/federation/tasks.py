"""Federation's jobs. `intel.schedule_subscriptions` runs every CHECK_EVERY while an enabled
subscription exists (queued by the first one, then by each run, as advisory.tasks does for CSAF
sources): it queues `intel.poll_subscription` (pull) or `intel.push_subscription` (push) for each
subscription whose interval has passed since its last run and that has no run waiting. The
payload is the subscription's id only; the handlers are idempotent (a run starts from the stored
cursor, so running twice fetches or sends nothing more).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Job, JobStatus, TaxiiSubscription
from csirtnet.worker import enqueue, job

SCHEDULE_JOB = "intel.schedule_subscriptions"
POLL_JOB = "intel.poll_subscription"
PUSH_JOB = "intel.push_subscription"
CHECK_EVERY = timedelta(minutes=1)


def _job_of(direction: str) -> str:
    return PUSH_JOB if direction == "push" else POLL_JOB


def ensure_scheduled(session: Session, *, now: datetime | None = None) -> bool:
    """Keep one run of the scheduler queued while an enabled subscription exists."""
    enabled = session.scalar(select(TaxiiSubscription.id).where(TaxiiSubscription.enabled.is_(True)).limit(1))
    if enabled is None:
        return False
    pending = session.scalar(
        select(Job.id).where(Job.name == SCHEDULE_JOB, Job.status == JobStatus.QUEUED.value).limit(1)
    )
    if pending is not None:
        return False
    enqueue(session, SCHEDULE_JOB, guard=None, run_after=(now or utcnow()) + CHECK_EVERY)
    return True


def _waiting(session: Session) -> set[int]:
    """Subscriptions with a run queued or running."""
    payloads = session.scalars(
        select(Job.payload).where(
            Job.name.in_((POLL_JOB, PUSH_JOB)), Job.status.in_((JobStatus.QUEUED.value, JobStatus.RUNNING.value))
        )
    )
    return {int(p["subscription_id"]) for p in payloads if isinstance(p, dict) and "subscription_id" in p}


def queue_run(session: Session, sub: TaxiiSubscription, *, waiting: set[int] | None = None) -> bool:
    """Queue a run of `sub` now unless one is already waiting; True when queued."""
    if sub.id in (waiting if waiting is not None else _waiting(session)):
        return False
    enqueue(session, _job_of(sub.direction), guard=None, subscription_id=sub.id, max_attempts=3)
    return True


def due(session: Session, now: datetime) -> list[TaxiiSubscription]:
    """Enabled subscriptions whose interval has passed since their last run (or never ran)."""
    rows = session.scalars(
        select(TaxiiSubscription).where(TaxiiSubscription.enabled.is_(True)).order_by(TaxiiSubscription.id)
    )
    return [
        sub
        for sub in rows
        if sub.last_run_at is None or as_utc(sub.last_run_at) + timedelta(minutes=sub.interval_minutes) <= now
    ]


def queue_due(session: Session, *, now: datetime | None = None) -> list[int]:
    """Queue a run of every due subscription without one waiting; the ids queued."""
    waiting = _waiting(session)
    queued = []
    for sub in due(session, now or utcnow()):
        if queue_run(session, sub, waiting=waiting):
            queued.append(sub.id)
    return queued


@job(SCHEDULE_JOB)
def schedule_subscriptions(session: Session, **_: Any) -> None:
    """Queue the runs that are due; queue the next check."""
    queue_due(session)
    ensure_scheduled(session)


def _again_if_more(session: Session, subscription_id: int, more: bool) -> None:
    sub = session.get(TaxiiSubscription, subscription_id)
    if more and sub is not None and sub.enabled:
        # This run stopped at its bound: the rest follows at once, not an interval later.
        enqueue(session, _job_of(sub.direction), guard=None, subscription_id=sub.id, max_attempts=3)


@job(POLL_JOB)
def poll_subscription(session: Session, *, subscription_id: int, **_: Any) -> None:
    """Pull one subscription's remote collection from its cursor."""
    from csirtnet.intel.federation import sync

    outcome = sync.pull(session, subscription_id)
    if outcome is not None:
        _again_if_more(session, subscription_id, outcome.more)


@job(PUSH_JOB)
def push_subscription(session: Session, *, subscription_id: int, **_: Any) -> None:
    """Push to one subscription's remote collection what its peer may see, from its cursor."""
    from csirtnet.intel.federation import sync

    outcome = sync.push(session, subscription_id)
    if outcome is not None:
        _again_if_more(session, subscription_id, outcome.more)
