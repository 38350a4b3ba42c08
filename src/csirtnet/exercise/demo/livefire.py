"""The demo's 14-day live-fire exercise against Lạng Sơn's demo portal."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from csirtnet.exercise import service
from csirtnet.exercise.demo.common import (
    LIVE_FIRE_TITLE,
    PORTAL,
    ZONE,
    Cast,
    local_time,
    make_teams,
    province_player,
)
from csirtnet.exercise.livefire import defence, findings, remediation, targets
from csirtnet.exercise.livefire.schemas import (
    DefenceReportCreate,
    DefenceScoreBody,
    FindingCreate,
    FindingValidate,
    RemediationBody,
    TargetCreate,
)
from csirtnet.exercise.schemas import ExerciseCreate, StaffIn
from csirtnet.identity.service import subject_for

# -- the live-fire exercise --------------------------------------------------------------------------


def load_live_fire(session: Session, cast: Cast, cluster_id: int, now: datetime) -> None:
    who = cast.lead
    first_day = now.astimezone(ZONE).date() - timedelta(days=9)  # today is its tenth day
    start = local_time(first_day, 8)
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
    teams = make_teams(session, who, exercise, {**sides, "Lạng Sơn": "defender"}, cast)
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
        return local_time(first_day + timedelta(days=n - 1), hour, minute)

    def submit(province: str, at: datetime, title: str, vulnerability: str, asset: str, vector: str) -> int:
        finding = findings.submit(
            session,
            province_player(cast, province),
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
    findings.validate(session, judge, exercise.id, sqli, FindingValidate(), now=day(1, 16))
    findings.validate(session, judge, exercise.id, xss, FindingValidate(), now=day(1, 17))
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
        FindingValidate(severity="high", note="Tệp sao lưu chứa toàn bộ bảng người dùng: nặng hơn điểm CVSS."),
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
    findings.validate(session, judge, exercise.id, cms, FindingValidate(), now=day(6, 9))
    password = submit(
        "Thái Nguyên",
        day(7, 10),
        "Mật khẩu mặc định của tài khoản biên tập",
        "CWE-521 Weak password",
        PORTAL + "/admin/login",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
    )
    findings.validate(session, judge, exercise.id, password, FindingValidate(), now=day(7, 16))
    submit(
        "Bắc Kạn",
        day(9, 8, 45),
        "Tải được văn bản nội bộ bằng cách đổi mã tài liệu",
        "CWE-639 Insecure direct object reference",
        PORTAL + "/tai-lieu/tai-ve?id=1043",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
    )
    defender = province_player(cast, "Lạng Sơn")
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
