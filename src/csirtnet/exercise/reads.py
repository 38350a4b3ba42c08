"""What the exercise pages and the API read: the list a subject sees, an exercise's overview (its
schedule in its own time zone, staff, teams with their people, the reader's own teams and what the
reader may do), the choices of the forms. No changes here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz import exercise as rules
from csirtnet.exercise import repository
from csirtnet.kit.pagination import paginate
from csirtnet.models import (
    Cluster,
    Exercise,
    ExerciseScope,
    ExerciseStaff,
    ExerciseTeam,
    ExerciseTeamMember,
    Organisation,
    User,
)


def exercises_page(
    session: Session,
    who: Subject,
    *,
    q: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Exercise], str | None]:
    """A page of the exercises `who` may see, newest first."""
    query = repository.search(session, who, q=q, kind=kind, status=status, year=year)
    rows, next_cursor = paginate(session, query, Exercise.id, limit=limit, cursor=cursor)
    return list(rows), next_cursor


@dataclass
class Allowed:
    """What the reader may do on one exercise: the answers of authz.exercise, asked once."""

    organise: bool
    control: bool
    judge: bool
    see_all_work: bool
    manage_team_ids: set[int] = field(default_factory=set)


@dataclass
class TeamView:
    team: ExerciseTeam
    organisation_name: str | None
    members: list[ExerciseTeamMember]


@dataclass
class Schedule:
    """The exercise's moments in its own time zone."""

    zone: str
    starts_at: datetime | None
    ends_at: datetime | None
    freeze_at: datetime | None


@dataclass
class Overview:
    exercise: Exercise
    schedule: Schedule
    organiser_name: str
    cluster_name: str | None
    staff: list[tuple[ExerciseStaff, User]]
    teams: list[TeamView]
    my_team_ids: set[int]
    allowed: Allowed

    @property
    def my_teams(self) -> list[TeamView]:
        return [t for t in self.teams if t.team.id in self.my_team_ids]


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def allowed(session: Session, who: Subject, exercise: Exercise, teams: list[ExerciseTeam]) -> Allowed:
    organise = rules.is_organiser(session, who, exercise)
    return Allowed(
        organise=organise,
        control=organise or rules.can_control(session, who, exercise),
        judge=organise or rules.can_judge(session, who, exercise),
        see_all_work=rules.sees_all_work(session, who, exercise),
        manage_team_ids={t.id for t in teams if organise or rules.can_manage_team(session, who, exercise, t)},
    )


def overview(session: Session, who: Subject, exercise_id: int) -> Overview:
    """An exercise as its page shows it (NotFound when `who` may not see it). Every team is listed
    with its people: the roster is part of the exercise, the team's work is not."""
    exercise = rules.get_visible(session, who, exercise_id)
    zone = ZoneInfo(exercise.timezone)
    team_rows = repository.teams(session, exercise.id)
    people: dict[int, list[ExerciseTeamMember]] = {}
    for member in repository.members(session, [t.id for t, _ in team_rows]):
        people.setdefault(member.team_id, []).append(member)
    organiser = session.get(Organisation, exercise.organiser_organisation_id)
    cluster = session.get(Cluster, exercise.cluster_id) if exercise.cluster_id is not None else None
    return Overview(
        exercise=exercise,
        schedule=Schedule(
            zone=exercise.timezone,
            starts_at=_local(exercise.starts_at, zone),
            ends_at=_local(exercise.ends_at, zone),
            freeze_at=_local(exercise.freeze_at, zone),
        ),
        organiser_name=organiser.name if organiser else "",
        cluster_name=cluster.name if cluster else None,
        staff=repository.staff(session, exercise.id),
        teams=[TeamView(t, name, people.get(t.id, [])) for t, name in team_rows],
        my_team_ids=rules.my_team_ids(session, who, exercise.id),
        allowed=allowed(session, who, exercise, [t for t, _ in team_rows]),
    )


# -- what the forms offer ------------------------------------------------------------------------


@dataclass
class CreateChoices:
    """Where `who` may organise: national and international exercises, and these clusters."""

    network: bool
    clusters: list[tuple[int, str]]

    @property
    def any(self) -> bool:
        return self.network or bool(self.clusters)


def create_choices(session: Session, who: Subject) -> CreateChoices:
    """The scopes and clusters `who` may create an exercise for (authz.exercise.can_create)."""
    network = rules.can_create(session, who, ExerciseScope.NATIONAL, None)
    ids = cluster_authz.led_or_all_cluster_ids(session, who)
    query = select(Cluster.id, Cluster.name).order_by(Cluster.number, Cluster.name)
    if ids is not None:
        if not ids:
            return CreateChoices(network, [])
        query = query.where(Cluster.id.in_(ids))
    clusters = [(i, n) for i, n in session.execute(query) if rules.can_create(session, who, ExerciseScope.CLUSTER, i)]
    return CreateChoices(network, clusters)


def team_organisation_choices(session: Session, exercise: Exercise) -> list[tuple[int, str]]:
    return repository.team_organisation_choices(session, exercise)
