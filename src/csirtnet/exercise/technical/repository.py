"""Queries of technical drills, each scoped through authz.exercise: the drill a subject sees, its
challenges (hidden ones to its staff only), a team's work (`team_work_clause`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import NotFound
from csirtnet.models import (
    Challenge,
    ChallengeFile,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseKind,
    HintUnlock,
    StoredFile,
)


def drill(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The technical drill `exercise_id`, or NotFound (not visible, or not a technical drill)."""
    exercise = rules.get_visible(session, who, exercise_id)
    if exercise.kind != ExerciseKind.TECHNICAL.value:
        raise NotFound("technical drill")
    return exercise


def challenge_clause(session: Session, who: Subject, exercise: Exercise) -> ColumnElement[bool]:
    """The challenges of `exercise` that `who` sees."""
    if not rules.sees_challenges(session, who, exercise):
        return Challenge.id.is_(None)
    if rules.sees_all_work(session, who, exercise):
        return true()
    return Challenge.hidden.is_(False)


def challenges(session: Session, who: Subject, exercise: Exercise) -> list[Challenge]:
    """The challenges `who` sees, by category, then position and id."""
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.exercise_id == exercise.id, challenge_clause(session, who, exercise))
            .order_by(Challenge.category, Challenge.position, Challenge.id)
        )
    )


def challenge(session: Session, who: Subject, exercise: Exercise, challenge_id: int) -> Challenge:
    """One challenge `who` sees, or NotFound."""
    row = session.scalar(
        select(Challenge).where(
            Challenge.id == challenge_id,
            Challenge.exercise_id == exercise.id,
            challenge_clause(session, who, exercise),
        )
    )
    if row is None:
        raise NotFound("challenge")
    return row


def flags(session: Session, challenge_id: int) -> list[ChallengeFlag]:
    """The challenge's flags (the caller checked who asks)."""
    return list(session.scalars(select(ChallengeFlag).where(ChallengeFlag.challenge_id == challenge_id)))


def hints(session: Session, challenge_ids: Iterable[int]) -> list[ChallengeHint]:
    ids = list(challenge_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(ChallengeHint)
            .where(ChallengeHint.challenge_id.in_(ids))
            .order_by(ChallengeHint.position, ChallengeHint.id)
        )
    )


def files(session: Session, challenge_id: int) -> list[StoredFile]:
    return list(
        session.scalars(
            select(StoredFile)
            .join(ChallengeFile, ChallengeFile.stored_file_id == StoredFile.id)
            .where(ChallengeFile.challenge_id == challenge_id)
            .order_by(StoredFile.filename, StoredFile.id)
        )
    )


def file(session: Session, challenge_id: int, file_id: int) -> StoredFile:
    row = session.scalar(
        select(StoredFile)
        .join(ChallengeFile, ChallengeFile.stored_file_id == StoredFile.id)
        .where(ChallengeFile.challenge_id == challenge_id, StoredFile.id == file_id)
    )
    if row is None:
        raise NotFound("file")
    return row


def unlocked_hint_ids(session: Session, team_ids: Iterable[int], hint_ids: Iterable[int]) -> set[int]:
    teams, ids = list(team_ids), list(hint_ids)
    if not teams or not ids:
        return set()
    return set(
        session.scalars(select(HintUnlock.hint_id).where(HintUnlock.team_id.in_(teams), HintUnlock.hint_id.in_(ids)))
    )
