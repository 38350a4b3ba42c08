"""Jobs of the members domain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.kit.time import utcnow
from csirtnet.models import Job, JobStatus, MembershipApplication
from csirtnet.notification.tasks import deliver_email
from csirtnet.organisation import application, events, stale
from csirtnet.worker import enqueue, job

REMIND_STALE = "organisation.remind_stale"


@job(REMIND_STALE)
def remind_stale(session: Session, *, repeat_hours: int | None = None) -> None:
    """Remind stale members; with `repeat_hours`, queue the next run (once: a schedule never forks)."""
    stale.remind(session)
    if repeat_hours:
        schedule(session, repeat_hours, delay=timedelta(hours=repeat_hours))


def schedule(session: Session, repeat_hours: int = 24, *, delay: timedelta | None = None) -> bool:
    """Queue the periodic reminder unless a run is already waiting; True when one was queued."""
    waiting = session.scalar(
        select(Job.id).where(Job.name == REMIND_STALE, Job.status == JobStatus.QUEUED.value).limit(1)
    )
    if waiting is not None:
        return False
    enqueue(session, REMIND_STALE, guard=None, run_after=utcnow() + (delay or timedelta(0)), repeat_hours=repeat_hours)
    return True


@job(application.RECEIVED_JOB)
def send_application_received(session: Session, *, application_id: int) -> None:
    """Confirm an application to its applicant, with its tracking link (built now, from ids)."""
    app = session.get(MembershipApplication, application_id)
    email = application.received_email(app) if app is not None else None
    if email is not None:
        address, language, params = email
        deliver_email(
            session, address=address, language=language, event_type=events.APPLICATION_RECEIVED.key, params=params
        )
