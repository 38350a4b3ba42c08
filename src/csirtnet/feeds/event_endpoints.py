"""The processed feed events (/api/v1/feed-events): search and statistics, of what the caller may
read (a member: its organisation's events below TLP:RED; the coordinating body: all, unmatched
ones included; authz.feeds.visible_events_clause)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.feeds import reads
from csirtnet.feeds.schemas import FeedEventPage, FeedEventStatsRead
from csirtnet.kit.schemas import Moment

router = APIRouter(tags=["feeds"])

OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/feed-events/stats", response_model=FeedEventStatsRead)
def event_stats(
    session: Session, who: ApiUser, days: Annotated[int, Query(ge=1, le=reads.MAX_STATS_DAYS)] = 30
) -> FeedEventStatsRead:
    """Events per day (UTC), source and type over the last `days` days, and how many had an owner."""
    return reads.event_stats(session, who, days)


@router.get("/feed-events", response_model=FeedEventPage)
def search_events(
    session: Session,
    who: ApiUser,
    source_id: OptionalId = None,
    organisation_id: OptionalId = None,
    ip: Annotated[str | None, Query(max_length=45, description="source.ip, exactly (v4 or v6)")] = None,
    type: Annotated[str | None, Query(max_length=60, description="RSIT type (classification.type)")] = None,
    taxonomy: Annotated[str | None, Query(max_length=40, description="RSIT class (classification.taxonomy)")] = None,
    unmatched: Annotated[bool, Query(description="Only the events nobody owns (the coordinating body)")] = False,
    since: Annotated[Moment | None, Query(description="Observed at or after (ISO 8601)")] = None,
    until: Annotated[Moment | None, Query(description="Observed before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> FeedEventPage:
    """Processed events you may read, newest first, with the whole harmonised event of each."""
    return reads.search_events(
        session,
        who,
        source_id=source_id,
        organisation_id=organisation_id,
        ip=ip,
        type=type,
        taxonomy=taxonomy,
        unmatched=unmatched,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
