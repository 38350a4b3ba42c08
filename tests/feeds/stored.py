"""The stored feed events as tests look at them: each event of the `feed_block` rows, opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from csirtnet.feeds.pipeline.store import block_lines
from csirtnet.kit.time import as_utc
from csirtnet.models import FeedBlock


@dataclass(frozen=True)
class StoredEvent:
    observed_at: datetime
    run_id: int
    seq: int
    source_id: int
    organisation_id: int | None
    claim_id: int | None
    match_kind: str | None
    source_ip: str | None
    source_fqdn: str | None
    tlp: str
    data: dict[str, Any]


def stored_events(db: Session, *where: ColumnElement[bool]) -> list[StoredEvent]:
    """The events of the blocks `where` selects, in (run_id, seq) order."""
    found = []
    for block in db.scalars(select(FeedBlock).where(*where)):
        for line in block_lines(block.payload):
            event = line["event"]
            observed = event.get("time.observation")
            found.append(
                StoredEvent(
                    observed_at=as_utc(datetime.fromisoformat(observed)) if observed else as_utc(block.observed_at),
                    run_id=block.run_id,
                    seq=line["seq"],
                    source_id=block.source_id,
                    organisation_id=block.organisation_id,
                    claim_id=line.get("claim"),
                    match_kind=line.get("match"),
                    source_ip=event.get("source.ip"),
                    source_fqdn=event.get("source.fqdn"),
                    tlp=block.tlp,
                    data=event,
                )
            )
    return sorted(found, key=lambda e: (e.run_id, e.seq))


def count_events(db: Session, *where: ColumnElement[bool]) -> int:
    """How many events the blocks `where` selects hold."""
    return int(db.scalar(select(func.coalesce(func.sum(FeedBlock.events), 0)).where(*where)) or 0)
