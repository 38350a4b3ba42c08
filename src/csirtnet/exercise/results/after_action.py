"""The after-action report of an exercise: what its organisers write (summary, strengths,
weaknesses, lessons learned), the timeline the platform knows (the schedule, injects released,
first solves, findings validated) and the results per team.

Publishing the lessons turns each into a knowledge-base entry (through the knowledge service, so
search, TLP and audit are the knowledge base's own; marked with the exercise's TLP, written for the
organiser's organisation, tagged "exercise" and "lesson") and, when a lesson names a member, into a
readiness item in that member's record for the exercise's year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.cluster.knowledge import service as knowledge
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.errors import Conflict, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise import common
from csirtnet.exercise.results import readiness
from csirtnet.exercise.results.schemas import AfterActionUpdate, LessonCreate, LessonUpdate, PublishSummary
from csirtnet.i18n import N_, translate
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    AfterActionReport,
    Challenge,
    Exercise,
    ExerciseLesson,
    ExerciseScope,
    ExerciseTeam,
    Finding,
    FindingStatus,
    Inject,
    Organisation,
    Solve,
)
from csirtnet.models.knowledge import KnowledgeKind

LESSON_TAGS = ["exercise", "lesson"]

STARTED = N_("The exercise started")
FROZEN = N_("The scoreboard was frozen")
ENDED = N_("The exercise ended")
FINISHED = N_("The results were made final")
INJECT = N_("Inject released: %(title)s")
FIRST_SOLVE = N_("First solve of %(challenge)s by %(team)s")
FINDING = N_("Finding validated: %(title)s (%(team)s, %(severity)s)")


# -- reading -----------------------------------------------------------------------------------


def get_readable(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The exercise, when `who` may read its after-action report (else NotFound or Forbidden)."""
    exercise = rules.get_visible(session, who, exercise_id)
    if not rules.can_read_after_action(session, who, exercise):
        raise Forbidden("The after-action report is its organisers' and staff's")
    return exercise


