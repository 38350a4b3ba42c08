"""Building blocks for the live-fire tests: a running 14-day exercise against a provincial portal,
two attacking teams, a defending team from the province, a judge, an outsider; findings through the
services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.exercise.livefire import findings
from csirtnet.exercise.livefire.schemas import FindingCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    Exercise,
    ExerciseStaff,
    ExerciseTeam,
    ExerciseTeamMember,
    Finding,
    Organisation,
    Target,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, who

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"  # 8.1
MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"  # 5.4
LOW = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"  # 3.1


@dataclass
class World:
    exercise: Exercise
    start: datetime  # the exercise's start
    coordinator: User
    judge: User
    attack_a: ExerciseTeam
    attack_b: ExerciseTeam
    defence: ExerciseTeam
    a1: User  # plays in attack_a
    b1: User  # plays in attack_b
    defender_org: Organisation
    defender: User  # a responder of the defending province, in the defending team
    defender_admin: User
    defender_viewer: User
    outsider: User  # an org admin of a province taking no part
    portal: Target
    mail: Target  # named out of scope


def _team(db: Session, exercise: Exercise, name: str, side: str, org: Organisation, *people: User) -> ExerciseTeam:
    team = ExerciseTeam(exercise_id=exercise.id, name=name, side=side, organisation_id=org.id)
    db.add(team)
    db.flush()
    for person in people:
        db.add(ExerciseTeamMember(team_id=team.id, user_id=person.id, name=person.full_name))
    db.flush()
    return team


def make_world(db: Session, *, status: str = "running", starts_at: datetime | None = None) -> World:
    coord = coordinator(db)
    start = starts_at or utcnow() - timedelta(days=2)
    exercise = Exercise(
        reference=f"CSN-EX-2026-{db.query(Exercise).count() + 1:04d}",
        title="Diễn tập tấn công thực tế cổng thông tin tỉnh",
        kind="live_fire",
        scope="national",
        status=status,
        rules="Chỉ tấn công các mục tiêu trong phạm vi. Không tấn công từ chối dịch vụ.",
        organiser_organisation_id=coord.organisation_id,
        timezone="Asia/Ho_Chi_Minh",
        starts_at=start,
        ends_at=start + timedelta(days=14),
        created_by_id=coord.id,
    )
    db.add(exercise)
    db.flush()
    judge_org = make_organisation(db, kind="province", province="Hà Nội")
    judge = make_user(db, roles=[Role.RESPONDER], organisation=judge_org)
    db.add(ExerciseStaff(exercise_id=exercise.id, user_id=judge.id, role="judge"))
    org_a = make_organisation(db, kind="province", province="Bắc Ninh")
    org_b = make_organisation(db, kind="province", province="Bắc Giang")
    defender_org = make_organisation(db, kind="province", province="Bắc Kạn", name="Sở TT&TT Bắc Kạn")
    a1 = make_user(db, roles=[Role.RESPONDER], organisation=org_a)
    b1 = make_user(db, roles=[Role.RESPONDER], organisation=org_b)
    defender = make_user(db, roles=[Role.RESPONDER], organisation=defender_org)
    defender_admin = make_user(db, roles=[Role.ORG_ADMIN], organisation=defender_org)
    defender_viewer = make_user(db, roles=[Role.VIEWER], organisation=defender_org)
    outsider = make_user(db, roles=[Role.ORG_ADMIN], organisation=make_organisation(db, kind="province"))
    attack_a = _team(db, exercise, "Đội tấn công Bắc Ninh", "attacker", org_a, a1)
    attack_b = _team(db, exercise, "Đội tấn công Bắc Giang", "attacker", org_b, b1)
    defence = _team(db, exercise, "Đội phòng thủ Bắc Kạn", "defender", defender_org, defender)
    portal = Target(
        exercise_id=exercise.id,
        name="Cổng thông tin điện tử tỉnh",
        address="https://backan.example.vn",
        in_scope=True,
        defending_organisation_id=defender_org.id,
        defending_team_id=defence.id,
    )
    mail = Target(
        exercise_id=exercise.id,
        name="Máy chủ thư",
        address="mail.backan.example.vn",
        in_scope=False,
        defending_organisation_id=defender_org.id,
    )
    db.add_all([portal, mail])
    db.flush()
    return World(
        exercise, start, coord, judge, attack_a, attack_b, defence, a1, b1, defender_org, defender, defender_admin,
        defender_viewer, outsider, portal, mail,
    )  # fmt: skip


def submit(db: Session, w: World, user: User, *, at: datetime | None = None, **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "target_id": w.portal.id,
        "title": "SQL injection ở trang tìm kiếm",
        "vulnerability": "CWE-89",
        "asset": "https://backan.example.vn/tim-kiem?q=",
        "proof": "q=' OR 1=1-- trả về toàn bộ bản ghi",
        "cvss_vector": CRITICAL,
    }
    values.update(overrides)
    return findings.submit(db, who(user), w.exercise.id, FindingCreate(**values), now=at)
