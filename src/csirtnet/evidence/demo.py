"""The demo's evidence: the Bắc Kạn defacement (incident 4) with a web server log collected by the
FPT responder (custodian), handed to the Bkav analyst who acknowledged it, checked it out, analysed
it and checked it back in; a memory image; a working copy of the log; the seized web server disk,
sealed; and a first verification of every item, so the incident page's Evidence section and an
item's custody timeline show a real chain from the first login."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.authz import Subject
from csirtnet.evidence import checks, service
from csirtnet.evidence.schemas import (
    AnalysisRecord,
    CheckOut,
    CopyRequest,
    EvidenceCreate,
    Note,
    SealRecord,
    TransferOffer,
)
from csirtnet.evidence.store import evidence_store
from csirtnet.identity.service import subject_for
from csirtnet.incident import participants
from csirtnet.incident.schemas import ParticipantCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, Organisation, User

DEFACEMENT = "Thay đổi giao diện trang tin điện tử của huyện"


def _access_log() -> bytes:
    """A web server access log of the defacement day: ordinary visits and the attacker's upload."""
    rng = random.Random(2025)  # noqa: S311 - made-up visitors, the same on every demo
    start = utcnow().replace(microsecond=0) - timedelta(days=3)
    lines = []
    for n in range(4000):
        at = (start + timedelta(seconds=n * 7)).strftime("%d/%b/%Y:%H:%M:%S +0700")
        client = f"14.{rng.randint(160, 191)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        path = rng.choice(["/", "/tin-tuc", "/van-ban", "/lien-he", "/wp-content/themes/huyen/style.css"])
        lines.append(f'{client} - - [{at}] "GET {path} HTTP/1.1" 200 {rng.randint(900, 40000)} "-" "Mozilla/5.0"')
        if n == 2417:
            lines.append(
                f'203.0.113.45 - - [{at}] "POST /wp-content/plugins/editor/upload.php HTTP/1.1" 200 73 '
                '"-" "python-requests/2.31"'
            )
            lines.append(f'203.0.113.45 - - [{at}] "GET /wp-content/uploads/x.php?c=id HTTP/1.1" 200 54 "-" "curl/8.4"')
    return ("\n".join(lines) + "\n").encode()


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    coordinator = users.get("dieuphoi@csirtnet.local")
    responder = users.get("ungcuu@fpt.demo")
    analyst = users.get("phantich@bkav.demo")
    incident = session.scalar(select(Incident).where(Incident.title == DEFACEMENT))
    if coordinator is None or responder is None or analyst is None or incident is None:
        return
    coord = subject_for(coordinator)
    for user, role in ((responder, "custodian"), (analyst, "analyst")):
        participants.add(
            session, coord, incident.id, ParticipantCreate(user_id=user.id, role="responder", evidence_role=role)
        )
    collector, examiner = subject_for(responder), subject_for(analyst)
    store = evidence_store()
    collected_at = utcnow() - timedelta(days=2, hours=3)
    common = {
        "collected_at": collected_at,
        "collected_timezone": "Asia/Ho_Chi_Minh",
        "collection_place": "Phòng máy chủ, Sở Thông tin và Truyền thông Bắc Kạn",
        "collection_system": "web01 — máy chủ trang tin điện tử huyện",
        "collection_address": "198.51.100.40",
        "legal_basis": "Quyết định 112/QĐ-STTTT",
        "legal_basis_date": (collected_at - timedelta(days=1)).date(),
        "tlp": "amber",
    }
    log_bytes = _access_log()
    log = service.add_item(
        session,
        collector,
        incident.id,
        EvidenceCreate(
            item_type="log",
            title="Nhật ký truy cập máy chủ web (access.log)",
            tool="FTK Imager",
            tool_version="4.7.1",
            procedure="Sao chép /var/log/nginx/access.log qua phiên SSH chỉ đọc; băm SHA-256 tại chỗ.",
            volatility="temporary_files",
            iso_stage="acquisition",
            **common,
        ),
        stored=store.ingest_stream(io.BytesIO(log_bytes)),
        filename="web01-access.log",
        content_type="text/plain",
    )
    memory = random.Random(7).randbytes(2 * 1024 * 1024)  # noqa: S311 - stands in for a memory image
    service.add_item(
        session,
        collector,
        incident.id,
        EvidenceCreate(
            item_type="memory_image",
            title="Ảnh bộ nhớ RAM máy chủ web01",
            tool="LiME",
            tool_version="1.9.1",
            procedure="insmod lime.ko path=/mnt/usb/web01.lime format=lime (trước khi tắt máy)",
            volatility="memory",
            iso_stage="acquisition",
            **common,
        ),
        stored=store.ingest_stream(io.BytesIO(memory)),
        filename="web01.lime",
    )
    disk = service.add_item(
        session,
        collector,
        incident.id,
        EvidenceCreate(
            kind="physical",
            item_type="hard_disk",
            title="Ổ cứng máy chủ web01",
            make="Seagate",
            model="Exos 7E8 1TB",
            serial_number="ZA1B2C3D",
            location="Tủ lưu giữ chứng cứ số 2, Sở TT&TT Bắc Kạn",
            volatility="disk",
            iso_stage="collection",
            **common,
        ),
    )
    service.seal(
        session, collector, disk.id, SealRecord(seal_number="BK-2025-0147", note="Niêm phong có chữ ký hai bên")
    )
    service.offer_transfer(
        session,
        collector,
        log.id,
        TransferOffer(to_user_id=analyst.id, reason="Chuyển Bkav phân tích dấu vết tấn công"),
    )
    service.acknowledge_transfer(session, examiner, log.id, Note(note="Đã nhận, đối chiếu SHA-256 khớp"))
    service.check_out(session, examiner, log.id, CheckOut(purpose="Phân tích nhật ký tìm dấu vết tải lên webshell"))
    service.record_analysis(
        session,
        examiner,
        log.id,
        AnalysisRecord(
            tool="GoAccess + grep",
            tool_version="1.8",
            findings="203.0.113.45 tải webshell qua plugin editor/upload.php rồi thực thi lệnh qua x.php.",
        ),
    )
    service.check_in(session, examiner, log.id, Note(note="Trả về kho sau phân tích"))
    service.copy(session, examiner, log.id, CopyRequest(reason="Bản làm việc cho báo cáo kỹ thuật"))
    platform = Subject.system("evidence verification")
    for item in checks.items_to_check(session, None):
        checks.record(session, platform, item, checks.verify_item(session, item, store=store), trigger="schedule")
