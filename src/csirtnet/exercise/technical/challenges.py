"""Challenges, their flags, hints and files: what a drill's organisers prepare and change. Every
change writes its audit record in the caller's transaction; nothing here commits.

Flags are stored hashed (`flags.seal`); a per-team flag names a team of the same exercise. A
dynamic challenge keeps its initial value in `value`, with its decay and its floor (`minimum`), and
its value now is computed from the solves (`values`, `scores`), never stored."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.technical import flags as flag_rules
from csirtnet.exercise.technical import repository
from csirtnet.exercise.technical.schemas import (
    ChallengeCreate,
    ChallengeUpdate,
    FlagCreate,
    HintCreate,
    HintUpdate,
)
from csirtnet.exercise.technical.values import DYNAMIC
from csirtnet.kit.files import blob_store, clean_filename
from csirtnet.models import (
    Challenge,
    ChallengeFile,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseStatus,
    ExerciseTeam,
    StoredFile,
)

__all__ = [
    "add_flag",
    "add_hint",
    "attach_file",
    "create_challenge",
    "delete_challenge",
    "delete_flag",
    "delete_hint",
    "remove_file",
    "update_challenge",
    "update_hint",
]


def organised(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The drill, if `who` sees it (else NotFound) and organises it (else Forbidden), not archived."""
    exercise = repository.drill(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the drill's organisers may change its challenges.")
    if exercise.status == ExerciseStatus.ARCHIVED.value:
        raise Conflict("The exercise is archived; its challenges no longer change.")
    return exercise


def _check_values(function: str, value: int, minimum: int) -> None:
    if function in DYNAMIC and minimum > value:
        raise ValidationFailed("minimum", "must not be more than the initial value")


def _new_flag(session: Session, exercise: Exercise, challenge: Challenge, data: FlagCreate, at: str) -> ChallengeFlag:
    errors = ErrorList()
    if data.kind == flag_rules.REGEX:
        problem = flag_rules.pattern_error(data.content)
        if problem:
            errors.add(f"{at}content", problem)
    elif not data.content.strip():
        errors.add(f"{at}content", "a flag cannot be only spaces")
    if data.team_id is not None:
        team = session.get(ExerciseTeam, data.team_id)
        if team is None or team.exercise_id != exercise.id:
            errors.add(f"{at}team_id", "no such team in this exercise")
    errors.raise_if_any()
    flag = ChallengeFlag(
        challenge_id=challenge.id, team_id=data.team_id, kind=data.kind, case_insensitive=data.case_insensitive
    )
    flag_rules.seal(flag, data.content)
    session.add(flag)
    return flag


def _new_hint(session: Session, challenge: Challenge, data: HintCreate) -> ChallengeHint:
    hint = ChallengeHint(challenge_id=challenge.id, content=data.content, cost=data.cost, position=data.position)
    session.add(hint)
    return hint


def create_challenge(session: Session, who: Subject, exercise_id: int, data: ChallengeCreate) -> Challenge:
    """A new challenge, with its flags and hints."""
    exercise = organised(session, who, exercise_id)
    _check_values(data.function, data.value, data.minimum)
    challenge = Challenge(
        exercise_id=exercise.id,
        name=data.name,
        category=data.category,
        description=data.description,
        function=data.function,
        value=data.value,
        decay=data.decay,
        minimum=data.minimum,
        per_team_flags=data.per_team_flags,
        max_attempts=data.max_attempts,
        hidden=data.hidden,
        position=data.position,
    )
    session.add(challenge)
    session.flush()
    for i, flag in enumerate(data.flags):
        _new_flag(session, exercise, challenge, flag, f"flags.{i}.")
    for hint in data.hints:
        _new_hint(session, challenge, hint)
    session.flush()
    record(
        session,
        who,
        "exercise.challenge_created",
        exercise,
        challenge,
        name=challenge.name,
        category=challenge.category,
        function=challenge.function,
        value=challenge.value,
        hidden=challenge.hidden,
    )
    return challenge


_FIELDS = (
    "name",
    "category",
    "description",
    "function",
    "value",
    "decay",
    "minimum",
    "max_attempts",
    "per_team_flags",
    "hidden",
    "position",
)


def update_challenge(
    session: Session, who: Subject, exercise_id: int, challenge_id: int, data: ChallengeUpdate
) -> Challenge:
    """Change a challenge (hide it, show it, change its value or text)."""
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    changes: dict[str, object] = {}
    for name in _FIELDS:
        if name not in data.model_fields_set:
            continue
        value = getattr(data, name)
        if value is None or getattr(challenge, name) == value:
            continue
        changes[name] = {"from": getattr(challenge, name), "to": value} if name != "description" else "changed"
        setattr(challenge, name, value)
    _check_values(challenge.function, challenge.value, challenge.minimum)
    if changes:
        session.flush()
        record(session, who, "exercise.challenge_updated", exercise, challenge, name=challenge.name, changes=changes)
    return challenge


def delete_challenge(session: Session, who: Subject, exercise_id: int, challenge_id: int) -> None:
    """Delete a challenge with its flags, hints, submissions and solves (the scores change)."""
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    record(session, who, "exercise.challenge_deleted", exercise, challenge, name=challenge.name)
    session.execute(delete(ChallengeFile).where(ChallengeFile.challenge_id == challenge.id))
    session.delete(challenge)
    session.flush()


def add_flag(session: Session, who: Subject, exercise_id: int, challenge_id: int, data: FlagCreate) -> ChallengeFlag:
    """Another flag for a challenge (any flag of the challenge is a right answer)."""
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    flag = _new_flag(session, exercise, challenge, data, "")
    session.flush()
    record(session, who, "exercise.flag_added", exercise, challenge, flag_id=flag.id, kind=flag.kind, team=flag.team_id)
    return flag


def delete_flag(session: Session, who: Subject, exercise_id: int, challenge_id: int, flag_id: int) -> None:
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    flag = session.get(ChallengeFlag, flag_id)
    if flag is None or flag.challenge_id != challenge.id:
        raise NotFound("flag")
    record(session, who, "exercise.flag_deleted", exercise, challenge, flag_id=flag.id)
    session.delete(flag)
    session.flush()


def _hint(session: Session, who: Subject, exercise: Exercise, challenge_id: int, hint_id: int) -> ChallengeHint:
    challenge = repository.challenge(session, who, exercise, challenge_id)
    hint = session.get(ChallengeHint, hint_id)
    if hint is None or hint.challenge_id != challenge.id:
        raise NotFound("hint")
    return hint


def add_hint(session: Session, who: Subject, exercise_id: int, challenge_id: int, data: HintCreate) -> ChallengeHint:
    """A hint teams may unlock for its cost."""
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    hint = _new_hint(session, challenge, data)
    session.flush()
    record(session, who, "exercise.hint_added", exercise, challenge, hint_id=hint.id, cost=hint.cost)
    return hint


def update_hint(
    session: Session, who: Subject, exercise_id: int, challenge_id: int, hint_id: int, data: HintUpdate
) -> ChallengeHint:
    """Change a hint's text, cost or order (unlocks already paid keep their cost)."""
    exercise = organised(session, who, exercise_id)
    hint = _hint(session, who, exercise, challenge_id, hint_id)
    changes: dict[str, object] = {}
    for name in ("content", "cost", "position"):
        value = getattr(data, name)
        if name in data.model_fields_set and value is not None and getattr(hint, name) != value:
            changes[name] = "changed" if name == "content" else {"from": getattr(hint, name), "to": value}
            setattr(hint, name, value)
    if changes:
        session.flush()
        record(session, who, "exercise.hint_updated", exercise, hint, changes=changes)
    return hint


def delete_hint(session: Session, who: Subject, exercise_id: int, challenge_id: int, hint_id: int) -> None:
    """Delete a hint; its unlocks and their costs go with it (the teams get the points back)."""
    exercise = organised(session, who, exercise_id)
    hint = _hint(session, who, exercise, challenge_id, hint_id)
    record(session, who, "exercise.hint_deleted", exercise, hint, challenge_id=hint.challenge_id)
    session.delete(hint)
    session.flush()


def attach_file(
    session: Session,
    who: Subject,
    exercise_id: int,
    challenge_id: int,
    *,
    filename: str | None,
    content_type: str | None,
    stream: BinaryIO,
) -> StoredFile:
    """A file teams download with the challenge (a binary, a capture, an image): stored once in the
    content store, sent back only as an attachment to those who see the challenge."""
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    sha, size = blob_store().put_stream(stream)
    if size == 0:
        raise ValidationFailed("file", "the file is empty")
    row = StoredFile(
        sha256=sha,
        size=size,
        filename=clean_filename(filename),
        content_type=(content_type or "application/octet-stream")[:120],
        organisation_id=exercise.organiser_organisation_id,
        uploaded_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    session.add(ChallengeFile(challenge_id=challenge.id, stored_file_id=row.id))
    session.flush()
    record(
        session,
        who,
        "exercise.challenge_file_added",
        exercise,
        challenge,
        file_id=row.id,
        filename=row.filename,
        size=size,
    )
    return row


def remove_file(session: Session, who: Subject, exercise_id: int, challenge_id: int, file_id: int) -> None:
    exercise = organised(session, who, exercise_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    row = repository.file(session, challenge.id, file_id)
    session.execute(
        delete(ChallengeFile).where(ChallengeFile.challenge_id == challenge.id, ChallengeFile.stored_file_id == row.id)
    )
    record(session, who, "exercise.challenge_file_removed", exercise, challenge, file_id=row.id)
    session.flush()
