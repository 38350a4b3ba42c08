"""Importing a CTFd admin backup (the zip of `db/<table>.json` files CTFd's export writes) as a
finished technical drill, scored by CTFd's own rules so its scoreboard equals what CTFd showed.

Read from the zip (each table is `{"count", "results": [rows], "meta"}`, or an empty file for a
table without rows): `config` (user mode, name, start, end, freeze), `teams`, `users`,
`challenges` with `dynamic_challenge` (the 3.0-3.5 columns `initial, minimum, decay`, 3.6-3.7's
`function`, 3.8.1+'s `dynamic_*` prefix, and 3.8.1+'s dynamic standard challenges, whose
parameters are on `challenges` itself), `flags`, `hints`, `submissions` with `solves` (a solve's
date is its submission's: joined-table inheritance), `awards` and `unlocks`.

What it makes: the exercise (finished, source "ctfd"); a team per CTFd team (a player per CTFd
user in user mode), hidden when CTFd hid or banned it, with its members by name only, matched to a
member organisation when exactly one has the team's name; the challenges (hidden unless
"visible"), their flags hashed (a regex flag keeps its pattern), their hints; every solve at its
time, every wrong attempt (a digest of what was typed), every award as it is (hint costs are
CTFd's negative awards already) and every unlock. Everything in the caller's transaction: a zip
that is not a CTFd backup, a missing table or a row that cannot be read is an error naming the
file and the entry, and nothing is imported. Rows that cannot count (a solve of a deleted team, a
plugin's flag type) are left out and listed in the report.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import ValidationFailed
from csirtnet.exercise import service as exercise_service
from csirtnet.exercise.common import record
from csirtnet.exercise.schemas import ExerciseCreate
from csirtnet.exercise.technical import flags as flag_rules
from csirtnet.exercise.technical.schemas import ImportReport, MatchedTeam
from csirtnet.kit.bulk import insert_rows
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Award,
    Challenge,
    ChallengeFlag,
    ChallengeHint,
    Exercise,
    ExerciseKind,
    ExerciseScope,
    ExerciseStatus,
    ExerciseTeam,
    ExerciseTeamMember,
    HintUnlock,
    Organisation,
    ScoringFunction,
    Solve,
    Submission,
)

REQUIRED = ("config", "teams", "users", "challenges", "flags", "hints", "submissions", "solves", "awards", "unlocks")
OPTIONAL = ("dynamic_challenge", "alembic_version")
MAX_TABLE = 512 * 1024 * 1024  # bytes of one table, uncompressed: a larger one is refused, not read
_DYNAMIC = {ScoringFunction.LINEAR.value, ScoringFunction.LOGARITHMIC.value}

Progress = Callable[[str], None]
Row = Mapping[str, Any]


class BadBackup(ValidationFailed):
    """The upload is not a CTFd backup this importer can read; the message names file and entry."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


@dataclass
class Backup:
    name: str
    tables: dict[str, list[Row]]
    config: dict[str, str]

    @property
    def team_mode(self) -> bool:
        return self.config.get("user_mode", "teams") != "users"

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])


def _table(archive: zipfile.ZipFile, name: str, table: str) -> list[Row] | None:
    entry = f"db/{table}.json"
    try:
        info = archive.getinfo(entry)
    except KeyError:
        return None
    if info.file_size > MAX_TABLE:
        raise BadBackup(f"{name}: {entry} is larger than {MAX_TABLE // (1024 * 1024)} MB")
    raw = archive.read(info)
    if not raw.strip():
        return []  # CTFd writes an empty file for a table without rows
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadBackup(f"{name}: {entry} is not JSON ({exc})") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise BadBackup(f'{name}: {entry} is not a CTFd table (no "results" list of rows)')
    return results


