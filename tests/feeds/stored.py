"""The stored feed events as tests look at them: each event of the `feed_block` rows, opened and read
as the API reads it (feeds.reads.event_read), with the claim that matched it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from csirtnet.feeds.pipeline.store import block_lines
from csirtnet.feeds.reads import event_read
from csirtnet.feeds.schemas import FeedEventRead
from csirtnet.models import FeedBlock


class StoredEvent(FeedEventRead):
    """An event as the API shows it, and the constituency claim that matched it (kept in its line)."""

    claim_id: int | None = None


def stored_events(db: Session, *where: ColumnElement[bool]) -> list[StoredEvent]:
    """The events of the blocks `where` selects, in (run_id, seq) order."""
    found = [
        StoredEvent(**event_read(block, line).model_dump(), claim_id=line.get("claim"))
        for block in db.scalars(select(FeedBlock).where(*where))
        for line in block_lines(block.payload)
    ]
    return sorted(found, key=lambda e: (e.run_id, e.seq))


def count_events(db: Session, *where: ColumnElement[bool]) -> int:
    """How many events the blocks `where` selects hold."""
    return int(db.scalar(select(func.coalesce(func.sum(FeedBlock.events), 0)).where(*where)) or 0)
