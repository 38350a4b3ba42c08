"""A tabletop's scenario: its injects (create, change, reorder, delete, attach files) and their
release — by hand by a controller, or on the timeline (`release_due`, run by the job
`exercise.release_injects`). Every change writes its audit record (`exercise.common.record`) in the
caller's transaction; nothing here commits.

A simulated email or alert keeps its header lines ("From: …", "Subject: …"; "Source: …",
"Severity: …") at the top of its body, as an email does, and the teams' page shows it looking like
one. Releasing an inject tells each team's members in the app; each note carries its team's guard
(authz.derived), so nobody outside the team and the exercise's staff reads it. A release happens
once: the row is claimed with a conditional UPDATE, so a controller's "release now" and the
timeline can race and the teams are still told once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.authz.derived import Guard, GuardKind
from csirtnet.config import get_settings
from csirtnet.errors import Conflict, ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.tabletop import events
from csirtnet.exercise.tabletop.schemas import Header, InjectCreate, InjectOrder, InjectUpdate
from csirtnet.kit.files import blob_store, clean_filename
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    AnswerKind,
    Exercise,
    ExerciseKind,
    ExerciseStatus,
    ExerciseTeam,
    ExerciseTeamMember,
    Inject,
    InjectAnswer,
    InjectFile,
    InjectKind,
    StoredFile,
    User,
)
from csirtnet.notification.service import notify

MAX_FILES = 10
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9 -]{0,39}):[ \t]*(\S.*)$")
_SIMULATED = (InjectKind.EMAIL.value, InjectKind.ALERT.value)


# -- the simulated email's or alert's header lines -------------------------------------------------


def compose_body(kind: str, headers: Sequence[Header | dict[str, str]], text: str) -> str:
    """The stored body: a simulated email's or alert's header lines, a blank line, the Markdown."""
    if kind not in _SIMULATED or not headers:
        return text
    lines = [f"{h.name}: {h.value}" if isinstance(h, Header) else f"{h['name']}: {h['value']}" for h in headers]
    return "\n".join(lines) + "\n\n" + text


def split_body(kind: str, body: str) -> tuple[list[dict[str, str]], str]:
    """(header lines, Markdown) of a stored body; only simulated emails and alerts have headers."""
    if kind not in _SIMULATED:
        return [], body
    head, _, rest = body.partition("\n\n")
    lines = head.splitlines()
    matches = [_HEADER_LINE.match(line) for line in lines]
    if not lines or not all(matches):
        return [], body
    return [{"name": m.group(1).strip(), "value": m.group(2).strip()} for m in matches if m], rest


# -- finding things ------------------------------------------------------------------------------


def tabletop(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The exercise, visible to `who` (NotFound otherwise), and a tabletop (Conflict otherwise)."""
    exercise = rules.get_visible(session, who, exercise_id)
    if exercise.kind != ExerciseKind.TABLETOP.value:
        raise Conflict("Injects belong to tabletop exercises; this exercise is of another kind.")
    return exercise


def _organised(session: Session, who: Subject, exercise_id: int) -> Exercise:
    exercise = tabletop(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers change its injects.")
    if exercise.status in (ExerciseStatus.FINISHED.value, ExerciseStatus.ARCHIVED.value):
        raise Conflict("The exercise is over; its injects no longer change.")
    return exercise


def get_inject(session: Session, who: Subject, exercise: Exercise, inject_id: int) -> Inject:
    """One inject `who` may read (NotFound for another exercise's, or an unreleased one for a team)."""
    row = session.scalar(
        select(Inject).where(
            Inject.id == inject_id,
            Inject.exercise_id == exercise.id,
            rules.inject_clause(session, who, exercise),
        )
    )
    if row is None:
        raise NotFound("inject")
    return row


def due_at(exercise: Exercise, inject: Inject) -> datetime | None:
    """When the timeline releases the inject: the exercise's start plus its offset (None by hand)."""
    if inject.release_offset_minutes is None or exercise.starts_at is None:
        return None
    return as_utc(exercise.starts_at) + timedelta(minutes=inject.release_offset_minutes)


def deadline_at(inject: Inject) -> datetime | None:
    """The time to answer ends `answer_minutes` after the release."""
    if inject.released_at is None:
        return None
    return as_utc(inject.released_at) + timedelta(minutes=inject.answer_minutes)


# -- the scenario ------------------------------------------------------------------------------


def _check_kinds(kind: str, answer_kind: str, errors: ErrorList) -> None:
    if kind == InjectKind.CONTACT_CHECK.value and answer_kind != AnswerKind.TEXT.value:
        errors.add("answer_kind", "a contact check is answered in text: the team's contact points")


def _rubric(data: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"criterion": c.criterion, "points": c.points} for c in data]