def read_backup(content: bytes, name: str) -> Backup:
    """The tables of a CTFd backup zip, or BadBackup naming what is wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise BadBackup(f"{name}: not a zip file") from None
    with archive:
        for member in archive.namelist():
            if member.startswith("/") or ".." in PurePosixPath(member).parts:
                raise BadBackup(f"{name}: the entry {member} points outside the backup")
        if not any(m.startswith("db/") for m in archive.namelist()):
            raise BadBackup(f"{name}: no db/ folder; this is not a CTFd backup")
        tables: dict[str, list[Row]] = {}
        for table in REQUIRED + OPTIONAL:
            rows = _table(archive, name, table)
            if rows is None:
                if table in REQUIRED:
                    raise BadBackup(f"{name}: db/{table}.json is missing")
                continue
            tables[table] = rows
    config = {str(r.get("key")): "" if r.get("value") is None else str(r.get("value")) for r in tables["config"]}
    return Backup(name=name, tables=tables, config=config)


# -- reading values ------------------------------------------------------------------------------


def _where(table: str, row: Row) -> str:
    return f"db/{table}.json, row id {row.get('id', '?')}"


def _int(table: str, row: Row, key: str, default: int | None = None) -> int:
    value = row.get(key)
    if value is None or value == "":
        if default is not None:
            return default
        raise BadBackup(f"{_where(table, row)}: {key} is missing")
    if isinstance(value, bool):
        return int(value)
    try:
        return int(float(value)) if isinstance(value, str) and "." in value else int(value)
    except (TypeError, ValueError):
        raise BadBackup(f"{_where(table, row)}: {key} is not a number ({value!r})") from None


def _opt_int(row: Row, key: str) -> int | None:
    value = row.get(key)
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool:
    """CTFd's booleans: true/false, or 0/1 from MySQL."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes")
    return bool(value)


def _text(row: Row, key: str, limit: int | None = None) -> str:
    value = row.get(key)
    text = "" if value is None else str(value)
    return text[:limit] if limit else text


