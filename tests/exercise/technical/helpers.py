"""Plain factories for technical drills: a running national drill with two teams of one player each,
its organiser (the coordinator) and a member who plays in neither team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.exercise.common import next_reference
from csirtnet.exercise.technical import challenges
from csirtnet.exercise.technical.schemas import ChallengeCreate
from csirtnet.identity.service import subject_for
from csirtnet.models import Challenge, Exercise, ExerciseTeam, ExerciseTeamMember, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator


@dataclass
class Drill:
    exercise: Exercise
    organiser: User
    teams: list[ExerciseTeam]
    players: list[User]  # players[i] plays in teams[i]
    outsider: User

    def who(self, user: User) -> Subject:
        return subject_for(user)


def make_drill(db: Session, *, status: str = "running", **overrides: Any) -> Drill:
    organiser = coordinator(db)
    values: dict[str, Any] = {
        "reference": next_reference(db),
        "title": "Diễn tập kỹ thuật cụm 1",
        "kind": "technical",
        "scope": "national",
        "status": status,
        "organiser_organisation_id": organiser.organisation_id,
        "attempts_per_minute": 10,
    }
    values.update(overrides)
    exercise = Exercise(**values)
    db.add(exercise)
    db.flush()
    teams, players = [], []
    for name in ("Bắc Kạn", "Cao Bằng"):
        org = make_organisation(db, name=f"Sở TT&TT {name}", kind="province")
        team = ExerciseTeam(exercise_id=exercise.id, name=name, organisation_id=org.id)
        db.add(team)
        db.flush()
        player = make_user(db, roles=[Role.RESPONDER], organisation=org)
        db.add(ExerciseTeamMember(team_id=team.id, user_id=player.id, name=player.full_name))
        teams.append(team)
        players.append(player)
    outsider = make_user(db, roles=[Role.RESPONDER], organisation=make_organisation(db, kind="province"))
    db.flush()
    return Drill(exercise, organiser, teams, players, outsider)


def make_challenge(db: Session, drill: Drill, **overrides: Any) -> Challenge:
    body: dict[str, Any] = {
        "name": "Login Bypass",
        "category": "Web",
        "description": "Đăng nhập **không cần** mật khẩu.",
        "value": 100,
        "flags": [{"content": "CSIRT{0r_1=1}"}],
    }
    body.update(overrides)
    return challenges.create_challenge(
        db, subject_for(drill.organiser), drill.exercise.id, ChallengeCreate.model_validate(body)
    )
