"""Demo incidents, reported by the provincial departments of cluster no. 1 and worked through the
services (so they are audited like real data): one in each interesting state, and an older,
closed ransomware case whose C2 address 203.0.113.66 and sample hash correlate with what a new
report will show — the end-to-end story of docs/incidents.md."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.identity.service import subject_for
from csirtnet.incident import deadlines, files, intake, observables, task_service, timeline, triage, workflow
from csirtnet.incident.schemas import (
    ClosingReport,
    ObservableCreate,
    OpenFromReport,
    PhaseChange,
    ReportCreate,
    TaskCreate,
    TaskUpdate,
    TimelineEntryCreate,
)
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentReport, Organisation, ReportChannel, User
from csirtnet.vocabulary import TLP, Role, Severity

C2_IP = "203.0.113.66"
SAMPLE_SHA256 = "5f2b7c1e9a4d3b8e6c0f1a2d4e6b8c0a1f3e5d7c9b1a3e5f7d9c1b3a5e7f9d1c"


def _report(
    session: Session,
    reporter: User,
    title: str,
    description: str,
    days_ago: float,
    **extra: object,
) -> IncidentReport:
    detected = utcnow() - timedelta(days=days_ago)
    data = ReportCreate.model_validate(
        {
            "title": title,
            "description": description,
            "reporter_name": reporter.full_name,
            "reporter_email": reporter.email,
            "detected_at": detected,
            "language": "vi",
            **extra,
        }
    )
    received = intake.submit(session, subject_for(reporter), data, channel=ReportChannel.WEB)
    report = received.report
    report.reported_at = detected + timedelta(hours=6)
    return report


def _backdate(session: Session, incident: Incident, report: IncidentReport) -> None:
    incident.reported_at = report.reported_at
    incident.created_at = report.reported_at + timedelta(hours=1)
    deadlines.sync(session, incident)


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    coordinator = users.get("dieuphoi@csirtnet.local")
    bac_kan = users.get("quantri@backan.demo")
    if coordinator is None or bac_kan is None:
        return
    coord = subject_for(coordinator)
    reporters: dict[str, User] = {"STTTT-BKN": bac_kan}
    for code, email, name in (
        ("STTTT-LSN", "ungcuu@langson.demo", "Nông Văn Lạng"),
        ("STTTT-TNN", "ungcuu@thainguyen.demo", "Dương Thị Nguyên"),
        ("STTTT-CBG", "ungcuu@caobang.demo", "Hà Văn Cao"),
    ):
        org = orgs.get(code)
        if org is None:
            return
        reporters[code] = demo.demo_user(
            session,
            Subject.system("demo"),
            email=email,
            full_name=name,
            organisation_id=org.id,
            roles=[Role.RESPONDER],
        )

    # 1. An older ransomware case, closed: its C2 address and sample will correlate.
    r1 = _report(
        session,
        reporters["STTTT-LSN"],
        "Mã độc tống tiền mã hóa máy chủ văn bản điều hành",
        "Máy chủ hệ thống quản lý văn bản bị mã hóa toàn bộ dữ liệu, xuất hiện thông báo đòi tiền chuộc. "
        "Máy chủ kết nối tới địa chỉ điều khiển 203.0.113.66.",
        70,
        system_name="Hệ thống quản lý văn bản và điều hành",
        system_domains="vanban.langson.gov.vn",
        system_ips="198.51.100.21",
        system_security_level=3,
        incident_status="contained",
        detection_method="Người dùng phát hiện tệp bị đổi đuôi .lockbit",
    )
    i1 = triage.open_incident(
        session,
        coord,
        r1.id,
        OpenFromReport(
            rsit_class="malicious-code", rsit_type="infected-system", serious_criteria=["service_interruption"]
        ),
    )
    _backdate(session, i1, r1)
    for kind, value in (("ip", C2_IP), ("sha256", SAMPLE_SHA256)):
        observables.add(session, coord, i1.id, ObservableCreate(kind=kind, value=value, tlp=TLP.AMBER))
    workflow.change_phase(session, coord, i1.id, PhaseChange(phase="containment"))
    workflow.change_phase(session, coord, i1.id, PhaseChange(phase="eradication"))
    workflow.change_phase(session, coord, i1.id, PhaseChange(phase="recovery"))
    workflow.change_phase(session, coord, i1.id, PhaseChange(phase="post_incident"))
    workflow.close(
        session,
        coord,
        i1.id,
        ClosingReport(
            result="Khôi phục toàn bộ dữ liệu từ bản sao lưu ngoại tuyến; hệ thống hoạt động lại sau 2 ngày.",
            root_cause="Mật khẩu yếu trên dịch vụ truy cập từ xa (RDP) mở ra Internet.",
            actions_taken="Cô lập máy chủ, chặn 203.0.113.66, xóa mã độc, đổi mật khẩu, đóng RDP.",
            lessons_learned="Không mở RDP ra Internet; kiểm tra khôi phục bản sao lưu hằng quý.",
        ),
    )

    # 2. A DDoS on a provincial portal (level 4, service interrupted): serious, in recovery.
    r2 = _report(
        session,
        reporters["STTTT-TNN"],
        "Tấn công từ chối dịch vụ vào Cổng thông tin điện tử tỉnh",
        "Cổng thông tin điện tử tỉnh không truy cập được trong 3 giờ do lưu lượng bất thường từ nhiều nguồn.",
        4,
        system_name="Cổng thông tin điện tử tỉnh Thái Nguyên",
        system_domains="thainguyen.gov.vn",
        system_ips="198.51.100.80",
        system_security_level=4,
        incident_status="ongoing",
    )
    i2 = triage.open_incident(
        session,
        coord,
        r2.id,
        OpenFromReport(
            rsit_class="availability", rsit_type="ddos", serious_criteria=["service_interruption"], is_major=True
        ),
    )
    _backdate(session, i2, r2)
    workflow.change_phase(session, coord, i2.id, PhaseChange(phase="containment"))
    workflow.change_phase(session, coord, i2.id, PhaseChange(phase="recovery"))
    timeline.add_entry(
        session,
        coord,
        i2.id,
        TimelineEntryCreate(
            occurred_at=utcnow() - timedelta(days=3, hours=20),
            timezone="Asia/Ho_Chi_Minh",
            text="Nhà mạng bật lọc lưu lượng (scrubbing) cho dải 198.51.100.0/24",
        ),
    )
    task_service.create(
        session,
        coord,
        i2.id,
        TaskCreate(title="Rà soát cấu hình CDN và giới hạn tốc độ", owner_id=reporters["STTTT-TNN"].id),
    )

    # 3. Phishing targeting the Cao Bằng department, in containment, normal.
    r3 = _report(
        session,
        reporters["STTTT-CBG"],
        "Thư điện tử giả mạo lừa đảo đánh cắp mật khẩu công vụ",
        "Nhiều cán bộ nhận thư giả mạo thông báo của Sở, dẫn tới trang đăng nhập giả.",
        2,
        system_name="Hệ thống thư điện tử công vụ",
        system_domains="caobang.gov.vn",
        system_security_level=2,
    )
    i3 = triage.open_incident(session, coord, r3.id, OpenFromReport(rsit_class="fraud", rsit_type="phishing"))
    _backdate(session, i3, r3)
    observables.add(session, coord, i3.id, ObservableCreate(kind="domain", value="caobang-gov[.]vn-login.example"))
    workflow.change_phase(session, coord, i3.id, PhaseChange(phase="containment"))

    # 4. A defacement in Bắc Kạn, still in analysis, NIS2 profile for comparison; overdue shown.
    r4 = _report(
        session,
        reporters["STTTT-BKN"],
        "Thay đổi giao diện trang tin điện tử của huyện",
        "Trang chủ bị thay bằng nội dung lạ; nghi ngờ lỗ hổng plugin của hệ quản trị nội dung.",
        6,
        system_name="Trang thông tin điện tử huyện",
        system_domains="huyen.backan.gov.vn",
        system_security_level=2,
    )
    i4 = triage.open_incident(
        session,
        coord,
        r4.id,
        OpenFromReport(
            rsit_class="intrusions",
            rsit_type="application-compromise",
            deadline_profile_key="nis2-art23",
            severity=Severity.NORMAL,
        ),
    )
    _backdate(session, i4, r4)
    workflow.change_phase(session, coord, i4.id, PhaseChange(phase="analysis"))
    # Work waiting for the Bắc Kạn admin (a demo login): their home page lists it with the
    # overdue NIS2 notification of the same incident.
    task_service.create(
        session,
        coord,
        i4.id,
        TaskCreate(
            title="Khôi phục trang chủ từ bản sao lưu và vá plugin",
            description="Khôi phục từ bản sao lưu đêm trước khi bị thay đổi giao diện; cập nhật plugin "
            "trình soạn thảo lên bản đã vá; đổi mật khẩu quản trị.",
            owner_id=bac_kan.id,
            due_at=utcnow() + timedelta(hours=20),
        ),
    )
    # The responder's workspace: a task with its log (a note, a status change, a reassignment),
    # observables pasted in bulk from an analyst's note (defanged), and files of both TLPs.
    logs = task_service.create(
        session,
        coord,
        i4.id,
        TaskCreate(
            title="Thu thập nhật ký máy chủ web 72 giờ",
            description="Nhật ký truy cập và lỗi của máy chủ web, nhật ký tường lửa; niêm phong bản sao.",
            owner_id=bac_kan.id,
            assignee_ids=[bac_kan.id],
            due_at=utcnow() - timedelta(hours=3),
        ),
    )
    task_service.update(
        session,
        subject_for(bac_kan),
        i4.id,
        logs.id,
        TaskUpdate(status="in_progress", note="Đã sao chép nhật ký truy cập 24 giờ gần nhất."),
    )
    task_service.update(
        session,
        coord,
        i4.id,
        logs.id,
        TaskUpdate(assignee_ids=[bac_kan.id, coordinator.id], note="Điều phối viên hỗ trợ đọc nhật ký tường lửa."),
    )
    observables.add_pasted(
        session,
        coord,
        i4.id,
        "hxxps://bankan-gov[.]vn-update.example/wp-login.php\n"
        "198.51.100[.]77, 198.51.100.77\n"
        "attacker[@]mail-bankan.example\n"
        "5d41402abc4b2a76b9719d911017c592",
        tlp=TLP.AMBER,
        note="Dán từ ghi chú phân tích",
    )
    for name, tlp, body in (
        ("anh-chup-trang-chu-bi-thay-doi.txt", TLP.AMBER, "Trang chủ hiển thị thông điệp của nhóm tấn công."),
        ("danh-sach-tai-khoan-quan-tri.txt", TLP.RED, "Danh sách tài khoản quản trị (chỉ người có tên)."),
    ):
        files.add(
            session,
            subject_for(bac_kan),
            i4.id,
            filename=name,
            content_type="text/plain",
            stream=io.BytesIO(body.encode()),
            size=None,
            tlp=tlp,
        )
    deadlines.sweep(session)

    # 5. A new report waiting in the queue: ransomware again, the same C2 in its description.
    _report(
        session,
        reporters["STTTT-BKN"],
        "Phát hiện mã độc tống tiền trên máy trạm kế toán",
        "Phần mềm diệt virus cảnh báo tệp lạ; máy trạm kết nối tới 203.0.113.66 lúc nửa đêm.",
        0.2,
        system_name="Máy trạm phòng kế toán",
        system_security_level=2,
        incident_status="ongoing",
    )

    # 6. An email the intake could not file (more attachments than a report takes), held in the
    # quarantine for the coordinator to release or discard.
    _quarantined_email(session)


def _quarantined_email(session: Session) -> None:
    from email.message import EmailMessage

    from csirtnet.incident import quarantine
    from csirtnet.incident.attachments import MAX_ATTACHMENTS
    from csirtnet.models import QuarantineReason, QuarantineSource

    msg = EmailMessage()
    msg["From"] = "Trung tâm CNTT Sở TT&TT Bắc Kạn <ttcntt@backan.example.vn>"
    msg["To"] = "baocao@csirtnet.local"
    msg["Subject"] = "Gửi nhật ký máy chủ cổng dịch vụ công bị dò quét"
    msg["Message-ID"] = "<demo-quarantine-1@backan.example.vn>"
    msg.set_content(
        "Hệ thống: Cổng dịch vụ công tỉnh\nIP: 203.0.113.45\n\n"
        "Từ 02:00 máy chủ ghi nhận hàng nghìn yêu cầu dò quét; gửi kèm nhật ký từng giờ."
    )
    count = MAX_ATTACHMENTS + 2
    for hour in range(count):
        msg.add_attachment(
            f"02:{hour:02d} GET /admin 403 203.0.113.45\n".encode(),
            maintype="text",
            subtype="plain",
            filename=f"access-{hour:02d}.log",
        )
    quarantine.keep(
        session,
        msg.as_bytes(),
        source=QuarantineSource.DEMO,
        reason=QuarantineReason.TOO_MANY_ATTACHMENTS,
        detail=f"{count} attachments; a report takes at most {MAX_ATTACHMENTS}",
    )
