"""Audit queries, scoped: platform admins and coordinators see all, org admins their organisation's.

A record's content (summary, object id, hash) is shown only to readers who may see its source
(authz.derived): the others read that something happened, when and by whom (`entries`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject, require, visible_organisation_ids
from csirtnet.authz.derived import readable, stored_guard_clause
from csirtnet.authz.permissions import Permission
from csirtnet.kit.time import as_utc
from csirtnet.models import AuditRecord


def records(
    who: Subject,
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    organisation_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditRecord]:
    require(who, Permission.AUDIT_READ)
    query = select(AuditRecord)
    visible = visible_organisation_ids(who)
    if visible is not None:
        query = query.where(AuditRecord.organisation_id.in_(visible))
    if action:
        query = query.where(AuditRecord.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditRecord.actor_label.contains(actor.lower(), autoescape=True))
    if object_type:
        query = query.where(AuditRecord.object_type == object_type)
    if object_id:
        # Asking for one object finds only the records its reader may read: a hidden object's
        # records would tell that it exists (a missing object and a forbidden one answer the same).
        query = query.where(AuditRecord.object_id == object_id, stored_guard_clause(who, AuditRecord))
    if organisation_id is not None:
        query = query.where(AuditRecord.organisation_id == organisation_id)
    if since is not None:
        query = query.where(AuditRecord.occurred_at >= as_utc(since))
    if until is not None:
        query = query.where(AuditRecord.occurred_at < as_utc(until))
    return query


@dataclass(frozen=True)
class Entry:
    """An audit record as one reader may see it: `redacted` when its source is hidden from them."""

    record: AuditRecord
    redacted: bool


def entries(session: Session, who: Subject, rows: Sequence[AuditRecord]) -> list[Entry]:
    """The records found by `records`, each marked redacted where `who` may not see its source."""
    return [Entry(row, not seen) for row, seen in readable(session, who, rows)]
