"""Manual timeline entries: what people saw and did, at the time and in the time zone they give.
(Automatic entries come from common.record_change.)"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.incident import get_visible, require_work, visible_timeline_clause
from csirtnet.errors import ValidationFailed
from csirtnet.incident.schemas import TimelineEntryCreate
from csirtnet.kit.time import utcnow
from csirtnet.models import Incident, IncidentTimelineEntry


def entries_query(who: Subject, incident: Incident) -> Select[IncidentTimelineEntry]:
    """The incident's timeline entries `who` may read, oldest first (by when it happened, not when it
    was written). The one timeline query: the API, the page and the exports all read through it."""
    return (
        select(IncidentTimelineEntry)
        .where(IncidentTimelineEntry.incident_id == incident.id, visible_timeline_clause(who))
        .order_by(IncidentTimelineEntry.occurred_at, IncidentTimelineEntry.id)
    )


def entries(session: Session, who: Subject, incident: Incident) -> list[IncidentTimelineEntry]:
    return list(session.scalars(entries_query(who, incident)))


def add_entry(session: Session, who: Subject, incident_id: int, data: TimelineEntryCreate) -> IncidentTimelineEntry:
    """Add what happened when. A time without an offset is read in the entry's time zone."""
    incident = get_visible(session, who, incident_id, audit_read=False)
    require_work(session, who, incident)
    occurred = to_utc(data.occurred_at, data.timezone)
    if occurred > utcnow():
        raise ValidationFailed("occurred_at", "is in the future")
    entry = IncidentTimelineEntry(
        incident_id=incident.id,
        occurred_at=occurred,
        timezone=data.timezone,
        kind="manual",
        text=data.text,
        details={},
        author_id=who.user_id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        who,
        "incident.timeline_added",
        incident,
        organisation_id=incident.reporting_organisation_id,
        entry_id=entry.id,
        occurred_at=occurred,
    )
    return entry


def to_utc(value: datetime, zone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(ZoneInfo("UTC"))
