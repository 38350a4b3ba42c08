"""Every evidence query, scoped through authz.evidence."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.evidence import get_visible_item, visible_evidence_clause
from csirtnet.authz.incident import get_visible
from csirtnet.models import EvidenceCheck, EvidenceCustodyEntry, EvidenceItem


def items_query(who: Subject) -> Select[EvidenceItem]:
    """The items `who` may see, newest first."""
    return select(EvidenceItem).where(visible_evidence_clause(who)).order_by(EvidenceItem.id.desc())


def items_of_incident(session: Session, who: Subject, incident_id: int) -> list[EvidenceItem]:
    """The incident's items `who` may see (NotFound when the incident is not theirs to see)."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    query = items_query(who).where(EvidenceItem.incident_id == incident.id)
    return list(session.scalars(query.order_by(None).order_by(EvidenceItem.id)))


def get_item(session: Session, who: Subject, item_id: int) -> EvidenceItem:
    return get_visible_item(session, who, item_id)


def items_by_ids(session: Session, who: Subject, ids: list[int]) -> list[EvidenceItem]:
    """The items among `ids` that `who` may see, in id order."""
    return list(
        session.scalars(items_query(who).where(EvidenceItem.id.in_(ids)).order_by(None).order_by(EvidenceItem.id))
    )


def custody_of(session: Session, item: EvidenceItem) -> list[EvidenceCustodyEntry]:
    """The item's log in order (the caller holds a visible item)."""
    query = select(EvidenceCustodyEntry).where(EvidenceCustodyEntry.item_id == item.id)
    return list(session.scalars(query.order_by(EvidenceCustodyEntry.seq, EvidenceCustodyEntry.id)))


def checks_of(session: Session, item: EvidenceItem, limit: int = 50) -> list[EvidenceCheck]:
    """The item's latest checks, newest first (the caller holds a visible item)."""
    query = select(EvidenceCheck).where(EvidenceCheck.item_id == item.id)
    return list(session.scalars(query.order_by(EvidenceCheck.id.desc()).limit(limit)))


def copies_of(session: Session, who: Subject, item: EvidenceItem) -> list[EvidenceItem]:
    return list(session.scalars(items_query(who).where(EvidenceItem.source_item_id == item.id)))