def _moment(table: str, row: Row, key: str = "date") -> datetime:
    """CTFd's naive UTC isoformat ("2026-10-10T01:16:00.250000" or without the fraction)."""
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise BadBackup(f"{_where(table, row)}: {key} is missing")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadBackup(f"{_where(table, row)}: {key} is not a date ({value!r})") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _unix(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def scoring_of(backup: Backup, row: Row, dynamic: Mapping[int, Row]) -> tuple[str, int, int, int]:
    """(function, initial or value, decay, minimum) of a CTFd challenge, whatever its version."""
    if row.get("type") == "dynamic":
        params = dynamic.get(_int("challenges", row, "id"))
        if params is None:
            raise BadBackup(f"{backup.name}: db/dynamic_challenge.json has no row for challenge {row.get('id')}")

        def pick(name: str) -> Any:
            for source, key in ((params, f"dynamic_{name}"), (params, name), (row, name)):
                if source.get(key) is not None:
                    return source[key]
            return None

        function = pick("function")
        values = {"initial": pick("initial"), "decay": pick("decay"), "minimum": pick("minimum")}
        for key, value in values.items():
            if value is None:
                raise BadBackup(f"{_where('dynamic_challenge', params)}: {key} is missing")
        # CTFd falls back to the logarithmic function for a missing or unknown name.
        name = function if function in _DYNAMIC else ScoringFunction.LOGARITHMIC.value
        numbers = {k: _int("dynamic_challenge", {**params, k: v}, k) for k, v in values.items()}
        return name, numbers["initial"], numbers["decay"], numbers["minimum"]
    function = row.get("function")
    if function in _DYNAMIC and row.get("initial") is not None:  # 3.8.1+: dynamic scoring on any challenge
        return (
            str(function),
            _int("challenges", row, "initial"),
            _int("challenges", row, "decay", 0),
            _int("challenges", row, "minimum", 0),
        )
    return ScoringFunction.STATIC.value, _int("challenges", row, "value", 0), 0, 0


# -- importing ----------------------------------------------------------------------------------


@dataclass
class _Ids:
    teams: dict[int, int] = field(default_factory=dict)  # CTFd account id -> team
    challenges: dict[int, int] = field(default_factory=dict)
    hints: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # challenge -> name


def _quiet(_: str) -> None:
    return None


def import_backup(
    session: Session,
    who: Subject,
    content: bytes,
    *,
    filename: str = "ctfd.zip",
    title: str | None = None,
    cluster_id: int | None = None,
    progress: Progress = _quiet,
) -> ImportReport:
    """Make a finished technical drill of a CTFd backup (see the module page)."""
    scope = ExerciseScope.CLUSTER if cluster_id is not None else ExerciseScope.NATIONAL
    rules.require_create(session, who, scope, cluster_id)  # before reading what the caller sent
    backup = read_backup(content, filename)
    version, mode = backup.config.get("ctf_version", "?"), backup.config.get("user_mode", "teams")
    progress(f"read {filename}: CTFd {version}, {mode} mode")
    exercise = _exercise(session, who, backup, title, cluster_id)
    skipped: list[str] = []
    ids = _Ids()
    matched, members = _teams(session, exercise, backup, ids, skipped)
    progress(f"teams: {len(set(ids.teams.values()))}, matched to members: {len(matched)}")
    counts = _challenges(session, exercise, backup, ids, skipped)
    progress(f"challenges: {counts['challenges']}, flags: {counts['flags']}, hints: {counts['hints']}")
    solves, wrong = _submissions(session, exercise, backup, ids, skipped)
    progress(f"solves: {solves}, wrong submissions: {wrong}")
    awards, unlocks = _awards(session, exercise, backup, ids, skipped)
    progress(f"awards: {awards}, unlocks: {unlocks}")
    report = ImportReport(
        exercise_id=exercise.id,
        reference=exercise.reference,
        title=exercise.title,
        challenges=counts["challenges"],
        flags=counts["flags"],
        hints=counts["hints"],
        teams=len(set(ids.teams.values())),
        members=members,
        solves=solves,
        wrong_submissions=wrong,
        awards=awards,
        unlocks=unlocks,
        matched=matched,
        skipped=skipped,
    )
    record(
        session,
        who,
        "exercise.imported",
        exercise,
        source="ctfd",
        filename=filename,
        ctf_version=backup.config.get("ctf_version"),
        **report.model_dump(include={"challenges", "teams", "solves", "wrong_submissions", "awards", "unlocks"}),
        skipped=len(skipped),
    )
    return report


def _exercise(session: Session, who: Subject, backup: Backup, title: str | None, cluster_id: int | None) -> Exercise:
    start, end = _unix(backup.config.get("start")), _unix(backup.config.get("end"))
    if start and end and end <= start:
        start = end = None
    freeze = _unix(backup.config.get("freeze"))
    if freeze is not None and not (start and end and start <= freeze <= end):
        freeze = None
    name = (title or backup.config.get("ctf_name") or PurePosixPath(backup.name).stem or "CTFd").strip()[:300]
    data = ExerciseCreate(
        kind=ExerciseKind.TECHNICAL,
        scope=ExerciseScope.CLUSTER if cluster_id is not None else ExerciseScope.NATIONAL,
        cluster_id=cluster_id,
        title=name,
        starts_at=start,
        ends_at=end,
        freeze_at=freeze,
    )
    exercise = exercise_service.create(session, who, data)
    exercise.status = ExerciseStatus.FINISHED.value
    exercise.source = "ctfd"
    exercise.finished_at = end or utcnow()
    session.flush()
    return exercise


def _organisations(session: Session, names: set[str]) -> dict[str, int]:
    """Team name -> the one member organisation of that exact name."""
    if not names:
        return {}
    found: dict[str, list[int]] = {}
    for org_id, org_name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.name.in_(names))
    ):
        found.setdefault(org_name, []).append(org_id)
    return {n: ids[0] for n, ids in found.items() if len(ids) == 1}


def _teams(
    session: Session, exercise: Exercise, backup: Backup, ids: _Ids, skipped: list[str]
) -> tuple[list[MatchedTeam], int]:
    users = backup.rows("users")
    if backup.team_mode:
        accounts = backup.rows("teams")
        table = "teams"
    else:
        accounts = users
        table = "users"
    names: dict[int, str] = {}
    taken: set[str] = set()
    for row in sorted(accounts, key=lambda r: _int(table, r, "id")):
        ctfd_id = _int(table, row, "id")
        name = _text(row, "name", 200).strip() or f"{table[:-1]} {ctfd_id}"
        if name in taken:
            name = f"{name[:180]} ({ctfd_id})"
        taken.add(name)
        names[ctfd_id] = name
    orgs = _organisations(session, set(names.values()))
    matched: list[MatchedTeam] = []
    made: dict[int, ExerciseTeam] = {}
    for row in accounts:
        ctfd_id = _int(table, row, "id")
        name = names[ctfd_id]
        team = ExerciseTeam(
            exercise_id=exercise.id,
            name=name,
            organisation_id=orgs.get(name),
            hidden=_bool(row.get("hidden")) or _bool(row.get("banned")),
            external_id=str(ctfd_id),
        )
        session.add(team)
        made[ctfd_id] = team
        if name in orgs:
            matched.append(MatchedTeam(team=name, organisation_id=orgs[name]))
    session.flush()
    ids.teams = {k: t.id for k, t in made.items()}
    captains = {_int("teams", r, "id"): _opt_int(r, "captain_id") for r in backup.rows("teams")}
    members: list[dict[str, Any]] = []
    for row in users:
        uid = _int("users", row, "id")
        if backup.team_mode:
            team_of = _opt_int(row, "team_id")
            if team_of is None:
                continue  # an admin or a player without a team: no one's member
            if team_of not in made:
                skipped.append(f"{_where('users', row)}: its team {team_of} is not in db/teams.json")
                continue
            captain = captains.get(team_of) == uid
        else:
            team_of, captain = uid, True
        members.append(
            {
                "team_id": made[team_of].id,
                "user_id": None,
                "name": _text(row, "name", 200).strip() or f"user {uid}",
                "external_id": str(uid),
                "captain": captain,
            }
        )
    insert_rows(session, ExerciseTeamMember.__table__, members)
    return sorted(matched, key=lambda m: m.team), len(members)


