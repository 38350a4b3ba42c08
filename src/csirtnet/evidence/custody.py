"""The custody log: appending a signed, chained entry, and who holds an item according to its log.

An entry is appended in the caller's transaction with the item's row locked, so two entries of one
item can never take the same place; its audit record goes in the same transaction (ids only: the
entry itself, readable by the item's readers, holds the details). The item's derived columns
(custodian, status, pending transfer, entry count, last hash) are rewritten from the entry here and
nowhere else; `derive` computes them from the log alone and verification compares the two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.db import hold_write_lock
from csirtnet.evidence import chain, signing
from csirtnet.kit.time import utcnow
from csirtnet.models import (
    CustodyAction,
    EvidenceCustodyEntry,
    EvidenceItem,
    EvidenceStatus,
    Incident,
    Organisation,
    User,
)

A = CustodyAction


def actor_of(session: Session, who: Subject) -> dict[str, Any]:
    """How the log names who acted: their id, name and organisation as they were at the time."""
    if who.user_id is None:
        return {"id": None, "name": f"csirtnet ({who.label})", "organisation": None}
    user = session.get(User, who.user_id)
    org = session.get(Organisation, user.organisation_id) if user is not None else None
    return {
        "id": who.user_id,
        "name": (user.full_name or user.email) if user is not None else who.label,
        "organisation": org.name if org is not None else None,
    }


DERIVED = ["entry_count", "last_hash", "custodian_id", "status", "pending_to_id", "pending_reason"]


def lock_item(session: Session, item: EvidenceItem) -> EvidenceItem:
    """The item's row, locked until the transaction ends (its log's next place is ours)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(EvidenceItem.id).where(EvidenceItem.id == item.id).with_for_update())
    else:
        hold_write_lock(session)
    # What the caller changed is written first; then the log's place and the derived state are read
    # again under the lock (another transaction may have appended since the item was loaded).
    session.flush()
    session.refresh(item, attribute_names=DERIVED)
    return item


def append(
    session: Session,
    who: Subject,
    item: EvidenceItem,
    action: CustodyAction,
    details: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> EvidenceCustodyEntry:
    """Append one entry to the item's log (hash-chained and signed) and follow it in the item."""
    item = lock_item(session, item)
    at = at or utcnow()
    entry = chain.build_entry(
        item=item.reference,
        seq=item.entry_count + 1,
        at=at,
        action=action.value,
        actor=actor_of(session, who),
        details={k: v for k, v in (details or {}).items() if v is not None},
        prev=item.last_hash or chain.GENESIS,
    )
    digest = chain.entry_hash(entry)
    row = EvidenceCustodyEntry(
        item_id=item.id,
        seq=entry["seq"],
        action=action.value,
        at=at,
        actor_id=who.user_id,
        entry=chain.canonical(entry).decode("utf-8"),
        hash=digest,
        signature=signing.sign(digest.encode("ascii")),
    )
    session.add(row)
    state = follow(_state_of(item), entry)
    item.custodian_id, item.status, item.pending_to_id = state.custodian_id, state.status, state.pending_to_id
    item.pending_reason = state.pending_reason
    item.entry_count = entry["seq"]
    item.last_hash = digest
    session.flush()
    incident = session.get(Incident, item.incident_id)
    audit.record(
        session,
        who,
        f"evidence.{action.value}",
        item,
        organisation_id=incident.reporting_organisation_id if incident is not None else None,
        reference=item.reference,
        seq=row.seq,
    )
    return row


def entries_of(session: Session, item: EvidenceItem) -> list[EvidenceCustodyEntry]:
    return list(
        session.scalars(
            select(EvidenceCustodyEntry)
            .where(EvidenceCustodyEntry.item_id == item.id)
            .order_by(EvidenceCustodyEntry.seq, EvidenceCustodyEntry.id)
        )
    )


def parsed(row: EvidenceCustodyEntry) -> dict[str, Any]:
    value = json.loads(row.entry)
    return value if isinstance(value, dict) else {}


# -- who holds it, from the log --------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    custodian_id: int | None
    status: str
    pending_to_id: int | None
    pending_reason: str | None


def _state_of(item: EvidenceItem) -> State:
    return State(item.custodian_id, item.status, item.pending_to_id, item.pending_reason)


EMPTY = State(None, EvidenceStatus.HELD.value, None, None)


def follow(state: State, entry: Mapping[str, Any]) -> State:
    """The state after one entry. Custody moves only when the receiver acknowledges."""
    action = entry.get("action")
    details = entry.get("details") or {}
    actor = (entry.get("actor") or {}).get("id")
    if action == A.COLLECTED.value or (action == A.COPIED.value and details.get("source")):
        return State(details.get("custodian_id", actor), EvidenceStatus.HELD.value, None, None)
    if action == A.TRANSFER_OFFERED.value:
        return State(state.custodian_id, state.status, details.get("to_id"), details.get("reason"))
    if action in (A.TRANSFER_DECLINED.value, A.TRANSFER_CANCELLED.value):
        return State(state.custodian_id, state.status, None, None)
    if action == A.TRANSFER_ACKNOWLEDGED.value:
        return State(actor, EvidenceStatus.HELD.value, None, None)
    if action == A.CHECKED_OUT.value:
        return State(state.custodian_id, EvidenceStatus.CHECKED_OUT.value, state.pending_to_id, state.pending_reason)
    if action == A.CHECKED_IN.value:
        return State(state.custodian_id, EvidenceStatus.HELD.value, state.pending_to_id, state.pending_reason)
    if action == A.RETURNED.value:
        return State(None, EvidenceStatus.RETURNED.value, None, None)
    if action == A.DISPOSED.value:
        return State(None, EvidenceStatus.DISPOSED.value, None, None)
    return state


def derive(entries: Iterable[Mapping[str, Any]]) -> State:
    state = EMPTY
    for entry in entries:
        state = follow(state, entry)
    return state
