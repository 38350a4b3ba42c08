"""Background jobs of live-fire exercises: `exercise.daily_summary`.

One run is kept queued per live-fire exercise (queued when its first target is added), due a few
minutes after midnight in the exercise's time zone. Each run tells the organisers what the day
before brought (`livefire.summary`), once the exercise runs and within its days, then queues the
next day's run; it stops after the exercise's last day or once it is finished. A run that is
retried does not tell anyone twice (the notification's link names the day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.exercise.livefire import events, summary
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    Exercise,
    ExerciseKind,
    ExerciseStaff,
    ExerciseStatus,
    Job,
    JobStatus,
    Notification,
    StaffRole,
    User,
)
from csirtnet.notification.service import notify
from csirtnet.worker import enqueue, job

DAILY_SUMMARY_JOB = "exercise.daily_summary"
AFTER_MIDNIGHT = timedelta(minutes=5)  # the day is over everywhere the clocks agree to a few minutes
_OVER = (ExerciseStatus.FINISHED.value, ExerciseStatus.ARCHIVED.value)


def run_time(exercise: Exercise, day: date) -> datetime:
    """When the summary of `day` is sent: just after the midnight that ends it, in UTC."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(exercise.timezone))
    return (midnight + AFTER_MIDNIGHT).astimezone(ZoneInfo("UTC"))


def _queued(session: Session, exercise_id: int) -> bool:
    payloads = session.scalars(
        select(Job.payload).where(Job.name == DAILY_SUMMARY_JOB, Job.status == JobStatus.QUEUED.value)
    )
    return any(p.get("exercise_id") == exercise_id for p in payloads)


def ensure_daily_summary(session: Session, exercise: Exercise, *, now: datetime | None = None) -> None:
    """Keep one run of the daily summary queued for a live-fire exercise that is not over."""
    if exercise.kind != ExerciseKind.LIVE_FIRE.value or exercise.status in _OVER or _queued(session, exercise.id):
        return
    today = as_utc(now or utcnow()).astimezone(ZoneInfo(exercise.timezone)).date()
    _queue(session, exercise, today)


def _queue(session: Session, exercise: Exercise, day: date) -> None:
    enqueue(
        session,
        DAILY_SUMMARY_JOB,
        guard=Guard(GuardKind.EXERCISE, exercise.id),
        run_after=run_time(exercise, day),
        exercise_id=exercise.id,
        day=day.isoformat(),
    )


def organisers(session: Session, exercise: Exercise) -> list[User]:
    """Who gets the summary: the named organisers and the exercise's creator."""
    ids = set(
        session.scalars(
            select(ExerciseStaff.user_id).where(
                ExerciseStaff.exercise_id == exercise.id, ExerciseStaff.role == StaffRole.ORGANISER.value
            )
        )
    )
    if exercise.created_by_id is not None:
        ids.add(exercise.created_by_id)
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []


def link(exercise_id: int, day: date) -> str:
    return f"/exercises/{exercise_id}/daily-summary?day={day.isoformat()}"


def send(session: Session, exercise: Exercise, day: date, *, now: datetime | None = None) -> int:
    """Tell the organisers the summary of `day` (once); how many were told."""
    days = [d for d in summary.days_of(session, exercise, now=now or run_time(exercise, day)) if d.day == day]
    if not days:
        return 0
    where = link(exercise.id, day)
    if session.scalar(
        select(Notification.id)
        .where(Notification.event_type == events.DAILY_SUMMARY.key, Notification.link == where)
        .limit(1)
    ):
        return 0
    entry = days[0]
    params = {
        "reference": exercise.reference,
        "title": exercise.title,
        "day": day.isoformat(),
        "submitted": entry.submitted,
        "validated": entry.validated,
        "duplicates": entry.duplicates,
        "rejected": entry.rejected,
        "closed": entry.remediations_closed,
    }
    told = notify(
        session,
        events.DAILY_SUMMARY.key,
        organisers(session, exercise),
        params,
        guard=Guard(GuardKind.EXERCISE, exercise.id),
        link=where,
    )
    return len(told)


def _running_on(exercise: Exercise, day: date) -> bool:
    if exercise.status not in (ExerciseStatus.RUNNING.value, *_OVER):
        return False
    zone = ZoneInfo(exercise.timezone)
    if exercise.starts_at is not None and day < as_utc(exercise.starts_at).astimezone(zone).date():
        return False
    return not (exercise.ends_at is not None and day > as_utc(exercise.ends_at).astimezone(zone).date())


@job(DAILY_SUMMARY_JOB)
def daily_summary(session: Session, *, exercise_id: int, day: str, **_: Any) -> None:
    """Tell the organisers what `day` brought; queue the next day's run while the exercise lasts."""
    exercise = session.get(Exercise, exercise_id)
    if exercise is None:
        return
    summarised = date.fromisoformat(day)
    if _running_on(exercise, summarised):
        send(session, exercise, summarised)
    zone = ZoneInfo(exercise.timezone)
    last = as_utc(exercise.ends_at).astimezone(zone).date() if exercise.ends_at is not None else None
    if exercise.status in _OVER or (last is not None and summarised >= last) or _queued(session, exercise.id):
        return
    _queue(session, exercise, summarised + timedelta(days=1))
