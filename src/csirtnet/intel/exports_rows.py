"""Which indicators a defenders' export holds: the ONE selection every export format reads
(CSV, blocklists, RPZ, Suricata, the MISP feed), so that none of them can drift on access.

An indicator is exported when
- the requester may see it (`authz.intel.visible_indicators_clause`: collection readers, then TLP);
- it lies in the requested collection (all visible collections when none is named);
- it is not revoked, its `valid_until` has not passed and it has not decayed below the threshold
  (`intel.decay.is_expired`);
- it is on no warninglist, unless the export asks for warninglisted values too (a warninglisted
  value is a likely false positive: blocking 8.8.8.8 or google.com hurts more than it helps);
- for the blocking formats (`for_detection`), it did not come from MISP with `to_ids` off (tag
  `csirtnet:to_ids="false"`: context such as a victim's address, not something to block).

Rows are streamed `PAGE` at a time (`yield_per`: a server-side cursor on PostgreSQL), so a
million-row export never holds the million, and read as plain rows of the table's columns (an
`IndicatorRow`), not ORM objects: building an ORM instance per row cost half the export's time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as intel_authz
from csirtnet.intel import collections, decay
from csirtnet.intel.misp.tags import NOT_FOR_DETECTION
from csirtnet.kit.time import utcnow
from csirtnet.models import Indicator
from csirtnet.models.intel import IndicatorKind

PAGE = 1000


class IndicatorRow(Protocol):
    """The columns of an exported indicator (a row of the `indicator` table)."""

    id: int
    stix_id: str
    collection: str
    kind: str
    value: str
    tlp: str
    pap: str
    confidence: int
    valid_from: datetime
    valid_until: datetime | None
    source_name: str | None
    description: str | None
    tags: list[str]
    rsit: str | None
    warninglists: list[str]
    revoked: bool
    last_seen_at: datetime | None
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class Selection:
    """What to export: a collection key (None: every collection the requester reads), which kinds
    (None: all), and whether warninglisted values are included."""

    collection: str | None = None
    kinds: frozenset[IndicatorKind] | None = None
    include_warninglisted: bool = False
    for_detection: bool = False


def indicators(
    session: Session,
    who: Subject,
    selection: Selection,
    *,
    now: datetime | None = None,
    by_group: bool = False,
) -> Iterator[IndicatorRow]:
    """The exported indicators, by id — or, with `by_group`, by (collection, TLP, created_at, id), so
    that rows of one collection, TLP and day come together (the MISP feed's events)."""
    now = now or utcnow()
    collection = collections.check_key(selection.collection) if selection.collection else None
    base = select(*Indicator.__table__.columns).where(
        intel_authz.visible_indicators_clause(who),
        Indicator.revoked.is_(False),
        or_(Indicator.valid_until.is_(None), Indicator.valid_until > now),
    )
    if collection is not None:
        base = base.where(Indicator.collection == collection)
    if selection.kinds is not None:
        base = base.where(Indicator.kind.in_(sorted(k.value for k in selection.kinds)))
    if by_group:
        base = base.order_by(Indicator.collection, Indicator.tlp, Indicator.created_at, Indicator.id)
    else:
        base = base.order_by(Indicator.id)
    rows = session.execute(base.execution_options(yield_per=PAGE))
    yield from _keep(cast(Iterable[IndicatorRow], rows), selection, now)


def _keep(rows: Iterable[IndicatorRow], selection: Selection, now: datetime) -> Iterator[IndicatorRow]:
    for row in rows:
        if row.warninglists and not selection.include_warninglisted:
            continue
        if selection.for_detection and row.tags and NOT_FOR_DETECTION in row.tags:
            continue
        if decay.is_expired(cast(Indicator, row), now):  # reads only the columns a row has
            continue
        yield row
