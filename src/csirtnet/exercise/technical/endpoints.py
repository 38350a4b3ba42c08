"""The JSON API of technical drills, under /api/v1/exercises: challenges (teams see the visible
ones with their value now; organisers everything but flags in clear), flags and hints
(organisers), files, hint unlocks and flag submissions (a team's members while the drill runs),
a team's submissions, the solves, and the CTFd import. A drill or challenge the caller may not see
is a 404; a change the caller may not make is a 403; too many flags a minute is a 429 with
Retry-After."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.authz import Subject
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import require
from csirtnet.exercise.technical import challenges, ctfd, play, reads, repository
from csirtnet.exercise.technical.schemas import (
    ChallengeCreate,
    ChallengeDetail,
    ChallengeSummary,
    ChallengeUpdate,
    FileRead,
    FlagCreate,
    FlagRead,
    HintCreate,
    HintRead,
    HintUpdate,
    ImportReport,
    SolveRead,
    SubmissionIn,
    SubmissionRead,
    SubmissionResult,
    UnlockIn,
    UnlockRead,
)
from csirtnet.kit import downloads
from csirtnet.kit.files import download
from csirtnet.kit.pagination import Page
from csirtnet.models import ChallengeHint

router = APIRouter(prefix="/exercises", tags=["exercises"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MESSAGES = {
    "correct": "Correct.",
    "incorrect": "Incorrect.",
    "already_solved": "Your team has already solved this challenge.",
}


def _reader(who: ApiUser) -> Subject:
    """Every route reads exercises first (EXERCISES_READ); the rest is asked of authz.exercise."""
    require(who, Permission.EXERCISES_READ)
    return who


Reader = Annotated[Subject, Depends(_reader)]


def _summary(row: reads.ChallengeRow) -> ChallengeSummary:
    c = row.challenge
    return ChallengeSummary(
        id=c.id,
        name=c.name,
        category=c.category,
        value=row.value,
        function=c.function,
        solves=row.solves,
        solved=row.solved,
        first_blood=row.first_blood,
        hidden=c.hidden,
        max_attempts=c.max_attempts,
        attempts_left=row.attempts_left,
    )


def _detail(session: Session, who: Subject, exercise_id: int, challenge_id: int) -> ChallengeDetail:
    view = reads.challenge_page(session, who, exercise_id, challenge_id)
    c = view.row.challenge
    return ChallengeDetail(
        **_summary(view.row).model_dump(),
        description=c.description,
        description_html=view.description_html,
        initial=c.value,
        decay=c.decay,
        minimum=c.minimum,
        per_team_flags=c.per_team_flags,
        position=c.position,
        files=[FileRead(id=f.id, filename=f.filename, size=f.size) for f in view.files],
        hints=[
            HintRead(
                id=h.hint.id,
                cost=h.hint.cost,
                position=h.hint.position,
                unlocked=h.unlocked,
                content=h.hint.content if h.content_html is not None else None,
            )
            for h in view.hints
        ],
        flags=[FlagRead.model_validate(f) for f in view.flags] if view.flags is not None else None,
    )


def _hint_read(hint: ChallengeHint) -> HintRead:
    return HintRead(id=hint.id, cost=hint.cost, position=hint.position, unlocked=False, content=hint.content)


@router.post("/import-ctfd", response_model=ImportReport, status_code=201)
def import_ctfd(
    session: Session,
    who: Reader,
    file: Annotated[UploadFile, File(description="A CTFd admin backup (.zip)")],
    title: Annotated[str | None, Form(max_length=300)] = None,
    cluster_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> ImportReport:
    """Import a CTFd admin backup as a finished technical drill (organisers of national or cluster exercises)."""
    return ctfd.import_backup(
        session, who, file.file.read(), filename=file.filename or "ctfd.zip", title=title or None, cluster_id=cluster_id
    )


@router.get("/{exercise_id}/challenges", response_model=list[ChallengeSummary])
def list_challenges(exercise_id: Id, session: Session, who: Reader) -> list[ChallengeSummary]:
    """The challenges you may see, by category: value now, ranked solves, whether your team solved them."""
    board = reads.board(session, who, exercise_id)
    return [_summary(row) for _, rows in board.categories for row in rows]


@router.post("/{exercise_id}/challenges", response_model=ChallengeDetail, status_code=201)
def create_challenge(exercise_id: Id, body: ChallengeCreate, session: Session, who: Reader) -> ChallengeDetail:
    """Add a challenge, with its flags and hints (organisers)."""
    challenge = challenges.create_challenge(session, who, exercise_id, body)
    return _detail(session, who, exercise_id, challenge.id)


@router.get("/{exercise_id}/challenges/{challenge_id}", response_model=ChallengeDetail)
def get_challenge(exercise_id: Id, challenge_id: Id, session: Session, who: Reader) -> ChallengeDetail:
    """One challenge: its description, files, hints (their text once your team unlocked them)."""
    return _detail(session, who, exercise_id, challenge_id)


@router.patch("/{exercise_id}/challenges/{challenge_id}", response_model=ChallengeDetail)
def update_challenge(
    exercise_id: Id, challenge_id: Id, body: ChallengeUpdate, session: Session, who: Reader
) -> ChallengeDetail:
    """Change a challenge; `hidden` hides it from the teams (organisers)."""
    challenges.update_challenge(session, who, exercise_id, challenge_id, body)
    return _detail(session, who, exercise_id, challenge_id)


@router.delete("/{exercise_id}/challenges/{challenge_id}", status_code=204)
def delete_challenge(exercise_id: Id, challenge_id: Id, session: Session, who: Reader) -> Response:
    """Delete a challenge with its flags, hints, submissions and solves (organisers)."""
    challenges.delete_challenge(session, who, exercise_id, challenge_id)
    return Response(status_code=204)


@router.get("/{exercise_id}/challenges/{challenge_id}/flags", response_model=list[FlagRead])
def list_flags(exercise_id: Id, challenge_id: Id, session: Session, who: Reader) -> list[FlagRead]:
    """A challenge's flags, never in clear; a regex flag's pattern (organisers)."""
    exercise = challenges.organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    return [FlagRead.model_validate(f) for f in repository.flags(session, challenge.id)]


@router.post("/{exercise_id}/challenges/{challenge_id}/flags", response_model=FlagRead, status_code=201)
def add_flag(exercise_id: Id, challenge_id: Id, body: FlagCreate, session: Session, who: Reader) -> FlagRead:
    """Add a flag: static (stored hashed) or regex; case-insensitive; optionally one team's own (organisers)."""
    return FlagRead.model_validate(challenges.add_flag(session, who, exercise_id, challenge_id, body))


