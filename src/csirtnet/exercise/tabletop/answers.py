"""The teams' answers to released injects, and the judges' grades. Every change writes its audit
record with the team's guard (`exercise.common.record(..., team_id=…)`); nothing here commits.

A team answers an inject once, as the inject asks (text, a file, a filled incident report), and may
amend its answer until the deadline (release + minutes to answer) unless it is graded. An answer
first given after the deadline is kept and marked late: the exercise's late factor applies to its
points. Answering a contact check reconfirms the team's contact points (as ACID asks teams to).

A judge grades an answer against the inject's rubric: points per criterion, each at most its
maximum (a criterion over it is refused by name), and feedback; the answer's points are the sum,
times the late factor when late. Grading again replaces the grade; the audit keeps both.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.tabletop import injects
from csirtnet.exercise.tabletop.schemas import GradeIn, InjectAnswerIn
from csirtnet.kit.time import utcnow
from csirtnet.models import AnswerKind, Exercise, ExerciseTeam, Inject, InjectAnswer, InjectKind, StoredFile


def _points(value: float) -> float:
    return round(value, 2)


def answering_team(session: Session, who: Subject, exercise: Exercise, team_id: int | None) -> int:
    """The team `who` answers for: the one named, or their only team in the exercise."""
    mine = rules.playing_team_ids(session, who, exercise.id)
    if team_id is None:
        if len(mine) == 1:
            return next(iter(mine))
        if not mine:
            raise Forbidden("You do not play in a team of this exercise.")
        raise ValidationFailed("team_id", "you play in several teams: choose the one you answer for")
    rules.require_play(session, who, exercise, team_id)
    return team_id


def _open_inject(session: Session, who: Subject, exercise_id: int, inject_id: int) -> tuple[Exercise, Inject]:
    exercise = injects.tabletop(session, who, exercise_id)
    inject = injects.get_inject(session, who, exercise, inject_id)
    if inject.released_at is None:
        raise Conflict("The inject is not released yet.")
    return exercise, inject


def _check(inject: Inject, data: InjectAnswerIn, has_file: bool) -> None:
    errors = ErrorList()
    kind = inject.answer_kind
    if kind == AnswerKind.TEXT.value and not data.body.strip():
        field = "body"
        errors.add(
            field,
            "say the team's contact points"
            if inject.kind == InjectKind.CONTACT_CHECK.value
            else "write the team's answer",
        )
    elif kind == AnswerKind.INCIDENT_REPORT.value and data.report is None:
        errors.add("report", "fill in the incident report")
    elif kind == AnswerKind.FILE.value and not has_file:
        errors.add("file", "attach the team's answer as a file")
    if kind != AnswerKind.INCIDENT_REPORT.value and data.report is not None:
        errors.add("report", "this inject is not answered with an incident report")
    errors.raise_if_any()


def _save(
    session: Session,
    who: Subject,
    exercise: Exercise,
    inject: Inject,
    team_id: int,
    data: InjectAnswerIn,
    stored: StoredFile | None,
    now: datetime,
) -> InjectAnswer:
    deadline = injects.deadline_at(inject)
    late = deadline is not None and now > deadline
    answer = session.scalar(
        select(InjectAnswer).where(InjectAnswer.inject_id == inject.id, InjectAnswer.team_id == team_id)
    )
    amended = answer is not None
    if answer is not None:
        if answer.graded_at is not None:
            raise Conflict("The answer is graded: it no longer changes.")
        if late:
            raise Conflict("The time to answer is over: the team's answer no longer changes.")
    else:
        answer = InjectAnswer(inject_id=inject.id, team_id=team_id)
        session.add(answer)
    answer.user_id = who.user_id
    answer.body = data.body.strip()
    answer.report = data.report.model_dump(mode="json") if data.report is not None else None
    if stored is not None or inject.answer_kind != AnswerKind.FILE.value:
        answer.stored_file_id = stored.id if stored is not None else None
    answer.submitted_at = now
    answer.late = late
    session.flush()
    if inject.kind == InjectKind.CONTACT_CHECK.value:
        team = session.get(ExerciseTeam, team_id)
        if team is not None:
            team.contact_confirmed_at = now
            team.contact_note = answer.body or None
    record(
        session,
        who,
        "exercise.inject_answer_amended" if amended else "exercise.inject_answered",
        exercise,
        answer,
        team_id=team_id,
        inject_id=inject.id,
        inject=inject.title,
        late=late,
    )
    return answer


def answer(
    session: Session,
    who: Subject,
    exercise_id: int,
    inject_id: int,
    data: InjectAnswerIn,
    *,
    now: datetime | None = None,
) -> InjectAnswer:
    """The team's answer (text, or a filled incident report); amends the team's earlier answer."""
    exercise, inject = _open_inject(session, who, exercise_id, inject_id)
    team_id = answering_team(session, who, exercise, data.team_id)
    _check(inject, data, has_file=False)
    return _save(session, who, exercise, inject, team_id, data, None, now or utcnow())


def answer_file(
    session: Session,
    who: Subject,
    exercise_id: int,
    inject_id: int,
    *,
    team_id: int | None,
    filename: str | None,
    content_type: str | None,
    stream: BinaryIO | None,
    note: str = "",
    now: datetime | None = None,
) -> InjectAnswer:
    """The team's answer as a file (with an optional note)."""
    exercise, inject = _open_inject(session, who, exercise_id, inject_id)
    team = answering_team(session, who, exercise, team_id)
    data = InjectAnswerIn(team_id=team, body=note)
    if inject.answer_kind != AnswerKind.FILE.value:
        raise ValidationFailed("file", "this inject is not answered with a file")
    _check(inject, data, has_file=stream is not None)
    stored = (
        injects.store_file(session, who, filename=filename, content_type=content_type, stream=stream)
        if stream
        else None
    )
    return _save(session, who, exercise, inject, team, data, stored, now or utcnow())


