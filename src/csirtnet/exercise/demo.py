"""The demo's exercises, all made through the parts' services (so they are audited like real work):

- cluster no. 1's technical drill, running, organised by its 2026 lead (Bắc Giang): dynamic
  challenges (linear and logarithmic) in four categories, hints with costs, one team per province
  (Bắc Kạn's admin `quantri@backan.demo` plays in Bắc Kạn's), solves spread over four hours and a
  freeze half an hour ago (players see the frozen board, the staff the live one);
- its inject-driven tabletop, running: a simulated alert, a simulated email, a contact check and
  an incident to report; four injects released, answers from every team, some graded, one late;
- its 14-day live-fire exercise against a demo provincial portal defended by Lạng Sơn, in its
  tenth day: validated findings, one merged duplicate, one rejected, one waiting for the judge;
  remediation tasks (one fixed, one overdue); the defenders' reports scored;
- a national technical drill finished forty days ago, its results recorded in the members'
  readiness records and its after-action report's lessons published to the knowledge base;
- the ASEAN ACID 2026 drill, an outside drill, with results entered for five members (Bắc Kạn
  3rd of 63).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.authz.cluster import today
from csirtnet.exercise import service
from csirtnet.exercise.livefire import defence, findings, remediation, targets
from csirtnet.exercise.livefire.schemas import (
    DefenceReportCreate,
    DefenceScoreBody,
    FindingCreate,
    RemediationBody,
    TargetCreate,
    ValidateBody,
)
from csirtnet.exercise.results import after_action, external, readiness
from csirtnet.exercise.results.schemas import (
    AfterActionUpdate,
    ExternalExerciseCreate,
    ExternalResultIn,
    LessonCreate,
)
from csirtnet.exercise.schemas import ExerciseCreate, MemberIn, StaffIn, TeamCreate
from csirtnet.exercise.tabletop import answers, injects
from csirtnet.exercise.tabletop.schemas import AnswerIn, CriterionGrade, GradeIn, InjectCreate, InjectReport
from csirtnet.exercise.technical import challenges, play
from csirtnet.exercise.technical.schemas import ChallengeCreate, FlagCreate, HintCreate
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.models import ChallengeHint, Cluster, Exercise, ExerciseTeam, Organisation, User
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
class _Cast:
    """Who acts in the demo: the lead's admin organises; each province's players play."""

    coordinator: Subject
    lead: Subject  # Bắc Giang's admin: cluster no. 1's lead in 2026
    controller: User
    judge: User
    players: dict[str, list[User]]  # province -> its players (Bắc Kạn: its admin and its responder)
    orgs: dict[str, Organisation]  # province -> its department
    members: dict[str, Organisation]  # member code -> organisation


def _at(moment: datetime, minutes: float) -> datetime:
    return moment + timedelta(minutes=minutes)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    if session.scalar(select(Exercise.id).where(Exercise.title == TECHNICAL_TITLE)) is not None:
        return
    cluster = session.scalar(select(Cluster).where(Cluster.number == 1))
    lead = session.scalar(select(User).where(User.email == "quantri@bacgiang.demo"))
    coordinator = users.get("dieuphoi@csirtnet.local")
    backan_admin = users.get("quantri@backan.demo")
    if cluster is None or lead is None or coordinator is None or backan_admin is None:
        return
    cast = _cast(session, orgs, users, coordinator, lead, backan_admin)
    now = utcnow()
    _technical(session, cast, cluster.id, now)
    _tabletop(session, cast, cluster.id, now)
    _live_fire(session, cast, cluster.id, now)
    _national(session, cast, users, now)
    _acid(session, cast, now)


def _cast(
    session: Session,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    coordinator: User,
    lead: User,
    backan_admin: User,
) -> _Cast:
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
    return _Cast(
        coordinator=subject_for(coordinator),
        lead=subject_for(lead),
        controller=controller,
        judge=users[JUDGE],
        players=players,
        orgs=province,
        members=orgs,
    )


def _teams(
    session: Session, who: Subject, exercise: Exercise, sides: dict[str, str], cast: _Cast
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


def _player(cast: _Cast, province: str) -> Subject:
    return subject_for(cast.players[province][0])


# -- the technical drill ---------------------------------------------------------------------------

_CHALLENGES = [
    # (name, category, function, value, decay, minimum, flag, hint cost or None, description)
    (
        "Cổng thông tin bị chèn mã độc",
        "Web",
        "linear",
        500,
        60,
        150,
        "CSN{chen-ma-o-footer}",
        50,
        "Trang chủ cổng thông tin bị chèn một đoạn JavaScript lạ. Tìm tên miền nó tải mã về.",
    ),
    (
        "Tra cứu hồ sơ một cửa",
        "Web",
        "logarithmic",
        500,
        5,
        100,
        "CSN{union-select-hoso}",
        None,
        "Trang tra cứu hồ sơ một cửa không lọc tham số `ma_ho_so`. Đọc bảng `flag`.",
    ),
    (
        "Nhật ký máy chủ bị xóa",
        "Điều tra số",
        "logarithmic",
        400,
        4,
        100,
        "CSN{bash-history-2026}",
        40,
        "Ảnh đĩa của máy chủ web: kẻ tấn công đã xóa nhật ký. Khôi phục lệnh cuối cùng của hắn.",
    ),
    (
        "Tệp đính kèm thư giả mạo",
        "Điều tra số",
        "linear",
        300,
        40,
        100,
        "CSN{macro-autoopen}",
        None,
        "Một cán bộ mở tệp `quyet-dinh.docm` nhận qua thư. Macro của tệp gọi tới đâu?",
    ),
    (
        "Mật khẩu mã hóa yếu",
        "Mật mã",
        "static",
        200,
        0,
        0,
        "CSN{md5-khong-muoi}",
        None,
        "Bảng người dùng bị lộ lưu mật khẩu bằng MD5 không muối. Mật khẩu của `admin` là gì?",
    ),
    (
        "Lưu lượng C2 trong tệp PCAP",
        "Mạng",
        "logarithmic",
        600,
        6,
        150,
        "CSN{beacon-60s-dns}",
        100,
        "Tệp PCAP ghi lại một giờ lưu lượng của máy bị nhiễm. Tìm kênh điều khiển và chu kỳ của nó.",
    ),
]

# (province, challenge index, minutes after the start, wrong attempts first). The freeze is at
# 210 minutes: the last two solves are seen live by the staff only.
_SOLVES = [
    ("Bắc Kạn", 4, 12, 1),
    ("Bắc Ninh", 4, 15, 0),
    ("Thái Nguyên", 4, 18, 0),
    ("Bắc Ninh", 0, 25, 2),
    ("Bắc Kạn", 0, 34, 0),
    ("Cao Bằng", 4, 40, 0),
    ("Bắc Giang", 4, 47, 1),
    ("Thái Nguyên", 1, 58, 0),
    ("Bắc Kạn", 1, 71, 1),
    ("Lạng Sơn", 4, 80, 0),
    ("Bắc Ninh", 3, 92, 0),
    ("Cao Bằng", 0, 103, 1),
    ("Bắc Kạn", 2, 118, 0),
    ("Thái Nguyên", 3, 126, 0),
    ("Bắc Giang", 1, 139, 0),
    ("Thái Nguyên", 5, 164, 2),
    ("Lạng Sơn", 0, 177, 0),
    ("Cao Bằng", 2, 190, 0),
    ("Bắc Kạn", 3, 201, 0),
    ("Bắc Ninh", 1, 222, 0),
    ("Bắc Kạn", 5, 231, 1),
]
# (province, challenge index, minutes after the start): hints bought.
_HINTS = [("Bắc Ninh", 0, 20), ("Thái Nguyên", 5, 150), ("Cao Bằng", 2, 170)]


def _make_challenges(session: Session, who: Subject, exercise_id: int, which: Sequence[int]) -> list[int]:
    ids: list[int] = []
    for position, index in enumerate(which):
        name, category, function, value, decay, minimum, flag, hint, text = _CHALLENGES[index]
        challenge = challenges.create_challenge(
            session,
            who,
            exercise_id,
            ChallengeCreate(
                name=name,
                category=category,
                description=text,
                function=function,
                value=value,
                decay=decay,
                minimum=minimum,
                position=position,
                flags=[FlagCreate(content=flag)],
                hints=[HintCreate(content=f"Gợi ý: {category.lower()} — xem kỹ phần mô tả.", cost=hint)]
                if hint is not None
                else [],
            ),
        )
        ids.append(challenge.id)
    return ids


def _solve(
    session: Session, who: Subject, exercise: Exercise, challenge_id: int, flag: str, wrong: int, at: datetime
) -> None:
    for attempt in range(wrong):
        play.submit(session, who, exercise.id, challenge_id, f"CSN{{doan-sai-{attempt}}}", now=_at(at, -3 + attempt))
    outcome = play.submit(session, who, exercise.id, challenge_id, flag, now=at)
    assert outcome.status == "correct", outcome.status


def _technical(session: Session, cast: _Cast, cluster_id: int, now: datetime) -> None:
    who = cast.lead
    start = (now - timedelta(hours=4)).replace(second=0, microsecond=0)
    exercise = service.create(
        session,
        who,
        ExerciseCreate(
            kind="technical",
            scope="cluster",
            cluster_id=cluster_id,
            title=TECHNICAL_TITLE,
            description=(
                "Diễn tập kỹ thuật dạng CTF cho sáu tỉnh của Cụm số 1: web, điều tra số, mật mã và mạng. "
                "Điểm động: thử thách càng nhiều đội giải càng ít điểm."
            ),
            rules=(
                "Mỗi tỉnh một đội. Không tấn công hạ tầng diễn tập. Tối đa 10 lần gửi cờ mỗi phút mỗi đội. "
                "Bảng điểm đóng băng 30 phút trước khi kết thúc."
            ),
            starts_at=start,
            ends_at=_at(start, 300),
            freeze_at=_at(start, 210),
        ),
    )
    ids = _make_challenges(session, who, exercise.id, range(len(_CHALLENGES)))
    _teams(session, who, exercise, dict.fromkeys(demo.CLUSTER_1_PROVINCES, "player"), cast)
    service.publish(session, who, exercise.id, now=start - timedelta(days=3))
    service.start(session, who, exercise.id, now=start)
    hints = {(p, i): m for p, i, m in _HINTS}  # bought before the solve they helped
    for province, index, minutes, wrong in _SOLVES:
        # Bắc Kạn's responder, not only its admin, plays: the team's later solves are his.
        player = subject_for(cast.players[province][-1]) if minutes > 150 else _player(cast, province)
        if (province, index) in hints:
            hint = session.scalar(select(ChallengeHint).where(ChallengeHint.challenge_id == ids[index]))
            if hint is not None:
                play.unlock_hint(session, player, exercise.id, hint.id, now=_at(start, hints[(province, index)]))
        _solve(session, player, exercise, ids[index], _CHALLENGES[index][6], wrong, _at(start, minutes))


# -- the tabletop ------------------------------------------------------------------------------------


def _rubric(*lines: tuple[str, float]) -> list[dict[str, object]]:
    return [{"criterion": c, "points": p} for c, p in lines]


def _tabletop(session: Session, cast: _Cast, cluster_id: int, now: datetime) -> None:
    who = cast.lead
    start = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
    exercise = service.create(
        session,
        who,
        ExerciseCreate(
            kind="tabletop",
            scope="cluster",
            cluster_id=cluster_id,
            title=TABLETOP_TITLE,
            description=(
                "Tình huống: cổng dịch vụ công của một tỉnh trong cụm bị dò quét, cán bộ nhận thư giả mạo, "
                "dữ liệu hồ sơ bị rao bán. Các đội trả lời từng tình huống trên nền tảng."
            ),
            rules="Trả lời trong thời hạn của từng tình huống; trả lời muộn được tính 50% số điểm.",
            starts_at=start,
            ends_at=_at(start, 360),
        ),
    )
    service.add_staff(session, who, exercise.id, StaffIn(user_id=cast.controller.id, role="controller"))
    service.add_staff(session, who, exercise.id, StaffIn(user_id=cast.judge.id, role="judge"))
    teams = _teams(session, who, exercise, dict.fromkeys(demo.CLUSTER_1_PROVINCES, "player"), cast)
    scenario = [
        InjectCreate.model_validate(
            {
                "title": "Cảnh báo SOC: đăng nhập quản trị bất thường vào cổng dịch vụ công",
                "kind": "alert",
                "headers": [
                    {"name": "Source", "value": "SOC tỉnh — SIEM"},
                    {"name": "Severity", "value": "High"},
                    {"name": "Rule", "value": "Admin login from foreign IP after 10 failures"},
                ],
                "body": (
                    "Lúc 02:14, tài khoản `admin` của cổng dịch vụ công đăng nhập thành công từ `198.51.100.23` "
                    "sau 10 lần sai mật khẩu.\n\n**Đội của bạn làm gì trong 30 phút đầu?**"
                ),
                "release_offset_minutes": 0,
                "answer_minutes": 60,
                "rubric": _rubric(("Xác định phạm vi ảnh hưởng", 10), ("Biện pháp ngăn chặn", 10)),
            }
        ),
        InjectCreate.model_validate(
            {
                "title": "Thư của “Phòng CNTT” yêu cầu đổi mật khẩu",
                "kind": "email",
                "headers": [
                    {"name": "From", "value": "Phong CNTT <it-support@dichvucong-gov.example.com>"},
                    {"name": "To", "value": "canbo@stttt.demo"},
                    {"name": "Subject", "value": "[KHẨN] Cập nhật mật khẩu hộp thư công vụ trước 17h"},
                ],
                "body": "Ba cán bộ đã bấm vào liên kết trong thư. **Nhận diện thư và nói các bước tiếp theo.**",
                "release_offset_minutes": 45,
                "answer_minutes": 60,
                "rubric": _rubric(("Nhận diện thư giả mạo", 10), ("Xử lý tài khoản bị lộ", 10)),
            }
        ),
        InjectCreate.model_validate(
            {
                "title": "Xác nhận đầu mối liên lạc 24/7",
                "kind": "contact_check",
                "body": "Như ACID: ghi tên, số điện thoại và thư điện tử của đầu mối trực 24/7 của đội.",
                "answer_minutes": 120,
                "rubric": _rubric(
                    ("Đầu mối đầy đủ, liên lạc được", 5),
                ),
            }
        ),
        InjectCreate.model_validate(
            {
                "title": "Dữ liệu hồ sơ một cửa bị rao bán trên diễn đàn",
                "kind": "text",
                "body": (
                    "Một diễn đàn rao bán 12.000 hồ sơ một cửa kèm ảnh chụp màn hình cơ sở dữ liệu của tỉnh. "
                    "**Lập báo cáo sự cố ban đầu gửi cơ quan điều phối.**"
                ),
                "answer_kind": "incident_report",
                "release_offset_minutes": 150,
                "answer_minutes": 90,
                "rubric": _rubric(("Báo cáo đủ thông tin", 10), ("Đánh giá mức độ", 10)),
            }
        ),
        InjectCreate.model_validate(
            {
                "title": "Họp báo: trả lời câu hỏi của phóng viên",
                "kind": "text",
                "body": "Phóng viên hỏi: “Dữ liệu của người dân có bị lộ không?” Soạn nội dung trả lời.",
                "release_offset_minutes": 240,
                "answer_minutes": 60,
                "rubric": _rubric(
                    ("Thông tin chính xác, không suy đoán", 10),
                ),
            }
        ),
    ]
    made = [injects.create_inject(session, who, exercise.id, data) for data in scenario]
    service.publish(session, who, exercise.id, now=start - timedelta(days=2))
    service.start(session, who, exercise.id, now=start)
    controller = subject_for(cast.controller)
    injects.release_due(session, now=start)
    injects.release_due(session, now=_at(start, 45))
    injects.release(session, controller, exercise.id, made[2].id, now=_at(start, 60))
    injects.release_due(session, now=_at(start, 150))

    texts = {
        0: (
            "Khóa tài khoản admin, chặn IP {ip} trên tường lửa, sao lưu nhật ký máy chủ "
            "và kiểm tra các phiên đăng nhập khác."
        ),
        1: "Thư giả mạo (tên miền không phải .gov.vn). Đổi mật khẩu ba tài khoản, chặn tên miền, cảnh báo toàn sở.",
        2: "Đầu mối 24/7: {name}, 0912 000 00{n}, {email}",
    }
    # (inject index, province, minutes after the inject's release)
    answered = [
        (0, "Bắc Kạn", 22),
        (0, "Bắc Ninh", 31),
        (0, "Cao Bằng", 40),
        (0, "Bắc Giang", 48),
        (0, "Lạng Sơn", 55),
        (0, "Thái Nguyên", 74),  # late: the time to answer was 60 minutes
        (1, "Bắc Kạn", 18),
        (1, "Thái Nguyên", 25),
        (1, "Cao Bằng", 37),
        (1, "Bắc Ninh", 50),
        (2, "Bắc Kạn", 5),
        (2, "Bắc Giang", 9),
        (2, "Bắc Ninh", 14),
        (2, "Lạng Sơn", 21),
        (2, "Cao Bằng", 33),
        (3, "Bắc Ninh", 20),
    ]
    released = {0: start, 1: _at(start, 45), 2: _at(start, 60), 3: _at(start, 150)}
    rows: dict[tuple[int, str], int] = {}
    for n, (index, province, after) in enumerate(answered):
        team = teams[province]
        at = _at(released[index], after)
        if index == 3:
            data = AnswerIn(
                team_id=team.id,
                report=InjectReport(
                    title="Rò rỉ dữ liệu hồ sơ một cửa",
                    description="Diễn đàn rao bán 12.000 hồ sơ; ảnh chụp khớp cấu trúc cơ sở dữ liệu của tỉnh.",
                    detected_at=_at(released[3], 5),
                    incident_status="ongoing",
                    system_name="Cổng dịch vụ công tỉnh",
                    system_ips=["203.0.113.10"],
                    detection_method="Thông báo từ cơ quan điều phối",
                ),
            )
        else:
            player = cast.players[province][0]
            body = texts[index].format(ip="198.51.100.23", name=player.full_name, n=n % 10, email=player.email)
            data = AnswerIn(team_id=team.id, body=body)
        row = answers.answer(session, _player(cast, province), exercise.id, made[index].id, data, now=at)
        rows[(index, province)] = row.id
    judge = subject_for(cast.judge)
    grades = {
        (0, "Bắc Kạn"): (9, 8, "Khoanh vùng nhanh, nên nói rõ việc giữ nguyên hiện trường."),
        (0, "Bắc Ninh"): (7, 9, ""),
        (0, "Cao Bằng"): (6, 6, "Thiếu bước kiểm tra các tài khoản quản trị khác."),
        (0, "Bắc Giang"): (8, 7, ""),
        (0, "Lạng Sơn"): (5, 7, ""),
        (0, "Thái Nguyên"): (9, 9, "Câu trả lời tốt nhưng nộp muộn: tính 50% số điểm."),
        (1, "Bắc Kạn"): (10, 8, ""),
        (1, "Thái Nguyên"): (8, 9, ""),
        (2, "Bắc Kạn"): (5, None, ""),
        (2, "Bắc Giang"): (5, None, ""),
    }
    for (index, province), (first, second, feedback) in grades.items():
        rubric = made[index].rubric
        criteria = [CriterionGrade(criterion=str(rubric[0]["criterion"]), points=first)]
        if second is not None:
            criteria.append(CriterionGrade(criterion=str(rubric[1]["criterion"]), points=second))
        answers.grade(
            session,
            judge,
            exercise.id,
            rows[(index, province)],
            GradeIn(criteria=criteria, feedback=feedback),
            now=_at(released[index], 100),
        )


# -- the live-fire exercise --------------------------------------------------------------------------


def _live_fire(session: Session, cast: _Cast, cluster_id: int, now: datetime) -> None:
    who = cast.lead
    first_day = now.astimezone(ZONE).date() - timedelta(days=9)  # today is its tenth day
    start = _local(first_day, 8)
    exercise = service.create(
        session,
        who,
        ExerciseCreate(
            kind="live_fire",
            scope="cluster",
            cluster_id=cluster_id,
            title=LIVE_FIRE_TITLE,
            description=(
                "Bốn đội tỉnh tấn công bản sao cổng thông tin điện tử tỉnh Lạng Sơn trong 14 ngày; "
                "Sở TTTT Lạng Sơn phòng thủ, phát hiện và khắc phục."
            ),
            rules=(
                "Quy tắc tham gia: chỉ tấn công mục tiêu trong phạm vi; không tấn công từ chối dịch vụ; "
                "không sửa, xóa dữ liệu; báo cáo phát hiện trong vòng 24 giờ kèm bằng chứng tái hiện được."
            ),
            starts_at=start,
            ends_at=start + timedelta(days=14),
        ),
    )
    service.add_staff(session, who, exercise.id, StaffIn(user_id=cast.judge.id, role="judge"))
    sides = {"Bắc Kạn": "attacker", "Bắc Ninh": "attacker", "Cao Bằng": "attacker", "Thái Nguyên": "attacker"}
    teams = _teams(session, who, exercise, {**sides, "Lạng Sơn": "defender"}, cast)
    portal = targets.add(
        session,
        who,
        exercise.id,
        TargetCreate(
            name="Cổng thông tin điện tử tỉnh Lạng Sơn (bản diễn tập)",
            address=PORTAL,
            description="Bản sao cổng thông tin và dịch vụ công trực tuyến, dữ liệu giả lập.",
            defending_team_id=teams["Lạng Sơn"].id,
        ),
    )
    targets.add(
        session,
        who,
        exercise.id,
        TargetCreate(
            name="Hệ thống thư công vụ (ngoài phạm vi)",
            address="mail.langson.demo",
            description="Không tấn công: hệ thống đang vận hành thật.",
            in_scope=False,
            defending_organisation_id=cast.orgs["Lạng Sơn"].id,
        ),
    )
    service.publish(session, who, exercise.id, now=start - timedelta(days=5))
    service.start(session, who, exercise.id, now=start)

    def day(n: int, hour: int, minute: int = 0) -> datetime:
        return _local(first_day + timedelta(days=n - 1), hour, minute)

    def submit(province: str, at: datetime, title: str, vulnerability: str, asset: str, vector: str) -> int:
        finding = findings.submit(
            session,
            _player(cast, province),
            exercise.id,
            FindingCreate(
                target_id=portal.id,
                title=title,
                vulnerability=vulnerability,
                asset=asset,
                proof=f"Yêu cầu tái hiện:\n\n    GET {asset}\n\nPhản hồi kèm theo trong ảnh chụp của đội.",
                cvss_vector=vector,
            ),
            now=at,
        )
        return finding.id

    judge = subject_for(cast.judge)
    sqli = submit(
        "Bắc Kạn",
        day(1, 10, 20),
        "SQL injection ở trang tìm kiếm văn bản",
        "CWE-89 SQL injection",
        PORTAL + "/van-ban/tim-kiem?tu_khoa='",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )
    xss = submit(
        "Cao Bằng",
        day(1, 14, 5),
        "XSS lưu trữ ở mục góp ý của người dân",
        "CWE-79 Cross-site scripting",
        PORTAL + "/gop-y",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
    )
    findings.validate(session, judge, exercise.id, sqli, ValidateBody(), now=day(1, 16))
    findings.validate(session, judge, exercise.id, xss, ValidateBody(), now=day(1, 17))
    twin = submit(
        "Thái Nguyên",
        day(2, 9, 40),
        "Lỗi SQL injection tham số tu_khoa",
        "CWE-89 SQL injection",
        PORTAL + "/van-ban/tim-kiem?tu_khoa=1%27",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )
    findings.merge(
        session,
        judge,
        exercise.id,
        twin,
        sqli,
        "Trùng với phát hiện của đội Bắc Kạn (nộp trước): đội phát hiện đầu tiên giữ điểm.",
        now=day(2, 11),
    )
    listing = submit(
        "Bắc Ninh",
        day(3, 11, 15),
        "Thư mục /backup/ liệt kê được, có tệp sao lưu cơ sở dữ liệu",
        "CWE-548 Directory listing",
        PORTAL + "/backup/",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
    )
    findings.validate(
        session,
        judge,
        exercise.id,
        listing,
        ValidateBody(severity="high", note="Tệp sao lưu chứa toàn bộ bảng người dùng: nặng hơn điểm CVSS."),
        now=day(3, 15),
    )
    banner = submit(
        "Bắc Ninh",
        day(4, 9),
        "Máy chủ web để lộ phiên bản trong tiêu đề",
        "CWE-200 Information exposure",
        PORTAL,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
    )
    findings.reject(
        session,
        judge,
        exercise.id,
        banner,
        "Chỉ là thông tin phiên bản, không khai thác được: không phải lỗ hổng theo quy tắc diễn tập.",
        now=day(4, 14),
    )
    cms = submit(
        "Cao Bằng",
        day(5, 15, 30),
        "CMS lỗi thời cho phép thực thi mã từ xa",
        "CWE-94 Code injection",
        PORTAL + "/admin/plugins/upload",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    )
    findings.validate(session, judge, exercise.id, cms, ValidateBody(), now=day(6, 9))
    password = submit(
        "Thái Nguyên",
        day(7, 10),
        "Mật khẩu mặc định của tài khoản biên tập",
        "CWE-521 Weak password",
        PORTAL + "/admin/login",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
    )
    findings.validate(session, judge, exercise.id, password, ValidateBody(), now=day(7, 16))
    submit(
        "Bắc Kạn",
        day(9, 8, 45),
        "Tải được văn bản nội bộ bằng cách đổi mã tài liệu",
        "CWE-639 Insecure direct object reference",
        PORTAL + "/tai-lieu/tai-ve?id=1043",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
    )
    defender = _player(cast, "Lạng Sơn")
    remediation.close(
        session,
        defender,
        exercise.id,
        sqli,
        RemediationBody(status="fixed", note="Dùng truy vấn tham số hóa; đã kiểm thử lại."),
        now=day(4, 17),
    )
    remediation.close(
        session,
        defender,
        exercise.id,
        password,
        RemediationBody(status="fixed", note="Đổi mật khẩu, bật xác thực hai lớp cho trang quản trị."),
        now=day(8, 10),
    )
    reports = [
        (day(1, 11), day(1, 11, 30), "WAF ghi nhận chuỗi truy vấn SQL bất thường từ một địa chỉ; đã chặn.", sqli),
        (day(5, 19), day(5, 20), "Nhật ký cho thấy tệp .php lạ được tải lên thư mục plugin.", cms),
        (day(8, 9), day(8, 9, 30), "Phát hiện dò quét thư mục từ dải địa chỉ của đội tấn công.", None),
    ]
    made = [
        defence.report(
            session,
            defender,
            exercise.id,
            DefenceReportCreate(detected_at=detected, description=text, finding_id=finding),
            now=sent,
        )
        for detected, sent, text, finding in reports
    ]
    defence.score(session, judge, exercise.id, made[0].id, DefenceScoreBody(credit=True), now=day(1, 18))
    defence.score(session, judge, exercise.id, made[1].id, DefenceScoreBody(credit=True), now=day(6, 10))


# -- the finished national drill and its after-action report -----------------------------------------

# (member code, player email): the national drill's teams besides the six provinces.
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


def _national(session: Session, cast: _Cast, users: dict[str, User], now: datetime) -> None:
    who = cast.coordinator
    held = now.astimezone(ZONE).date() - timedelta(days=40)
    start = _local(held, 8)
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
            ends_at=_at(start, 300),
            freeze_at=_at(start, 240),
        ),
    )
    ids = _make_challenges(session, who, exercise.id, [4, 0, 2, 3, 1, 5])
    # ids follow _CHALLENGES' positions for the solves below
    by_index = dict(zip([4, 0, 2, 3, 1, 5], ids, strict=True))
    teams: dict[str, ExerciseTeam] = {}
    players: dict[str, Subject] = {}
    for name in demo.CLUSTER_1_PROVINCES:
        team = service.add_team(
            session, who, exercise.id, TeamCreate(name=f"Sở TTTT {name}", organisation_id=cast.orgs[name].id)
        )
        service.add_member(session, who, exercise.id, team.id, MemberIn(user_id=cast.players[name][0].id))
        teams[name], players[name] = team, _player(cast, name)
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
        _solve(session, players[name], exercise, by_index[index], _CHALLENGES[index][6], 0, _at(start, minutes))
    service.finish(session, who, exercise.id, now=_at(start, 300))
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


def _acid(session: Session, cast: _Cast, now: datetime) -> None:
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
