"""Readiness coverage: for each criterion, the share of members meeting it, per cluster, sector or
province, and the list of gaps. The coordinator sees every member; a cluster lead's admins see
the members of the clusters they lead (csirtnet.authz.cluster.coverage_cluster_ids)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.cluster.readiness.schemas import CoverageCell, CoverageGroupRead, CoverageRead, GapRead
from csirtnet.cluster.readiness.service import CRITERIA, drills_of, meets, reference_date
from csirtnet.cluster.schemas import OrgRef
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.i18n import N_, translate
from csirtnet.kit import csv_export
from csirtnet.models import Cluster, ClusterMember, Organisation, OrganisationStatus, ReadinessRecord
from csirtnet.vocabulary import labels

GROUPINGS = ("cluster", "sector", "province")
NO_RECORD = "no_record"
NOT_SET = N_("(not set)")
NO_CLUSTER = N_("(in no cluster)")
ALL = N_("All members")


def _members_on(session: Session, cluster_ids: Iterable[int] | None, day: date) -> dict[int, set[int]]:
    """cluster id -> organisation ids that are members on `day`."""
    query = select(ClusterMember.cluster_id, ClusterMember.organisation_id).where(cluster_authz.member_on(day))
    if cluster_ids is not None:
        query = query.where(ClusterMember.cluster_id.in_(sorted(cluster_ids)))
    out: dict[int, set[int]] = {}
    for cluster_id, org_id in session.execute(query):
        out.setdefault(int(cluster_id), set()).add(int(org_id))
    return out


def coverage(
    session: Session, who: Subject, year: int, group_by: str = "cluster", cluster_id: int | None = None
) -> CoverageRead:
    """Coverage and gaps for `year`, judged on its reference date."""
    require(who, Permission.READINESS_READ)
    if group_by not in GROUPINGS:
        raise ValidationFailed("group_by", f"one of {', '.join(GROUPINGS)}")
    if year < 2000 or year > cluster_authz.today().year:
        raise ValidationFailed("year", f"must be between 2000 and {cluster_authz.today().year}")
    if not cluster_authz.can_see_coverage(session, who):
        raise Forbidden("Coverage is for the coordinator and the cluster leads")
    allowed = cluster_authz.coverage_cluster_ids(session, who)
    if cluster_id is not None:
        if session.get(Cluster, cluster_id) is None:
            raise ValidationFailed("cluster_id", f"no cluster with id {cluster_id}")
        if allowed is not None and cluster_id not in allowed:
            raise Forbidden("You see the coverage of the clusters you lead only")
        allowed = {cluster_id}
    day = reference_date(year)
    by_cluster = _members_on(session, allowed, day)
    if allowed is None:
        universe = set(
            session.scalars(
                select(Organisation.id).where(
                    Organisation.status == OrganisationStatus.ACTIVE.value, Organisation.is_coordinator.is_(False)
                )
            )
        )
    else:
        universe = set().union(*by_cluster.values()) if by_cluster else set()
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(sorted(universe)))).all()}
    rows = list(
        session.scalars(
            select(ReadinessRecord).where(
                ReadinessRecord.year == year, ReadinessRecord.organisation_id.in_(sorted(universe))
            )
        )
    )
    drills = drills_of(session, [r.id for r in rows])
    by_org = {r.organisation_id: r for r in rows}
    results: dict[int, dict[str, bool] | None] = {
        org_id: (meets(by_org[org_id], drills[by_org[org_id].id], day) if org_id in by_org else None) for org_id in orgs
    }
    language = "en"
    groups: list[tuple[str, str, list[int]]] = []
    if group_by == "cluster":
        clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(sorted(by_cluster))))}
        for cid in sorted(clusters, key=lambda i: (clusters[i].number or 10_000, clusters[i].name)):
            groups.append((str(cid), clusters[cid].name, sorted(by_cluster[cid] & set(orgs))))
        if allowed is None:
            clustered = set().union(*by_cluster.values()) if by_cluster else set()
            loose = sorted(set(orgs) - clustered)
            if loose:
                groups.append(("", translate(language, NO_CLUSTER), loose))
    else:
        keyed: dict[str, list[int]] = {}
        for org in orgs.values():
            keyed.setdefault(getattr(org, group_by) or "", []).append(org.id)
        for key in sorted(keyed, key=lambda k: (k == "", k)):
            groups.append((key, key or translate(language, NOT_SET), sorted(keyed[key])))
    return CoverageRead(
        year=year,
        group_by=group_by,
        reference_date=day,
        overall=_group("all", translate(language, ALL), sorted(orgs), orgs, results),
        groups=[_group(key, label, ids, orgs, results) for key, label, ids in groups],
    )


def _group(
    key: str,
    label: str,
    org_ids: list[int],
    orgs: dict[int, Organisation],
    results: dict[int, dict[str, bool] | None],
) -> CoverageGroupRead:
    total = len(org_ids)
    cells = []
    for criterion in CRITERIA:
        met = sum(1 for i in org_ids if (results[i] or {}).get(criterion.value))
        cells.append(
            CoverageCell(
                criterion=criterion.value,
                met=met,
                total=total,
                percent=round(100 * met / total) if total else None,
            )
        )
    gaps = []
    for org_id in sorted(org_ids, key=lambda i: orgs[i].name_sort):
        result = results[org_id]
        missing = [NO_RECORD] if result is None else [c for c, ok in result.items() if not ok]
        if missing:
            gaps.append(GapRead(organisation=OrgRef.model_validate(orgs[org_id]), missing=missing))
    return CoverageGroupRead(key=key, label=label, total=total, cells=cells, gaps=gaps)


def label(language: str, key: str) -> str:
    return labels.name(labels.READINESS_CRITERIA, key, language)


def _group_name(report: CoverageRead, group: CoverageGroupRead, language: str) -> str:
    """A group's name in the reader's language: a sector by its label, a cluster or province as named."""
    if group.key in ("", "all"):
        return translate(language, group.label)
    if report.group_by == "sector":
        return labels.name(labels.SECTORS, group.key, language)
    return group.label


def to_csv(report: CoverageRead, language: str, kind: str = "coverage") -> str:
    """CSV (kit.csv_export: UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese
    correctly; a name that looks like a formula stays text)."""
    if kind not in ("coverage", "gaps"):
        raise ValidationFailed("kind", "coverage or gaps")

    def t(message: str) -> str:
        return translate(language, message)

    group_header = labels.name(labels.COVERAGE_GROUPINGS, report.group_by, language)
    if kind == "coverage":
        header: list[csv_export.Cell] = [group_header, t(N_("Members"))]
        for criterion in CRITERIA:
            header += [f"{label(language, criterion.value)} (%)", f"{label(language, criterion.value)} (n)"]
        rows: list[list[csv_export.Cell]] = []
        for group in [*report.groups, report.overall]:
            row: list[csv_export.Cell] = [_group_name(report, group, language), group.total]
            for cell in group.cells:
                row += ["" if cell.percent is None else cell.percent, cell.met]
            rows.append(row)
        return csv_export.to_csv(header, rows)
    return csv_export.to_csv(
        [group_header, t(N_("Member code")), t(N_("Organisation")), t(N_("Missing"))],
        (
            [
                _group_name(report, group, language),
                gap.organisation.member_code,
                gap.organisation.name,
                "; ".join(label(language, m) for m in gap.missing),
            ]
            for group in report.groups
            for gap in group.gaps
        ),
    )