def _challenges(session: Session, exercise: Exercise, backup: Backup, ids: _Ids, skipped: list[str]) -> dict[str, int]:
    dynamic = {_int("dynamic_challenge", r, "id"): r for r in backup.rows("dynamic_challenge")}
    made: dict[int, Challenge] = {}
    for position, row in enumerate(sorted(backup.rows("challenges"), key=lambda r: _int("challenges", r, "id"))):
        ctfd_id = _int("challenges", row, "id")
        function, value, decay, minimum = scoring_of(backup, row, dynamic)
        description = _text(row, "description")
        if _text(row, "connection_info").strip():
            description += f"\n\n`{_text(row, 'connection_info').strip()}`"
        challenge = Challenge(
            exercise_id=exercise.id,
            name=_text(row, "name", 200).strip() or f"challenge {ctfd_id}",
            category=_text(row, "category", 100).strip(),
            description=description,
            function=function,
            value=value,
            decay=decay,
            minimum=minimum,
            max_attempts=_int("challenges", row, "max_attempts", 0),
            hidden=_text(row, "state") != "visible",
            position=position,
            external_id=str(ctfd_id),
        )
        session.add(challenge)
        made[ctfd_id] = challenge
    session.flush()
    ids.challenges = {k: c.id for k, c in made.items()}
    ids.names = {c.id: c.name for c in made.values()}
    flags = 0
    for row in backup.rows("flags"):
        challenge_id = ids.challenges.get(_int("flags", row, "challenge_id"))
        kind = _text(row, "type") or flag_rules.STATIC
        if challenge_id is None:
            skipped.append(f"{_where('flags', row)}: its challenge is not in db/challenges.json")
            continue
        if kind not in flag_rules.KINDS:
            skipped.append(f"{_where('flags', row)}: the flag type {kind!r} is a plugin's; it cannot be checked here")
            continue
        content = _text(row, "content")
        if kind == flag_rules.REGEX and flag_rules.pattern_error(content):
            raise BadBackup(f"{_where('flags', row)}: {flag_rules.pattern_error(content)}")
        flag = ChallengeFlag(
            challenge_id=challenge_id, kind=kind, case_insensitive=_text(row, "data") == "case_insensitive"
        )
        flag_rules.seal(flag, content)
        session.add(flag)
        flags += 1
    hints = 0
    made_hints: dict[int, ChallengeHint] = {}
    for position, row in enumerate(sorted(backup.rows("hints"), key=lambda r: _int("hints", r, "id"))):
        challenge_id = ids.challenges.get(_int("hints", row, "challenge_id"))
        if challenge_id is None:
            skipped.append(f"{_where('hints', row)}: its challenge is not in db/challenges.json")
            continue
        content = _text(row, "content")
        if _text(row, "title").strip():
            content = f"**{_text(row, 'title').strip()}**\n\n{content}"
        hint = ChallengeHint(
            challenge_id=challenge_id,
            content=content,
            cost=_int("hints", row, "cost", 0),
            position=position,
            external_id=str(_int("hints", row, "id")),
        )
        session.add(hint)
        made_hints[_int("hints", row, "id")] = hint
        hints += 1
    session.flush()
    ids.hints = {k: h.id for k, h in made_hints.items()}
    return {"challenges": len(made), "flags": flags, "hints": hints}


