"""The demo's advisories: a few entries of the CISA KEV catalogue; products declared by Bắc Kạn and
VNPT; a TLP:AMBER advisory on the exploited PAN-OS flaw to cluster no. 1 with a deadline, answered
"applied" by Bắc Kạn (the tracking view shows who has not answered); a TLP:CLEAR warning to the
whole network (in the public CSAF directory and its ROLIE feed); and a draft."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import demo
from csirtnet.advisory import answers, catalogue, csaf_store, service
from csirtnet.advisory.csaf.document import CsafInput, CsafProduct, CsafRevision, CsafVulnerability, build
from csirtnet.advisory.schemas import AdvisoryCreate
from csirtnet.authz import Subject
from csirtnet.identity.service import subject_for
from csirtnet.kit.time import utcnow
from csirtnet.models import AckStatus, Cluster, DeclaredProduct, Organisation, User

KEV = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2026.12.01",
    "dateReleased": "2026-12-01T15:00:00.000Z",
    "count": 3,
    "vulnerabilities": [
        {
            "cveID": "CVE-2024-3400",
            "vendorProject": "Palo Alto Networks",
            "product": "PAN-OS",
            "vulnerabilityName": "Palo Alto Networks PAN-OS Command Injection Vulnerability",
            "dateAdded": "2024-04-12",
            "shortDescription": "PAN-OS GlobalProtect contains a command injection vulnerability.",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product.",
            "dueDate": "2024-04-19",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https://security.paloaltonetworks.com/CVE-2024-3400",
            "cwes": ["CWE-77"],
        },
        {
            "cveID": "CVE-2023-4966",
            "vendorProject": "Citrix",
            "product": "NetScaler ADC and NetScaler Gateway",
            "vulnerabilityName": "Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability",
            "dateAdded": "2023-10-18",
            "shortDescription": "NetScaler ADC and Gateway contain a buffer overflow (Citrix Bleed).",
            "requiredAction": "Apply updates per vendor instructions.",
            "dueDate": "2023-11-08",
            "knownRansomwareCampaignUse": "Known",
            "notes": "",
            "cwes": ["CWE-119"],
        },
        {
            "cveID": "CVE-2024-21887",
            "vendorProject": "Ivanti",
            "product": "Connect Secure and Policy Secure",
            "vulnerabilityName": "Ivanti Connect Secure and Policy Secure Command Injection Vulnerability",
            "dateAdded": "2024-01-10",
            "shortDescription": "Ivanti Connect Secure contains a command injection vulnerability.",
            "requiredAction": "Apply mitigations per vendor instructions.",
            "dueDate": "2024-01-22",
            "knownRansomwareCampaignUse": "Known",
            "notes": "",
            "cwes": ["CWE-77"],
        },
    ],
}


def _vendor_csaf(now: datetime) -> dict[str, object]:
    """A vendor's own CSAF advisory for the flaw, as a PSIRT publishes it (TLP:WHITE)."""
    released = now - timedelta(days=30)
    return build(
        CsafInput(
            tracking_id="PAN-SA-2024-0012",
            title="PAN-OS: OS Command Injection Vulnerability in GlobalProtect",
            lang="en",
            publisher_name="Palo Alto Networks Product Security",
            publisher_namespace="https://security.paloaltonetworks.com",
            publisher_category="vendor",
            tlp="clear",
            summary="A command injection vulnerability in the GlobalProtect feature of PAN-OS software.",
            severity="critical",
            products=(
                CsafProduct("Palo Alto Networks", "PAN-OS", (">=10.2 <10.2.9", ">=11.0 <11.0.4", ">=11.1 <11.1.2")),
            ),
            vulnerabilities=(
                CsafVulnerability(
                    title="OS Command Injection in GlobalProtect",
                    cve="CVE-2024-3400",
                    cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                    known_exploited=True,
                ),
            ),
            recommended_actions=("Upgrade to PAN-OS 10.2.9-h1, 11.0.4-h1, 11.1.2-h3 or later.",),
            references=(("https://security.paloaltonetworks.com/CVE-2024-3400", "Vendor advisory"),),
            revisions=(CsafRevision("1.0", released, "Initial publication"),),
            initial_release_date=released,
            current_release_date=released,
        )
    )


