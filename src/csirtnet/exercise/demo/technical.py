"""The demo's technical drill: cluster no. 1's, running, dynamic challenges, hints, a freeze."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.exercise import service
from csirtnet.exercise.demo.common import (
    TECHNICAL_TITLE,
    Cast,
    make_teams,
    minutes_after,
    province_player,
)
from csirtnet.exercise.schemas import ExerciseCreate
from csirtnet.exercise.technical import challenges, play
from csirtnet.exercise.technical.schemas import ChallengeCreate, FlagCreate, HintCreate
from csirtnet.identity.service import subject_for
from csirtnet.models import ChallengeHint, Exercise

# -- the technical drill ---------------------------------------------------------------------------

CHALLENGES = [
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


def make_challenges(session: Session, who: Subject, exercise_id: int, which: Sequence[int]) -> list[int]:
    ids: list[int] = []
    for position, index in enumerate(which):
        name, category, function, value, decay, minimum, flag, hint, text = CHALLENGES[index]
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


def solve(
    session: Session, who: Subject, exercise: Exercise, challenge_id: int, flag: str, wrong: int, at: datetime
) -> None:
    for attempt in range(wrong):
        play.submit(
            session, who, exercise.id, challenge_id, f"CSN{{doan-sai-{attempt}}}", now=minutes_after(at, -3 + attempt)
        )
    outcome = play.submit(session, who, exercise.id, challenge_id, flag, now=at)
    assert outcome.status == "correct", outcome.status


def load_technical(session: Session, cast: Cast, cluster_id: int, now: datetime) -> None:
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
            ends_at=minutes_after(start, 300),
            freeze_at=minutes_after(start, 210),
        ),
    )
    ids = make_challenges(session, who, exercise.id, range(len(CHALLENGES)))
    make_teams(session, who, exercise, dict.fromkeys(demo.CLUSTER_1_PROVINCES, "player"), cast)
    service.publish(session, who, exercise.id, now=start - timedelta(days=3))
    service.start(session, who, exercise.id, now=start)
    hints = {(p, i): m for p, i, m in _HINTS}  # bought before the solve they helped
    for province, index, minutes, wrong in _SOLVES:
        # Bắc Kạn's responder, not only its admin, plays: the team's later solves are his.
        player = subject_for(cast.players[province][-1]) if minutes > 150 else province_player(cast, province)
        if (province, index) in hints:
            hint = session.scalar(select(ChallengeHint).where(ChallengeHint.challenge_id == ids[index]))
            if hint is not None:
                play.unlock_hint(
                    session, player, exercise.id, hint.id, now=minutes_after(start, hints[(province, index)])
                )
        solve(session, player, exercise, ids[index], CHALLENGES[index][6], wrong, minutes_after(start, minutes))
