"""What the tabletop's pages and endpoints read: the injects a reader may see (a team: the released
ones, in the order they came; the staff: the whole scenario with its timeline), the answers a
reader may see (a team: its own; the staff: every team's), the control panel and the judges'
queue. No changes here; every query is scoped through authz.exercise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Forbidden
from csirtnet.exercise.tabletop import injects as inject_service
from csirtnet.exercise.tabletop.schemas import AnswerRead, FileRead, InjectRead
from csirtnet.kit.time import as_utc
from csirtnet.models import Exercise, ExerciseStatus, ExerciseTeam, Inject, InjectAnswer, StoredFile


@dataclass
class InjectView:
    inject: Inject
    headers: list[dict[str, str]]
    text: str  # the Markdown after the header lines
    files: list[StoredFile]
    due_at: datetime | None
    deadline_at: datetime | None
    show_rubric: bool

    def read(self) -> InjectRead:
        i = self.inject
        return InjectRead(
            id=i.id,
            exercise_id=i.exercise_id,
            position=i.position,
            kind=i.kind,
            title=i.title,
            body=self.text,
            headers=self.headers,
            answer_kind=i.answer_kind,
            release_offset_minutes=i.release_offset_minutes,
            answer_minutes=i.answer_minutes,
            rubric=list(i.rubric or []) if self.show_rubric else None,
            due_at=self.due_at,
            released_at=as_utc(i.released_at) if i.released_at else None,
            deadline_at=self.deadline_at,
            files=[FileRead(id=f.id, filename=f.filename, size=f.size) for f in self.files],
        )


@dataclass
class AnswerView:
    answer: InjectAnswer
    team: str
    inject_title: str
    file: StoredFile | None

    def read(self) -> AnswerRead:
        a = self.answer
        return AnswerRead(
            id=a.id,
            inject_id=a.inject_id,
            team_id=a.team_id,
            team=self.team,
            user_id=a.user_id,
            body=a.body,
            report=a.report,
            file=FileRead(id=self.file.id, filename=self.file.filename, size=self.file.size) if self.file else None,
            submitted_at=as_utc(a.submitted_at),
            late=a.late,
            grade=a.grade,
            points=a.points,
            feedback=a.feedback,
            graded_at=as_utc(a.graded_at) if a.graded_at else None,
        )


def _view(exercise: Exercise, inject: Inject, files: list[StoredFile], staff: bool) -> InjectView:
    headers, text = inject_service.split_body(inject.kind, inject.body)
    return InjectView(
        inject=inject,
        headers=headers,
        text=text,
        files=files,
        due_at=inject_service.due_at(exercise, inject),
        deadline_at=inject_service.deadline_at(inject),
        show_rubric=staff,
    )


def inject_views(session: Session, who: Subject, exercise: Exercise) -> list[InjectView]:
    """The injects `who` may read: the staff the scenario in its order; a team the released ones,
    in the order they were released."""
    staff = rules.sees_all_work(session, who, exercise)
    query = select(Inject).where(Inject.exercise_id == exercise.id, rules.inject_clause(session, who, exercise))
    if staff:
        query = query.order_by(Inject.position, Inject.id)
    else:
        query = query.order_by(Inject.released_at, Inject.position, Inject.id)
    rows = list(session.scalars(query))
    files = inject_service.inject_files(session, [r.id for r in rows])
    return [_view(exercise, r, files[r.id], staff) for r in rows]


def inject_view(session: Session, who: Subject, exercise: Exercise, inject_id: int) -> InjectView:
    inject = inject_service.get_inject(session, who, exercise, inject_id)
    files = inject_service.inject_files(session, [inject.id])
    return _view(exercise, inject, files[inject.id], rules.sees_all_work(session, who, exercise))


def answer_views(
    session: Session,
    who: Subject,
    exercise: Exercise,
    *,
    inject_id: int | None = None,
    team_ids: Sequence[int] | None = None,
    ungraded: bool = False,
) -> list[AnswerView]:
    """The answers `who` may see (a team's people: their team's; the staff: every team's), the
    oldest first."""
    query = (
        select(InjectAnswer, ExerciseTeam.name, Inject.title, StoredFile)
        .join(Inject, Inject.id == InjectAnswer.inject_id)
        .join(ExerciseTeam, ExerciseTeam.id == InjectAnswer.team_id)
        .outerjoin(StoredFile, StoredFile.id == InjectAnswer.stored_file_id)
        .where(Inject.exercise_id == exercise.id, rules.team_work_clause(session, who, exercise, InjectAnswer.team_id))
        .order_by(InjectAnswer.submitted_at, InjectAnswer.id)
    )
    if inject_id is not None:
        query = query.where(InjectAnswer.inject_id == inject_id)
    if team_ids is not None:
        query = query.where(InjectAnswer.team_id.in_(list(team_ids)))
    if ungraded:
        query = query.where(InjectAnswer.graded_at.is_(None))
    return [AnswerView(a, team, title, stored) for a, team, title, stored in session.execute(query)]


# -- the pages -----------------------------------------------------------------------------------


@dataclass
class TeamInject:
    view: InjectView
    answer: AnswerView | None


@dataclass
class TeamPage:
    team: ExerciseTeam
    teams: list[ExerciseTeam]  # every team the reader plays in (a chooser when more than one)
    injects: list[TeamInject]
    can_answer: bool
    score: float


@dataclass
class ControlRow:
    view: InjectView
    answers: dict[int, AnswerView]  # team id -> its answer


@dataclass
class ControlPage:
    teams: list[ExerciseTeam]
    rows: list[ControlRow]
    queue: list[AnswerView]  # answers waiting for a grade, oldest first
    graded: list[AnswerView]
    can_organise: bool
    can_control: bool
    can_judge: bool
    running: bool


@dataclass
class InjectsPage:
    exercise: Exercise
    team: TeamPage | None = None
    control: ControlPage | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def injects_page(session: Session, who: Subject, exercise: Exercise, team_id: int | None = None) -> InjectsPage:
    """The control view for the exercise's staff, the team view for its teams' people."""
    if rules.sees_all_work(session, who, exercise):
        return InjectsPage(exercise, control=control_page(session, who, exercise))
    mine = sorted(rules.my_team_ids(session, who, exercise.id))
    if not mine:
        raise Forbidden("Only the exercise's teams and staff see its injects.")
    return InjectsPage(exercise, team=team_page(session, who, exercise, team_id if team_id in mine else mine[0]))


def team_page(session: Session, who: Subject, exercise: Exercise, team_id: int) -> TeamPage:
    mine = sorted(rules.my_team_ids(session, who, exercise.id))
    teams = list(session.scalars(select(ExerciseTeam).where(ExerciseTeam.id.in_(mine)).order_by(ExerciseTeam.name)))
    team = next(t for t in teams if t.id == team_id)
    answers = {a.answer.inject_id: a for a in answer_views(session, who, exercise, team_ids=[team_id])}
    views = inject_views(session, who, exercise)
    return TeamPage(
        team=team,
        teams=teams,
        injects=[TeamInject(v, answers.get(v.inject.id)) for v in views],
        can_answer=rules.can_play(session, who, exercise, team_id),
        score=round(sum(a.answer.points or 0 for a in answers.values()), 2),
    )


def control_page(session: Session, who: Subject, exercise: Exercise) -> ControlPage:
    teams = list(
        session.scalars(select(ExerciseTeam).where(ExerciseTeam.exercise_id == exercise.id).order_by(ExerciseTeam.name))
    )
    views = inject_views(session, who, exercise)
    answers = answer_views(session, who, exercise)
    by_inject: dict[int, dict[int, AnswerView]] = {}
    for a in answers:
        by_inject.setdefault(a.answer.inject_id, {})[a.answer.team_id] = a
    return ControlPage(
        teams=teams,
        rows=[ControlRow(v, by_inject.get(v.inject.id, {})) for v in views],
        queue=[a for a in answers if a.answer.graded_at is None],
        graded=[a for a in answers if a.answer.graded_at is not None],
        can_organise=rules.is_organiser(session, who, exercise),
        can_control=rules.can_control(session, who, exercise),
        can_judge=rules.can_judge(session, who, exercise),
        running=exercise.status == ExerciseStatus.RUNNING.value,
    )


def answer_view(session: Session, who: Subject, exercise: Exercise, answer_id: int) -> AnswerView:
    from csirtnet.exercise.tabletop.answers import get_answer

    row = get_answer(session, who, exercise, answer_id)
    found = answer_views(session, who, exercise, inject_id=row.inject_id, team_ids=[row.team_id])
    return found[0]
