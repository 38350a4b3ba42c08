"""Background jobs of the advisory domain: sending an advisory's deliveries, reminding before its
deadline and escalating after it (queued by advisory.delivery; the work is in advisory.sending),
and polling the CSAF sources.

`advisory.poll_csaf_sources` runs every POLL_EVERY (one is kept queued once a source exists): it
queues `advisory.poll_csaf_source` for each source due and not already queued. That job fetches
before it touches its session, so the database is not held while a provider answers (on SQLite a
writer holds the write lock from its first statement), then imports and records the outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.advisory import csaf_store, sending
from csirtnet.advisory.delivery import DELIVER_JOB, ESCALATE_JOB, REMIND_JOB
from csirtnet.kit.time import utcnow
from csirtnet.models import Job, JobStatus
from csirtnet.worker import enqueue, job

POLL_JOB = "advisory.poll_csaf_sources"
POLL_SOURCE_JOB = "advisory.poll_csaf_source"
POLL_EVERY = timedelta(minutes=15)


def ensure_scheduled(session: Session) -> None:
    """Keep one run of the poll queued (added with the first source, then queued by each run)."""
    pending = session.scalar(select(Job.id).where(Job.name == POLL_JOB, Job.status == JobStatus.QUEUED.value).limit(1))
    if pending is None:
        enqueue(session, POLL_JOB, guard=None, run_after=utcnow() + POLL_EVERY)


@job(POLL_JOB)
def poll_csaf_sources(session: Session, **_: Any) -> None:
    """Queue a poll of every source that is due; queue the next run."""
    waiting = {
        payload.get("source_id")
        for payload in session.scalars(
            select(Job.payload).where(
                Job.name == POLL_SOURCE_JOB, Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])
            )
        )
    }
    for source in csaf_store.due_sources(session, utcnow()):
        if source.id in waiting:
            continue
        target = csaf_store.poll_target(session, source.id)
        enqueue(
            session,
            POLL_SOURCE_JOB,
            guard=None,
            source_id=target.source_id,
            metadata_url=target.metadata_url,
            since=target.since.isoformat() if target.since else None,
        )
    ensure_scheduled(session)


@job(POLL_SOURCE_JOB)
def poll_csaf_source(session: Session, *, source_id: int, metadata_url: str, since: str | None = None) -> None:
    """Fetch one provider's documents, then import them and record the outcome on its source."""
    started = utcnow()
    target = csaf_store.PollTarget(source_id, metadata_url, datetime.fromisoformat(since) if since else None)
    fetched = csaf_store.fetch(target)  # before the session's first statement (see the module docstring)
    csaf_store.record_poll(session, target, fetched, polled_at=started)


# -- delivery, reminders, escalation (advisory.delivery queues them) ------------------------


@job(DELIVER_JOB)
def deliver(session: Session, *, advisory_id: int, first_id: int, last_id: int, **_: Any) -> None:
    """Send one batch of an advisory's deliveries: email, in-app note, the organisations' webhooks."""
    sending.deliver(session, advisory_id, first_id, last_id)


@job(REMIND_JOB)
def remind(session: Session, *, advisory_id: int, round: int, deadline: str, **_: Any) -> None:
    """Before the deadline: remind the organisations that have not answered."""
    sending.remind(session, advisory_id, round, deadline)


@job(ESCALATE_JOB)
def escalate(session: Session, *, advisory_id: int, round: int, deadline: str, **_: Any) -> None:
    """After the deadline: escalate to the admins of the organisations that have not answered."""
    sending.escalate(session, advisory_id, round, deadline)
