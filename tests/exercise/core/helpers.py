"""Building blocks for the core exercise tests: cluster no. 1 with six provinces (the first leads
it this year), each with an admin and a responder; the coordinator; a province of another cluster;
and exercises made through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import cluster as cluster_authz
from csirtnet.exercise import service
from csirtnet.exercise.schemas import ExerciseCreate, MemberIn, TeamCreate
from csirtnet.models import Cluster, ClusterLeadTerm, ClusterMember, Exercise, ExerciseTeam, Organisation, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, who

PROVINCES = ("Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Cao Bằng", "Lạng Sơn", "Thái Nguyên")
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


@dataclass
class World:
    coordinator: User
    cluster: Cluster
    provinces: list[Organisation]
    admins: list[User]  # one org admin per province; admins[0] is the cluster's lead's
    responders: list[User]
    other_cluster: Cluster
    outsider_org: Organisation
    outsider: User  # an org admin of a province of another cluster (and its lead)


def make_world(db: Session) -> World:
    coord = coordinator(db)
    cluster = Cluster(name="Cụm số 1", number=1)
    other = Cluster(name="Cụm số 5", number=5)
    db.add_all([cluster, other])
    db.flush()
    provinces: list[Organisation] = []
    admins: list[User] = []
    responders: list[User] = []
    for name in PROVINCES:
        org = make_organisation(db, kind="province", province=name, name=f"Sở TT&TT {name}")
        db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
        provinces.append(org)
        admins.append(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
        responders.append(make_user(db, roles=[Role.RESPONDER], organisation=org))
    outsider_org = make_organisation(db, kind="province", province="Cà Mau", name="Sở TT&TT Cà Mau")
    db.add(ClusterMember(cluster_id=other.id, organisation_id=outsider_org.id, joined_on=date(2024, 1, 1)))
    outsider = make_user(db, roles=[Role.ORG_ADMIN], organisation=outsider_org)
    year = cluster_authz.today().year
    for c, org in ((cluster, provinces[0]), (other, outsider_org)):
        db.add(
            ClusterLeadTerm(
                cluster_id=c.id, organisation_id=org.id, starts_on=date(year - 1, 1, 1), ends_on=date(year + 1, 12, 31)
            )
        )
    db.flush()
    return World(coord, cluster, provinces, admins, responders, other, outsider_org, outsider)


def exercise_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "technical",
        "scope": "national",
        "title": "Diễn tập kỹ thuật quốc gia 2026",
        "description": "Các đội giải thử thách **CTF** trong 8 giờ.",
        "rules": "Không tấn công hạ tầng thi.",
        "timezone": "Asia/Ho_Chi_Minh",
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=8)).isoformat(),
        "freeze_at": (START + timedelta(hours=7)).isoformat(),
    }
    values.update(overrides)
    return values


def make_exercise(db: Session, organiser: User, **overrides: Any) -> Exercise:
    return service.create(db, who(organiser), ExerciseCreate.model_validate(exercise_data(**overrides)))


def cluster_exercise(db: Session, w: World, **overrides: Any) -> Exercise:
    values: dict[str, Any] = {"scope": "cluster", "cluster_id": w.cluster.id, "title": "Diễn tập Cụm số 1"}
    values.update(overrides)
    return make_exercise(db, w.admins[0], **values)


def add_teams(db: Session, w: World, exercise: Exercise, organiser: User) -> list[ExerciseTeam]:
    """A team per province, each with its responder."""
    teams: list[ExerciseTeam] = []
    for org, person in zip(w.provinces, w.responders, strict=True):
        team = service.add_team(
            db, who(organiser), exercise.id, TeamCreate(name=f"Đội {org.province}", organisation_id=org.id)
        )
        service.add_member(db, who(organiser), exercise.id, team.id, MemberIn(user_id=person.id))
        teams.append(team)
    return teams