def create_inject(session: Session, who: Subject, exercise_id: int, data: InjectCreate) -> Inject:
    """Add an inject at the end of the scenario."""
    exercise = _organised(session, who, exercise_id)
    errors = ErrorList()
    _check_kinds(data.kind.value, data.answer_kind.value, errors)
    errors.raise_if_any()
    last = session.scalar(select(func.max(Inject.position)).where(Inject.exercise_id == exercise.id))
    inject = Inject(
        exercise_id=exercise.id,
        position=(last or 0) + 1,
        kind=data.kind.value,
        title=data.title,
        body=compose_body(data.kind.value, data.headers, data.body),
        answer_kind=data.answer_kind.value,
        release_offset_minutes=data.release_offset_minutes,
        answer_minutes=data.answer_minutes,
        rubric=_rubric(data.rubric),
    )
    session.add(inject)
    session.flush()
    record(
        session,
        who,
        "exercise.inject_created",
        exercise,
        inject,
        title=inject.title,
        kind=inject.kind,
        release_offset_minutes=inject.release_offset_minutes,
    )
    _schedule(session, inject)
    return inject


def _graded(session: Session, inject_id: int) -> bool:
    found = session.scalar(
        select(InjectAnswer.id).where(InjectAnswer.inject_id == inject_id, InjectAnswer.graded_at.is_not(None)).limit(1)
    )
    return found is not None


def update_inject(session: Session, who: Subject, exercise_id: int, inject_id: int, data: InjectUpdate) -> Inject:
    """Change an inject. Once released its timing and kind stay; once an answer is graded, its rubric."""
    exercise = _organised(session, who, exercise_id)
    inject = get_inject(session, who, exercise, inject_id)
    sent = data.model_fields_set
    errors = ErrorList()
    if inject.released_at is not None:
        for name in ("kind", "answer_kind", "release_offset_minutes"):
            value = getattr(data, name)
            if name in sent and (value.value if hasattr(value, "value") else value) != getattr(inject, name):
                errors.add(name, "the inject is released: this no longer changes")
    if data.rubric is not None and _rubric(data.rubric) != list(inject.rubric or []) and _graded(session, inject.id):
        errors.add("rubric", "answers are graded against this rubric: it no longer changes")
    kind = data.kind.value if data.kind is not None else inject.kind
    answer_kind = data.answer_kind.value if data.answer_kind is not None else inject.answer_kind
    _check_kinds(kind, answer_kind, errors)
    errors.raise_if_any()
    headers, text = split_body(inject.kind, inject.body)
    changed: list[str] = []
    if data.title is not None and data.title != inject.title:
        inject.title = data.title
        changed.append("title")
    body = compose_body(
        kind,
        data.headers if data.headers is not None else headers,
        data.body if data.body is not None else text,
    )
    if body != inject.body or kind != inject.kind:
        changed.append("body")
    inject.body = body
    if kind != inject.kind:
        inject.kind = kind
        changed.append("kind")
    if answer_kind != inject.answer_kind:
        inject.answer_kind = answer_kind
        changed.append("answer_kind")
    if "release_offset_minutes" in sent and data.release_offset_minutes != inject.release_offset_minutes:
        inject.release_offset_minutes = data.release_offset_minutes
        changed.append("release_offset_minutes")
    if data.answer_minutes is not None and data.answer_minutes != inject.answer_minutes:
        inject.answer_minutes = data.answer_minutes
        changed.append("answer_minutes")
    if data.rubric is not None and _rubric(data.rubric) != list(inject.rubric or []):
        inject.rubric = _rubric(data.rubric)
        changed.append("rubric")
    session.flush()
    if changed:
        record(session, who, "exercise.inject_updated", exercise, inject, title=inject.title, changed=changed)
        _schedule(session, inject)
    return inject


