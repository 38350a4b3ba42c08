"""What a team does in a running technical drill: submit flags and unlock hints (CTFd's rules).

Submitting: the answer is stripped and compared with the challenge's flags (`flags.matches`; with
per-team flags, only the team's own). Each attempt is stored as a `Submission` keeping a digest of
what was typed, never a wrong answer in clear. A team may send `exercise.attempts_per_minute`
attempts a minute (then 429 with Retry-After), and at most the challenge's `max_attempts` wrong
ones. The first right answer is the team's `Solve` (one per team and challenge); another right
answer is "already solved" and stores nothing, as CTFd does. A wrong answer is told "incorrect" and
nothing more. The first solve by a ranked (not hidden) team is the challenge's first blood.

The solve, not each attempt, writes an audit record: the submissions table is itself the record of
every attempt (who, when, right or wrong), and putting 100,000 attempts through the audit chain's
lock would serialise the submitting teams.

Unlocking a hint records a `HintUnlock` and an award of minus its cost (CTFd keeps hint costs as
awards); unlocking again changes nothing. As CTFd does (api/v1/unlocks.py), a team may not unlock a
hint that costs more than its score: a score can still fall below zero later, as dynamic values
decay."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.technical import flags as flag_rules
from csirtnet.exercise.technical import repository
from csirtnet.exercise.technical.scores import team_score, value_of
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Award,
    Challenge,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseTeam,
    HintUnlock,
    Solve,
    Submission,
)

__all__ = ["Outcome", "submit", "unlock_hint"]

WINDOW = timedelta(minutes=1)


@dataclass
class Outcome:
    status: Literal["correct", "incorrect", "already_solved"]
    challenge: Challenge
    team_id: int
    value: int  # the challenge's value now
    first_blood: bool = False
    attempts_left: int | None = None


def playing_team(session: Session, who: Subject, exercise: Exercise, team_id: int | None) -> int:
    """The team `who` acts for: the one given, or the only one they play in."""
    teams = rules.playing_team_ids(session, who, exercise.id)  # once: every flag sent runs this
    if team_id is None:
        if not teams:
            raise Forbidden("You do not play in this exercise.")
        if len(teams) > 1:
            raise ValidationFailed("team_id", "you play in several teams: choose one")
        team_id = next(iter(teams))
    rules.require_play(session, who, exercise, team_id, teams=teams)
    return team_id


def _check_rate(session: Session, exercise: Exercise, team_id: int, now: datetime) -> None:
    since = now - WINDOW
    count, oldest = session.execute(
        select(func.count(Submission.id), func.min(Submission.submitted_at)).where(
            Submission.team_id == team_id, Submission.submitted_at > since
        )
    ).one()
    if count >= exercise.attempts_per_minute and oldest is not None:
        wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        raise TooManyRequests(
            f"Your team sent {count} flags in the last minute; wait {wait} seconds before the next.",
            retry_after=wait,
        )


def _wrong_count(session: Session, challenge_id: int, team_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Submission.id)).where(
                Submission.challenge_id == challenge_id, Submission.team_id == team_id, Submission.correct.is_(False)
            )
        )
        or 0
    )


def _flags_for(session: Session, challenge: Challenge, team_id: int) -> list[ChallengeFlag]:
    wanted = ChallengeFlag.team_id == team_id if challenge.per_team_flags else ChallengeFlag.team_id.is_(None)
    return list(session.scalars(select(ChallengeFlag).where(ChallengeFlag.challenge_id == challenge.id, wanted)))


def _hidden(session: Session, team_id: int) -> bool:
    return bool(session.scalar(select(ExerciseTeam.hidden).where(ExerciseTeam.id == team_id)))


def _first_blood(session: Session, challenge_id: int, solve: Solve) -> bool:
    """Whether `solve` is the first by a ranked team (hidden teams never take the marker)."""
    if _hidden(session, solve.team_id):
        return False
    earlier = session.scalar(
        select(func.count(Solve.id))
        .join(ExerciseTeam, ExerciseTeam.id == Solve.team_id)
        .where(Solve.challenge_id == challenge_id, Solve.id != solve.id, ExerciseTeam.hidden.is_(False))
    )
    return not earlier


def submit(
    session: Session,
    who: Subject,
    exercise_id: int,
    challenge_id: int,
    answer: str,
    *,
    team_id: int | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Check a team's answer to a challenge; a right one solves it."""
    exercise = repository.drill(session, who, exercise_id)
    team = playing_team(session, who, exercise, team_id)
    challenge = repository.challenge(session, who, exercise, challenge_id)
    if challenge.hidden:
        raise NotFound("challenge")  # staff who play see hidden challenges, but nobody solves them
    if len(answer) > flag_rules.MAX_ANSWER:
        raise ValidationFailed("flag", f"at most {flag_rules.MAX_ANSWER} characters")
    if not answer.strip():
        raise ValidationFailed("flag", "type the flag")
    now = now or utcnow()
    _check_rate(session, exercise, team, now)
    solved = session.scalar(select(Solve.id).where(Solve.challenge_id == challenge.id, Solve.team_id == team))
    if solved is not None:
        return Outcome("already_solved", challenge, team, _value(session, exercise, challenge))
    wrong = _wrong_count(session, challenge.id, team) if challenge.max_attempts else 0
    if challenge.max_attempts and wrong >= challenge.max_attempts:
        raise Conflict("Your team has no attempts left for this challenge.")
    right = any(flag_rules.matches(flag, answer) for flag in _flags_for(session, challenge, team))
    session.add(
        Submission(
            exercise_id=exercise.id,
            challenge_id=challenge.id,
            team_id=team,
            user_id=who.user_id,
            correct=right,
            provided_digest=flag_rules.answer_digest(answer),
            submitted_at=now,
        )
    )
    if not right:
        session.flush()
        left = challenge.max_attempts - wrong - 1 if challenge.max_attempts else None
        return Outcome("incorrect", challenge, team, _value(session, exercise, challenge), attempts_left=left)
    solve = Solve(exercise_id=exercise.id, challenge_id=challenge.id, team_id=team, user_id=who.user_id, solved_at=now)
    try:
        with session.begin_nested():
            session.add(solve)
            session.flush()
    except IntegrityError:  # a teammate's right answer got there first
        return Outcome("already_solved", challenge, team, _value(session, exercise, challenge))
    first = _first_blood(session, challenge.id, solve)
    record(
        session,
        who,
        "exercise.challenge_solved",
        exercise,
        solve,
        team_id=team,
        challenge_id=challenge.id,
        challenge=challenge.name,
        first_blood=first,
    )
    return Outcome("correct", challenge, team, _value(session, exercise, challenge), first_blood=first)


