"""Background jobs of the incident domain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.incident import deadlines, events, intake
from csirtnet.kit.time import utcnow
from csirtnet.models import IncidentReport, Job, JobStatus
from csirtnet.notification.tasks import deliver_email
from csirtnet.worker import enqueue, job

SWEEP_EVERY = timedelta(minutes=15)


@job(deadlines.SWEEP_JOB)
def deadline_reminders(session: Session, **_: Any) -> None:
    """Remind participants before each deadline and escalate to coordinators after it.

    Runs when a deadline's reminder or due time comes (queued by deadlines.sync), and keeps a
    sweep queued every 15 minutes as a safety net (e.g. after a profile is edited)."""
    deadlines.sweep(session)
    now = utcnow()
    pending = session.scalar(
        select(Job.id).where(Job.name == deadlines.SWEEP_JOB, Job.status == JobStatus.QUEUED.value, Job.run_after > now)
    )
    if pending is None:
        enqueue(session, deadlines.SWEEP_JOB, guard=None, run_after=now + SWEEP_EVERY)


@job(intake.ACKNOWLEDGE_JOB)
def send_report_acknowledgement(session: Session, *, report_id: int) -> None:
    """Tell a public reporter their report arrived, with its tracking link (built now, from ids)."""
    report = session.get(IncidentReport, report_id)
    email = intake.acknowledgement_email(report) if report is not None else None
    if email is not None:
        address, language, params = email
        deliver_email(
            session, address=address, language=language, event_type=events.REPORT_ACKNOWLEDGED.key, params=params
        )
