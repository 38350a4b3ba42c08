"""An exercise's results in its members' readiness records: once it is finished, each
participating organisation gets a drill in that year's record (the name, the day it was held, the
score, "3rd of 63"), written again when the results change and never twice (idempotent).

Finishing an exercise (`exercise.service.finish`) calls `record_results`; `csirtnet exercise record-results ID` and
`POST /api/v1/exercises/{id}/record-results` run it by hand (an outside drill, a corrected result).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, Forbidden
from csirtnet.exercise import common
from csirtnet.exercise.results.schemas import RecordedSummary
from csirtnet.exercise.results.standings import placed
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import Exercise, ReadinessAction, ReadinessDrill, ReadinessRecord

RESULT_TEXT = "{score:g}"  # the score as a number: the record shows it in either language


def held_on(exercise: Exercise) -> date:
    """The day the exercise was held, in its time zone (its start; else when it finished)."""
    moment = exercise.starts_at or exercise.finished_at or exercise.created_at or utcnow()
    try:
        zone = ZoneInfo(exercise.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("Asia/Ho_Chi_Minh")
    return as_utc(moment).astimezone(zone).date()


def drill_name(exercise: Exercise) -> str:
    return (exercise.external_name or exercise.title)[:200]


def record_for(session: Session, organisation_id: int, year: int) -> ReadinessRecord:
    """The organisation's readiness record for the year, created empty when it has none."""
    row = session.scalar(
        select(ReadinessRecord).where(ReadinessRecord.organisation_id == organisation_id, ReadinessRecord.year == year)
    )
    if row is None:
        row = ReadinessRecord(organisation_id=organisation_id, year=year)
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class _Best:
    rank: int
    total: int
    score: float


def record_results(session: Session, who: Subject, exercise: Exercise) -> RecordedSummary:
    """Write (or refresh) a readiness drill per participating organisation; safe to run again."""
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers record its results")
    if not rules.results_final(exercise):
        raise Conflict("The exercise is not finished: its results are not final")
    best: dict[int, _Best] = {}
    for p in placed(session, who, exercise):
        org_id = p.standing.organisation_id
        if org_id is None:
            continue
        if org_id not in best or p.rank < best[org_id].rank:
            best[org_id] = _Best(p.rank, p.total, float(p.standing.score))
    day = held_on(exercise)
    name = drill_name(exercise)
    current = list(session.scalars(select(ReadinessDrill).where(ReadinessDrill.exercise_id == exercise.id)))
    by_record = {d.record_id: d for d in current}
    kept: set[int] = set()
    written = 0
    for org_id, result in sorted(best.items()):
        record = record_for(session, org_id, day.year)
        drill = by_record.get(record.id) or _adoptable(session, record.id, name, day)
        values = {
            "name": name,
            "held_on": day,
            "result": RESULT_TEXT.format(score=result.score),
            "rank": result.rank,
            "participants": result.total,
            "exercise_id": exercise.id,
        }
        if drill is None:
            drill = ReadinessDrill(record_id=record.id, **values)
            session.add(drill)
            written += 1
        elif any(getattr(drill, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(drill, k, v)
            written += 1
        session.flush()
        kept.add(drill.id)
    removed = 0
    for drill in current:
        if drill.id not in kept:  # a team left the results (a corrected outside drill)
            session.delete(drill)
            removed += 1
    session.flush()
    if written or removed:
        common.record(
            session,
            who,
            "exercise.results_recorded",
            exercise,
            organisations=sorted(best),
            written=written,
            removed=removed,
            year=day.year,
        )
    return RecordedSummary(exercise_id=exercise.id, organisations=len(best), written=written, removed=removed)


def _adoptable(session: Session, record_id: int, name: str, day: date) -> ReadinessDrill | None:
    """A drill the member saved again by hand (the readiness form rewrites its drills, losing the
    link to the exercise): the same name and day, taken back rather than written twice."""
    return session.scalar(
        select(ReadinessDrill)
        .where(
            ReadinessDrill.record_id == record_id,
            ReadinessDrill.exercise_id.is_(None),
            ReadinessDrill.name == name,
            ReadinessDrill.held_on == day,
        )
        .limit(1)
    )


def open_action(
    session: Session, exercise: Exercise, organisation_id: int, title: str, detail: str | None
) -> ReadinessAction:
    """A readiness item in the organisation's record for the exercise's year (a lesson to follow up)."""
    record = record_for(session, organisation_id, held_on(exercise).year)
    action = ReadinessAction(record_id=record.id, title=title[:300], detail=detail or None, exercise_id=exercise.id)
    session.add(action)
    session.flush()
    return action
