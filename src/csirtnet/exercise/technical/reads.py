"""What the pages and the API read of a technical drill: the challenge board (value now, ranked
solves, solved by my team, first blood), one challenge (description, files, hints, my team's
attempts), a team's submissions, the solves. No changes here."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.exercise.technical import repository
from csirtnet.exercise.technical.schemas import SolveRead, SubmissionRead
from csirtnet.exercise.technical.scores import challenge_values, team_score
from csirtnet.exercise.technical.values import current_value
from csirtnet.kit.markdown import render
from csirtnet.kit.pagination import paginate
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Challenge,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseStatus,
    ExerciseTeam,
    Solve,
    StoredFile,
    Submission,
)


@dataclass
class ChallengeRow:
    challenge: Challenge
    value: int  # now
    solves: int  # by ranked teams, up to the reader's freeze
    solved: bool  # by the reader's team
    first_blood: str | None  # the first ranked team to solve it
    first_blood_mine: bool
    attempts_left: int | None  # the reader's team, when the challenge limits attempts


@dataclass
class BoardView:
    exercise: Exercise
    organiser: bool
    staff: bool
    my_team_ids: set[int]
    playing_team_ids: set[int]
    running: bool
    categories: list[tuple[str, list[ChallengeRow]]]
    my_score: int | None  # the reader's team's score (one team only)
    team_names: dict[int, str] = field(default_factory=dict)

    @property
    def plays(self) -> bool:
        """The reader submits flags here now."""
        return self.running and bool(self.playing_team_ids)


@dataclass
class HintView:
    hint: ChallengeHint
    unlocked: bool
    content_html: str | None  # shown once unlocked (organisers always)


@dataclass
class ChallengeView:
    board: BoardView
    row: ChallengeRow
    description_html: str
    files: list[StoredFile]
    hints: list[HintView]
    flags: list[ChallengeFlag] | None  # organisers only
    attempts: list[Submission]  # the reader's team's, newest first
    solves: list[SolveRead]


def _teams(session: Session, exercise_id: int) -> dict[int, tuple[str, bool]]:
    rows = session.execute(
        select(ExerciseTeam.id, ExerciseTeam.name, ExerciseTeam.hidden).where(ExerciseTeam.exercise_id == exercise_id)
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def _until(session: Session, who: Subject, exercise: Exercise) -> datetime | None:
    return rules.scoreboard_until(session, who, exercise, utcnow())


def board(session: Session, who: Subject, exercise_id: int) -> BoardView:
    """The challenge board as `who` sees it."""
    exercise = repository.drill(session, who, exercise_id)
    staff = rules.sees_all_work(session, who, exercise)
    mine = rules.my_team_ids(session, who, exercise.id)
    playing = rules.playing_team_ids(session, who, exercise.id)
    visible = repository.challenges(session, who, exercise)
    teams = _teams(session, exercise.id)
    until = _until(session, who, exercise)
    values = challenge_values(session, exercise.id)
    solves = session.execute(
        select(Solve.challenge_id, Solve.team_id, Solve.solved_at, Solve.id)
        .where(Solve.exercise_id == exercise.id)
        .order_by(Solve.solved_at, Solve.id)
    ).all()
    counted: Counter[int] = Counter()
    first: dict[int, int] = {}
    solved_by_me: set[int] = set()
    for challenge_id, team_id, solved_at, _ in solves:
        if team_id in mine:
            solved_by_me.add(challenge_id)
        if teams.get(team_id, ("", True))[1] or (until is not None and solved_at > until and team_id not in mine):
            continue
        counted[challenge_id] += 1
        first.setdefault(challenge_id, team_id)
    wrong = _wrong_counts(session, playing) if len(playing) == 1 else {}
    rows: dict[str, list[ChallengeRow]] = defaultdict(list)
    for c in visible:
        blood = first.get(c.id)
        left = max(0, c.max_attempts - wrong.get(c.id, 0)) if c.max_attempts and len(playing) == 1 else None
        rows[c.category].append(
            ChallengeRow(
                challenge=c,
                # During the freeze a player sees the value as it stood then, from the solves it may
                # see: the value now would tell how many teams solved it since.
                value=values[c.id].value
                if until is None
                else current_value(c.function, c.value, c.decay, c.minimum, counted[c.id]),
                solves=counted[c.id],
                solved=c.id in solved_by_me,
                first_blood=teams[blood][0] if blood is not None else None,
                first_blood_mine=blood is not None and blood in mine,
                attempts_left=left,
            )
        )
    score = None
    if len(mine) == 1:
        score = (
            team_score(session, exercise, next(iter(mine)))
            if until is None
            else _frozen_score(session, who, exercise, next(iter(mine)))
        )
    return BoardView(
        exercise=exercise,
        organiser=rules.is_organiser(session, who, exercise),
        staff=staff,
        my_team_ids=mine,
        playing_team_ids=playing,
        running=exercise.status == ExerciseStatus.RUNNING.value,
        categories=sorted(rows.items(), key=lambda kv: kv[0].lower()),
        my_score=score,
        team_names={tid: name for tid, (name, _) in teams.items()},
    )


def _frozen_score(session: Session, who: Subject, exercise: Exercise, team_id: int) -> int | None:
    """The team's score on the board as `who` sees it during the freeze."""
    from csirtnet.exercise import scoreboard

    for standing in scoreboard.board(session, who, exercise).standings:
        if standing.team_id == team_id:
            return int(standing.score)
    return None