def reorder_injects(session: Session, who: Subject, exercise_id: int, data: InjectOrder) -> list[Inject]:
    """Put the scenario in the given order (every inject of the exercise, each once)."""
    exercise = _organised(session, who, exercise_id)
    injects = {i.id: i for i in session.scalars(select(Inject).where(Inject.exercise_id == exercise.id))}
    errors = ErrorList()
    for index, ident in enumerate(data.inject_ids):
        if ident not in injects:
            errors.add(f"inject_ids.{index}", f"inject {ident} is not in this exercise")
    if len(set(data.inject_ids)) != len(data.inject_ids):
        errors.add("inject_ids", "an inject is listed twice")
    missing = sorted(set(injects) - set(data.inject_ids))
    if missing:
        errors.add("inject_ids", f"list every inject of the exercise; missing: {', '.join(map(str, missing))}")
    errors.raise_if_any()
    for position, ident in enumerate(data.inject_ids, start=1):
        injects[ident].position = position
    session.flush()
    record(session, who, "exercise.injects_reordered", exercise, order=list(data.inject_ids))
    return [injects[i] for i in data.inject_ids]


def move_inject(session: Session, who: Subject, exercise_id: int, inject_id: int, step: int) -> list[Inject]:
    """Move one inject up (-1) or down (+1) in the scenario."""
    exercise = _organised(session, who, exercise_id)
    order = list(
        session.scalars(select(Inject.id).where(Inject.exercise_id == exercise.id).order_by(Inject.position, Inject.id))
    )
    if inject_id not in order:
        raise NotFound("inject")
    at = order.index(inject_id)
    to = max(0, min(len(order) - 1, at + step))
    order.insert(to, order.pop(at))
    return reorder_injects(session, who, exercise_id, InjectOrder(inject_ids=order))


def delete_inject(session: Session, who: Subject, exercise_id: int, inject_id: int) -> None:
    """Remove an inject that was never released (a released one keeps the teams' answers)."""
    exercise = _organised(session, who, exercise_id)
    inject = get_inject(session, who, exercise, inject_id)
    if inject.released_at is not None:
        raise Conflict("The inject is released: the teams saw it, so it stays.")
    title = inject.title
    session.execute(delete(InjectFile).where(InjectFile.inject_id == inject.id))
    session.delete(inject)
    session.flush()
    record(session, who, "exercise.inject_deleted", exercise, title=title, inject_id=inject_id)


# -- attachments -----------------------------------------------------------------------------------


def attach_file(
    session: Session,
    who: Subject,
    exercise_id: int,
    inject_id: int,
    *,
    filename: str | None,
    content_type: str | None,
    stream: BinaryIO,
) -> StoredFile:
    """Attach a file to an inject (the teams download it once the inject is released)."""
    exercise = _organised(session, who, exercise_id)
    inject = get_inject(session, who, exercise, inject_id)
    count = session.scalar(select(func.count()).select_from(InjectFile).where(InjectFile.inject_id == inject.id))
    if (count or 0) >= MAX_FILES:
        raise ValidationFailed("file", f"an inject has at most {MAX_FILES} files")
    row = store_file(session, who, filename=filename, content_type=content_type, stream=stream)
    session.add(InjectFile(inject_id=inject.id, stored_file_id=row.id))
    session.flush()
    record(session, who, "exercise.inject_file_attached", exercise, inject, filename=row.filename, size=row.size)
    return row


