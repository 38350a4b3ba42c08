"""Building blocks for the tabletop tests: a running tabletop exercise organised by the
coordinating body, two province teams with their people, a controller and a judge, and injects
made through the service. Plain functions returning flushed rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.exercise.tabletop import injects
from csirtnet.exercise.tabletop.schemas import InjectCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Exercise,
    ExerciseStaff,
    ExerciseTeam,
    ExerciseTeamMember,
    Inject,
    Organisation,
    StaffRole,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, who

_seq = itertools.count(1)


def make_exercise(session: Session, organiser: Organisation, **overrides: Any) -> Exercise:
    n = next(_seq)
    values: dict[str, Any] = {
        "reference": f"CSN-EX-2099-{n:04d}",
        "title": f"Diễn tập ứng phó sự cố {n}",
        "kind": "tabletop",
        "scope": "national",
        "status": "running",
        "organiser_organisation_id": organiser.id,
        "starts_at": utcnow() - timedelta(hours=1),
        "ends_at": utcnow() + timedelta(hours=5),
        "late_factor": 0.5,
    }
    values.update(overrides)
    exercise = Exercise(**values)
    session.add(exercise)
    session.flush()
    return exercise


def make_team(
    session: Session, exercise: Exercise, org: Organisation, people: list[User], name: str = ""
) -> ExerciseTeam:
    team = ExerciseTeam(exercise_id=exercise.id, name=name or org.name, organisation_id=org.id)
    session.add(team)
    session.flush()
    for person in people:
        session.add(ExerciseTeamMember(team_id=team.id, user_id=person.id, name=person.full_name))
    session.flush()
    return team


def add_staff(session: Session, exercise: Exercise, user: User, role: StaffRole) -> None:
    session.add(ExerciseStaff(exercise_id=exercise.id, user_id=user.id, role=role.value))
    session.flush()


@dataclass
class World:
    exercise: Exercise
    organiser: User
    controller: User
    judge: User
    team_a: ExerciseTeam
    team_b: ExerciseTeam
    player_a: User
    player_a2: User
    player_b: User
    outsider: User  # a member of the network in no team and not on the staff


def make_world(session: Session, **exercise: Any) -> World:
    organiser = coordinator(session)
    ex = make_exercise(session, session.get(Organisation, organiser.organisation_id), **exercise)  # type: ignore[arg-type]
    org_a = make_organisation(session, kind="province", province="Bắc Kạn", name="Sở TT&TT Bắc Kạn")
    org_b = make_organisation(session, kind="province", province="Cao Bằng", name="Sở TT&TT Cao Bằng")
    player_a = make_user(session, roles=[Role.RESPONDER], organisation=org_a, full_name="Nguyễn Thị An")
    player_a2 = make_user(session, roles=[Role.RESPONDER], organisation=org_a, full_name="Trần Văn Bình")
    player_b = make_user(session, roles=[Role.RESPONDER], organisation=org_b, full_name="Lê Văn Cường")
    controller = make_user(session, roles=[Role.RESPONDER], full_name="Phạm Điều Phối")
    judge = make_user(session, roles=[Role.RESPONDER], full_name="Hoàng Giám Khảo")
    outsider = make_user(session, roles=[Role.RESPONDER], full_name="Người Ngoài")
    add_staff(session, ex, controller, StaffRole.CONTROLLER)
    add_staff(session, ex, judge, StaffRole.JUDGE)
    team_a = make_team(session, ex, org_a, [player_a, player_a2], "Đội Bắc Kạn")
    team_b = make_team(session, ex, org_b, [player_b], "Đội Cao Bằng")
    return World(ex, organiser, controller, judge, team_a, team_b, player_a, player_a2, player_b, outsider)


RUBRIC = [{"criterion": "Nhận diện mã độc", "points": 6}, {"criterion": "Báo cáo kịp thời", "points": 4}]


def make_inject(session: Session, w: World, **overrides: Any) -> Inject:
    values: dict[str, Any] = {
        "title": "Cảnh báo mã độc tống tiền trên cổng thông tin",
        "kind": "alert",
        "body": "Máy chủ cổng thông tin gửi lưu lượng lạ tới 203.0.113.9.",
        "headers": [{"name": "Source", "value": "SOC tỉnh"}, {"name": "Severity", "value": "High"}],
        "answer_kind": "text",
        "answer_minutes": 30,
        "rubric": RUBRIC,
    }
    values.update(overrides)
    return injects.create_inject(session, who(w.organiser), w.exercise.id, InjectCreate.model_validate(values))


def released(session: Session, w: World, at: datetime | None = None, **overrides: Any) -> Inject:
    inject = make_inject(session, w, **overrides)
    injects.release(session, who(w.controller), w.exercise.id, inject.id, now=at)
    return inject