@router.delete("/{exercise_id}/challenges/{challenge_id}/flags/{flag_id}", status_code=204)
def delete_flag(exercise_id: Id, challenge_id: Id, flag_id: Id, session: Session, who: Reader) -> Response:
    """Remove a flag (organisers)."""
    challenges.delete_flag(session, who, exercise_id, challenge_id, flag_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/challenges/{challenge_id}/hints", response_model=HintRead, status_code=201)
def add_hint(exercise_id: Id, challenge_id: Id, body: HintCreate, session: Session, who: Reader) -> HintRead:
    """Add a hint with its cost (organisers)."""
    return _hint_read(challenges.add_hint(session, who, exercise_id, challenge_id, body))


@router.patch("/{exercise_id}/challenges/{challenge_id}/hints/{hint_id}", response_model=HintRead)
def update_hint(
    exercise_id: Id, challenge_id: Id, hint_id: Id, body: HintUpdate, session: Session, who: Reader
) -> HintRead:
    """Change a hint's text, cost or order (organisers)."""
    return _hint_read(challenges.update_hint(session, who, exercise_id, challenge_id, hint_id, body))


@router.delete("/{exercise_id}/challenges/{challenge_id}/hints/{hint_id}", status_code=204)
def delete_hint(exercise_id: Id, challenge_id: Id, hint_id: Id, session: Session, who: Reader) -> Response:
    """Delete a hint; teams that paid for it get the points back (organisers)."""
    challenges.delete_hint(session, who, exercise_id, challenge_id, hint_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/hints/{hint_id}/unlock", response_model=UnlockRead)
def unlock_hint(exercise_id: Id, hint_id: Id, body: UnlockIn, session: Session, who: Reader) -> UnlockRead:
    """Unlock a hint for your team, paying its cost once (refused when it costs more than your team's score)."""
    unlock = play.unlock_hint(session, who, exercise_id, hint_id, team_id=body.team_id)
    hint = session.get(ChallengeHint, unlock.hint_id)
    assert hint is not None
    return UnlockRead(
        hint_id=hint.id, team_id=unlock.team_id, cost=hint.cost, content=hint.content, unlocked_at=unlock.unlocked_at
    )


@router.post("/{exercise_id}/challenges/{challenge_id}/files", response_model=FileRead, status_code=201)
def attach_file(
    exercise_id: Id,
    challenge_id: Id,
    session: Session,
    who: Reader,
    file: Annotated[UploadFile, File(description="A file teams download with the challenge")],
) -> FileRead:
    """Attach a file to a challenge (organisers)."""
    row = challenges.attach_file(
        session,
        who,
        exercise_id,
        challenge_id,
        filename=file.filename,
        content_type=file.content_type,
        stream=file.file,
    )
    return FileRead(id=row.id, filename=row.filename, size=row.size)


@router.get("/{exercise_id}/challenges/{challenge_id}/files/{file_id}", **downloads.FILE)
def download_file(exercise_id: Id, challenge_id: Id, file_id: Id, session: Session, who: Reader) -> Response:
    """A challenge's file, as an attachment."""
    exercise = repository.drill(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    return download(repository.file(session, challenge.id, file_id))


@router.delete("/{exercise_id}/challenges/{challenge_id}/files/{file_id}", status_code=204)
def remove_file(exercise_id: Id, challenge_id: Id, file_id: Id, session: Session, who: Reader) -> Response:
    """Remove a file from a challenge (organisers)."""
    challenges.remove_file(session, who, exercise_id, challenge_id, file_id)
    return Response(status_code=204)


@router.post("/{exercise_id}/challenges/{challenge_id}/submissions", response_model=SubmissionResult)
def submit_flag(
    exercise_id: Id, challenge_id: Id, body: SubmissionIn, session: Session, who: Reader
) -> SubmissionResult:
    """Submit a flag for your team: "correct", "incorrect" or "already_solved" (429 past the rate limit)."""
    outcome = play.submit(session, who, exercise_id, challenge_id, body.flag, team_id=body.team_id)
    return SubmissionResult(
        status=outcome.status,
        message=MESSAGES[outcome.status],
        challenge_id=outcome.challenge.id,
        team_id=outcome.team_id,
        value=outcome.value,
        first_blood=outcome.first_blood,
        attempts_left=outcome.attempts_left,
    )


@router.get("/{exercise_id}/submissions", response_model=Page[SubmissionRead])
def list_submissions(
    exercise_id: Id,
    session: Session,
    who: Reader,
    challenge_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    team_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[SubmissionRead]:
    """Flag attempts, newest first: your team's (the exercise's staff: every team's). Never the text typed."""
    items, next_cursor = reads.submissions_page(
        session, who, exercise_id, challenge_id=challenge_id, team_id=team_id, limit=limit, cursor=cursor
    )
    return Page[SubmissionRead](items=items, next_cursor=next_cursor)


@router.get("/{exercise_id}/solves", response_model=list[SolveRead])
def list_solves(
    exercise_id: Id,
    session: Session,
    who: Reader,
    challenge_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[SolveRead]:
    """Who solved what and when (ranked teams, up to the scoreboard's freeze; first blood marked)."""
    return reads.solves(session, who, exercise_id, challenge_id=challenge_id)
