"""The demo's finished national drill (readiness, after-action, lessons) and the ASEAN ACID 2026 results."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.authz.cluster import today
from csirtnet.exercise import service
from csirtnet.exercise.demo.common import (
    ACID,
    JUDGE,
    NATIONAL_TITLE,
    ZONE,
    Cast,
    local_time,
    minutes_after,
    province_player,
)
from csirtnet.exercise.demo.technical import CHALLENGES, make_challenges, solve
from csirtnet.exercise.results import after_action, external, readiness
from csirtnet.exercise.results.schemas import (
    AfterActionUpdate,
    ExternalExerciseCreate,
    ExternalResultIn,
    LessonCreate,
)
from csirtnet.exercise.schemas import ExerciseCreate, MemberIn, TeamCreate
from csirtnet.identity.service import subject_for
from csirtnet.models import ExerciseTeam, User

_NATIONAL_MEMBERS = [("VNPT", "quantri@vnpt.demo"), ("FPT", "ungcuu@fpt.demo"), ("BKAV", JUDGE)]
# (team, challenge index, minutes after the start)
_NATIONAL_SOLVES = [
    ("BKAV", 4, 15),
    ("FPT", 4, 21),
    ("Bắc Kạn", 4, 30),
    ("BKAV", 0, 42),
    ("VNPT", 4, 55),
    ("Thái Nguyên", 4, 61),
    ("FPT", 0, 70),
    ("Bắc Kạn", 0, 83),
    ("BKAV", 2, 95),
    ("Bắc Ninh", 4, 104),
    ("Bắc Kạn", 2, 128),
    ("FPT", 2, 141),
    ("Cao Bằng", 4, 150),
    ("VNPT", 0, 166),
    ("BKAV", 5, 180),
    ("Bắc Kạn", 3, 199),
    ("Bắc Giang", 4, 210),
    ("Lạng Sơn", 4, 226),
    ("Thái Nguyên", 0, 240),
]


def load_national(session: Session, cast: Cast, users: dict[str, User], now: datetime) -> None:
    who = cast.coordinator
    held = now.astimezone(ZONE).date() - timedelta(days=40)
    start = local_time(held, 8)
    exercise = service.create(
        session,
        who,
        ExerciseCreate(
            kind="technical",
            scope="national",
            title=NATIONAL_TITLE,
            description="Vòng kỹ thuật của diễn tập quốc gia: các sở TTTT và doanh nghiệp thành viên.",
            rules="Mỗi đơn vị một đội. Điểm động theo quy tắc của CTFd.",
            starts_at=start,
            ends_at=minutes_after(start, 300),
            freeze_at=minutes_after(start, 240),
        ),
    )
    ids = make_challenges(session, who, exercise.id, [4, 0, 2, 3, 1, 5])
    # ids follow CHALLENGES' positions for the solves below
    by_index = dict(zip([4, 0, 2, 3, 1, 5], ids, strict=True))
    teams: dict[str, ExerciseTeam] = {}
    players: dict[str, Subject] = {}
    for name in demo.CLUSTER_1_PROVINCES:
        team = service.add_team(
            session, who, exercise.id, TeamCreate(name=f"Sở TTTT {name}", organisation_id=cast.orgs[name].id)
        )
        service.add_member(session, who, exercise.id, team.id, MemberIn(user_id=cast.players[name][0].id))
        teams[name], players[name] = team, province_player(cast, name)
    for code, email in _NATIONAL_MEMBERS:
        org = cast.members[code]
        team = service.add_team(
            session, who, exercise.id, TeamCreate(name=org.short_name or org.name, organisation_id=org.id)
        )
        service.add_member(session, who, exercise.id, team.id, MemberIn(user_id=users[email].id))
        teams[code], players[code] = team, subject_for(users[email])
    service.publish(session, who, exercise.id, now=start - timedelta(days=14))
    service.start(session, who, exercise.id, now=start)
    for name, index, minutes in _NATIONAL_SOLVES:
        solve(session, players[name], exercise, by_index[index], CHALLENGES[index][6], 0, minutes_after(start, minutes))
    service.finish(session, who, exercise.id, now=minutes_after(start, 300))
    readiness.record_results(session, who, exercise)
    after_action.save_report(
        session,
        who,
        exercise.id,
        AfterActionUpdate(
            summary=(
                "Chín đội tham gia vòng kỹ thuật trong năm giờ. Các đội giải tốt các thử thách web và mật mã; "
                "thử thách mạng (PCAP) chỉ một đội giải được."
            ),
            strengths="Phối hợp nhanh trong đội; các tỉnh Cụm số 1 giữ liên lạc qua kênh của cụm suốt buổi.",
            weaknesses=(
                "Kỹ năng phân tích lưu lượng mạng và điều tra số của các sở còn yếu; "
                "nhiều đội gửi cờ đoán mò thay vì phân tích."
            ),
        ),
    )
    lessons: list[tuple[str, str, int | None]] = [
        (
            "Đào tạo phân tích lưu lượng mạng cho các sở TTTT",
            "Chỉ một trên chín đội phát hiện được kênh điều khiển trong tệp PCAP: tổ chức khóa Wireshark/Zeek.",
            None,
        ),
        (
            "Cao Bằng: xây dựng quy trình điều tra số máy chủ",
            "Đội Cao Bằng chưa khôi phục được nhật ký bị xóa; cần quy trình thu thập ảnh đĩa và công cụ.",
            cast.orgs["Cao Bằng"].id,
        ),
        (
            "Bắc Kạn: chia sẻ cách làm của đội với cụm",
            "Đội Bắc Kạn giải được bốn thử thách: chia sẻ tài liệu hướng dẫn trong kênh của Cụm số 1.",
            cast.orgs["Bắc Kạn"].id,
        ),
    ]
    for title, body, member_id in lessons:
        after_action.add_lesson(
            session, who, exercise.id, LessonCreate(title=title, body=body, organisation_id=member_id)
        )
    after_action.publish(session, who, exercise.id)


# -- an outside drill --------------------------------------------------------------------------------

# (member code or province, rank): ACID ranks 63 teams; the network's members are entered.
_ACID_RESULTS = [("Bắc Kạn", 3, 920.0), ("VNPT", 7, 860.0), ("Cao Bằng", 18, 610.0), ("Bắc Giang", 41, 380.0)]
_ACID_LAST = ("Thái Nguyên", 63, 40.0)


def load_acid(session: Session, cast: Cast, now: datetime) -> None:
    who = cast.coordinator
    held = min(date(2026, 8, 20), today() - timedelta(days=1))
    exercise = external.create(
        session,
        who,
        ExternalExerciseCreate(
            external_name=ACID,
            held_on=held,
            description=(
                "Diễn tập ứng cứu sự cố ASEAN (ACID) 2026: các tình huống theo kịch bản gửi qua thư, "
                "63 đội tham gia. Kết quả do ban tổ chức gửi."
            ),
            tlp="green",
        ),
    )
    for name, rank, score in [*_ACID_RESULTS, _ACID_LAST]:
        org = cast.orgs[name] if name in cast.orgs else cast.members[name]
        external.set_result(session, who, exercise.id, ExternalResultIn(organisation_id=org.id, rank=rank, score=score))
    readiness.record_results(session, who, exercise)
