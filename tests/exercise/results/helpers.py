"""Building blocks for the results tests: the coordinator, six provinces of cluster no. 1 with their
admins and responders, a finished national technical drill whose board is known (one award per team,
so the scores and the order are given), and an outside drill. Plain functions returning flushed rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Award,
    Cluster,
    ClusterMember,
    Exercise,
    ExerciseTeam,
    ExerciseTeamMember,
    Organisation,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator

PROVINCES = ("Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Cao Bằng", "Lạng Sơn", "Thái Nguyên")
_seq = itertools.count(1)


@dataclass
class World:
    coordinator: User
    coordinating_body: Organisation
    cluster: Cluster
    provinces: list[Organisation]
    admins: list[User]  # one org admin per province, in PROVINCES order
    responders: list[User]
    outsider_org: Organisation
    outsider: User


def make_world(db: Session) -> World:
    coord = coordinator(db)
    body = db.get(Organisation, coord.organisation_id)
    assert body is not None
    cluster = Cluster(name=f"Cụm số {next(_seq)}", number=next(_seq))
    db.add(cluster)
    db.flush()
    provinces: list[Organisation] = []
    admins: list[User] = []
    responders: list[User] = []
    for name in PROVINCES:
        org = make_organisation(db, kind="province", province=name, name=f"Sở TT&TT {name}", short_name=f"STTTT-{name}")
        db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
        provinces.append(org)
        admins.append(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
        responders.append(make_user(db, roles=[Role.RESPONDER], organisation=org))
    outsider_org = make_organisation(db, kind="province", province="Cà Mau", name="Sở TT&TT Cà Mau")
    outsider = make_user(db, roles=[Role.ORG_ADMIN], organisation=outsider_org)
    db.flush()
    return World(coord, body, cluster, provinces, admins, responders, outsider_org, outsider)


def held_at(days_ago: int = 30) -> datetime:
    return utcnow().replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)


def finished_drill(
    db: Session,
    w: World,
    *,
    teams: int = 63,
    third: int = 2,
    hidden: int = 0,
    title: str = "Diễn tập quốc gia kỹ thuật",
    starts_at: datetime | None = None,
    status: str = "finished",
    kind: str = "technical",
) -> Exercise:
    """A national technical drill of `teams` ranked teams, finished: team i scores 1000 - 10 i, and
    province `third` (its responder listed as a member) is placed third. The other teams come from
    fresh organisations; `hidden` more teams are hidden (not ranked)."""
    start = starts_at or held_at()
    exercise = Exercise(
        reference=f"CSN-EX-2098-{next(_seq):04d}",
        title=title,
        kind=kind,
        scope="national",
        status=status,
        organiser_organisation_id=w.coordinating_body.id,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        finished_at=start + timedelta(hours=9) if status == "finished" else None,
        tlp="TLP:GREEN",
    )
    db.add(exercise)
    db.flush()
    others = [p for i, p in enumerate(w.provinces) if i != third]
    order = [*others[:2], w.provinces[third], *others[2:]]
    for position in range(teams + hidden):
        if position < len(order):
            org = order[position]
        else:
            org = make_organisation(db, kind="province", name=f"Đội tỉnh {exercise.id}-{position}")
        team = ExerciseTeam(
            exercise_id=exercise.id, name=f"Đội {org.name}", organisation_id=org.id, hidden=position >= teams
        )
        db.add(team)
        db.flush()
        if org.id == w.provinces[third].id:
            responder = w.responders[third]
            db.add(ExerciseTeamMember(team_id=team.id, user_id=responder.id, name=responder.full_name))
        db.add(
            Award(
                exercise_id=exercise.id,
                team_id=team.id,
                name="Điểm",
                value=1000 - 10 * position if position < teams else 5000,
                awarded_at=start + timedelta(minutes=position + 1),
            )
        )
    db.flush()
    return exercise


def team_of(db: Session, exercise: Exercise, org: Organisation) -> ExerciseTeam:
    from sqlalchemy import select

    team = db.scalar(
        select(ExerciseTeam).where(ExerciseTeam.exercise_id == exercise.id, ExerciseTeam.organisation_id == org.id)
    )
    assert team is not None
    return team
