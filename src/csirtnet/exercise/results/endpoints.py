"""The JSON API of the results part of exercises, under /api/v1/exercises: rankings, an exercise's
final ranking ("3rd of 63"), outside drills and their results (by hand or CSV), the readiness
drills, certificates and the results PDF, the after-action report and its lessons."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile

from csirtnet.auth.deps import ApiUser, Session, request_language
from csirtnet.authz import exercise as rules
from csirtnet.authz.cluster import today
from csirtnet.exercise.results import after_action, external, reads
from csirtnet.exercise.results import readiness as results_readiness
from csirtnet.exercise.results.readiness import held_on
from csirtnet.exercise.results.schemas import (
    AfterActionRead,
    AfterActionUpdate,
    ExternalExerciseCreate,
    ExternalExerciseRead,
    ExternalResultIn,
    ImportSummary,
    LessonCreate,
    LessonRead,
    LessonUpdate,
    PublishSummary,
    RankingsRead,
    RecordedSummary,
    ResultsRead,
)
from csirtnet.kit import downloads
from csirtnet.models import Exercise

router = APIRouter(prefix="/exercises", tags=["exercises"])

KindParam = Literal["tabletop", "technical", "live_fire", "external"]
LangParam = Annotated[Literal["vi", "en"] | None, Query(description="vi or en (default: the reader's language)")]
ExerciseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TeamId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _external_read(exercise: Exercise) -> ExternalExerciseRead:
    return ExternalExerciseRead(
        id=exercise.id,
        reference=exercise.reference,
        external_name=exercise.external_name,
        kind=exercise.kind,
        scope=exercise.scope,
        status=exercise.status,
        held_on=held_on(exercise),
        tlp=exercise.tlp,
    )


@router.get("/rankings", response_model=RankingsRead)
def get_rankings(
    session: Session,
    who: ApiUser,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: KindParam | None = None,
    cluster_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> RankingsRead:
    """Each member's results in a year's finished exercises: best rank, participations."""
    return reads.rankings_read(session, who, year or today().year, kind=kind, cluster_id=cluster_id)


@router.get("/{exercise_id}/results", response_model=ResultsRead)
def get_results(exercise_id: ExerciseId, session: Session, who: ApiUser) -> ResultsRead:
    """The final ranking of a finished exercise, each team's rank "of" the ranked teams."""
    return reads.results(session, who, exercise_id)


@router.post("/external", response_model=ExternalExerciseRead, status_code=201)
def create_external(body: ExternalExerciseCreate, session: Session, who: ApiUser) -> ExternalExerciseRead:
    """Record an outside drill (APCERT, ASEAN ACID) the members took part in (the coordinating body)."""
    return _external_read(external.create(session, who, body))


@router.post("/{exercise_id}/external-results", response_model=ResultsRead)
def enter_external_result(
    exercise_id: ExerciseId, body: ExternalResultIn, session: Session, who: ApiUser
) -> ResultsRead:
    """Enter or correct one member's result in an outside drill."""
    external.set_result(session, who, exercise_id, body)
    return reads.results(session, who, exercise_id)


