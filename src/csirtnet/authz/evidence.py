"""Who may see and handle evidence. THE one decision: the incident page's Evidence section, the API,
the CLI's item lists, exports, verification reports and every derived record (authz.derived's
EVIDENCE guard) go through `visible_evidence_clause`.

Evidence is narrower than its incident. An item is visible to a subject who may see its incident
(authz.incident) AND who is
- a coordinator (the coordinating body's staff: Role.COORDINATOR), or
- named, as a user, on an ACTIVE participation of the incident with an evidence role
  (IncidentParticipant.evidence_role: custodian, analyst or observer). A participation that names
  only an organisation gives its users no evidence: evidence goes to named people.
TLP:RED evidence is for the named participants with an evidence role only, coordinators included
(as for TLP:RED incidents). A platform admin who is not a coordinator sees no evidence; the
platform itself (the CLI and jobs, `Subject.system`) sees and verifies all of it.

Handling (adding items, taking custody, analysing, copying, exporting) needs the EVIDENCE_WRITE
capability and, beyond a coordinator, the custodian or analyst evidence role; what each custody step
needs on top (being the custodian, the receiver, a coordinator for disposal) is decided here too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from csirtnet.authz.incident import _NOW, active_participation_clause, visible_incidents_clause
from csirtnet.authz.permissions import Permission
from csirtnet.authz.policy import Subject, can
from csirtnet.errors import Forbidden, NotFound
from csirtnet.models import EvidenceItem, EvidenceRole, Incident, IncidentParticipant
from csirtnet.vocabulary import TLP, Role

HANDLING_ROLES = frozenset({EvidenceRole.CUSTODIAN.value, EvidenceRole.ANALYST.value})


def is_coordinator(who: Subject) -> bool:
    return who.has_role(Role.COORDINATOR)


def is_platform(who: Subject) -> bool:
    return who.user_id is None and who.is_platform_admin


def _evidence_participant(who: Subject, incident_id: Any, roles: frozenset[str] | None = None) -> ColumnElement[bool]:
    role_test = (
        IncidentParticipant.evidence_role.is_not(None)
        if roles is None
        else IncidentParticipant.evidence_role.in_(sorted(roles))
    )
    return exists(
        select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == incident_id,
            IncidentParticipant.user_id == who.user_id,
            role_test,
            active_participation_clause(_NOW),
        )
    )


def visible_evidence_clause(who: Subject) -> ColumnElement[bool]:
    """A WHERE clause on `EvidenceItem`: the items `who` may see."""
    if who.user_id is None:
        return true() if who.is_platform_admin else false()
    if not can(who, Permission.EVIDENCE_READ):
        return false()
    incident_visible = EvidenceItem.incident_id.in_(select(Incident.id).where(visible_incidents_clause(who)))
    named = _evidence_participant(who, EvidenceItem.incident_id)
    if is_coordinator(who):
        return and_(incident_visible, or_(EvidenceItem.tlp != TLP.RED.value, named))
    return and_(incident_visible, named)


def handling_clause(who: Subject) -> ColumnElement[bool]:
    """Of the visible items, those `who` may handle (collect, take custody, analyse, copy, export)."""
    if who.user_id is None:
        return true() if who.is_platform_admin else false()
    if not can(who, Permission.EVIDENCE_WRITE):
        return false()
    named = _evidence_participant(who, EvidenceItem.incident_id, HANDLING_ROLES)
    if is_coordinator(who):
        return or_(EvidenceItem.tlp != TLP.RED.value, named)
    return named


def can_see_incident_evidence(session: Session, who: Subject, incident: Incident) -> bool:
    """Whether the incident page shows `who` an Evidence section at all."""
    if is_platform(who):
        return True
    if not can(who, Permission.EVIDENCE_READ):
        return False
    if is_coordinator(who):
        return True
    return bool(session.scalar(select(_evidence_participant(who, incident.id))))


def can_add_evidence(session: Session, who: Subject, incident: Incident, tlp: str) -> bool:
    """Collect an item into the incident: coordinators (a TLP:RED item only when named with a
    handling role) and participants named with a handling role."""
    if is_platform(who):
        return True
    if not can(who, Permission.EVIDENCE_WRITE):
        return False
    named = bool(session.scalar(select(_evidence_participant(who, incident.id, HANDLING_ROLES))))
    if is_coordinator(who):
        return tlp != TLP.RED.value or named
    return named


def require_add_evidence(session: Session, who: Subject, incident: Incident, tlp: str) -> None:
    if not can_add_evidence(session, who, incident, tlp):
        raise Forbidden("Only coordinators and the incident's evidence custodians and analysts add evidence")


def can_handle(session: Session, who: Subject, item: EvidenceItem) -> bool:
    return bool(session.scalar(select(EvidenceItem.id).where(EvidenceItem.id == item.id, handling_clause(who))))


def require_handle(session: Session, who: Subject, item: EvidenceItem) -> None:
    if not can_handle(session, who, item):
        raise Forbidden("Only coordinators and the incident's evidence custodians and analysts handle evidence")


def get_visible_item(session: Session, who: Subject, item_id: int) -> EvidenceItem:
    """The item, if `who` may see it (else NotFound: its existence is not disclosed)."""
    item = session.scalar(select(EvidenceItem).where(EvidenceItem.id == item_id, visible_evidence_clause(who)))
    if item is None:
        raise NotFound("evidence item")
    return item


# -- custody steps ---------------------------------------------------------------------------------


def is_custodian(who: Subject, item: EvidenceItem) -> bool:
    return who.user_id is not None and item.custodian_id == who.user_id


def require_custodian_or_coordinator(session: Session, who: Subject, item: EvidenceItem, step: str) -> None:
    """Sealing, offering a transfer, returning: the current custodian or a coordinator."""
    require_handle(session, who, item)
    if not (is_custodian(who, item) or is_coordinator(who) or is_platform(who)):
        raise Forbidden(f"Only the item's custodian or a coordinator may record {step}")


def require_custodian(session: Session, who: Subject, item: EvidenceItem, step: str) -> None:
    """Checking out, back in, recording an analysis: the custodian alone (the log says who held it)."""
    require_handle(session, who, item)
    if not is_custodian(who, item):
        raise Forbidden(f"Only the item's current custodian may record {step}")


def require_receiver(who: Subject, item: EvidenceItem) -> None:
    """Acknowledging or declining a transfer: the person it was offered to."""
    if item.pending_to_id is None:
        raise Forbidden("No transfer of this item is waiting")
    if who.user_id != item.pending_to_id:
        raise Forbidden("Only the person the item is offered to may acknowledge or decline it")


def require_dispose(session: Session, who: Subject, item: EvidenceItem) -> None:
    """Disposal (destruction or release) is recorded by a coordinator, with an authorisation."""
    require_handle(session, who, item)
    if not (is_coordinator(who) or is_platform(who)):
        raise Forbidden("Only a coordinator may record the disposal of evidence")


def may_receive(session: Session, receiver: Subject, item: EvidenceItem) -> bool:
    """Custody goes only to someone who may handle the item."""
    return can_handle(session, receiver, item)


__all__ = [
    "HANDLING_ROLES",
    "can_add_evidence",
    "can_handle",
    "can_see_incident_evidence",
    "get_visible_item",
    "handling_clause",
    "is_coordinator",
    "is_custodian",
    "may_receive",
    "require_add_evidence",
    "require_custodian",
    "require_custodian_or_coordinator",
    "require_dispose",
    "require_handle",
    "require_receiver",
    "visible_evidence_clause",
]
