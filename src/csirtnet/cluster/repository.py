"""Cluster queries. Every reader goes through here; internals are scoped with csirtnet.authz.cluster."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require
from csirtnet.authz import cluster as cluster_authz
from csirtnet.authz.permissions import Permission
from csirtnet.errors import NotFound
from csirtnet.models import (
    Cluster,
    ClusterHandover,
    ClusterHandoverDocument,
    ClusterLeadTerm,
    ClusterMember,
    ClusterPlan,
    ClusterPlanActivity,
    Organisation,
    StoredFile,
)

# Clusters by number, unnumbered ones last, then by name.
cluster_order = (
    case((Cluster.number.is_(None), 1), else_=0),
    func.coalesce(Cluster.number, 0),
    Cluster.name,
    Cluster.id,
)


def cluster_key(cluster: Cluster) -> tuple[int, int, str, int]:
    """A cluster's values of cluster_order."""
    return (1 if cluster.number is None else 0, cluster.number or 0, cluster.name, cluster.id)


def clusters(who: Subject) -> Select[Cluster]:
    """Every cluster: the network's structure (members, leads) is known to all its members."""
    require(who, Permission.CLUSTERS_READ)
    return select(Cluster).order_by(*cluster_order)


def get_cluster(session: Session, who: Subject, cluster_id: int) -> Cluster:
    require(who, Permission.CLUSTERS_READ)
    row = session.get(Cluster, cluster_id)
    if row is None:
        raise NotFound("cluster")
    return row


def memberships(session: Session, cluster_id: int) -> list[ClusterMember]:
    return list(
        session.scalars(
            select(ClusterMember)
            .where(ClusterMember.cluster_id == cluster_id)
            .order_by(ClusterMember.joined_on, ClusterMember.id)
        )
    )


def member_counts(session: Session, cluster_ids: Iterable[int], on: date) -> dict[int, int]:
    ids = list(cluster_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ClusterMember.cluster_id, func.count(ClusterMember.id))
        .where(ClusterMember.cluster_id.in_(ids), cluster_authz.member_on(on))
        .group_by(ClusterMember.cluster_id)
    )
    return {int(c): int(n) for c, n in rows}


def terms_query(cluster_id: int) -> Select[ClusterLeadTerm]:
    """A cluster's lead terms in order (terms never overlap, so their starts order them)."""
    return (
        select(ClusterLeadTerm)
        .where(ClusterLeadTerm.cluster_id == cluster_id)
        .order_by(ClusterLeadTerm.starts_on, ClusterLeadTerm.id)
    )


def terms(session: Session, cluster_id: int) -> list[ClusterLeadTerm]:
    return list(session.scalars(terms_query(cluster_id)))


def current_terms(session: Session, cluster_ids: Iterable[int], on: date) -> dict[int, ClusterLeadTerm]:
    ids = list(cluster_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(ClusterLeadTerm).where(
            ClusterLeadTerm.cluster_id.in_(ids), ClusterLeadTerm.starts_on <= on, ClusterLeadTerm.ends_on >= on
        )
    )
    return {t.cluster_id: t for t in rows}


def handovers(session: Session, cluster_id: int) -> list[ClusterHandover]:
    return list(
        session.scalars(
            select(ClusterHandover)
            .where(ClusterHandover.cluster_id == cluster_id)
            .order_by(ClusterHandover.handed_over_on.desc(), ClusterHandover.id.desc())
        )
    )


def handover_documents(session: Session, handover_ids: Iterable[int]) -> dict[int, list[StoredFile]]:
    ids = list(handover_ids)
    out: dict[int, list[StoredFile]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(ClusterHandoverDocument.handover_id, StoredFile)
        .join(StoredFile, StoredFile.id == ClusterHandoverDocument.stored_file_id)
        .where(ClusterHandoverDocument.handover_id.in_(ids))
        .order_by(StoredFile.id)
    )
    for handover_id, stored in rows:
        out[int(handover_id)].append(stored)
    return out


def handover_document(session: Session, who: Subject, cluster_id: int, handover_id: int, file_id: int) -> StoredFile:
    """A handover's document, for the cluster's members and the coordinator."""
    get_cluster(session, who, cluster_id)
    if not cluster_authz.is_cluster_insider(session, who, cluster_id):
        raise NotFound("document")
    row = session.scalar(
        select(StoredFile)
        .join(ClusterHandoverDocument, ClusterHandoverDocument.stored_file_id == StoredFile.id)
        .join(ClusterHandover, ClusterHandover.id == ClusterHandoverDocument.handover_id)
        .where(
            ClusterHandover.cluster_id == cluster_id,
            ClusterHandover.id == handover_id,
            StoredFile.id == file_id,
        )
    )
    if row is None:
        raise NotFound("document")
    return row


def organisations_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Organisation]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))}


def plan(session: Session, cluster_id: int, year: int) -> ClusterPlan | None:
    return session.scalar(select(ClusterPlan).where(ClusterPlan.cluster_id == cluster_id, ClusterPlan.year == year))


def plan_years(session: Session, cluster_id: int) -> list[int]:
    return list(
        session.scalars(select(ClusterPlan.year).where(ClusterPlan.cluster_id == cluster_id).order_by(ClusterPlan.year))
    )


def activities(session: Session, plan_id: int) -> list[ClusterPlanActivity]:
    return list(
        session.scalars(
            select(ClusterPlanActivity)
            .where(ClusterPlanActivity.plan_id == plan_id)
            .order_by(ClusterPlanActivity.starts_on.is_(None), ClusterPlanActivity.starts_on, ClusterPlanActivity.id)
        )
    )


def organisation_choices(session: Session, who: Subject) -> list[Organisation]:
    """Organisations to pick from in forms (the directory every member sees)."""
    require(who, Permission.ORGANISATIONS_READ)
    return list(session.scalars(select(Organisation).order_by(Organisation.name_sort)))
