"""Exercises, their staff and their teams: the rules. Every change writes its audit record
(`exercise.common.record`) in the caller's transaction; nothing here commits.

The life of an exercise: a draft (its organisers prepare it) is published (teams see it and its
schedule), started (running: flags, answers and findings are accepted), finished (the results are
final) and archived; each step only from the one before, said in words when out of order. Who may
do what is asked of `authz.exercise`: organisers change the exercise, its staff and its teams; a
team's organisation's admins also keep its roster and confirm its contact points.

Bad input is refused with the field named (`ValidationFailed`), before anything changes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz import exercise as rules
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import can
from csirtnet.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from csirtnet.exercise.common import next_reference, record
from csirtnet.exercise.schemas import (
    ContactConfirm,
    ExerciseCreate,
    ExerciseUpdate,
    MemberIn,
    StaffIn,
    TeamCreate,
    TeamUpdate,
)
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import (
    Exercise,
    ExerciseKind,
    ExerciseScope,
    ExerciseStaff,
    ExerciseStatus,
    ExerciseTeam,
    ExerciseTeamMember,
    Organisation,
    OrganisationStatus,
    StaffRole,
    User,
)

__all__ = [
    "add_member",
    "add_staff",
    "add_team",
    "archive",
    "confirm_contact",
    "create",
    "finish",
    "publish",
    "remove_member",
    "remove_staff",
    "remove_team",
    "start",
    "update",
    "update_team",
]


# -- the exercise ------------------------------------------------------------------------------


def _check_schedule(starts_at: datetime | None, ends_at: datetime | None, freeze_at: datetime | None) -> None:
    errors: list[FieldError] = []
    if starts_at and ends_at and as_utc(ends_at) <= as_utc(starts_at):
        errors.append(FieldError("ends_at", "must be after the start"))
    if freeze_at is not None:
        if starts_at is None or ends_at is None:
            errors.append(FieldError("freeze_at", "needs the start and the end of the exercise"))
        elif not as_utc(starts_at) <= as_utc(freeze_at) <= as_utc(ends_at):
            errors.append(FieldError("freeze_at", "must be between the start and the end"))
    if errors:
        raise ValidationFailed(errors[0].field, errors[0].message, errors=errors)


def _organiser_organisation(session: Session, who: Subject, scope: ExerciseScope, cluster_id: int | None) -> int:
    """A cluster exercise belongs to the cluster's lead (its admins organise it while their term
    runs); any other to the organisation of the person creating it, or the coordinating body."""
    if scope is ExerciseScope.CLUSTER and cluster_id is not None:
        term = cluster_authz.lead_term(session, cluster_id)
        if term is not None:
            return term.organisation_id
    if who.organisation_id is not None:
        return who.organisation_id
    from csirtnet.bootstrap import coordinator_organisation

    return coordinator_organisation(session).id


def create(session: Session, who: Subject, data: ExerciseCreate) -> Exercise:
    """A new exercise, as a draft; its creator becomes one of its organisers."""
    if data.scope is ExerciseScope.CLUSTER:
        if data.cluster_id is None:
            raise ValidationFailed("cluster_id", "a cluster exercise names its cluster")
        if not cluster_authz.cluster_exists(session, data.cluster_id):
            raise ValidationFailed("cluster_id", "no such cluster")
    elif data.cluster_id is not None:
        raise ValidationFailed("cluster_id", "only a cluster exercise names a cluster")
    rules.require_create(session, who, data.scope, data.cluster_id)
    _check_schedule(data.starts_at, data.ends_at, data.freeze_at)
    now = utcnow()
    exercise = Exercise(
        reference=next_reference(session),
        title=data.title,
        kind=data.kind.value,
        scope=data.scope.value,
        status=ExerciseStatus.DRAFT.value,
        description=data.description,
        rules=data.rules,
        organiser_organisation_id=_organiser_organisation(session, who, data.scope, data.cluster_id),
        cluster_id=data.cluster_id,
        timezone=data.timezone,
        starts_at=as_utc(data.starts_at) if data.starts_at else None,
        ends_at=as_utc(data.ends_at) if data.ends_at else None,
        freeze_at=as_utc(data.freeze_at) if data.freeze_at else None,
        tlp=data.tlp.label,
        source="manual" if data.kind is ExerciseKind.EXTERNAL else "native",
        external_name=data.external_name or None,
        attempts_per_minute=data.attempts_per_minute,
        late_factor=data.late_factor,
        created_by_id=who.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(exercise)
    session.flush()
    if who.user_id is not None:
        session.add(ExerciseStaff(exercise_id=exercise.id, user_id=who.user_id, role=StaffRole.ORGANISER.value))
        session.flush()
    record(session, who, "exercise.created", exercise, kind=exercise.kind, scope=exercise.scope, title=exercise.title)
    return exercise


def _organised(session: Session, who: Subject, exercise_id: int) -> Exercise:
    """The exercise, if `who` sees it (else NotFound) and organises it (else Forbidden)."""
    exercise = rules.get_visible(session, who, exercise_id)
    if not rules.is_organiser(session, who, exercise):
        raise Forbidden("Only the exercise's organisers may do this.")
    return exercise


def _not_archived(exercise: Exercise) -> None:
    if exercise.status == ExerciseStatus.ARCHIVED.value:
        raise Conflict("The exercise is archived; it no longer changes.")


_SETTINGS = ("title", "description", "rules", "timezone", "attempts_per_minute", "late_factor", "external_name")


def update(session: Session, who: Subject, exercise_id: int, data: ExerciseUpdate) -> Exercise:
    """Change the exercise's settings (not once archived)."""
    exercise = _organised(session, who, exercise_id)
    _not_archived(exercise)
    sent = data.model_fields_set
    moments = {
        name: (getattr(data, name) if name in sent else getattr(exercise, name))
        for name in ("starts_at", "ends_at", "freeze_at")
    }
    _check_schedule(moments["starts_at"], moments["ends_at"], moments["freeze_at"])
    changed: list[str] = []
    for name in _SETTINGS:
        if name in sent and getattr(data, name) != getattr(exercise, name):
            if getattr(data, name) is None and name != "external_name":
                continue
            setattr(exercise, name, getattr(data, name))
            changed.append(name)
    for name, value in moments.items():
        value = as_utc(value) if value is not None else None
        current = getattr(exercise, name)
        if name in sent and value != (as_utc(current) if current is not None else None):
            setattr(exercise, name, value)
            changed.append(name)
    if "tlp" in sent and data.tlp is not None and data.tlp.label != exercise.tlp:
        exercise.tlp = data.tlp.label
        changed.append("tlp")
    if changed:
        exercise.updated_at = utcnow()
        record(session, who, "exercise.updated", exercise, fields=changed)
    return exercise


