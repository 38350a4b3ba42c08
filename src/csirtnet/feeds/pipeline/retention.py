"""Retention of processed events (`feeds_retention_days`, 180 by default) and of the dedupe window.

An event is kept while its day (of `time.observation`, UTC) ended less than `days` days ago: the
cutoff is midnight UTC of the day `days` days before `now`, and everything observed before it goes.
PostgreSQL drops whole day partitions (no row-by-row delete, no bloat, no vacuum); SQLite deletes
the rows. A `feed_seen` key past its source's window can no longer make a duplicate and is deleted
(a key of a source that no longer exists too). The job `feed.retention` runs this daily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.feeds.pipeline.store import PARTITION_PREFIX
from csirtnet.models import FeedBlock, FeedSeen, FeedSource


@dataclass
class Purged:
    partitions: list[str]  # PostgreSQL: the day partitions dropped
    events: int  # SQLite: the rows deleted (PostgreSQL: not counted, the partitions went whole)
    seen: int  # dedupe keys past their window


def cutoff_of(now: datetime, days: int) -> datetime:
    """Midnight UTC of the day `days` days before `now`: events observed before it are purged."""
    day = (now.astimezone(UTC) - timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def purge(session: Session, now: datetime, days: int) -> Purged:
    """Purge events older than the retention and dedupe keys past their window (caller's transaction)."""
    cutoff = cutoff_of(now, days)
    partitions: list[str] = []
    events = 0
    if session.get_bind().dialect.name == "postgresql":
        for name in day_partitions(session):
            day = _day_of(name)
            if day is not None and datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1) <= cutoff:
                session.execute(text(f'DROP TABLE "{name}"'))
                partitions.append(name)
    else:
        old = FeedBlock.observed_at < cutoff
        events = int(session.scalar(select(func.coalesce(func.sum(FeedBlock.events), 0)).where(old)) or 0)
        session.execute(delete(FeedBlock).where(old))
    seen = 0
    windows = {int(i): int(h) for i, h in session.execute(select(FeedSource.id, FeedSource.dedupe_window_hours))}
    for source_id, hours in windows.items():
        past = FeedSeen.first_seen < now - timedelta(hours=hours)
        seen += _count(session.execute(delete(FeedSeen).where(FeedSeen.source_id == source_id, past)))
    seen += _count(session.execute(delete(FeedSeen).where(FeedSeen.source_id.not_in(list(windows) or [-1]))))
    if partitions or events or seen:
        audit.record(
            session,
            Subject.system("feeds.retention"),
            "feed.retention",
            None,
            cutoff=cutoff.isoformat(),
            partitions=partitions,
            events=events,
            seen=seen,
        )
    return Purged(partitions, events, seen)


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


def day_partitions(session: Session) -> list[str]:
    """The day partitions of feed_block (PostgreSQL), oldest first."""
    rows = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'feed_block' ORDER BY c.relname"
        )
    )
    return [str(name) for (name,) in rows if str(name).startswith(PARTITION_PREFIX)]


def _day_of(name: str) -> date | None:
    try:
        return datetime.strptime(name.removeprefix(PARTITION_PREFIX), "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None
