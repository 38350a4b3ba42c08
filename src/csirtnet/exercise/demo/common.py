"""What the demo's exercises share: who acts (the cast), the province teams, local times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.exercise import service
from csirtnet.exercise.schemas import MemberIn, TeamCreate
from csirtnet.identity.service import subject_for
from csirtnet.models import Exercise, ExerciseTeam, Organisation, User
from csirtnet.vocabulary import Role

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TECHNICAL_TITLE = "Diễn tập kỹ thuật Cụm số 1 năm 2026"
TABLETOP_TITLE = "Diễn tập theo tình huống Cụm số 1: tấn công cổng dịch vụ công"
LIVE_FIRE_TITLE = "Diễn tập thực chiến Cụm số 1: Cổng thông tin điện tử tỉnh Lạng Sơn"
NATIONAL_TITLE = "Diễn tập quốc gia ứng phó sự cố an toàn thông tin 2026: vòng kỹ thuật"
ACID = "ASEAN ACID 2026"
PORTAL = "https://congthongtin.langson.demo"

# The email name of each province's demo logins.
SLUG = {
    "Bắc Kạn": "backan",
    "Bắc Giang": "bacgiang",
    "Bắc Ninh": "bacninh",
    "Cao Bằng": "caobang",
    "Lạng Sơn": "langson",
    "Thái Nguyên": "thainguyen",
}
# Each province's responder who plays in its teams.
PLAYERS = {
    "Bắc Kạn": "Triệu Văn Khánh",
    "Bắc Giang": "Đặng Thị Hà",
    "Bắc Ninh": "Nguyễn Đức Thắng",
    "Cao Bằng": "Nông Thị Mai",
    "Lạng Sơn": "Hoàng Minh Tuấn",
    "Thái Nguyên": "Dương Văn Long",
}
CONTROLLER = "dieukhien@bacgiang.demo"
JUDGE = "phantich@bkav.demo"


def player_email(province: str) -> str:
    return f"ungcuu@{SLUG[province]}.demo"


@dataclass
class Cast:
    """Who acts in the demo: the lead's admin organises; each province's players play."""

    coordinator: Subject
    lead: Subject  # Bắc Giang's admin: cluster no. 1's lead in 2026
    controller: User
    judge: User
    players: dict[str, list[User]]  # province -> its players (Bắc Kạn: its admin and its responder)
    orgs: dict[str, Organisation]  # province -> its department
    members: dict[str, Organisation]  # member code -> organisation


def minutes_after(moment: datetime, minutes: float) -> datetime:
    return moment + timedelta(minutes=minutes)


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def make_cast(
    session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    coordinator: User,
    lead: User,
    backan_admin: User,
) -> Cast:
    system = Subject.system("demo")
    password_hash = coordinator.password_hash  # the published password, hashed once by the base demo
    province = {p: orgs[demo.province_code(p)] for p in demo.CLUSTER_1_PROVINCES}
    players: dict[str, list[User]] = {}
    for name, org in province.items():
        player = demo.demo_user(
            session,
            system,
            email=player_email(name),
            full_name=PLAYERS[name],
            organisation_id=org.id,
            roles=[Role.RESPONDER],
            password_hash=password_hash,
        )
        players[name] = [backan_admin, player] if name == "Bắc Kạn" else [player]
    controller = demo.demo_user(
        session,
        system,
        email=CONTROLLER,
        full_name="Vũ Văn Điều Khiển",
        organisation_id=province["Bắc Giang"].id,
        roles=[Role.RESPONDER],
        password_hash=password_hash,
    )
    session.flush()
    return Cast(
        coordinator=subject_for(coordinator),
        lead=subject_for(lead),
        controller=controller,
        judge=users[JUDGE],
        players=players,
        orgs=province,
        members=orgs,
    )


def make_teams(
    session: Session, who: Subject, exercise: Exercise, sides: dict[str, str], cast: Cast
) -> dict[str, ExerciseTeam]:
    """A team per province named in `sides` (province -> side), with its players."""
    teams: dict[str, ExerciseTeam] = {}
    for name, side in sides.items():
        team = service.add_team(
            session, who, exercise.id, TeamCreate(name=f"Đội {name}", organisation_id=cast.orgs[name].id, side=side)
        )
        for index, user in enumerate(cast.players[name]):
            service.add_member(session, who, exercise.id, team.id, MemberIn(user_id=user.id, captain=index == 0))
        teams[name] = team
    return teams


def province_player(cast: Cast, province: str) -> Subject:
    return subject_for(cast.players[province][0])
