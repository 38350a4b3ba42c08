"""What the advisory pages read besides the list, the page and the tracking view (advisory.reads):
the audience a writer's form offers (decided by authz.advisory: the coordinating body anyone, a
cluster lead its clusters, a member organisation its own people), and the people a form names by
email. No changes here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import advisory as rules
from csirtnet.authz import cluster as cluster_authz
from csirtnet.models import Cluster, ClusterMember, Organisation, OrganisationStatus, User

Choice = tuple[str, str]


@dataclass(frozen=True)
class AudienceChoices:
    """The audience controls a writer's form shows, and their choices."""

    network: bool  # may address the whole network
    criteria: bool  # may address by sector, province and security level
    clusters: list[Choice]  # clusters the audience may name
    lead_clusters: list[Choice]  # clusters the writer may publish for as their lead
    organisations: list[Choice]  # organisations the audience may name
    provinces: list[Choice]


def audience_choices(session: Session, who: Subject) -> AudienceChoices:
    """The audience `who` may address (authz.advisory.publishable_cluster_ids), as form choices."""
    led = rules.publishable_cluster_ids(session, who)
    if led is None:  # the coordinating body: anyone in the network
        clusters = _clusters(session, None)
        organisations = select(Organisation.id, Organisation.name).where(Organisation.is_coordinator.is_(False))
        return AudienceChoices(
            network=True,
            criteria=True,
            clusters=clusters,
            lead_clusters=[],
            organisations=_organisations(session, organisations),
            provinces=_provinces(session, None),
        )
    if led:  # a cluster lead: within its clusters (the audience is narrowed to them when published)
        members = select(ClusterMember.organisation_id).where(
            ClusterMember.cluster_id.in_(sorted(led)), cluster_authz.member_on(cluster_authz.today())
        )
        clusters = _clusters(session, led)
        query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(members))
        return AudienceChoices(
            network=False,
            criteria=True,
            clusters=clusters,
            lead_clusters=clusters,
            organisations=_organisations(session, query),
            provinces=_provinces(session, members),
        )
    own = select(Organisation.id, Organisation.name).where(Organisation.id == (who.organisation_id or 0))
    return AudienceChoices(
        network=False,
        criteria=False,
        clusters=[],
        lead_clusters=[],
        organisations=_organisations(session, own),
        provinces=[],
    )


def _clusters(session: Session, ids: set[int] | None) -> list[Choice]:
    query = select(Cluster.id, Cluster.number, Cluster.name).order_by(Cluster.number, Cluster.name)
    if ids is not None:
        query = query.where(Cluster.id.in_(sorted(ids)))
    return [(str(i), name) for i, _number, name in session.execute(query)]


def _organisations(session: Session, query: Select[int, str]) -> list[Choice]:
    rows = session.execute(
        query.where(Organisation.status == OrganisationStatus.ACTIVE.value).order_by(Organisation.name_sort)
    )
    return [(str(i), name) for i, name in rows]


def _provinces(session: Session, members: Select[int] | None) -> list[Choice]:
    query = select(Organisation.province).where(Organisation.province.is_not(None)).distinct()
    if members is not None:
        query = query.where(Organisation.id.in_(members))
    return [(p, p) for p in sorted(p for p in session.scalars(query) if p)]


def user_ids_by_email(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Active users by their email (lower case), for an audience that names people; the audience
    check (advisory.audience.check) then refuses anyone the writer may not address."""
    wanted = sorted({e.strip().lower() for e in emails if e.strip()})
    if not wanted:
        return {}
    rows = session.execute(
        select(func.lower(User.email), User.id).where(func.lower(User.email).in_(wanted), User.is_active.is_(True))
    )
    return {str(email): int(uid) for email, uid in rows}


def emails_of(session: Session, user_ids: Iterable[int]) -> list[str]:
    """The emails of the people an audience names, in the order given (a form shows them again)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    found = dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
    return [str(found[i]) for i in ids if i in found]


# -- a vendor CSAF document, as its page shows it ----------------------------------------------


@dataclass(frozen=True)
class CsafVulnerabilityRow:
    """One vulnerability of a vendor CSAF document: products named (not product ids)."""

    cve: str
    title: str
    cvss_score: float | None
    cvss_vector: str | None
    known_affected: list[str]
    fixed: list[str]
    remediations: list[str]
    exploited: bool  # a threat of category exploit_status is stated


def csaf_vulnerabilities(document: dict[str, Any], names: dict[str, str]) -> list[CsafVulnerabilityRow]:
    """The document's vulnerabilities (CSAF 2.0 section 3.2.3); `names` maps product ids to what
    a reader calls them (csaf_store.product_tree_rows). What the schema does not hold is left out."""
    out: list[CsafVulnerabilityRow] = []
    for item in document.get("vulnerabilities") or []:
        if not isinstance(item, dict):
            continue
        found = item.get("product_status")
        status: dict[str, Any] = found if isinstance(found, dict) else {}
        score: dict[str, Any] = {}
        for entry in item.get("scores") or []:
            if isinstance(entry, dict) and isinstance(entry.get("cvss_v3"), dict):
                score = entry["cvss_v3"]
                break
        remediations = [
            str(r.get("details", "")) + (f" ({r['url']})" if r.get("url") else "")
            for r in item.get("remediations") or []
            if isinstance(r, dict) and r.get("details")
        ]
        threats = [t for t in item.get("threats") or [] if isinstance(t, dict)]
        base = score.get("baseScore")
        out.append(
            CsafVulnerabilityRow(
                cve=str(item.get("cve") or ""),
                title=str(item.get("title") or ""),
                cvss_score=float(base) if isinstance(base, int | float) else None,
                cvss_vector=str(score["vectorString"]) if score.get("vectorString") else None,
                known_affected=_named(status.get("known_affected"), names),
                fixed=_named(status.get("fixed"), names),
                remediations=remediations,
                exploited=any(t.get("category") == "exploit_status" for t in threats),
            )
        )
    return out


def _named(ids: object, names: dict[str, str]) -> list[str]:
    if not isinstance(ids, list):
        return []
    return [names.get(str(i), str(i)) for i in ids]