# -- the lifecycle -----------------------------------------------------------------------------

_BEFORE = {
    ExerciseStatus.PUBLISHED: ExerciseStatus.DRAFT,
    ExerciseStatus.RUNNING: ExerciseStatus.PUBLISHED,
    ExerciseStatus.FINISHED: ExerciseStatus.RUNNING,
    ExerciseStatus.ARCHIVED: ExerciseStatus.FINISHED,
}
_REFUSALS = {
    ExerciseStatus.PUBLISHED: "Only a draft is published (this exercise is %(status)s).",
    ExerciseStatus.RUNNING: "Only a published exercise is started (this exercise is %(status)s).",
    ExerciseStatus.FINISHED: "Only a running exercise is finished (this exercise is %(status)s).",
    ExerciseStatus.ARCHIVED: "Only a finished exercise is archived (this exercise is %(status)s).",
}
_VERBS = {
    ExerciseStatus.PUBLISHED: "exercise.published",
    ExerciseStatus.RUNNING: "exercise.started",
    ExerciseStatus.FINISHED: "exercise.finished",
    ExerciseStatus.ARCHIVED: "exercise.archived",
}


def _move(session: Session, who: Subject, exercise_id: int, to: ExerciseStatus, now: datetime | None) -> Exercise:
    exercise = _organised(session, who, exercise_id)
    if exercise.status != _BEFORE[to].value:
        raise Conflict(_REFUSALS[to] % {"status": exercise.status})
    if to is ExerciseStatus.PUBLISHED and exercise.kind != ExerciseKind.EXTERNAL.value:
        missing = [
            FieldError(name, "set the start and the end before publishing")
            for name in ("starts_at", "ends_at")
            if getattr(exercise, name) is None
        ]
        if missing:
            raise ValidationFailed(missing[0].field, missing[0].message, errors=missing)
    moment = now or utcnow()
    before = exercise.status
    exercise.status = to.value
    exercise.updated_at = moment
    if to is ExerciseStatus.FINISHED:
        exercise.finished_at = moment
    record(session, who, _VERBS[to], exercise, status_before=before, status=to.value)
    return exercise


