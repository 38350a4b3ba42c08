"""Exercise queries, each scoped through authz.exercise: the exercises a subject sees, an exercise's
staff and teams (the caller found the exercise with `authz.exercise.get_visible`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.exercise import visible_exercises_clause
from csirtnet.models import (
    Exercise,
    ExerciseScope,
    ExerciseStaff,
    ExerciseTeam,
    ExerciseTeamMember,
    Organisation,
    OrganisationStatus,
    User,
)


def visible(session: Session, who: Subject) -> Select[Exercise]:
    """Every exercise `who` may see."""
    return select(Exercise).where(visible_exercises_clause(session, who))


def search(
    session: Session,
    who: Subject,
    *,
    q: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    year: int | None = None,
) -> Select[Exercise]:
    """The exercises `who` may see, narrowed by words (reference, title, outside drill's name),
    kind, status and the year it starts in (or was created in, when it has no start yet)."""
    query = visible(session, who)
    for word in (q or "").lower().split():
        query = query.where(
            or_(
                func.lower(Exercise.title).contains(word, autoescape=True),
                func.lower(Exercise.reference).contains(word, autoescape=True),
                func.lower(func.coalesce(Exercise.external_name, "")).contains(word, autoescape=True),
            )
        )
    if kind:
        query = query.where(Exercise.kind == kind)
    if status:
        query = query.where(Exercise.status == status)
    if year is not None:
        moment = func.coalesce(Exercise.starts_at, Exercise.created_at)
        query = query.where(moment >= datetime(year, 1, 1, tzinfo=UTC), moment < datetime(year + 1, 1, 1, tzinfo=UTC))
    return query


def staff(session: Session, exercise_id: int) -> list[tuple[ExerciseStaff, User]]:
    """The exercise's staff with their users, by role then name."""
    rows = session.execute(
        select(ExerciseStaff, User)
        .join(User, User.id == ExerciseStaff.user_id)
        .where(ExerciseStaff.exercise_id == exercise_id)
        .order_by(ExerciseStaff.role, User.full_name, ExerciseStaff.id)
    )
    return [(s, u) for s, u in rows]


def teams(session: Session, exercise_id: int) -> list[tuple[ExerciseTeam, str | None]]:
    """The exercise's teams with their organisation's name, by name."""
    rows = session.execute(
        select(ExerciseTeam, Organisation.name)
        .outerjoin(Organisation, Organisation.id == ExerciseTeam.organisation_id)
        .where(ExerciseTeam.exercise_id == exercise_id)
        .order_by(ExerciseTeam.name, ExerciseTeam.id)
    )
    return [(t, name) for t, name in rows]


def members(session: Session, team_ids: list[int]) -> list[ExerciseTeamMember]:
    """The people of these teams, captains first."""
    if not team_ids:
        return []
    return list(
        session.scalars(
            select(ExerciseTeamMember)
            .where(ExerciseTeamMember.team_id.in_(team_ids))
            .order_by(ExerciseTeamMember.captain.desc(), ExerciseTeamMember.name, ExerciseTeamMember.id)
        )
    )


def team_organisation_choices(session: Session, exercise: Exercise) -> list[tuple[int, str]]:
    """The organisations a team of this exercise may come from: the active members (a cluster
    exercise: the cluster's), by name."""
    query = select(Organisation.id, Organisation.name).where(Organisation.status == OrganisationStatus.ACTIVE.value)
    if exercise.scope == ExerciseScope.CLUSTER.value and exercise.cluster_id is not None:
        ids = cluster_authz.organisation_ids_in_cluster(session, exercise.cluster_id)
        query = query.where(Organisation.id.in_(ids))
    return [(i, n) for i, n in session.execute(query.order_by(Organisation.name_sort, Organisation.id))]
