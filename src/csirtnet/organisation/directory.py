"""The member directory: entries with their services, experts' skills and clusters, and a CSV
export that Excel opens correctly (UTF-8 with a byte-order mark)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.kit import csv_export
from csirtnet.kit.time import utcnow
from csirtnet.models import Cluster, ClusterMember, Expert, ExpertSkill, Organisation, ServiceOffer
from csirtnet.organisation import repository
from csirtnet.organisation.schemas import DirectoryEntry
from csirtnet.vocabulary import first_services

CSV_COLUMNS = [
    "member_code",
    "name",
    "name_en",
    "short_name",
    "kind",
    "sector",
    "province",
    "website",
    "incident_email",
    "incident_phone",
    "services",
    "skills",
    "clusters",
]


def entries(session: Session, who: Subject, orgs: Sequence[Organisation]) -> list[DirectoryEntry]:
    """Directory entries for already-selected organisations (three batched queries, not one per row)."""
    ids = [o.id for o in orgs]
    services: dict[int, list[str]] = defaultdict(list)
    skills: dict[int, set[str]] = defaultdict(set)
    clusters: dict[int, list[str]] = defaultdict(list)
    if ids:
        for offer in session.scalars(repository.services(who, ids).order_by(ServiceOffer.service)):
            services[offer.organisation_id].append(offer.service)
        for org_id, skill in session.execute(
            select(Expert.organisation_id, ExpertSkill.skill)
            .join(ExpertSkill, ExpertSkill.expert_id == Expert.id)
            .where(Expert.organisation_id.in_(ids))
        ):
            skills[org_id].add(skill)
        today = utcnow().date()
        for org_id, name in session.execute(
            select(ClusterMember.organisation_id, Cluster.name)
            .join(Cluster, Cluster.id == ClusterMember.cluster_id)
            .where(
                ClusterMember.organisation_id.in_(ids),
                or_(ClusterMember.left_on.is_(None), ClusterMember.left_on >= today),
            )
            .order_by(Cluster.name)
        ):
            clusters[org_id].append(name)
    return [
        DirectoryEntry(
            id=o.id,
            name=o.name,
            name_en=o.name_en,
            short_name=o.short_name,
            member_code=o.member_code,
            kind=o.kind,
            sector=o.sector,
            province=o.province,
            website=o.website,
            incident_email=o.incident_email,
            incident_phone=o.incident_phone,
            services=services.get(o.id, []),
            skills=sorted(skills.get(o.id, set())),
            clusters=clusters.get(o.id, []),
        )
        for o in orgs
    ]


def to_csv(rows: list[DirectoryEntry], language: str) -> bytes:
    """UTF-8 with BOM, so Excel shows Vietnamese names; services by name in the reader's language;
    written by kit.csv_export (a name that looks like a formula stays text)."""
    return csv_export.to_csv(
        CSV_COLUMNS,
        (
            [
                r.member_code or "",
                r.name,
                r.name_en or "",
                r.short_name or "",
                r.kind,
                r.sector or "",
                r.province or "",
                r.website or "",
                r.incident_email or "",
                r.incident_phone or "",
                "; ".join(first_services.name(s, language) for s in r.services),
                "; ".join(r.skills),
                "; ".join(r.clusters),
            ]
            for r in rows
        ),
    ).encode("utf-8")
