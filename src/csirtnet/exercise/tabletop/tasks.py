"""The tabletop's timeline: the job `exercise.release_injects` releases every inject whose time
has come (`injects.release_due`, idempotent) and queues its own next run.

One run is kept queued while any tabletop not yet over has injects waiting for the timeline
(queued by the first such inject, then by each run): at the next inject's moment when the
exercise runs, and at least every minute, so an exercise started (or moved) later is caught within
a minute. When nothing waits, no run is queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Job, JobStatus
from csirtnet.worker import enqueue, job

RELEASE_JOB = "exercise.release_injects"
CHECK_EVERY = timedelta(minutes=1)


def ensure_scheduled(session: Session, *, now: datetime | None = None) -> bool:
    """Keep one run of the timeline queued while injects wait for it; True when one was queued."""
    from csirtnet.exercise.tabletop.injects import next_due

    moment = now or utcnow()
    soonest, waiting = next_due(session)
    if not waiting:
        return False
    at = moment + CHECK_EVERY
    if soonest is not None:
        at = max(moment, min(at, soonest))
    pending = session.scalar(
        select(Job).where(Job.name == RELEASE_JOB, Job.status == JobStatus.QUEUED.value).order_by(Job.id).limit(1)
    )
    if pending is not None:
        if as_utc(pending.run_after) > at:  # an inject now due sooner than the queued run
            pending.run_after = at
        return False
    enqueue(session, RELEASE_JOB, guard=None, run_after=at)
    return True


@job(RELEASE_JOB)
def release_injects(session: Session, **_: Any) -> None:
    """Release the injects whose time has come; queue the next run while others wait."""
    from csirtnet.exercise.tabletop.injects import release_due

    release_due(session)
    session.flush()
    ensure_scheduled(session)
