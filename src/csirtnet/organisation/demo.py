"""Demo data of the members domain: contacts, capabilities, constituency (documentation prefixes
203.0.113.0/24, 198.51.100.0/24, 192.0.2.0/24, 2001:db8::/32 and ASNs 64496-64511) and the
experts FPT and Bkav offer for the incident mobilisation demo."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.demo import register
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    ConstituencyClaim,
    Expert,
    ExpertSkill,
    InformationSystem,
    Organisation,
    OrganisationContact,
    ServiceOffer,
    User,
)
from csirtnet.organisation.claims import parse_claim

CLAIMS = {
    "VNPT": ["203.0.113.0/24", "2001:db8::/32", "AS64496", "vnpt.example.vn"],
    "FPT": ["198.51.100.0/24", "2001:db8:100::/40", "AS64497", "fpt.example.vn"],
    "BKAV": ["192.0.2.0/25", "AS64498", "bkav.example.vn"],
    "MISA": ["192.0.2.128/26", "AS64499", "misa.example.vn"],
    "CYRADAR": ["192.0.2.192/27", "AS64500", "cyradar.example.vn"],
    "STTTT-BKN": ["203.0.113.64/27", "backan.example.gov.vn"],
    "STTTT-CBG": ["203.0.113.96/27", "caobang.example.gov.vn"],
}
# VNPT delegated parts of its /24 to two provincial departments.
DELEGATED_FROM = {"203.0.113.64/27": "203.0.113.0/24", "203.0.113.96/27": "203.0.113.0/24"}
SERVICES = {
    "VNPT": ["event-management.monitoring-detection", "incident-management.mitigation-recovery"],
    "FPT": [
        "incident-management.incident-analysis",
        "incident-management.forensic-analysis",
        "incident-management.mitigation-recovery",
        "vulnerability-management.analysis",
    ],
    "BKAV": [
        "incident-management.forensic-analysis",
        "incident-management.incident-analysis",
        "situational-awareness.analysis-synthesis",
        "knowledge-transfer.training-education",
    ],
    "CYRADAR": ["situational-awareness.data-acquisition", "event-management.event-analysis"],
    "AIS": ["incident-management.coordination", "knowledge-transfer.exercises", "situational-awareness.communication"],
}
EXPERTS = {
    "FPT": [
        (
            "Nguyễn Quang Pháp Chứng",
            "Hà Nội",
            {"digital-forensics": 3, "memory-forensics": 3, "legal-evidence": 2},
            ["GCFA", "EnCE"],
        ),
        ("Trần Thị Mã Độc", "Hà Nội", {"malware-analysis": 3, "reverse-engineering": 2}, ["GREM"]),
        (
            "Lê Văn Ứng Phó",
            "Đà Nẵng",
            {"incident-handling": 3, "ransomware-recovery": 2, "active-directory": 2},
            ["GCIH"],
        ),
    ],
    "BKAV": [
        ("Phạm Minh Dịch Ngược", "Hà Nội", {"reverse-engineering": 3, "malware-analysis": 3}, ["OSCE"]),
        (
            "Vũ Thu Nhật Ký",
            "Thái Nguyên",
            {"log-analysis": 3, "network-forensics": 2, "threat-intelligence": 2},
            ["GCIA"],
        ),
    ],
}


@register
def load_members(session: Session, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    who = Subject.system("demo")
    now = utcnow()
    for code, org in orgs.items():
        if org.is_coordinator:
            continue
        slug = code.lower().replace("stttt-", "")
        org.incident_email = f"ir@{slug}.example.vn"
        org.incident_phone = "+84 24 3000 0000"
        org.owner_agency = "Bộ Khoa học và Công nghệ" if org.kind == "province" else None
        org.confirmed_at = now
        session.add_all(
            [
                OrganisationContact(
                    organisation_id=org.id,
                    role="incident_24x7",
                    full_name=f"Trực ứng cứu {org.short_name or code}",
                    email=f"soc@{slug}.example.vn",
                    phone="+84 912 000 000",
                ),
                OrganisationContact(
                    organisation_id=org.id,
                    role="focal_point",
                    full_name=f"Đầu mối {org.short_name or code}",
                    email=f"daumoi@{slug}.example.vn",
                ),
            ]
        )
    for code, keys in SERVICES.items():
        session.add_all(ServiceOffer(organisation_id=orgs[code].id, service=k) for k in keys)
    session.add(
        InformationSystem(
            organisation_id=orgs["STTTT-BKN"].id, name="Cổng thông tin điện tử tỉnh Bắc Kạn", security_level=3
        )
    )
    session.add(
        InformationSystem(
            organisation_id=orgs["VNPT"].id, name="Hệ thống thanh toán", security_level=4, national_important=True
        )
    )
    session.flush()
    by_value: dict[str, ConstituencyClaim] = {}
    for code, values in CLAIMS.items():
        for value in values:
            parsed = parse_claim(value)
            claim = ConstituencyClaim(
                organisation_id=orgs[code].id,
                kind=parsed.kind.value,
                value=parsed.value,
                prefix_len=parsed.prefix_len,
                range_start=parsed.range_start,
                range_end=parsed.range_end,
                parent_claim_id=by_value[DELEGATED_FROM[value]].id if value in DELEGATED_FROM else None,
            )
            session.add(claim)
            session.flush()
            by_value[value] = claim
    for code, people in EXPERTS.items():
        for name, province, skill_levels, certs in people:
            expert = Expert(
                organisation_id=orgs[code].id,
                full_name=name,
                email=None,
                province=province,
                certifications=certs,
                languages=["vi", "en"],
                availability=[],
                available=True,
                on_site=True,
                max_deployments=2,
            )
            expert.skills = [ExpertSkill(skill=k, level=v) for k, v in skill_levels.items()]
            session.add(expert)
    session.flush()
    audit.record(
        session,
        who,
        "organisation.demo_loaded",
        ("demo", "members"),
        claims=len(by_value),
        experts=sum(len(p) for p in EXPERTS.values()),
    )
