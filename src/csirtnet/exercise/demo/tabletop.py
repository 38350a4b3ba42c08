"""The demo's inject-driven tabletop for cluster no. 1's six provinces."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.exercise import service
from csirtnet.exercise.demo.common import (
    TABLETOP_TITLE,
    Cast,
    make_teams,
    minutes_after,
    province_player,
)
from csirtnet.exercise.schemas import ExerciseCreate, StaffIn
from csirtnet.exercise.tabletop import answers, injects
from csirtnet.exercise.tabletop.schemas import CriterionGrade, GradeIn, InjectAnswerIn, InjectCreate, InjectReport
from csirtnet.identity.service import subject_for

# -- the tabletop ------------------------------------------------------------------------------------


def _rubric(*lines: tuple[str, float]) -> list[dict[str, object]]:
    return [{"criterion": c, "points": p} for c, p in lines]


def load_tabletop(session: Session, cast: Cast, cluster_id: int, now: datetime) -> None:
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
            ends_at=minutes_after(start, 360),
        ),
    )
    service.add_staff(session, who, exercise.id, StaffIn(user_id=cast.controller.id, role="controller"))
    service.add_staff(session, who, exercise.id, StaffIn(user_id=cast.judge.id, role="judge"))
    teams = make_teams(session, who, exercise, dict.fromkeys(demo.CLUSTER_1_PROVINCES, "player"), cast)
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
    injects.release_due(session, now=minutes_after(start, 45))
    injects.release(session, controller, exercise.id, made[2].id, now=minutes_after(start, 60))
    injects.release_due(session, now=minutes_after(start, 150))

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
    released = {0: start, 1: minutes_after(start, 45), 2: minutes_after(start, 60), 3: minutes_after(start, 150)}
    rows: dict[tuple[int, str], int] = {}
    for n, (index, province, after) in enumerate(answered):
        team = teams[province]
        at = minutes_after(released[index], after)
        if index == 3:
            data = InjectAnswerIn(
                team_id=team.id,
                report=InjectReport(
                    title="Rò rỉ dữ liệu hồ sơ một cửa",
                    description="Diễn đàn rao bán 12.000 hồ sơ; ảnh chụp khớp cấu trúc cơ sở dữ liệu của tỉnh.",
                    detected_at=minutes_after(released[3], 5),
                    incident_status="ongoing",
                    system_name="Cổng dịch vụ công tỉnh",
                    system_ips=["203.0.113.10"],
                    detection_method="Thông báo từ cơ quan điều phối",
                ),
            )
        else:
            player = cast.players[province][0]
            body = texts[index].format(ip="198.51.100.23", name=player.full_name, n=n % 10, email=player.email)
            data = InjectAnswerIn(team_id=team.id, body=body)
        row = answers.answer(session, province_player(cast, province), exercise.id, made[index].id, data, now=at)
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
            now=minutes_after(released[index], 100),
        )