def get_answer(session: Session, who: Subject, exercise: Exercise, answer_id: int) -> InjectAnswer:
    """One answer `who` may see (its team's people, the exercise's staff), or NotFound."""
    row = session.scalar(
        select(InjectAnswer)
        .join(Inject, Inject.id == InjectAnswer.inject_id)
        .where(
            InjectAnswer.id == answer_id,
            Inject.exercise_id == exercise.id,
            rules.team_work_clause(session, who, exercise, InjectAnswer.team_id),
        )
    )
    if row is None:
        raise NotFound("answer")
    return row


def answer_file_of(session: Session, who: Subject, exercise_id: int, answer_id: int) -> StoredFile:
    """The file of an answer `who` may see."""
    exercise = injects.tabletop(session, who, exercise_id)
    row = get_answer(session, who, exercise, answer_id)
    stored = session.get(StoredFile, row.stored_file_id) if row.stored_file_id is not None else None
    if stored is None:
        raise NotFound("file")
    return stored


def grade(
    session: Session, who: Subject, exercise_id: int, answer_id: int, data: GradeIn, *, now: datetime | None = None
) -> InjectAnswer:
    """Grade an answer against its inject's rubric; grading again replaces the grade."""
    exercise = injects.tabletop(session, who, exercise_id)
    row = get_answer(session, who, exercise, answer_id)  # another team's answer: not found
    if not rules.can_judge(session, who, exercise):
        raise Forbidden("Only the exercise's judges grade answers.")
    inject = session.get(Inject, row.inject_id)
    if inject is None:
        raise NotFound("inject")
    rubric = {str(c["criterion"]).casefold(): c for c in inject.rubric or []}
    if not rubric:
        raise ValidationFailed("criteria", "the inject has no rubric: give it criteria before grading")
    errors = ErrorList()
    given: dict[str, float] = {}
    for index, item in enumerate(data.criteria):
        key = item.criterion.strip().casefold()
        criterion = rubric.get(key)
        if criterion is None:
            errors.add(f"criteria.{index}.criterion", f"{item.criterion}: not a criterion of this inject's rubric")
        elif key in given:
            errors.add(f"criteria.{index}.criterion", f"{item.criterion}: graded twice")
        elif item.points > float(criterion["points"]):
            errors.add(
                f"criteria.{index}.points",
                f"{criterion['criterion']}: at most {_number(criterion['points'])} points",
            )
        else:
            given[key] = item.points
    for key, criterion in rubric.items():
        if key not in given and not any(e.field.startswith("criteria.") for e in errors.errors):
            errors.add("criteria", f"{criterion['criterion']}: give its points")
    errors.raise_if_any()
    lines = [
        {"criterion": c["criterion"], "points": _points(given[key]), "max": c["points"]} for key, c in rubric.items()
    ]
    total = sum(given.values())
    factor = exercise.late_factor if row.late else 1.0
    before = row.points
    regrade = row.graded_at is not None
    row.grade = lines
    row.points = _points(total * factor)
    row.feedback = data.feedback.strip() or None
    row.graded_by_id = who.user_id
    row.graded_at = now or utcnow()
    session.flush()
    record(
        session,
        who,
        "exercise.inject_answer_regraded" if regrade else "exercise.inject_answer_graded",
        exercise,
        row,
        team_id=row.team_id,
        inject=inject.title,
        points=row.points,
        points_before=before,
        late=row.late,
    )
    return row


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else f"{number:g}"