def get_organised(session: Session, who: Subject, exercise_id: int) -> Exercise:
    exercise = rules.get_visible(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers write its after-action report")
    return exercise


def report_of(session: Session, exercise: Exercise) -> AfterActionReport | None:
    return session.scalar(select(AfterActionReport).where(AfterActionReport.exercise_id == exercise.id))


def lessons_of(session: Session, exercise: Exercise) -> list[ExerciseLesson]:
    return list(
        session.scalars(
            select(ExerciseLesson).where(ExerciseLesson.exercise_id == exercise.id).order_by(ExerciseLesson.id)
        )
    )


def organisation_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        i: n for i, n in session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # schedule | inject | solve | finding
    text: str


def timeline(session: Session, who: Subject, exercise: Exercise, language: str) -> list[TimelineEntry]:
    """What happened, in order, from whatever the exercise's kind keeps; team work through
    `team_work_clause` (the reader sees every team's, being staff)."""

    def t(message: str, **values: object) -> str:
        text = translate(language, message)
        return text % values if values else text

    out: list[TimelineEntry] = []
    for moment, message in (
        (exercise.starts_at, STARTED),
        (exercise.freeze_at, FROZEN),
        (exercise.ends_at, ENDED),
        (exercise.finished_at, FINISHED),
    ):
        if moment is not None:
            out.append(TimelineEntry(as_utc(moment), "schedule", t(message)))
    for title, released_at in session.execute(
        select(Inject.title, Inject.released_at).where(
            Inject.exercise_id == exercise.id, Inject.released_at.is_not(None)
        )
    ):
        if released_at is not None:
            out.append(TimelineEntry(as_utc(released_at), "inject", t(INJECT, title=title)))
    first = (
        select(Solve.challenge_id, func.min(Solve.solved_at).label("at"))
        .where(Solve.exercise_id == exercise.id, rules.team_work_clause(session, who, exercise, Solve.team_id))
        .group_by(Solve.challenge_id)
        .subquery()
    )
    for challenge, team, solved_at in session.execute(
        select(Challenge.name, ExerciseTeam.name, Solve.solved_at)
        .join(first, first.c.challenge_id == Solve.challenge_id)
        .join(Challenge, Challenge.id == Solve.challenge_id)
        .join(ExerciseTeam, ExerciseTeam.id == Solve.team_id)
        .where(Solve.exercise_id == exercise.id, Solve.solved_at == first.c.at)
        .order_by(Solve.solved_at, Solve.id)
    ):
        out.append(TimelineEntry(as_utc(solved_at), "solve", t(FIRST_SOLVE, challenge=challenge, team=team)))
    for title, team, severity, judged_at in session.execute(
        select(Finding.title, ExerciseTeam.name, Finding.severity, Finding.judged_at)
        .join(ExerciseTeam, ExerciseTeam.id == Finding.team_id)
        .where(
            Finding.exercise_id == exercise.id,
            Finding.status == FindingStatus.VALID.value,
            Finding.judged_at.is_not(None),
            rules.team_work_clause(session, who, exercise, Finding.team_id),
        )
    ):
        if judged_at is not None:
            out.append(
                TimelineEntry(as_utc(judged_at), "finding", t(FINDING, title=title, team=team, severity=severity))
            )
    out.sort(key=lambda e: e.at)
    return out


# -- writing -----------------------------------------------------------------------------------


def save_report(session: Session, who: Subject, exercise_id: int, data: AfterActionUpdate) -> AfterActionReport:
    """Write or change the report's summary, strengths and weaknesses."""
    exercise = get_organised(session, who, exercise_id)
    report = report_of(session, exercise)
    created = report is None
    if report is None:
        report = AfterActionReport(exercise_id=exercise.id)
        session.add(report)
    changed: list[str] = []
    for name in ("summary", "strengths", "weaknesses"):
        if name not in data.model_fields_set:
            continue
        value = (getattr(data, name) or "").strip()
        if created or value != getattr(report, name):
            setattr(report, name, value)
            changed.append(name)
    report.author_id = who.user_id
    session.flush()
    if changed or created:
        report.updated_at = utcnow()
        common.record(session, who, "exercise.after_action_saved", exercise, report, fields=changed)
    return report


def _check_organisation(session: Session, organisation_id: int | None) -> None:
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationFailed("organisation_id", f"no member organisation with id {organisation_id}")


def add_lesson(session: Session, who: Subject, exercise_id: int, data: LessonCreate) -> ExerciseLesson:
    """Add a lesson learned (for the whole network, or for one member when it names one)."""
    exercise = get_organised(session, who, exercise_id)
    _check_organisation(session, data.organisation_id)
    lesson = ExerciseLesson(
        exercise_id=exercise.id,
        title=" ".join(data.title.split()),
        body=data.body.strip(),
        organisation_id=data.organisation_id,
    )
    session.add(lesson)
    session.flush()
    common.record(session, who, "exercise.lesson_added", exercise, lesson, organisation=data.organisation_id)
    return lesson


def _lesson(session: Session, exercise: Exercise, lesson_id: int) -> ExerciseLesson:
    lesson = session.get(ExerciseLesson, lesson_id)
    if lesson is None or lesson.exercise_id != exercise.id:
        raise NotFound("lesson")
    return lesson


def _published(lesson: ExerciseLesson) -> bool:
    return lesson.knowledge_document_id is not None or lesson.readiness_item_id is not None


def update_lesson(
    session: Session, who: Subject, exercise_id: int, lesson_id: int, data: LessonUpdate
) -> ExerciseLesson:
    """Change a lesson not yet published (a published one lives on in the knowledge base)."""
    exercise = get_organised(session, who, exercise_id)
    lesson = _lesson(session, exercise, lesson_id)
    if _published(lesson):
        raise Conflict("The lesson is published: change its knowledge-base entry instead")
    fields = data.model_fields_set
    if "organisation_id" in fields:
        _check_organisation(session, data.organisation_id)
        lesson.organisation_id = data.organisation_id
    if "title" in fields and data.title is not None:
        lesson.title = " ".join(data.title.split())
    if "body" in fields and data.body is not None:
        lesson.body = data.body.strip()
    session.flush()
    common.record(session, who, "exercise.lesson_changed", exercise, lesson, fields=sorted(fields))
    return lesson


def remove_lesson(session: Session, who: Subject, exercise_id: int, lesson_id: int) -> None:
    exercise = get_organised(session, who, exercise_id)
    lesson = _lesson(session, exercise, lesson_id)
    if _published(lesson):
        raise Conflict("The lesson is published: it stays in the knowledge base and the readiness record")
    common.record(session, who, "exercise.lesson_removed", exercise, lesson)
    session.delete(lesson)
    session.flush()


def publish(session: Session, who: Subject, exercise_id: int) -> PublishSummary:
    """Publish every lesson not yet published: a knowledge-base entry each, a readiness item for a
    lesson that names a member. Publishing again adds only the lessons added since."""
    exercise = get_organised(session, who, exercise_id)
    pending = [lesson for lesson in lessons_of(session, exercise) if not _published(lesson)]
    if not pending:
        raise Conflict("There is no lesson to publish")
    names = organisation_names(session, {lesson.organisation_id for lesson in pending if lesson.organisation_id})
    source = exercise.external_name or exercise.title
    documents: list[int] = []
    actions: list[int] = []
    for lesson in pending:
        about = names.get(lesson.organisation_id) if lesson.organisation_id else None
        summary = "\n\n".join(p for p in (lesson.body, f"{exercise.reference} · {source}", about or "") if p)
        doc = knowledge.create(
            session,
            who,
            DocumentCreate(
                kind=KnowledgeKind.LESSONS_LEARNED,
                title_vi=lesson.title,
                title_en=lesson.title,
                summary_vi=summary,
                summary_en=summary,
                tags=[*LESSON_TAGS, exercise.reference],
                tlp=exercise.tlp,
                cluster_id=exercise.cluster_id if exercise.scope == ExerciseScope.CLUSTER.value else None,
            ),
        )
        lesson.knowledge_document_id = doc.id
        documents.append(doc.id)
        if lesson.organisation_id is not None:
            action = readiness.open_action(session, exercise, lesson.organisation_id, lesson.title, lesson.body)
            lesson.readiness_item_id = action.id
            actions.append(action.id)
    report = report_of(session, exercise)
    if report is None:
        report = AfterActionReport(exercise_id=exercise.id, author_id=who.user_id)
        session.add(report)
    report.published_at = utcnow()
    session.flush()
    common.record(session, who, "exercise.lessons_published", exercise, documents=documents, readiness_actions=actions)
    return PublishSummary(
        exercise_id=exercise.id, published=len(pending), knowledge_document_ids=documents, readiness_action_ids=actions
    )