def publish(session: Session, who: Subject, exercise_id: int, *, now: datetime | None = None) -> Exercise:
    """Publish a draft: the teams and the exercise's audience see it and its schedule."""
    return _move(session, who, exercise_id, ExerciseStatus.PUBLISHED, now)


def start(session: Session, who: Subject, exercise_id: int, *, now: datetime | None = None) -> Exercise:
    """Start a published exercise: flags, answers and findings are accepted (a live-fire exercise's
    daily summary is queued from its first day)."""
    from csirtnet.exercise.livefire.tasks import ensure_daily_summary

    exercise = _move(session, who, exercise_id, ExerciseStatus.RUNNING, now)
    ensure_daily_summary(session, exercise, now=now)
    return exercise


def finish(session: Session, who: Subject, exercise_id: int, *, now: datetime | None = None) -> Exercise:
    """Finish a running exercise: nothing more is accepted, the results are final and go into each
    participating member's readiness record for the year (results.readiness.record_results)."""
    from csirtnet.exercise.results.readiness import record_results

    exercise = _move(session, who, exercise_id, ExerciseStatus.FINISHED, now)
    record_results(session, who, exercise)
    return exercise


def archive(session: Session, who: Subject, exercise_id: int, *, now: datetime | None = None) -> Exercise:
    """Archive a finished exercise."""
    return _move(session, who, exercise_id, ExerciseStatus.ARCHIVED, now)


# -- staff -------------------------------------------------------------------------------------


def _person(session: Session, user_id: int | None, email: str | None) -> User:
    """The active user named by id or email, or a refusal naming the field."""
    if user_id is None and email is None:
        raise ValidationFailed("email", "name the person by email")
    if user_id is not None:
        user = session.get(User, user_id)
        field = "user_id"
    else:
        user = session.scalar(select(User).where(func.lower(User.email) == str(email).strip().lower()))
        field = "email"
    if user is None or not user.is_active:
        raise ValidationFailed(field, "no active user with this email" if field == "email" else "no such active user")
    return user


def add_staff(session: Session, who: Subject, exercise_id: int, data: StaffIn) -> ExerciseStaff:
    """Name an organiser, controller or judge; a judge must hold the judging permission."""
    from csirtnet.identity.service import subject_for

    exercise = _organised(session, who, exercise_id)
    _not_archived(exercise)
    user = _person(session, data.user_id, data.email)
    field = "user_id" if data.user_id is not None else "email"
    if data.role is StaffRole.JUDGE and not can(subject_for(user), Permission.EXERCISES_JUDGE):
        raise ValidationFailed(field, "this person's roles do not allow judging")
    taken = session.scalar(
        select(ExerciseStaff.id).where(
            ExerciseStaff.exercise_id == exercise.id,
            ExerciseStaff.user_id == user.id,
            ExerciseStaff.role == data.role.value,
        )
    )
    if taken is not None:
        raise ValidationFailed(field, "this person already has this role in the exercise")
    staff = ExerciseStaff(exercise_id=exercise.id, user_id=user.id, role=data.role.value)
    session.add(staff)
    session.flush()
    record(session, who, "exercise.staff_added", exercise, staff, user_id=user.id, role=staff.role)
    return staff