def _value(session: Session, exercise: Exercise, challenge: Challenge) -> int:
    return value_of(session, challenge)


def unlock_hint(
    session: Session,
    who: Subject,
    exercise_id: int,
    hint_id: int,
    *,
    team_id: int | None = None,
    now: datetime | None = None,
) -> HintUnlock:
    """Unlock a hint for the team, paying its cost (once)."""
    exercise = repository.drill(session, who, exercise_id)
    hint = session.get(ChallengeHint, hint_id)
    if hint is None:
        raise NotFound("hint")
    challenge = repository.challenge(session, who, exercise, hint.challenge_id)
    if challenge.hidden:
        raise NotFound("hint")
    team = playing_team(session, who, exercise, team_id)
    existing = session.scalar(select(HintUnlock).where(HintUnlock.hint_id == hint.id, HintUnlock.team_id == team))
    if existing is not None:
        return existing
    if hint.cost > team_score(session, exercise, team):
        raise Conflict("Your team does not have enough points to unlock this hint.")
    now = now or utcnow()
    unlock = HintUnlock(hint_id=hint.id, team_id=team, user_id=who.user_id, unlocked_at=now)
    try:
        with session.begin_nested():
            session.add(unlock)
            session.flush()
    except IntegrityError:  # a teammate unlocked it at the same moment
        found = session.scalar(select(HintUnlock).where(HintUnlock.hint_id == hint.id, HintUnlock.team_id == team))
        if found is None:
            raise
        return found
    session.add(
        Award(
            exercise_id=exercise.id,
            team_id=team,
            name=f"Hint for {challenge.name}",
            value=-hint.cost,
            category="hints",
            hint_unlock_id=unlock.id,
            awarded_by_id=who.user_id,
            awarded_at=now,
        )
    )
    session.flush()
    record(
        session,
        who,
        "exercise.hint_unlocked",
        exercise,
        unlock,
        team_id=team,
        hint_id=hint.id,
        challenge_id=challenge.id,
        cost=hint.cost,
    )
    return unlock