@router.delete("/{exercise_id}/external-results/{organisation_id}", status_code=204)
def remove_external_result(
    exercise_id: ExerciseId,
    organisation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: Session,
    who: ApiUser,
) -> Response:
    """Take one member's result out of an outside drill."""
    external.remove_result(session, who, exercise_id, organisation_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/external-results/import", response_model=ImportSummary)
def import_external_results(
    exercise_id: ExerciseId,
    session: Session,
    who: ApiUser,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, header team,rank,score")],
) -> ImportSummary:
    """Replace an outside drill's results with a CSV file's (all rows or none; errors by line)."""
    return external.import_csv(session, who, exercise_id, file.file.read())


@router.post("/{exercise_id}/record-results", response_model=RecordedSummary)
def record_results(exercise_id: ExerciseId, session: Session, who: ApiUser) -> RecordedSummary:
    """Write the finished exercise's results into each participant's readiness record (idempotent)."""
    exercise = rules.get_visible(session, who, exercise_id)
    return results_readiness.record_results(session, who, exercise)


@router.get("/{exercise_id}/certificates/{team_id}.pdf", **downloads.PDF)
def certificate_pdf(
    exercise_id: ExerciseId, team_id: TeamId, request: Request, session: Session, who: ApiUser, lang: LangParam = None
) -> Response:
    """A team's participation certificate (the team's people, the exercise's staff and organisers)."""
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.certificate_pdf(session, who, exercise_id, team_id, lang or request_language(request))
    return downloads.PdfDownload(body, headers=_attachment(name))


@router.get("/{exercise_id}/results.pdf", **downloads.PDF)
def results_pdf(
    exercise_id: ExerciseId, request: Request, session: Session, who: ApiUser, lang: LangParam = None
) -> Response:
    """The final scoreboard as PDF."""
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.results_pdf(session, who, exercise_id, lang or request_language(request))
    return downloads.PdfDownload(body, headers=_attachment(name))


@router.get("/{exercise_id}/after-action", response_model=AfterActionRead)
def get_after_action(
    exercise_id: ExerciseId, request: Request, session: Session, who: ApiUser, lang: LangParam = None
) -> AfterActionRead:
    """The after-action report: summary, strengths, weaknesses, lessons, timeline, results."""
    return reads.after_action_read(session, who, exercise_id, lang or request_language(request))


@router.put("/{exercise_id}/after-action", response_model=AfterActionRead)
def save_after_action(
    exercise_id: ExerciseId,
    body: AfterActionUpdate,
    request: Request,
    session: Session,
    who: ApiUser,
    lang: LangParam = None,
) -> AfterActionRead:
    """Write the after-action report's summary, strengths and weaknesses (the organisers)."""
    after_action.save_report(session, who, exercise_id, body)
    return reads.after_action_read(session, who, exercise_id, lang or request_language(request))


@router.get("/{exercise_id}/after-action.pdf", **downloads.PDF)
def after_action_pdf(
    exercise_id: ExerciseId, request: Request, session: Session, who: ApiUser, lang: LangParam = None
) -> Response:
    """The after-action report as PDF."""
    from csirtnet.exercise.results import pdfs

    name, body = pdfs.after_action_pdf(session, who, exercise_id, lang or request_language(request))
    return downloads.PdfDownload(body, headers=_attachment(name))


@router.get("/{exercise_id}/lessons", response_model=list[LessonRead])
def list_lessons(exercise_id: ExerciseId, session: Session, who: ApiUser) -> list[LessonRead]:
    """The exercise's lessons learned (its organisers and staff)."""
    return reads.lessons(session, who, exercise_id)


@router.post("/{exercise_id}/lessons", response_model=LessonRead, status_code=201)
def add_lesson(exercise_id: ExerciseId, body: LessonCreate, session: Session, who: ApiUser) -> LessonRead:
    """Add a lesson learned, for the network or for one member."""
    lesson = after_action.add_lesson(session, who, exercise_id, body)
    return reads.lesson_reads(session, [lesson])[0]


@router.patch("/{exercise_id}/lessons/{lesson_id}", response_model=LessonRead)
def update_lesson(
    exercise_id: ExerciseId,
    lesson_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: LessonUpdate,
    session: Session,
    who: ApiUser,
) -> LessonRead:
    """Change a lesson not yet published."""
    lesson = after_action.update_lesson(session, who, exercise_id, lesson_id, body)
    return reads.lesson_reads(session, [lesson])[0]


@router.delete("/{exercise_id}/lessons/{lesson_id}", status_code=204)
def remove_lesson(
    exercise_id: ExerciseId,
    lesson_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: Session,
    who: ApiUser,
) -> Response:
    """Remove a lesson not yet published."""
    after_action.remove_lesson(session, who, exercise_id, lesson_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/lessons/publish", response_model=PublishSummary)
def publish_lessons(exercise_id: ExerciseId, session: Session, who: ApiUser) -> PublishSummary:
    """Publish the lessons: knowledge-base entries, and readiness items for the members they name."""
    return after_action.publish(session, who, exercise_id)