def remove_staff(session: Session, who: Subject, exercise_id: int, staff_id: int) -> None:
    """Take a person off the staff; the exercise keeps at least one named organiser."""
    exercise = _organised(session, who, exercise_id)
    _not_archived(exercise)
    staff = session.get(ExerciseStaff, staff_id)
    if staff is None or staff.exercise_id != exercise.id:
        raise NotFound("staff member")
    if staff.role == StaffRole.ORGANISER.value:
        organisers = session.scalar(
            select(func.count(ExerciseStaff.id)).where(
                ExerciseStaff.exercise_id == exercise.id, ExerciseStaff.role == StaffRole.ORGANISER.value
            )
        )
        if (organisers or 0) <= 1:
            raise Conflict("The exercise keeps at least one named organiser.")
    record(session, who, "exercise.staff_removed", exercise, staff, user_id=staff.user_id, role=staff.role)
    session.delete(staff)
    session.flush()


# -- teams -------------------------------------------------------------------------------------


def _check_organisation(session: Session, exercise: Exercise, organisation_id: int | None) -> None:
    """A team comes from an active member organisation; in a cluster exercise, one of the cluster's."""
    if organisation_id is None:
        return
    org = session.get(Organisation, organisation_id)
    if org is None or org.status != OrganisationStatus.ACTIVE.value:
        raise ValidationFailed("organisation_id", "choose an active member organisation")
    cluster_id = exercise.cluster_id if exercise.scope == ExerciseScope.CLUSTER.value else None
    if cluster_id is not None and organisation_id not in cluster_authz.organisation_ids_in_cluster(session, cluster_id):
        raise ValidationFailed("organisation_id", "choose an organisation of the exercise's cluster")


def _check_name(session: Session, exercise_id: int, name: str, team_id: int | None = None) -> None:
    """A team's name is unique in its exercise, whatever its case (compared in Python: SQLite's
    lower() leaves Vietnamese letters as they are)."""
    query = select(ExerciseTeam.name).where(ExerciseTeam.exercise_id == exercise_id)
    if team_id is not None:
        query = query.where(ExerciseTeam.id != team_id)
    if name.casefold() in {n.casefold() for n in session.scalars(query)}:
        raise ValidationFailed("name", "another team of this exercise has this name")


def _team(session: Session, exercise: Exercise, team_id: int) -> ExerciseTeam:
    team = session.get(ExerciseTeam, team_id)
    if team is None or team.exercise_id != exercise.id:
        raise NotFound("team")
    return team


def add_team(session: Session, who: Subject, exercise_id: int, data: TeamCreate) -> ExerciseTeam:
    """Add a team from a member organisation (a name unique in the exercise)."""
    exercise = _organised(session, who, exercise_id)
    _not_archived(exercise)
    _check_name(session, exercise.id, data.name)
    _check_organisation(session, exercise, data.organisation_id)
    team = ExerciseTeam(
        exercise_id=exercise.id,
        name=data.name,
        organisation_id=data.organisation_id,
        side=data.side,
        hidden=data.hidden,
        created_at=utcnow(),
    )
    session.add(team)
    session.flush()
    record(session, who, "exercise.team_added", exercise, team, team_id=team.id, name=team.name)
    return team


