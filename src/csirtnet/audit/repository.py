"""Audit queries, scoped: platform admins and coordinators see all, org admins their organisation's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from csirtnet.authz import Subject, require, visible_organisation_ids
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
        query = query.where(AuditRecord.object_id == object_id)
    if organisation_id is not None:
        query = query.where(AuditRecord.organisation_id == organisation_id)
    if since is not None:
        query = query.where(AuditRecord.occurred_at >= as_utc(since))
    if until is not None:
        query = query.where(AuditRecord.occurred_at < as_utc(until))
    return query
