"""Outside drills (APCERT, ASEAN ACID): the coordinating body records the drill and its members'
results, by hand or from a CSV file `team,rank,score` (team: a member organisation's name or short
name). A file with any bad row applies nothing and names every bad row by its line and column."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.authz import tlp as tlp_rules
from csirtnet.authz.cluster import today
from csirtnet.errors import Conflict, ErrorList, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise import common
from csirtnet.exercise.results.schemas import ExternalExerciseCreate, ExternalResultIn, ImportSummary
from csirtnet.kit.csvfile import read_table
from csirtnet.kit.text import fold
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Exercise,
    ExerciseKind,
    ExerciseScope,
    ExerciseStatus,
    ExerciseTeam,
    ExternalResult,
    Organisation,
)
from csirtnet.vocabulary import TLP

COLUMNS = ("team", "rank", "score")
MAX_ROWS = 2000
ZONE = "Asia/Ho_Chi_Minh"


def create(session: Session, who: Subject, data: ExternalExerciseCreate) -> Exercise:
    """Record an outside drill the network's members took part in; its results follow."""
    scope = ExerciseScope(data.scope)
    rules.require_create(session, who, scope, None)
    errors = ErrorList()
    if data.held_on > today():
        errors.add("held_on", "cannot be in the future: record a drill once it is held")
    marking: TLP | None = None
    try:
        marking = tlp_rules.parse(data.tlp)
    except ValidationFailed as exc:
        errors.errors.extend(exc.errors)
    if marking is TLP.RED:
        errors.add("tlp", "an outside drill's results are not TLP:RED")
    name = " ".join(data.external_name.split())
    if len(name) < 2:
        errors.add("external_name", "give the drill's name")
    errors.raise_if_any()
    assert marking is not None
    organiser = who.organisation_id or _coordinating_body(session)
    held = datetime.combine(data.held_on, time(9, 0), tzinfo=ZoneInfo(ZONE))
    exercise = Exercise(
        reference=common.next_reference(session),
        title=name,
        external_name=name,
        kind=ExerciseKind.EXTERNAL.value,
        scope=scope.value,
        status=ExerciseStatus.FINISHED.value,
        description=data.description.strip(),
        organiser_organisation_id=organiser,
        timezone=ZONE,
        starts_at=held,
        ends_at=held,
        finished_at=utcnow(),
        tlp=f"TLP:{marking.value.upper()}",
        source="manual",
        created_by_id=who.user_id,
    )
    session.add(exercise)
    session.flush()
    common.record(session, who, "exercise.external_recorded", exercise, name=name, held_on=data.held_on.isoformat())
    return exercise


def _coordinating_body(session: Session) -> int:
    org_id = session.scalar(select(Organisation.id).where(Organisation.is_coordinator.is_(True)).limit(1))
    if org_id is None:
        raise Conflict("The coordinating body is not set up")
    return org_id


def get_external(session: Session, who: Subject, exercise_id: int, *, organise: bool = False) -> Exercise:
    """An outside drill `who` sees (and, with `organise`, may change)."""
    exercise = rules.get_visible(session, who, exercise_id)
    if exercise.kind != ExerciseKind.EXTERNAL.value:
        raise NotFound("outside drill")
    if organise and not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the drill's organisers record its results")
    return exercise


def _team_for(session: Session, exercise: Exercise, org: Organisation) -> ExerciseTeam:
    team = session.scalar(
        select(ExerciseTeam).where(ExerciseTeam.exercise_id == exercise.id, ExerciseTeam.organisation_id == org.id)
    )
    if team is None:
        team = ExerciseTeam(exercise_id=exercise.id, name=org.name[:200], organisation_id=org.id)
        session.add(team)
        session.flush()
    return team


def set_result(session: Session, who: Subject, exercise_id: int, data: ExternalResultIn) -> ExternalResult:
    """Enter (or correct) one member's result in an outside drill."""
    exercise = get_external(session, who, exercise_id, organise=True)
    org = session.get(Organisation, data.organisation_id)
    if org is None:
        raise ValidationFailed("organisation_id", f"no member organisation with id {data.organisation_id}")
    team = _team_for(session, exercise, org)
    row = session.scalar(select(ExternalResult).where(ExternalResult.team_id == team.id))
    before = None if row is None else {"rank": row.rank, "score": row.score}
    if row is None:
        row = ExternalResult(exercise_id=exercise.id, team_id=team.id, rank=data.rank, score=data.score)
        session.add(row)
    else:
        row.rank, row.score = data.rank, data.score
    session.flush()
    common.record(
        session,
        who,
        "exercise.result_entered",
        exercise,
        row,
        team_id=team.id,
        organisation=org.id,
        rank=data.rank,
        score=data.score,
        before=before,
    )
    return row


