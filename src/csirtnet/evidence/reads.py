"""What the evidence pages read: the incident's Evidence section (one query), and an item's page —
its record, hashes, custody timeline, check history, pending transfer and what the reader may do
(each answer asked of authz.evidence). No changes here: viewing an item is logged by the page
through `evidence.service.record_view`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from csirtnet.authz import Subject
from csirtnet.authz import evidence as rules
from csirtnet.authz.incident import _NOW, active_participation_clause, get_visible
from csirtnet.errors import Forbidden
from csirtnet.evidence import custody, repository
from csirtnet.identity.service import subject_for
from csirtnet.incident.common import coordinators
from csirtnet.models import (
    EvidenceCheck,
    EvidenceItem,
    EvidenceKind,
    EvidenceStatus,
    Incident,
    IncidentParticipant,
    User,
)


@dataclass(frozen=True)
class SectionRow:
    """One item of the incident's Evidence section."""

    id: int
    reference: str
    title: str
    kind: str
    item_type: str
    tlp: str
    status: str
    custodian: str | None
    pending_to: str | None
    sha256: str | None
    size: int | None
    checked_at: datetime | None
    check_ok: bool | None


@dataclass(frozen=True)
class EvidenceSection:
    rows: list[SectionRow]
    may_add: bool


def incident_section(session: Session, who: Subject, incident: Incident) -> EvidenceSection:
    """The incident's items `who` may see with their custodians' names, in one query (the content
    is joined by the item's relationship, the two names by aliased joins)."""
    custodian, receiver = aliased(User), aliased(User)
    query = (
        repository.items_query(who)
        .where(EvidenceItem.incident_id == incident.id)
        .outerjoin(custodian, custodian.id == EvidenceItem.custodian_id)
        .outerjoin(receiver, receiver.id == EvidenceItem.pending_to_id)
        .add_columns(custodian.full_name, receiver.full_name)
        .order_by(None)
        .order_by(EvidenceItem.id)
    )
    rows = [
        SectionRow(
            id=item.id,
            reference=item.reference,
            title=item.title,
            kind=item.kind,
            item_type=item.item_type,
            tlp=item.tlp,
            status=item.status,
            custodian=holder,
            pending_to=offered,
            sha256=item.content.sha256 if item.content is not None else None,
            size=item.content.size if item.content is not None else None,
            checked_at=item.checked_at,
            check_ok=item.check_ok,
        )
        for item, holder, offered in session.execute(query).unique()
    ]
    # TLP of a new item is chosen on the form; a coordinator may add below TLP:RED at least.
    return EvidenceSection(rows=rows, may_add=rules.can_add_evidence(session, who, incident, "amber"))


def add_page(session: Session, who: Subject, incident_id: int) -> Incident:
    """The incident an item is added to (NotFound when not visible, Forbidden when `who` may not add)."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    if not rules.can_see_incident_evidence(session, who, incident):
        raise Forbidden("Only coordinators and the incident's evidence participants see its evidence")
    rules.require_add_evidence(session, who, incident, "amber")
    return incident


def can_see_section(session: Session, who: Subject, incident: Incident) -> bool:
    return rules.can_see_incident_evidence(session, who, incident)


# -- an item's page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    action: str
    actor: str
    organisation: str | None
    details: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class CheckRow:
    checked_at: datetime
    ok: bool
    trigger: str
    checked_by: str | None
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class Abilities:
    """What the reader may do with the item now (authz.evidence's rules and the item's state)."""

    handle: bool  # copy, export, download
    custody: bool  # seal, offer a transfer, return (custodian or coordinator)
    custodian: bool  # check out and in, record an analysis
    receive: bool  # acknowledge or decline the pending transfer
    dispose: bool  # coordinator
    verify: bool


@dataclass(frozen=True)
class ItemPage:
    item: EvidenceItem
    incident: Incident
    custodian: str | None
    pending_to: str | None
    source: EvidenceItem | None
    copies: list[EvidenceItem]
    timeline: list[TimelineEntry]
    checks: list[CheckRow]
    able: Abilities
    live: bool
    checked_out: bool
    candidates: list[tuple[int, str]]  # who the item may be offered to


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row.id: row.full_name or row.email
        for row in session.execute(select(User.id, User.full_name, User.email).where(User.id.in_(sorted(ids))))
    }


def timeline_of(session: Session, item: EvidenceItem) -> list[TimelineEntry]:
    """The custody log as the page shows it: each entry's actor as the log named them then."""
    out = []
    for row in repository.custody_of(session, item):
        entry = custody.parsed(row)
        actor = entry.get("actor") or {}
        out.append(
            TimelineEntry(
                seq=row.seq,
                at=row.at,
                action=row.action,
                actor=str(actor.get("name") or "—"),
                organisation=actor.get("organisation"),
                details=dict(entry.get("details") or {}),
                hash=row.hash,
            )
        )
    return out


