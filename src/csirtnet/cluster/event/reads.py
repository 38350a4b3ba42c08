"""What the event pages read: events the subject may see (event.service.events scopes them), in
the order a page lists them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.cluster.event import service
from csirtnet.models import NetworkEvent


def upcoming(
    session: Session, who: Subject, *, cluster_id: int | None = None, limit: int | None = None
) -> list[NetworkEvent]:
    """Events not yet over, soonest first (of one cluster when `cluster_id` is given)."""
    query = service.events(session, who, upcoming=True)
    if cluster_id is not None:
        query = query.where(NetworkEvent.cluster_id == cluster_id)
    return list(session.scalars(query.order_by(NetworkEvent.starts_at).limit(limit)))


def past(session: Session, who: Subject, *, limit: int = 30) -> list[NetworkEvent]:
    """Events that are over, latest first."""
    return list(
        session.scalars(
            service.events(session, who, upcoming=False).order_by(NetworkEvent.starts_at.desc()).limit(limit)
        )
    )


def event_named(session: Session, event_id: int | None) -> NetworkEvent | None:
    """The event a knowledge-base document came from, to name it beside the document."""
    return session.get(NetworkEvent, event_id) if event_id else None
