"""Background jobs of the evidence domain: the scheduled verification of every item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import get_settings
from csirtnet.evidence import checks, signing
from csirtnet.evidence.store import evidence_store
from csirtnet.kit.time import utcnow
from csirtnet.models import Job, JobStatus
from csirtnet.worker import enqueue, job

VERIFY_JOB = "evidence.verify_all"


def ensure_scheduled(session: Session) -> None:
    """Keep one scheduled verification queued (every `evidence_verify_hours`; none when 0)."""
    hours = get_settings().evidence_verify_hours
    if hours <= 0:
        return
    pending = session.scalar(
        select(Job.id).where(Job.name == VERIFY_JOB, Job.status == JobStatus.QUEUED.value).limit(1)
    )
    if pending is None:
        enqueue(session, VERIFY_JOB, guard=None, run_after=utcnow() + timedelta(hours=hours))


@job(VERIFY_JOB)
def verify_all(session: Session, **_: Any) -> None:
    """Re-hash every item's content and check every chain and signature; a failure tells the
    coordinators (evidence.checks.record). Queues the next run."""
    store = evidence_store()
    store.sweep_incoming()
    key = signing.public_key()
    platform = Subject.system("evidence verification")
    for item in list(checks.items_to_check(session, None)):
        checks.record(
            session, platform, item, checks.verify_item(session, item, store=store, key=key), trigger="schedule"
        )
    ensure_scheduled(session)
