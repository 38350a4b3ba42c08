"""Append to and verify the audit chain.

Each record's hash covers its own fields and the previous record's hash. Appending takes a
lock (PostgreSQL: a transaction-level advisory lock; SQLite: writers already hold the database
lock from BEGIN IMMEDIATE, a read unit of work takes it here) so the chain stays linear under
concurrent transactions, and `seq` is contiguous, so a removed record leaves a gap that `verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from csirtnet import context
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard, guard_of, set_guard
from csirtnet.db import hold_write_lock
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models.audit import AuditRecord

GENESIS = "0" * 64
_LOCK_KEY = 7_305_118_001  # arbitrary, constant: "the audit chain"


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def compute_hash(rec: AuditRecord) -> str:
    # The guard columns stay outside: they say who may read the record, not what happened, and a
    # migration filled them in for records written before they existed (ADR 0004).
    body = {
        "seq": rec.seq,
        "occurred_at": as_utc(rec.occurred_at).isoformat(timespec="microseconds"),
        "actor_user_id": rec.actor_user_id,
        "actor_label": rec.actor_label,
        "organisation_id": rec.organisation_id,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "request_id": rec.request_id,
        "ip": rec.ip,
        "summary": rec.summary,
        "prev_hash": rec.prev_hash,
    }
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _object_ref(obj: object | None) -> tuple[str | None, str | None]:
    if obj is None:
        return None, None
    if isinstance(obj, tuple):
        kind, ident = obj
        return str(kind), str(ident)
    table = getattr(obj, "__tablename__", type(obj).__name__.lower())
    ident = getattr(obj, "id", None)
    return str(table), None if ident is None else str(ident)


class _FromObject:
    """`guard`'s default: the guard of the recorded object itself (authz.derived.guard_of)."""


FROM_OBJECT: Any = _FromObject()


def record(
    session: Session,
    who: Subject,
    action: str,
    obj: object | None = None,
    *,
    organisation_id: int | None = None,
    guard: Guard | None = FROM_OBJECT,
    **summary: Any,
) -> AuditRecord:
    """Append one record in the caller's transaction. `obj` is a model instance or (type, id).

    The summary's readers are those who may see `guard` (authz.derived): by default the object's
    own guard; give one when the summary holds content of another object, or marked apart."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    else:
        hold_write_lock(session)  # a read unit of work on SQLite becomes a writer here (db.py)
    session.flush()  # the object needs its id before we reference it
    last = session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    object_type, object_id = _object_ref(obj)
    ctx = context.current()
    if organisation_id is None:
        organisation_id = getattr(obj, "organisation_id", None) or who.organisation_id
    rec = AuditRecord(
        seq=seq,
        occurred_at=utcnow(),
        actor_user_id=who.user_id,
        actor_label=who.label,
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=ctx.request_id,
        ip=ctx.ip,
        summary=_canonical(summary),
        prev_hash=prev,
    )
    rec.hash = compute_hash(rec)
    set_guard(rec, guard_of(obj) if isinstance(guard, _FromObject) else guard)
    session.add(rec)
    session.flush()
    return rec


def count_since(session: Session, action: str, obj: tuple[str, str], since: datetime) -> int:
    """How many `action` records about `obj` (type, id) were written after `since` (the public
    forms count their submissions per address with it; the object index answers)."""
    kind, ident = obj
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(
                AuditRecord.object_type == kind,
                AuditRecord.object_id == ident,
                AuditRecord.action == action,
                AuditRecord.occurred_at > since,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def _iter_records(session: Session, batch: int = 2000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """Walk the chain; return how many records were checked and the first break, if any."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    for rec in _iter_records(session):
        if rec.seq != expected_seq:
            return checked, ChainBreak(expected_seq, f"record {expected_seq} is missing (next is {rec.seq})")
        if rec.prev_hash != prev:
            return checked, ChainBreak(rec.seq, "does not follow the record before it (removed or reordered)")
        if compute_hash(rec) != rec.hash:
            return checked, ChainBreak(rec.seq, "its content was edited after it was written")
        prev = rec.hash
        expected_seq += 1
        checked += 1
    return checked, None
