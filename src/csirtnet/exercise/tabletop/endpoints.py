"""The JSON API of the tabletop part of exercises, under /api/v1/exercises/{id}/injects and
/api/v1/exercises/{id}/answers: the scenario (organisers), release (controllers), the teams'
answers (JSON, or multipart for a file), grades (judges). An exercise or inject the caller may not
see is a 404 (a team sees released injects only, and its own answers); a change the caller may not
make is a 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import require
from csirtnet.errors import FieldError, ValidationFailed
from csirtnet.exercise.tabletop import answers, injects, reads
from csirtnet.exercise.tabletop.schemas import (
    AnswerRead,
    FileRead,
    GradeIn,
    InjectAnswerIn,
    InjectCreate,
    InjectOrder,
    InjectRead,
    InjectUpdate,
)
from csirtnet.kit import downloads
from csirtnet.kit.files import download
from csirtnet.kit.schemas import clean_text

router = APIRouter(prefix="/exercises", tags=["exercises"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _reader(who: ApiUser) -> Subject:
    """Every route reads exercises first (EXERCISES_READ); the rest is asked of authz.exercise."""
    require(who, Permission.EXERCISES_READ)
    return who


Reader = Annotated[Subject, Depends(_reader)]


def _inject(session: Session, who: Subject, exercise_id: int, inject_id: int) -> InjectRead:
    exercise = injects.tabletop(session, who, exercise_id)
    return reads.inject_view(session, who, exercise, inject_id).read()


@router.get("/{exercise_id}/injects", response_model=list[InjectRead])
def list_injects(exercise_id: Id, session: Session, who: Reader) -> list[InjectRead]:
    """The injects you may read: the whole scenario for its staff, the released ones for its teams."""
    exercise = injects.tabletop(session, who, exercise_id)
    return [v.read() for v in reads.inject_views(session, who, exercise)]


@router.post("/{exercise_id}/injects", response_model=InjectRead, status_code=201)
def create_inject(exercise_id: Id, body: InjectCreate, session: Session, who: Reader) -> InjectRead:
    """Add an inject at the end of the scenario (organisers)."""
    inject = injects.create_inject(session, who, exercise_id, body)
    return _inject(session, who, exercise_id, inject.id)


@router.put("/{exercise_id}/injects/order", response_model=list[InjectRead])
def reorder_injects(exercise_id: Id, body: InjectOrder, session: Session, who: Reader) -> list[InjectRead]:
    """Put the scenario in order: every inject of the exercise, each once (organisers)."""
    injects.reorder_injects(session, who, exercise_id, body)
    exercise = injects.tabletop(session, who, exercise_id)
    return [v.read() for v in reads.inject_views(session, who, exercise)]


@router.get("/{exercise_id}/injects/{inject_id}", response_model=InjectRead)
def get_inject(exercise_id: Id, inject_id: Id, session: Session, who: Reader) -> InjectRead:
    """One inject (a team: once released)."""
    return _inject(session, who, exercise_id, inject_id)


@router.patch("/{exercise_id}/injects/{inject_id}", response_model=InjectRead)
def update_inject(exercise_id: Id, inject_id: Id, body: InjectUpdate, session: Session, who: Reader) -> InjectRead:
    """Change an inject (organisers); once released its timing and kind stay."""
    injects.update_inject(session, who, exercise_id, inject_id, body)
    return _inject(session, who, exercise_id, inject_id)


@router.delete("/{exercise_id}/injects/{inject_id}", status_code=204)
def delete_inject(exercise_id: Id, inject_id: Id, session: Session, who: Reader) -> Response:
    """Remove an inject never released (organisers)."""
    injects.delete_inject(session, who, exercise_id, inject_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/injects/{inject_id}/release", response_model=InjectRead)
def release_inject(exercise_id: Id, inject_id: Id, session: Session, who: Reader) -> InjectRead:
    """Release an inject now (controllers, organisers); the teams are told in the app."""
    injects.release(session, who, exercise_id, inject_id)
    return _inject(session, who, exercise_id, inject_id)


@router.post("/{exercise_id}/injects/{inject_id}/files", response_model=FileRead, status_code=201)
def attach_file(exercise_id: Id, inject_id: Id, file: UploadFile, session: Session, who: Reader) -> FileRead:
    """Attach a file to an inject (organisers)."""
    row = injects.attach_file(
        session, who, exercise_id, inject_id, filename=file.filename, content_type=file.content_type, stream=file.file
    )
    return FileRead(id=row.id, filename=row.filename, size=row.size)


@router.get("/{exercise_id}/injects/{inject_id}/files/{file_id}", **downloads.FILE)
def download_inject_file(exercise_id: Id, inject_id: Id, file_id: Id, session: Session, who: Reader) -> Response:
    """A file of an inject (a team: once the inject is released)."""
    return download(injects.inject_file(session, who, exercise_id, inject_id, file_id))


@router.delete("/{exercise_id}/injects/{inject_id}/files/{file_id}", status_code=204)
def detach_file(exercise_id: Id, inject_id: Id, file_id: Id, session: Session, who: Reader) -> Response:
    """Remove a file from an inject (organisers)."""
    injects.detach_file(session, who, exercise_id, inject_id, file_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/injects/{inject_id}/answer", response_model=AnswerRead)
def answer_inject(exercise_id: Id, inject_id: Id, body: InjectAnswerIn, session: Session, who: Reader) -> AnswerRead:
    """Your team's answer (text, or a filled incident report); amends it until the deadline."""
    row = answers.answer(session, who, exercise_id, inject_id, body)
    exercise = injects.tabletop(session, who, exercise_id)
    return reads.answer_view(session, who, exercise, row.id).read()