def remove_result(session: Session, who: Subject, exercise_id: int, organisation_id: int) -> None:
    """Take one member's result out of an outside drill."""
    exercise = get_external(session, who, exercise_id, organise=True)
    team = session.scalar(
        select(ExerciseTeam).where(
            ExerciseTeam.exercise_id == exercise.id, ExerciseTeam.organisation_id == organisation_id
        )
    )
    row = session.scalar(select(ExternalResult).where(ExternalResult.team_id == team.id)) if team else None
    if team is None or row is None:
        raise NotFound("result")
    common.record(session, who, "exercise.result_removed", exercise, row, team_id=team.id, organisation=organisation_id)
    session.delete(row)
    session.flush()
    session.delete(team)
    session.flush()


def _organisations_by_name(session: Session, names: set[str]) -> dict[str, list[Organisation]]:
    """Folded name or short name (accents and case ignored) -> the organisations it names. The
    directory is read whole: a short name's fold is not stored, and an import is rare."""
    found: dict[str, list[Organisation]] = {}
    if not names:
        return found
    for org in session.scalars(select(Organisation)):
        for key in {fold(org.name), fold(org.short_name or "")} & names:
            found.setdefault(key, []).append(org)
    return found


def import_csv(session: Session, who: Subject, exercise_id: int, data: bytes) -> ImportSummary:
    """Replace the drill's results with those of a CSV file (`team,rank,score`): every row or, when
    any row is wrong, none; each error names its line and column."""
    exercise = get_external(session, who, exercise_id, organise=True)
    table = read_table(data, columns=COLUMNS, required=COLUMNS, max_rows=MAX_ROWS)
    errors = ErrorList()
    for problem in table.problems:
        errors.add(f"line {problem.line}: {problem.column}", problem.message)
    errors.raise_if_any()
    if not table.rows:
        errors.add("line 2: team", "the file has no result")
    orgs = _organisations_by_name(session, {fold(r.values["team"]) for r in table.rows if r.values["team"]})
    wanted: dict[int, tuple[Organisation, int, float]] = {}
    first_line: dict[int, int] = {}
    for row in table.rows:
        where = f"line {row.line}"
        team, rank_text, score_text = row.values["team"], row.values["rank"], row.values["score"]
        org: Organisation | None = None
        if not team:
            errors.add(f"{where}: team", "required")
        else:
            matches = {o.id: o for o in orgs.get(fold(team), [])}
            if not matches:
                errors.add(f"{where}: team", f"no member organisation is named {team!r}")
            elif len(matches) > 1:
                errors.add(f"{where}: team", f"{team!r} names several member organisations; use the full name")
            else:
                org = next(iter(matches.values()))
                if org.id in first_line:
                    errors.add(f"{where}: team", f"the same member as on line {first_line[org.id]}")
                    org = None
                else:
                    first_line[org.id] = row.line
        rank = _whole(rank_text)
        if rank is None or not 1 <= rank <= 100_000:
            errors.add(f"{where}: rank", "a whole number from 1")
        score = _number(score_text) if score_text else 0.0
        if score is None:
            errors.add(f"{where}: score", "a number, such as 1250 or 87.5")
        if org is not None and rank is not None and score is not None:
            wanted[org.id] = (org, rank, score)
    errors.raise_if_any()
    existing: dict[int | None, tuple[ExerciseTeam, ExternalResult | None]] = {
        t.organisation_id: (t, r)
        for t, r in session.execute(
            select(ExerciseTeam, ExternalResult)
            .outerjoin(ExternalResult, ExternalResult.team_id == ExerciseTeam.id)
            .where(ExerciseTeam.exercise_id == exercise.id)
        )
    }
    gone = [(t, r) for org_id, (t, r) in existing.items() if org_id not in wanted]
    for _t, r in gone:
        if r is not None:
            session.delete(r)
    session.flush()
    for t, _r in gone:
        session.delete(t)
    removed = len(gone)
    session.flush()
    for org_id, (org, rank, score) in wanted.items():
        team_row, result_row = existing.get(org_id) or (_team_for(session, exercise, org), None)
        if result_row is None:
            session.add(ExternalResult(exercise_id=exercise.id, team_id=team_row.id, rank=rank, score=score))
        else:
            result_row.rank, result_row.score = rank, score
    exercise.source = "csv"
    session.flush()
    common.record(
        session,
        who,
        "exercise.results_imported",
        exercise,
        rows=len(wanted),
        removed=removed,
        results=[{"organisation": org_id, "rank": r, "score": s} for org_id, (_o, r, s) in wanted.items()],
    )
    return ImportSummary(exercise_id=exercise.id, imported=len(wanted), removed=removed)


def _whole(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if value != value or abs(value) > 1_000_000:  # NaN or beyond what a drill gives
        return None
    return value