def _account(backup: Backup, table: str, row: Row) -> int | None:
    return _opt_int(row, "team_id" if backup.team_mode else "user_id")


def _submissions(
    session: Session, exercise: Exercise, backup: Backup, ids: _Ids, skipped: list[str]
) -> tuple[int, int]:
    solve_ids = {_int("solves", r, "id") for r in backup.rows("solves")}
    submissions: list[dict[str, Any]] = []
    solves: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    found: set[int] = set()
    wrong = 0
    rows = sorted(backup.rows("submissions"), key=lambda r: (_moment("submissions", r), _int("submissions", r, "id")))
    for row in rows:
        sid = _int("submissions", row, "id")
        kind = _text(row, "type")
        account = _account(backup, "submissions", row)
        team = ids.teams.get(account) if account is not None else None
        challenge = ids.challenges.get(_int("submissions", row, "challenge_id"))
        if sid in solve_ids:
            found.add(sid)
        if kind == "discard":
            continue  # an attempt an admin struck out: it counts for nothing in CTFd
        if team is None or challenge is None:
            what = "team" if team is None else "challenge"
            skipped.append(f"{_where('submissions', row)}: its {what} is not in the backup")
            continue
        at = _moment("submissions", row)
        correct = sid in solve_ids
        if correct and (challenge, team) in seen:
            skipped.append(f"{_where('solves', row)}: the team had already solved this challenge")
            continue
        submissions.append(
            {
                "exercise_id": exercise.id,
                "challenge_id": challenge,
                "team_id": team,
                "user_id": None,
                "correct": correct,
                "provided_digest": flag_rules.answer_digest(_text(row, "provided")),
                "submitted_at": at,
            }
        )
        if correct:
            seen.add((challenge, team))
            solves.append({"exercise_id": exercise.id, "challenge_id": challenge, "team_id": team, "solved_at": at})
        else:
            wrong += 1
    missing = sorted(solve_ids - found)
    if missing:
        raise BadBackup(f"{backup.name}: db/solves.json row id {missing[0]} has no submission in db/submissions.json")
    insert_rows(session, Submission.__table__, submissions)
    insert_rows(session, Solve.__table__, solves)
    return len(solves), wrong


def _awards(session: Session, exercise: Exercise, backup: Backup, ids: _Ids, skipped: list[str]) -> tuple[int, int]:
    unlocks: dict[tuple[int, int], HintUnlock] = {}  # (team, CTFd hint id) -> unlock
    for row in sorted(backup.rows("unlocks"), key=lambda r: _int("unlocks", r, "id")):
        if _text(row, "type") not in ("", "hints"):
            continue  # 3.8's solution unlocks cost nothing and unlock nothing here
        account = _account(backup, "unlocks", row)
        team = ids.teams.get(account) if account is not None else None
        target = _int("unlocks", row, "target")
        hint = ids.hints.get(target)
        if team is None or hint is None:
            skipped.append(f"{_where('unlocks', row)}: its {'team' if team is None else 'hint'} is not in the backup")
            continue
        if (team, target) in unlocks:
            continue
        unlock = HintUnlock(hint_id=hint, team_id=team, unlocked_at=_moment("unlocks", row))
        session.add(unlock)
        unlocks[(team, target)] = unlock
    session.flush()
    used: set[int] = set()
    awards = 0
    for row in sorted(backup.rows("awards"), key=lambda r: _int("awards", r, "id")):
        account = _account(backup, "awards", row)
        team = ids.teams.get(account) if account is not None else None
        if team is None:
            skipped.append(f"{_where('awards', row)}: its team is not in the backup")
            continue
        name = _text(row, "name", 200) or "Award"
        link = None
        if _text(row, "category") == "hints" and name.startswith("Hint "):
            hint_number = _opt_int({"n": name.removeprefix("Hint ")}, "n")
            paid = unlocks.get((team, hint_number)) if hint_number is not None else None
            if paid is not None and paid.id not in used:
                used.add(paid.id)
                link = paid.id
        session.add(
            Award(
                exercise_id=exercise.id,
                team_id=team,
                name=name,
                value=_int("awards", row, "value", 0),
                category=_text(row, "category", 100) or None,
                hint_unlock_id=link,
                awarded_at=_moment("awards", row),
            )
        )
        awards += 1
    session.flush()
    return awards, len(unlocks)