def store_file(
    session: Session, who: Subject, *, filename: str | None, content_type: str | None, stream: BinaryIO
) -> StoredFile:
    """Keep an uploaded file's bytes (content-addressed) and describe them; an empty file is refused."""
    sha, size = blob_store().put_stream(stream)
    if size == 0:
        raise ValidationFailed("file", "the file is empty")
    if size > get_settings().max_upload_bytes:
        raise ValidationFailed("file", "the file is too large")
    row = StoredFile(
        sha256=sha,
        size=size,
        filename=clean_filename(filename),
        content_type=(content_type or "application/octet-stream")[:120],
        organisation_id=who.organisation_id,
        uploaded_by_id=who.user_id,
    )
    session.add(row)
    session.flush()
    return row


def detach_file(session: Session, who: Subject, exercise_id: int, inject_id: int, file_id: int) -> None:
    """Remove a file from an inject."""
    exercise = _organised(session, who, exercise_id)
    inject = get_inject(session, who, exercise, inject_id)
    link = session.get(InjectFile, (inject.id, file_id))
    if link is None:
        raise NotFound("file")
    stored = session.get(StoredFile, file_id)
    session.delete(link)
    session.flush()
    record(session, who, "exercise.inject_file_removed", exercise, inject, filename=stored.filename if stored else None)


def inject_files(session: Session, inject_ids: Sequence[int]) -> dict[int, list[StoredFile]]:
    """The files of each inject, by name."""
    out: dict[int, list[StoredFile]] = {i: [] for i in inject_ids}
    if not inject_ids:
        return out
    rows = session.execute(
        select(InjectFile.inject_id, StoredFile)
        .join(StoredFile, StoredFile.id == InjectFile.stored_file_id)
        .where(InjectFile.inject_id.in_(inject_ids))
        .order_by(StoredFile.filename, StoredFile.id)
    )
    for inject_id, stored in rows:
        out[inject_id].append(stored)
    return out


def inject_file(session: Session, who: Subject, exercise_id: int, inject_id: int, file_id: int) -> StoredFile:
    """A file of an inject `who` may read (a team: once the inject is released)."""
    exercise = tabletop(session, who, exercise_id)
    inject = get_inject(session, who, exercise, inject_id)
    link = session.get(InjectFile, (inject.id, file_id))
    stored = session.get(StoredFile, file_id) if link is not None else None
    if stored is None:
        raise NotFound("file")
    return stored


# -- release -----------------------------------------------------------------------------------