def _wrong_counts(session: Session, team_ids: set[int]) -> dict[int, int]:
    rows = session.execute(
        select(Submission.challenge_id, func.count(Submission.id))
        .where(Submission.team_id.in_(team_ids), Submission.correct.is_(False))
        .group_by(Submission.challenge_id)
    )
    return {r[0]: r[1] for r in rows}


def challenge_page(session: Session, who: Subject, exercise_id: int, challenge_id: int) -> ChallengeView:
    """One challenge as `who` sees it: hints' text only once unlocked by the reader's team."""
    view = board(session, who, exercise_id)
    challenge = repository.challenge(session, who, view.exercise, challenge_id)
    row = next(r for _, rows in view.categories for r in rows if r.challenge.id == challenge.id)
    hints = repository.hints(session, [challenge.id])
    unlocked = repository.unlocked_hint_ids(session, view.my_team_ids, [h.id for h in hints])
    hint_views = [
        HintView(h, h.id in unlocked, render(h.content) if view.organiser or h.id in unlocked else None) for h in hints
    ]
    attempts: list[Submission] = []
    if view.my_team_ids:
        attempts = list(
            session.scalars(
                select(Submission)
                .where(Submission.challenge_id == challenge.id, Submission.team_id.in_(view.my_team_ids))
                .order_by(Submission.submitted_at.desc(), Submission.id.desc())
                .limit(20)
            )
        )
    return ChallengeView(
        board=view,
        row=row,
        description_html=render(challenge.description),
        files=repository.files(session, challenge.id),
        hints=hint_views,
        flags=repository.flags(session, challenge.id) if view.organiser else None,
        attempts=attempts,
        solves=solves(session, who, exercise_id, challenge_id=challenge.id),
    )


def submissions_page(
    session: Session,
    who: Subject,
    exercise_id: int,
    *,
    challenge_id: int | None = None,
    team_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[SubmissionRead], str | None]:
    """Flag attempts, newest first: the reader's teams' (staff: every team's)."""
    exercise = repository.drill(session, who, exercise_id)
    query = select(Submission).where(
        Submission.exercise_id == exercise.id,
        rules.team_work_clause(session, who, exercise, Submission.team_id),
        Submission.challenge_id.in_(
            select(Challenge.id).where(
                Challenge.exercise_id == exercise.id, repository.challenge_clause(session, who, exercise)
            )
        ),
    )
    if challenge_id is not None:
        query = query.where(Submission.challenge_id == challenge_id)
    if team_id is not None:
        query = query.where(Submission.team_id == team_id)
    rows, next_cursor = paginate(session, query, Submission.id, limit=limit, cursor=cursor)
    return _submission_reads(session, exercise.id, rows), next_cursor


def _submission_reads(session: Session, exercise_id: int, rows: Sequence[Submission]) -> list[SubmissionRead]:
    rows_ = session.execute(select(Challenge.id, Challenge.name).where(Challenge.exercise_id == exercise_id))
    names = {r[0]: r[1] for r in rows_}
    teams = _teams(session, exercise_id)
    return [
        SubmissionRead(
            id=s.id,
            challenge_id=s.challenge_id,
            challenge=names.get(s.challenge_id, ""),
            team_id=s.team_id,
            team=teams[s.team_id][0],
            correct=s.correct,
            submitted_at=s.submitted_at,
        )
        for s in rows
    ]


def solves(session: Session, who: Subject, exercise_id: int, *, challenge_id: int | None = None) -> list[SolveRead]:
    """Who solved what and when, in order: the ranked teams' solves up to the reader's freeze, and
    the reader's own teams' (staff: every team's, live)."""
    exercise = repository.drill(session, who, exercise_id)
    staff = rules.sees_all_work(session, who, exercise)
    mine = rules.my_team_ids(session, who, exercise.id)
    until = _until(session, who, exercise)
    teams = _teams(session, exercise.id)
    query = (
        select(Solve.challenge_id, Challenge.name, Solve.team_id, Solve.solved_at)
        .join(Challenge, Challenge.id == Solve.challenge_id)
        .where(Solve.exercise_id == exercise.id, repository.challenge_clause(session, who, exercise))
        .order_by(Solve.solved_at, Solve.id)
    )
    if challenge_id is not None:
        query = query.where(Solve.challenge_id == challenge_id)
    out: list[SolveRead] = []
    blooded: set[int] = set()
    for cid, name, team_id, solved_at in session.execute(query):
        team_name, hidden = teams[team_id]
        first = not hidden and cid not in blooded
        if first:
            blooded.add(cid)
        if not staff and team_id not in mine and (hidden or (until is not None and solved_at > until)):
            continue
        out.append(
            SolveRead(
                challenge_id=cid,
                challenge=name,
                team_id=team_id,
                team=team_name,
                solved_at=solved_at,
                first_blood=first,
            )
        )
    return out


def team_choices(session: Session, who: Subject, exercise_id: int) -> list[tuple[str, str]]:
    """The exercise's teams (id, name), for an organiser's per-team flag."""
    exercise = repository.drill(session, who, exercise_id)
    rows = session.execute(
        select(ExerciseTeam.id, ExerciseTeam.name)
        .where(ExerciseTeam.exercise_id == exercise.id)
        .order_by(ExerciseTeam.name)
    )
    return [(str(r[0]), r[1]) for r in rows]