def update_team(session: Session, who: Subject, exercise_id: int, team_id: int, data: TeamUpdate) -> ExerciseTeam:
    """Rename a team, change its organisation, side or whether it is ranked."""
    exercise = _organised(session, who, exercise_id)
    _not_archived(exercise)
    team = _team(session, exercise, team_id)
    sent = data.model_fields_set
    if "name" in sent and data.name is not None:
        _check_name(session, exercise.id, data.name, team.id)
    if "organisation_id" in sent:
        _check_organisation(session, exercise, data.organisation_id)
    changed: list[str] = []
    for name in ("name", "organisation_id", "side", "hidden"):
        value = getattr(data, name)
        if name in sent and (value is not None or name == "organisation_id") and value != getattr(team, name):
            setattr(team, name, value)
            changed.append(name)
    if changed:
        session.flush()
        record(session, who, "exercise.team_updated", exercise, team, team_id=team.id, fields=changed)
    return team


def remove_team(session: Session, who: Subject, exercise_id: int, team_id: int) -> None:
    """Remove a team (with its work) while the exercise has not started."""
    exercise = _organised(session, who, exercise_id)
    team = _team(session, exercise, team_id)
    if exercise.status not in (ExerciseStatus.DRAFT.value, ExerciseStatus.PUBLISHED.value):
        raise Conflict("A team is removed only before the exercise starts; hide it from the ranking instead.")
    record(session, who, "exercise.team_removed", exercise, team, name=team.name)
    session.delete(team)
    session.flush()


def _managed_team(session: Session, who: Subject, exercise_id: int, team_id: int) -> tuple[Exercise, ExerciseTeam]:
    exercise = rules.get_visible(session, who, exercise_id)
    team = _team(session, exercise, team_id)
    if not rules.can_manage_team(session, who, exercise, team):
        raise Forbidden("Only the exercise's organisers and the team's organisation's admins may do this.")
    _not_archived(exercise)
    return exercise, team


def add_member(session: Session, who: Subject, exercise_id: int, team_id: int, data: MemberIn) -> ExerciseTeamMember:
    """Add a person to a team: a user of the team's organisation, or a name only."""
    exercise, team = _managed_team(session, who, exercise_id, team_id)
    if data.user_id is None and data.email is None:
        if not data.name:
            raise ValidationFailed("email", "name the person by email, or give a name only")
        member = ExerciseTeamMember(team_id=team.id, user_id=None, name=data.name, captain=data.captain)
    else:
        user = _person(session, data.user_id, data.email)
        field = "user_id" if data.user_id is not None else "email"
        if team.organisation_id is not None and user.organisation_id != team.organisation_id:
            raise ValidationFailed(field, "this person is not of the team's organisation")
        taken = session.scalar(
            select(ExerciseTeamMember.id)
            .join(ExerciseTeam, ExerciseTeam.id == ExerciseTeamMember.team_id)
            .where(ExerciseTeam.exercise_id == exercise.id, ExerciseTeamMember.user_id == user.id)
        )
        if taken is not None:
            raise ValidationFailed(field, "this person is already in a team of this exercise")
        member = ExerciseTeamMember(
            team_id=team.id, user_id=user.id, name=data.name or user.full_name, captain=data.captain
        )
    session.add(member)
    session.flush()
    record(session, who, "exercise.member_added", exercise, member, team_id=team.id, user_id=member.user_id)
    return member


def remove_member(session: Session, who: Subject, exercise_id: int, team_id: int, member_id: int) -> None:
    """Take a person off a team."""
    exercise, team = _managed_team(session, who, exercise_id, team_id)
    member = session.get(ExerciseTeamMember, member_id)
    if member is None or member.team_id != team.id:
        raise NotFound("team member")
    record(session, who, "exercise.member_removed", exercise, member, team_id=team.id, user_id=member.user_id)
    session.delete(member)
    session.flush()


def confirm_contact(
    session: Session, who: Subject, exercise_id: int, team_id: int, data: ContactConfirm, *, now: datetime | None = None
) -> ExerciseTeam:
    """The team's admin confirms its contact points (as ACID asks teams to)."""
    exercise, team = _managed_team(session, who, exercise_id, team_id)
    team.contact_confirmed_at = now or utcnow()
    team.contact_note = data.note or None
    session.flush()
    record(session, who, "exercise.contact_confirmed", exercise, team, team_id=team.id)
    return team