def _claim(session: Session, inject: Inject, who: Subject, now: datetime) -> bool:
    """Mark the inject released unless it already is; True when this call released it."""
    done = session.execute(
        update(Inject)
        .where(Inject.id == inject.id, Inject.released_at.is_(None))
        .values(released_at=now, released_by_id=who.user_id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(inject)
    return bool(getattr(done, "rowcount", 0))


def _tell_teams(session: Session, exercise: Exercise, inject: Inject) -> int:
    """Tell every team's members in the app (their preferences permitting); each note carries its
    team's guard. Returns the number of people told."""
    members = session.execute(
        select(ExerciseTeamMember.team_id, User)
        .join(User, User.id == ExerciseTeamMember.user_id)
        .join(ExerciseTeam, ExerciseTeam.id == ExerciseTeamMember.team_id)
        .where(ExerciseTeam.exercise_id == exercise.id)
        .order_by(ExerciseTeamMember.team_id, User.id)
    ).all()
    by_team: dict[int, list[User]] = {}
    for team_id, user in members:
        by_team.setdefault(team_id, []).append(user)
    told = 0
    deadline = deadline_at(inject)
    for team_id, users in by_team.items():
        notes = notify(
            session,
            events.INJECT_RELEASED.key,
            users,
            {
                "exercise": exercise.title,
                "reference": exercise.reference,
                "title": inject.title,
                "deadline": deadline.isoformat() if deadline else "",
            },
            guard=Guard(GuardKind.EXERCISE_TEAM, team_id),
            link=f"/exercises/{exercise.id}/injects",
        )
        told += len(notes)
    return told


def _release(session: Session, who: Subject, exercise: Exercise, inject: Inject, now: datetime, how: str) -> bool:
    if not _claim(session, inject, who, now):
        return False
    told = _tell_teams(session, exercise, inject)
    record(session, who, "exercise.inject_released", exercise, inject, title=inject.title, how=how, told=told)
    return True


def release(session: Session, who: Subject, exercise_id: int, inject_id: int, *, now: datetime | None = None) -> Inject:
    """Release an inject now, by hand (a controller or organiser, while the exercise runs)."""
    exercise = tabletop(session, who, exercise_id)
    if not rules.can_control(session, who, exercise):
        raise Forbidden("Only the exercise's controllers and organisers release injects.")
    inject = get_inject(session, who, exercise, inject_id)
    if exercise.status != ExerciseStatus.RUNNING.value:
        raise Conflict("The exercise is not running: start it before releasing injects.")
    if inject.released_at is not None or not _release(session, who, exercise, inject, now or utcnow(), "hand"):
        raise Conflict("The inject is already released.")
    return inject


def release_due(session: Session, *, now: datetime | None = None) -> list[Inject]:
    """The timeline: release every inject of a running tabletop whose start plus offset has
    passed and that is not released yet. Idempotent: a second run releases nothing more."""
    moment = now or utcnow()
    platform = Subject.system("exercise.release_injects")
    rows = session.execute(
        select(Inject, Exercise)
        .join(Exercise, Exercise.id == Inject.exercise_id)
        .where(
            Exercise.kind == ExerciseKind.TABLETOP.value,
            Exercise.status == ExerciseStatus.RUNNING.value,
            Exercise.starts_at.is_not(None),
            Inject.release_offset_minutes.is_not(None),
            Inject.released_at.is_(None),
        )
        .order_by(Exercise.id, Inject.position, Inject.id)
    ).all()
    released: list[Inject] = []
    for inject, exercise in rows:
        due = due_at(exercise, inject)
        if due is not None and due <= moment and _release(session, platform, exercise, inject, moment, "timeline"):
            released.append(inject)
    return released


def next_due(session: Session) -> tuple[datetime | None, bool]:
    """(the next moment the timeline releases an inject of a running tabletop, whether any exercise
    not yet over still has injects waiting for the timeline) — what the job's schedule needs."""
    rows = session.execute(
        select(Exercise.status, Exercise.starts_at, Inject.release_offset_minutes)
        .join(Exercise, Exercise.id == Inject.exercise_id)
        .where(
            Exercise.kind == ExerciseKind.TABLETOP.value,
            Exercise.status.in_(
                (ExerciseStatus.DRAFT.value, ExerciseStatus.PUBLISHED.value, ExerciseStatus.RUNNING.value)
            ),
            Inject.release_offset_minutes.is_not(None),
            Inject.released_at.is_(None),
        )
    ).all()
    moments = [
        as_utc(starts) + timedelta(minutes=offset)
        for status, starts, offset in rows
        if status == ExerciseStatus.RUNNING.value and starts is not None and offset is not None
    ]
    return (min(moments) if moments else None), bool(rows)


def _schedule(session: Session, inject: Inject) -> None:
    if inject.release_offset_minutes is not None and inject.released_at is None:
        from csirtnet.exercise.tabletop import tasks

        tasks.ensure_scheduled(session)