@router.post("/{exercise_id}/injects/{inject_id}/answer/file", response_model=AnswerRead)
def answer_inject_with_file(
    exercise_id: Id,
    inject_id: Id,
    session: Session,
    who: Reader,
    file: Annotated[UploadFile, File(description="The team's answer")],
    note: Annotated[str, Form(max_length=50_000)] = "",
    team_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> AnswerRead:
    """Your team's answer as a file (multipart), with an optional note."""
    try:
        clean_text(note)
    except ValueError as problem:
        raise ValidationFailed("note", str(problem)) from None
    try:
        row = answers.answer_file(
            session,
            who,
            exercise_id,
            inject_id,
            team_id=team_id,
            filename=file.filename,
            content_type=file.content_type,
            stream=file.file,
            note=note,
        )
    except ValidationError as exc:  # the note, checked by InjectAnswerIn
        errors = [FieldError("note", str(e.get("msg", ""))) for e in exc.errors()]
        raise ValidationFailed("note", errors[0].message, errors=errors) from None
    exercise = injects.tabletop(session, who, exercise_id)
    return reads.answer_view(session, who, exercise, row.id).read()


@router.get("/{exercise_id}/injects/{inject_id}/answers", response_model=list[AnswerRead])
def list_inject_answers(exercise_id: Id, inject_id: Id, session: Session, who: Reader) -> list[AnswerRead]:
    """The answers to one inject you may see: your team's, or every team's for the staff."""
    exercise = injects.tabletop(session, who, exercise_id)
    injects.get_inject(session, who, exercise, inject_id)
    return [a.read() for a in reads.answer_views(session, who, exercise, inject_id=inject_id)]


@router.get("/{exercise_id}/answers", response_model=list[AnswerRead])
def list_answers(
    exercise_id: Id,
    session: Session,
    who: Reader,
    ungraded: bool = Query(default=False, description="Only answers waiting for a grade (the judges' queue)"),
) -> list[AnswerRead]:
    """Every answer you may see in the exercise, oldest first."""
    exercise = injects.tabletop(session, who, exercise_id)
    return [a.read() for a in reads.answer_views(session, who, exercise, ungraded=ungraded)]


@router.post("/{exercise_id}/answers/{answer_id}/grade", response_model=AnswerRead)
def grade_answer(exercise_id: Id, answer_id: Id, body: GradeIn, session: Session, who: Reader) -> AnswerRead:
    """Grade an answer against the inject's rubric (judges); grading again replaces the grade."""
    answers.grade(session, who, exercise_id, answer_id, body)
    exercise = injects.tabletop(session, who, exercise_id)
    return reads.answer_view(session, who, exercise, answer_id).read()


@router.get("/{exercise_id}/answers/{answer_id}/file", **downloads.FILE)
def download_answer_file(exercise_id: Id, answer_id: Id, session: Session, who: Reader) -> Response:
    """The file of an answer you may see."""
    return download(answers.answer_file_of(session, who, exercise_id, answer_id))
