"""Building blocks for the advisory tests: a cluster of six provinces with their people, a
coordinator, an outsider, and advisories drafted and published through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.advisory import service
from csirtnet.advisory.schemas import AdvisoryCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Advisory, Cluster, ClusterMember, Organisation, User
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator, who

PROVINCES = ("Bắc Kạn", "Bắc Giang", "Bắc Ninh", "Cao Bằng", "Lạng Sơn", "Thái Nguyên")


@dataclass
class World:
    coordinator: User
    reviewer: User
    cluster: Cluster
    provinces: list[Organisation]
    admins: list[User]  # one org admin per province, in PROVINCES order
    responders: list[User]
    outsider_org: Organisation
    outsider: User


def make_world(db: Session) -> World:
    coord = coordinator(db)
    reviewer = coordinator(db)
    cluster = Cluster(name="Cụm số 1", number=1)
    db.add(cluster)
    db.flush()
    provinces: list[Organisation] = []
    admins: list[User] = []
    responders: list[User] = []
    for name in PROVINCES:
        org = make_organisation(db, kind="province", province=name, name=f"Sở KH&CN {name}")
        db.add(ClusterMember(cluster_id=cluster.id, organisation_id=org.id, joined_on=date(2024, 1, 1)))
        provinces.append(org)
        admins.append(make_user(db, roles=[Role.ORG_ADMIN], organisation=org))
        responders.append(make_user(db, roles=[Role.RESPONDER], organisation=org))
    outsider_org = make_organisation(db, kind="province", province="Cà Mau")
    outsider = make_user(db, roles=[Role.ORG_ADMIN], organisation=outsider_org)
    db.flush()
    return World(coord, reviewer, cluster, provinces, admins, responders, outsider_org, outsider)


def draft(db: Session, author: User, **overrides: Any) -> Advisory:
    values: dict[str, Any] = {
        "kind": "advisory",
        "title": "Lỗ hổng PAN-OS GlobalProtect đang bị khai thác",
        "summary": "Kẻ tấn công khai thác CVE-2024-3400 trên cổng thông tin của các tỉnh.",
        "body": "## Chi tiết\n\nÁp dụng bản vá **ngay**.",
        "severity": "high",
        "tlp": "amber",
        "cve_ids": ["CVE-2024-3400"],
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "affected_products": [{"vendor": "Palo Alto Networks", "product": "PAN-OS", "versions": ["<10.2.9"]}],
        "indicators": [{"type": "ipv4", "value": "203.0.113.7"}],
        "recommended_actions": ["Cập nhật PAN-OS lên 10.2.9", "Kiểm tra nhật ký GlobalProtect"],
        "references": [{"url": "https://security.paloaltonetworks.com/CVE-2024-3400", "summary": "Vendor"}],
        "deadline_at": (utcnow() + timedelta(days=2)).isoformat(),
    }
    values.update(overrides)
    return service.create(db, who(author), AdvisoryCreate.model_validate(values))


def published(db: Session, author: User, **overrides: Any) -> Advisory:
    advisory = draft(db, author, **overrides)
    return service.publish(db, who(author), advisory.id)