@demo.register
def load(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    coordinator = users.get("dieuphoi@csirtnet.local")
    backan_admin = users.get("quantri@backan.demo")
    cluster = session.scalar(select(Cluster).where(Cluster.number == 1))
    if coordinator is None or backan_admin is None or cluster is None:
        return
    who = subject_for(coordinator)
    catalogue.import_kev(session, Subject.system("demo"), KEV)
    now = utcnow()
    for code, vendor, product, version in (
        ("STTTT-BKN", "Palo Alto Networks", "PAN-OS", "10.2.7"),
        ("STTTT-LSN", "Palo Alto Networks", "PAN-OS", "11.1.3"),
        ("VNPT", "Citrix", "NetScaler ADC", "13.1-49.13"),
    ):
        if code in orgs:
            session.add(
                DeclaredProduct(
                    organisation_id=orgs[code].id,
                    vendor=vendor,
                    product=product,
                    version=version,
                    created_at=now,
                    updated_at=now,
                )
            )
    session.flush()
    vendor_doc, _created = csaf_store.import_csaf(session, Subject.system("demo"), _vendor_csaf(now))
    panos = service.create(
        session,
        who,
        AdvisoryCreate.model_validate(
            {
                "kind": "advisory",
                "title": "Lỗ hổng PAN-OS GlobalProtect đang bị khai thác (CVE-2024-3400)",
                "summary": (
                    "Lỗ hổng chèn lệnh trong GlobalProtect của PAN-OS đang bị khai thác nhắm vào cổng kết nối "
                    "VPN của các sở, ban, ngành. Kẻ tấn công không cần xác thực có thể chạy lệnh với quyền root."
                ),
                "body": (
                    "## Mô tả\n\nCISA đã đưa CVE-2024-3400 vào danh mục **lỗ hổng đang bị khai thác** (KEV).\n\n"
                    "## Dấu hiệu\n\n- Tệp lạ trong `/var/appweb/sslvpndocs/global-protect/portal/`\n"
                    "- Kết nối ra ngoài tới `203.0.113.45`\n"
                ),
                "severity": "high",
                "tlp": "amber",
                "pap": "amber",
                "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                "cve_ids": ["CVE-2024-3400"],
                "affected_products": [
                    {"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": [">=10.2 <10.2.9", "11.1.0"]}
                ],
                "indicators": [
                    {"type": "ipv4", "value": "203.0.113.45"},
                    {"type": "domain", "value": "update.example.net"},
                ],
                "recommended_actions": [
                    "Cập nhật PAN-OS lên 10.2.9-h1, 11.0.4-h1 hoặc 11.1.2-h3 trở lên",
                    "Rà soát nhật ký GlobalProtect từ ngày 26/3/2024",
                    "Báo cáo ngay nếu phát hiện dấu hiệu xâm nhập",
                ],
                "references": [
                    {"url": "https://security.paloaltonetworks.com/CVE-2024-3400", "summary": "Palo Alto Networks"}
                ],
                "deadline_at": (now + timedelta(days=2)).isoformat(),
                "csaf_document_ids": [vendor_doc.id],
                "audience": {"cluster_ids": [cluster.id]},
            }
        ),
    )
    service.publish(session, who, panos.id)
    answers.answer(session, subject_for(backan_admin), panos.id, AckStatus.APPLIED, "Đã cập nhật 10.2.9-h1")
    clear = service.create(
        session,
        who,
        AdvisoryCreate.model_validate(
            {
                "kind": "warning",
                "title": "Chiến dịch thư giả mạo Cổng dịch vụ công quốc gia",
                "summary": (
                    "Thư giả mạo thông báo hoàn thuế dẫn tới trang đăng nhập giả. Cảnh báo cán bộ, không bấm liên kết."
                ),
                "severity": "medium",
                "tlp": "clear",
                "pap": "clear",
                "indicators": [{"type": "domain", "value": "dichvucong-hoanthue.example.com"}],
                "recommended_actions": [
                    "Chặn tên miền trong danh sách",
                    "Nhắc cán bộ không nhập mật khẩu qua liên kết",
                ],
                "audience": {"network": True},
            }
        ),
    )
    service.publish(session, who, clear.id)
    service.create(
        session,
        who,
        AdvisoryCreate.model_validate(
            {
                "kind": "advisory",
                "title": "Citrix Bleed (CVE-2023-4966): rà soát thiết bị NetScaler",
                "summary": "Bản nháp: nhóm điều phối đang tổng hợp danh sách đơn vị dùng NetScaler.",
                "severity": "critical",
                "tlp": "amber",
                "cve_ids": ["CVE-2023-4966"],
                "affected_products": [{"vendor": "Citrix", "product": "NetScaler ADC", "versions": ["<13.1-49.15"]}],
                "audience": {"network": True},
            }
        ),
    )
