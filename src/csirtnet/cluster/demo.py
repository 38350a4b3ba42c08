"""Demo data of the cluster domain: cluster no. 1 with its six provinces, its rotating leads and
handovers, plans, readiness, channels, an event and knowledge-base documents. Everything is
created through the services, so the demo is also audited like real data."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.authz import cluster as cluster_authz
from csirtnet.cluster import files, plan, service
from csirtnet.cluster.channel import service as channel_service
from csirtnet.cluster.channel.schemas import ChannelCreate, MessageCreate, ThreadCreate
from csirtnet.cluster.event import service as event_service
from csirtnet.cluster.event.schemas import EventCreate, MaterialAdd
from csirtnet.cluster.knowledge import service as knowledge_service
from csirtnet.cluster.knowledge.schemas import DocumentCreate
from csirtnet.cluster.readiness import service as readiness_service
from csirtnet.cluster.readiness.schemas import DrillIn, EvidenceAdd, ReadinessUpdate
from csirtnet.cluster.schemas import (
    ActivityCreate,
    ClusterCreate,
    HandoverCreate,
    MemberAdd,
    PlanUpdate,
    RotationPlan,
)
from csirtnet.config import get_settings
from csirtnet.models import Cluster, Organisation, ReadinessCriterion, User
from csirtnet.models.cluster_plan import PlanActivityKind, PlanActivityStatus
from csirtnet.models.event import EventKind
from csirtnet.models.knowledge import KnowledgeKind
from csirtnet.vocabulary import Role

# The rotation of cluster no. 1: Bắc Kạn led 2024 and handed over to Cao Bằng for 2025; Bắc Giang
# leads 2026; the others follow.
ROTATION = ["Bắc Kạn", "Cao Bằng", "Bắc Giang", "Bắc Ninh", "Lạng Sơn", "Thái Nguyên"]
BAC_GIANG_ADMIN = "quantri@bacgiang.demo"


def _subject(user: User) -> Subject:
    from csirtnet.identity.service import subject_for

    return subject_for(user)


def _upload(session: Session, who: Subject, name: str, text: str) -> int:
    stored = files.store_upload(
        session, who, filename=name, content_type="text/plain; charset=utf-8", stream=io.BytesIO(text.encode())
    )
    return stored.id


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    if session.scalar(select(Cluster.id).where(Cluster.number == 1)) is not None:
        return
    system = Subject.system("demo")
    coordinator = _subject(users["dieuphoi@csirtnet.local"])
    backan = _subject(users["quantri@backan.demo"])
    province = {p: orgs[demo.province_code(p)] for p in demo.CLUSTER_1_PROVINCES}
    bacgiang_user = demo.demo_user(
        session,
        system,
        email=BAC_GIANG_ADMIN,
        full_name="Ngô Thị Bắc Giang",
        organisation_id=province["Bắc Giang"].id,
        roles=[Role.ORG_ADMIN],
    )
    session.refresh(bacgiang_user)
    bacgiang = _subject(bacgiang_user)

    cluster = service.create_cluster(
        session,
        coordinator,
        ClusterCreate(
            number=1,
            name="Cụm số 1",
            name_en="Cluster no. 1",
            decision_number="123/QĐ-BTTTT",
            decision_date=date(2023, 3, 15),
            issuing_body="Bộ Thông tin và Truyền thông",
            description=(
                "Cụm ứng cứu sự cố các tỉnh Bắc Kạn, Bắc Giang, Bắc Ninh, Cao Bằng, Lạng Sơn, Thái Nguyên; "
                "trưởng cụm luân phiên hằng năm."
            ),
        ),
    )
    for org in province.values():
        service.add_member(
            session, coordinator, cluster.id, MemberAdd(organisation_id=org.id, joined_on=date(2023, 3, 15))
        )
    service.plan_rotation(
        session,
        coordinator,
        cluster.id,
        RotationPlan(organisation_ids=[province[p].id for p in ROTATION], start_year=2024),
    )

    # The coordinator files the past handovers: the leads that handed over are past leads now, and a
    # past lead records nothing for the cluster (authz.cluster.can_record_handover).
    minutes_doc = _upload(
        session,
        coordinator,
        "bien-ban-ban-giao-cum-so-1-2025.txt",
        "BIÊN BẢN BÀN GIAO TRƯỞNG CỤM SỐ 1\n\nSở TTTT Bắc Kạn bàn giao vai trò trưởng cụm năm 2025 cho Sở TTTT "
        "Cao Bằng: danh sách đầu mối 24/7, kế hoạch hoạt động 2025, hồ sơ diễn tập ASEAN ACID 2024.\n",
    )
    service.record_handover(
        session,
        coordinator,
        cluster.id,
        HandoverCreate(
            from_organisation_id=province["Bắc Kạn"].id,
            to_organisation_id=province["Cao Bằng"].id,
            handed_over_on=date(2025, 1, 6),
            minutes=(
                "Sở TTTT Bắc Kạn bàn giao vai trò trưởng Cụm số 1 năm 2025 cho Sở TTTT Cao Bằng. "
                "Bàn giao: danh sách đầu mối 24/7 của 6 tỉnh, dự thảo kế hoạch 2025, kết quả diễn tập ASEAN ACID 2024 "
                "(Bắc Kạn xếp thứ 3/63). Năm 2024 không xảy ra sự cố mất dữ liệu tại các thành viên."
            ),
            attachment_ids=[minutes_doc],
        ),
    )
    service.record_handover(
        session,
        coordinator,
        cluster.id,
        HandoverCreate(
            from_organisation_id=province["Cao Bằng"].id,
            to_organisation_id=province["Bắc Giang"].id,
            handed_over_on=date(2026, 1, 5),
            minutes="Sở TTTT Cao Bằng bàn giao vai trò trưởng Cụm số 1 năm 2026 cho Sở TTTT Bắc Giang.",
        ),
    )

    _plans(session, coordinator, cluster.id, province, orgs)
    _readiness(session, system, backan, province)
    _channels(session, coordinator, backan, bacgiang, cluster.id, users)
    _events_and_knowledge(session, coordinator, backan, bacgiang, cluster.id, users)


def _plans(
    session: Session, who: Subject, cluster_id: int, province: dict[str, Organisation], orgs: dict[str, Organisation]
) -> None:
    activities_2025 = [
        ActivityCreate(
            kind=PlanActivityKind.WORKSHOP,
            title="Hội thảo chia sẻ kinh nghiệm ứng cứu sự cố Cụm số 1",
            owner_organisation_id=province["Cao Bằng"].id,
            starts_on=date(2025, 6, 12),
            ends_on=date(2025, 6, 12),
            status=PlanActivityStatus.DONE,
            notes="45 đại biểu của 6 tỉnh; tài liệu trong kho tri thức.",
        ),
        ActivityCreate(
            kind=PlanActivityKind.DRILL,
            title="Diễn tập ASEAN ACID 2025",
            owner_organisation_id=orgs["AIS"].id,
            starts_on=date(2025, 9, 18),
            ends_on=date(2025, 9, 18),
            status=PlanActivityStatus.DONE,
            notes="Cả 6 tỉnh tham gia.",
        ),
        ActivityCreate(
            kind=PlanActivityKind.CHANNEL,
            title="Kênh trao đổi thông tin 24/7 của Cụm số 1",
            owner_organisation_id=province["Cao Bằng"].id,
            starts_on=date(2025, 2, 1),
            status=PlanActivityStatus.DONE,
        ),
    ]
    for activity in activities_2025:
        plan.add_activity(session, who, cluster_id, 2025, activity)
    plan.update_summary(
        session,
        who,
        cluster_id,
        2025,
        PlanUpdate(
            summary="Năm 2025 cụm hoàn thành 3/3 hoạt động: hội thảo tháng 6, diễn tập ASEAN ACID tháng 9, "
            "kênh trao đổi 24/7 hoạt động từ tháng 2."
        ),
    )
    for activity in [
        ActivityCreate(
            kind=PlanActivityKind.DRILL,
            title="Diễn tập thực chiến 14 ngày trên cổng thông tin điện tử tỉnh Bắc Giang",
            owner_organisation_id=province["Bắc Giang"].id,
            starts_on=date(2026, 10, 5),
            ends_on=date(2026, 10, 18),
            status=PlanActivityStatus.DONE,
        ),
        ActivityCreate(
            kind=PlanActivityKind.TRAINING,
            title="Tập huấn triển khai phần mềm phòng chống mã độc tập trung (Chỉ thị 14/CT-TTg)",
            owner_organisation_id=province["Bắc Giang"].id,
            starts_on=date(2026, 12, 10),
            status=PlanActivityStatus.PLANNED,
        ),
    ]:
        plan.add_activity(session, who, cluster_id, 2026, activity)


def _readiness(session: Session, system: Subject, backan: Subject, province: dict[str, Organisation]) -> None:
    bkn = province["Bắc Kạn"].id
    readiness_service.save(
        session,
        backan,
        bkn,
        2024,
        ReadinessUpdate(
            antimalware_deployed=True,
            antimalware_connected=True,
            antimalware_connected_on=date(2023, 11, 20),
            backup_plan=True,
            last_restore_test_on=date(2024, 10, 15),
            ir_team=True,
            ir_contact_24x7="Đội ứng cứu Sở TTTT Bắc Kạn — 0209 3870 000",
            systems_inventory=True,
            systems_approved_count=12,
            statement="Không xảy ra sự cố mất dữ liệu trong năm 2024 (no data-loss incident in 2024).",
            drills=[
                DrillIn(
                    name="Diễn tập ASEAN ACID 2024",
                    held_on=date(2024, 9, 19),
                    result="Xếp thứ 3/63 tỉnh, thành phố",
                    rank=3,
                    participants=63,
                )
            ],
        ),
    )
    evidence = _upload(
        session,
        backan,
        "ket-noi-giam-sat-quoc-gia.txt",
        "Xác nhận kết nối hệ thống phòng chống mã độc tập trung với hệ thống giám sát quốc gia, 20/11/2023.\n",
    )
    readiness_service.add_evidence(
        session,
        backan,
        bkn,
        2024,
        EvidenceAdd(criterion=ReadinessCriterion.ANTIMALWARE, file_id=evidence, dated_on=date(2023, 11, 20)),
    )
    readiness_service.save(
        session,
        system,
        province["Cao Bằng"].id,
        2025,
        ReadinessUpdate(
            antimalware_deployed=True,
            antimalware_connected=True,
            antimalware_connected_on=date(2025, 3, 2),
            backup_plan=True,
            last_restore_test_on=date(2025, 11, 4),
            ir_team=True,
            ir_contact_24x7="0206 3852 000",
            systems_inventory=True,
            systems_approved_count=9,
            drills=[DrillIn(name="Diễn tập ASEAN ACID 2025", held_on=date(2025, 9, 18), rank=11, participants=63)],
        ),
    )
    for name, update in {
        "Bắc Giang": ReadinessUpdate(
            antimalware_deployed=True,
            antimalware_connected=True,
            antimalware_connected_on=date(2024, 5, 6),
            backup_plan=True,
            last_restore_test_on=date(2026, 8, 20),
            ir_team=True,
            ir_contact_24x7="0204 3854 000",
            systems_inventory=True,
            systems_approved_count=15,
            drills=[DrillIn(name="Diễn tập thực chiến Cụm số 1", held_on=date(2026, 10, 5), result="Hoàn thành")],
        ),
        "Lạng Sơn": ReadinessUpdate(
            antimalware_deployed=True,
            backup_plan=True,
            last_restore_test_on=date(2024, 6, 1),
            ir_team=True,
            ir_contact_24x7="0205 3812 000",
        ),
        "Bắc Kạn": ReadinessUpdate(
            antimalware_deployed=True,
            antimalware_connected=True,
            antimalware_connected_on=date(2023, 11, 20),
            backup_plan=True,
            last_restore_test_on=date(2026, 3, 10),
            ir_team=True,
            ir_contact_24x7="0209 3870 000",
            systems_inventory=True,
            systems_approved_count=12,
        ),
    }.items():
        readiness_service.save(session, system, province[name].id, 2026, update)


def _channels(
    session: Session, coordinator: Subject, backan: Subject, bacgiang: Subject, cluster_id: int, users: dict[str, User]
) -> None:
    network = channel_service.create_channel(
        session,
        coordinator,
        ChannelCreate(
            kind="network",
            name="Toàn mạng lưới",
            name_en="Whole network",
            description="Kênh chung của mạng lưới ứng cứu sự cố quốc gia.",
        ),
    )
    channel_service.start_thread(
        session,
        coordinator,
        network.id,
        ThreadCreate(
            title="Cảnh báo chiến dịch lừa đảo giả mạo cơ quan nhà nước",
            body="Đề nghị các thành viên rà soát thư điện tử giả mạo cơ quan thuế có tệp đính kèm .rar chứa mã độc.",
            tlp="green",
        ),
    )
    from csirtnet.cluster.channel import repository as channel_repository

    channel = channel_repository.cluster_channel(session, cluster_id)
    assert channel is not None
    first = channel_service.start_thread(
        session,
        bacgiang,
        channel.id,
        ThreadCreate(
            title="Chuẩn bị diễn tập thực chiến 2026",
            body="Bắc Giang đề xuất diễn tập thực chiến 14 ngày trên cổng thông tin điện tử tỉnh từ 5/10. "
            "@Hoàng Văn Bắc, Bắc Kạn chia sẻ kinh nghiệm ASEAN ACID giúp nhé.",
            tlp="green",
        ),
    )
    channel_service.reply(
        session,
        backan,
        channel.id,
        first.thread_id,
        MessageCreate(
            body="Đồng ý. Bắc Kạn gửi kèm danh sách điểm yếu phát hiện năm ngoái — chỉ dùng trong cụm.",
            tlp="amber",
        ),
    )
    channel_service.reply(
        session,
        backan,
        channel.id,
        first.thread_id,
        MessageCreate(
            body="Thông tin đầu mối kỹ thuật riêng cho đơn vị chủ trì.",
            tlp="red",
            recipient_ids=[bacgiang.user_id or 0],
        ),
    )


def _events_and_knowledge(
    session: Session, coordinator: Subject, backan: Subject, bacgiang: Subject, cluster_id: int, users: dict[str, User]
) -> None:
    zone = ZoneInfo(get_settings().timezone)
    workshop = event_service.create(
        session,
        coordinator,
        EventCreate(
            cluster_id=cluster_id,
            kind=EventKind.WORKSHOP,
            title="Hội thảo chia sẻ kinh nghiệm ứng cứu sự cố Cụm số 1",
            title_en="Cluster no. 1 incident-response experience workshop",
            description="Chia sẻ kinh nghiệm diễn tập ASEAN ACID và triển khai Chỉ thị 14/CT-TTg.",
            starts_at=datetime(2025, 6, 12, 8, 0, tzinfo=zone),
            ends_at=datetime(2025, 6, 12, 17, 0, tzinfo=zone),
            location="Sở Thông tin và Truyền thông Cao Bằng",
            capacity=60,
        ),
    )
    slides = _upload(
        session,
        coordinator,
        "hoi-thao-cum-1-2025.txt",
        "Tài liệu hội thảo Cụm số 1 (2025): quy trình ứng cứu, bài học diễn tập ASEAN ACID.\n",
    )
    event_service.add_material(
        session,
        coordinator,
        workshop.id,
        MaterialAdd(
            kind=KnowledgeKind.MATERIAL,
            title_vi="Tài liệu hội thảo ứng cứu sự cố Cụm số 1 năm 2025",
            title_en="Cluster no. 1 incident-response workshop materials 2025",
            summary_vi="Quy trình ứng cứu sự cố, bài học kinh nghiệm từ diễn tập ASEAN ACID.",
            summary_en="Incident-response procedure and lessons from the ASEAN ACID drill.",
            tags=["hội thảo", "ASEAN ACID", "ứng cứu sự cố"],
            tlp="green",
            attachment_ids=[slides],
        ),
    )
    upcoming_day = cluster_authz.today() + timedelta(days=19)
    upcoming = event_service.create(
        session,
        bacgiang,
        EventCreate(
            cluster_id=cluster_id,
            kind=EventKind.TRAINING,
            title="Tập huấn phòng chống mã độc tập trung theo Chỉ thị 14/CT-TTg",
            title_en="Training: centralised anti-malware under Directive 14/CT-TTg",
            starts_at=datetime.combine(upcoming_day, time(8, 30), tzinfo=zone),
            ends_at=datetime.combine(upcoming_day, time(16, 30), tzinfo=zone),
            location="Sở Thông tin và Truyền thông Bắc Giang",
            online_link="https://meet.example.vn/cum-so-1-tap-huan",
            capacity=40,
        ),
    )
    event_service.register(session, backan, upcoming.id)
    knowledge_service.create(
        session,
        coordinator,
        DocumentCreate(
            kind=KnowledgeKind.PLAYBOOK,
            title_vi="Quy trình ứng cứu sự cố mã độc tống tiền",
            title_en="Ransomware incident-response playbook",
            summary_vi="Các bước phát hiện, ngăn chặn, khôi phục và báo cáo sự cố mã độc tống tiền.",
            summary_en="Detect, contain, recover from and report a ransomware incident.",
            tags=["mã độc tống tiền", "ransomware", "quy trình"],
            tlp="clear",
        ),
    )
    knowledge_service.create(
        session,
        backan,
        DocumentCreate(
            kind=KnowledgeKind.LESSONS_LEARNED,
            title_vi="Bài học kinh nghiệm diễn tập ASEAN ACID 2024",
            title_en="Lessons learned from the ASEAN ACID drill 2024",
            summary_vi="Bắc Kạn xếp thứ 3/63: chuẩn bị đầu mối 24/7 và phân công trước.",
            summary_en="Bắc Kạn ranked 3rd of 63: prepare 24/7 contacts and roles beforehand.",
            tags=["diễn tập", "ASEAN ACID"],
            tlp="amber",
            cluster_id=cluster_id,
        ),
    )
