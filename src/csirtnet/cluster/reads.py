"""What the cluster pages read: clusters in the order the network numbers them, scoped through
authz (cluster.repository); the pages ask authz which ids, and read the rows here."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.cluster import repository
from csirtnet.models import Cluster


def clusters(session: Session, who: Subject) -> list[Cluster]:
    """Every cluster the subject may see, by number."""
    return list(session.scalars(repository.clusters(who)))


def clusters_among(session: Session, ids: Iterable[int] | None) -> list[Cluster]:
    """The clusters with these ids (every cluster for None), by number then name."""
    query = select(Cluster).order_by(Cluster.number, Cluster.name)
    if ids is not None:
        query = query.where(Cluster.id.in_(sorted(ids)))
    return list(session.scalars(query))


def cluster_named(session: Session, cluster_id: int | None) -> Cluster | None:
    """A cluster to name on a page that already shows something of it (an event, a document)."""
    return session.get(Cluster, cluster_id) if cluster_id else None