def transfer_candidates(session: Session, item: EvidenceItem) -> list[tuple[int, str]]:
    """The people the item may be offered to: the incident's participants named with a handling
    evidence role and the coordinators, each admitted by authz.evidence.may_receive."""
    participant_ids = set(
        session.scalars(
            select(IncidentParticipant.user_id).where(
                IncidentParticipant.incident_id == item.incident_id,
                IncidentParticipant.user_id.is_not(None),
                IncidentParticipant.evidence_role.in_(sorted(rules.HANDLING_ROLES)),
                active_participation_clause(_NOW),
            )
        )
    )
    users = list(session.scalars(select(User).where(User.id.in_(sorted(participant_ids)), User.is_active.is_(True))))
    seen = {u.id for u in users}
    users += [u for u in coordinators(session) if u.id not in seen]
    out = [
        (u.id, u.full_name or u.email)
        for u in users
        if u.id != item.custodian_id and rules.may_receive(session, subject_for(u), item)
    ]
    return sorted(out, key=lambda pair: pair[1].casefold())


def visible_item(session: Session, who: Subject, item_id: int) -> EvidenceItem:
    """The item, when `who` may see it (NotFound otherwise)."""
    return rules.get_visible_item(session, who, item_id)


def item_page(session: Session, who: Subject, item_id: int) -> ItemPage:
    """Everything the item's page shows (NotFound when `who` may not see the item)."""
    item = rules.get_visible_item(session, who, item_id)
    incident = session.get(Incident, item.incident_id)
    assert incident is not None
    live = item.status not in (EvidenceStatus.RETURNED.value, EvidenceStatus.DISPOSED.value)
    handle = rules.can_handle(session, who, item)
    able = Abilities(
        handle=handle,
        custody=handle and _allowed(lambda: rules.require_custodian_or_coordinator(session, who, item, "")),
        custodian=handle and rules.is_custodian(who, item),
        receive=item.pending_to_id is not None and _allowed(lambda: rules.require_receiver(who, item)),
        dispose=handle and _allowed(lambda: rules.require_dispose(session, who, item)),
        verify=True,  # anyone who sees the item may have it checked
    )
    checks = repository.checks_of(session, item)
    names = _names(
        session,
        {i for i in (item.custodian_id, item.pending_to_id) if i is not None}
        | {c.checked_by_id for c in checks if c.checked_by_id is not None},
    )
    source = (
        session.scalar(
            repository.items_query(who).where(EvidenceItem.id == item.source_item_id).order_by(None).limit(1)
        )
        if item.source_item_id
        else None
    )
    return ItemPage(
        item=item,
        incident=incident,
        custodian=names.get(item.custodian_id) if item.custodian_id else None,
        pending_to=names.get(item.pending_to_id) if item.pending_to_id else None,
        source=source,
        copies=repository.copies_of(session, who, item),
        timeline=timeline_of(session, item),
        checks=[_check_row(c, names) for c in checks],
        able=able,
        live=live,
        checked_out=item.status == EvidenceStatus.CHECKED_OUT.value,
        candidates=transfer_candidates(session, item) if able.custody and live else [],
    )


def _check_row(check: EvidenceCheck, names: dict[int, str]) -> CheckRow:
    return CheckRow(
        checked_at=check.checked_at,
        ok=check.ok,
        trigger=check.trigger,
        checked_by=names.get(check.checked_by_id) if check.checked_by_id else None,
        problems=list(check.problems or []),
    )


def is_digital(item: EvidenceItem) -> bool:
    return item.kind == EvidenceKind.DIGITAL.value and item.content is not None
