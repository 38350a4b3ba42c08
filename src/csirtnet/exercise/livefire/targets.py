"""A live-fire exercise's targets: what the attackers may attack (in scope) and what they must not
(named out of scope), each owned by a defending member organisation and optionally its defending
team. Organisers change them; whoever sees the exercise reads them, with its rules of engagement
(`Exercise.rules`)."""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import exercise as rules
from csirtnet.errors import Conflict, Forbidden, ValidationFailed
from csirtnet.exercise.common import record
from csirtnet.exercise.livefire import repository
from csirtnet.exercise.livefire.schemas import TargetCreate, TargetUpdate
from csirtnet.models import Exercise, ExerciseTeam, Finding, Organisation, OrganisationStatus, Target

__all__ = ["add", "check_address", "remove", "update"]

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/?#]+\S*$", re.IGNORECASE)
_HOST = re.compile(r"^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$")
_ADDRESS_MESSAGE = "give a URL (https://…), a host name, an IP address or a network (203.0.113.0/24)"


def check_address(value: str) -> str:
    """The target's address in its one stored form (a network normalised), or ValueError."""
    text = value.strip()
    if "/" in text and "://" not in text:
        try:
            return str(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(_ADDRESS_MESSAGE) from None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if _URL.match(text):
        return text
    host = text.lower().rstrip(".")
    ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    if len(host) <= 253 and _HOST.match(ascii_host):
        return host
    raise ValueError(_ADDRESS_MESSAGE)


def _require_organiser(session: Session, who: Subject, exercise: Exercise) -> None:
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers change its targets.")


def _address(value: str) -> str:
    try:
        return check_address(value)
    except ValueError as problem:
        raise ValidationFailed("address", str(problem)) from None


def _defenders(
    session: Session, exercise: Exercise, organisation_id: int | None, team_id: int | None
) -> tuple[int | None, int | None]:
    """The defending organisation and team, checked: a member organisation, a defending team of
    this exercise, and the two agreeing (the team's organisation when only the team is named)."""
    team: ExerciseTeam | None = None
    if team_id is not None:
        team = session.get(ExerciseTeam, team_id)
        if team is None or team.exercise_id != exercise.id:
            raise ValidationFailed("defending_team_id", "is not a team of this exercise")
        if team.side != "defender":
            raise ValidationFailed("defending_team_id", "is not a defending team")
        if organisation_id is None:
            organisation_id = team.organisation_id
        elif team.organisation_id is not None and team.organisation_id != organisation_id:
            raise ValidationFailed("defending_team_id", "belongs to another organisation than the defending one")
    if organisation_id is not None:
        org = session.get(Organisation, organisation_id)
        if org is None or org.status != OrganisationStatus.ACTIVE.value:
            raise ValidationFailed("defending_organisation_id", "is not a member organisation")
    return organisation_id, team_id


def add(session: Session, who: Subject, exercise_id: int, data: TargetCreate) -> Target:
    """Add a target (in scope or named out of scope)."""
    exercise = repository.live_fire(session, who, exercise_id)
    _require_organiser(session, who, exercise)
    address = _address(data.address)
    organisation_id, team_id = _defenders(session, exercise, data.defending_organisation_id, data.defending_team_id)
    target = Target(
        exercise_id=exercise.id,
        name=data.name,
        address=address,
        description=data.description,
        in_scope=data.in_scope,
        defending_organisation_id=organisation_id,
        defending_team_id=team_id,
    )
    session.add(target)
    session.flush()
    record(
        session,
        who,
        "exercise.target_added",
        exercise,
        target,
        target=target.name,
        address=target.address,
        in_scope=target.in_scope,
        defending_organisation_id=organisation_id,
    )
    from csirtnet.exercise.livefire import tasks

    tasks.ensure_daily_summary(session, exercise)
    return target


def update(session: Session, who: Subject, exercise_id: int, target_id: int, data: TargetUpdate) -> Target:
    """Change a target; only the fields sent."""
    exercise = repository.live_fire(session, who, exercise_id)
    _require_organiser(session, who, exercise)
    target = repository.get_target(session, exercise.id, target_id)
    sent = data.model_fields_set
    changed: list[str] = []
    if "address" in sent and data.address is not None:
        target.address = _address(data.address)
        changed.append("address")
    for name in ("name", "description", "in_scope"):
        value = getattr(data, name)
        if name in sent and value is not None and value != getattr(target, name):
            setattr(target, name, value)
            changed.append(name)
    if "defending_organisation_id" in sent or "defending_team_id" in sent:
        org = (
            data.defending_organisation_id if "defending_organisation_id" in sent else target.defending_organisation_id
        )
        team = data.defending_team_id if "defending_team_id" in sent else target.defending_team_id
        if (
            "defending_organisation_id" in sent
            and "defending_team_id" not in sent
            and org != target.defending_organisation_id
        ):
            team = None  # another organisation: its old team no longer defends it
        target.defending_organisation_id, target.defending_team_id = _defenders(session, exercise, org, team)
        changed.append("defenders")
    record(session, who, "exercise.target_changed", exercise, target, target=target.name, fields=changed)
    return target


def remove(session: Session, who: Subject, exercise_id: int, target_id: int) -> None:
    """Remove a target no finding names (one with findings is set out of scope instead)."""
    exercise = repository.live_fire(session, who, exercise_id)
    _require_organiser(session, who, exercise)
    target = repository.get_target(session, exercise.id, target_id)
    if session.scalar(select(func.count(Finding.id)).where(Finding.target_id == target.id)):
        raise Conflict("Findings name this target: set it out of scope instead of removing it.")
    record(session, who, "exercise.target_removed", exercise, target, target=target.name, address=target.address)
    session.delete(target)
    session.flush()
