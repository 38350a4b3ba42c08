"""What the feed pages and the API show, read through authz.feeds only: sources with their counts,
runs, the quarantine with its counts per source, the rules, the prefix-to-ASN table (all of them
feed configuration: the coordinating body's), and the processed events with their statistics
(`visible_events_clause`: a member reads its own organisation's events below TLP:RED; unmatched
events are the coordinating body's).

Events are searched newest first and keyset-paginated on their key (observed_at, run_id, seq),
which the day partitions and the (organisation, observed_at) and (source, observed_at) indexes
serve; an address is matched exactly, in its canonical text (an IPv6 address compressed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.feeds.pipeline.store import block_lines
from csirtnet.feeds.schemas import (
    AsnTableRead,
    FeedCountsRead,
    FeedEventPage,
    FeedEventRead,
    FeedEventStatRead,
    FeedEventStatsRead,
    FeedQuarantinePage,
    FeedQuarantineRead,
    FeedRuleRead,
    FeedRunRead,
    FeedSourceRead,
    QuarantineCountRead,
)
from csirtnet.kit.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import AsnPrefix, FeedBlock, FeedQuarantine, FeedRule, FeedRun, FeedSource

MAX_STATS_DAYS = 366
BLOCKS_AT_ONCE = 20  # blocks read per query while a page of events fills

# -- sources and runs ------------------------------------------------------------------------------


def _counts(row: Any) -> FeedCountsRead:
    return FeedCountsRead(
        runs=int(row.runs or 0),
        events=int(row.events or 0),
        matched=int(row.matched or 0),
        unmatched=int(row.unmatched or 0),
        duplicates=int(row.duplicates or 0),
        quarantined=int(row.quarantined or 0),
    )


def _totals(session: Session, source_ids: Sequence[int]) -> dict[int, FeedCountsRead]:
    if not source_ids:
        return {}
    query = (
        select(
            FeedRun.source_id,
            func.count().label("runs"),
            func.sum(FeedRun.events).label("events"),
            func.sum(FeedRun.matched).label("matched"),
            func.sum(FeedRun.unmatched).label("unmatched"),
            func.sum(FeedRun.duplicates).label("duplicates"),
            func.sum(FeedRun.quarantined).label("quarantined"),
        )
        .where(FeedRun.source_id.in_(source_ids))
        .group_by(FeedRun.source_id)
    )
    return {row.source_id: _counts(row) for row in session.execute(query)}


def _last_runs(session: Session, source_ids: Sequence[int]) -> dict[int, FeedCountsRead]:
    if not source_ids:
        return {}
    last = (
        select(func.max(FeedRun.id)).where(FeedRun.source_id.in_(source_ids)).group_by(FeedRun.source_id)
    ).scalar_subquery()
    rows = session.scalars(select(FeedRun).where(FeedRun.id.in_(last)))
    out = {}
    for run in rows:
        counts = FeedCountsRead.model_validate(run, from_attributes=True)
        out[run.source_id] = counts.model_copy(update={"runs": 1})
    return out


def _source_reads(session: Session, rows: Sequence[FeedSource]) -> list[FeedSourceRead]:
    ids = [r.id for r in rows]
    totals, last = _totals(session, ids), _last_runs(session, ids)
    return [
        FeedSourceRead.model_validate(r).model_copy(
            update={"totals": totals.get(r.id, FeedCountsRead()), "last_run": last.get(r.id)}
        )
        for r in rows
    ]


def list_sources(session: Session, who: Subject) -> list[FeedSourceRead]:
    """Every source by name, with its counts over all runs and of its last run (managers)."""
    rules.require_manage(who)
    rows = session.scalars(select(FeedSource).order_by(FeedSource.name, FeedSource.id)).all()
    return _source_reads(session, rows)


def get_source(session: Session, who: Subject, source_id: int) -> FeedSourceRead:
    """One source with its counts (managers; NotFound for anyone else)."""
    if not rules.can_manage(who):
        raise NotFound("feed source")
    row = session.get(FeedSource, source_id)
    if row is None:
        raise NotFound("feed source")
    return _source_reads(session, [row])[0]


def _run_read(run: FeedRun, names: dict[int, str]) -> FeedRunRead:
    return FeedRunRead.model_validate(run).model_copy(update={"source_name": names.get(run.source_id)})


def _source_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(FeedSource.id, FeedSource.name).where(FeedSource.id.in_(ids)))}


def list_runs(
    session: Session, who: Subject, source_id: int | None = None, limit: int = 50, before: int | None = None
) -> list[FeedRunRead]:
    """Runs newest first (of one source, or all), those with an id below `before` (managers)."""
    rules.require_manage(who)
    query = select(FeedRun).order_by(FeedRun.id.desc()).limit(max(1, min(limit, 500)))
    if source_id is not None:
        query = query.where(FeedRun.source_id == source_id)
    if before is not None:
        query = query.where(FeedRun.id < before)
    runs = session.scalars(query).all()
    names = _source_names(session, sorted({r.source_id for r in runs}))
    return [_run_read(r, names) for r in runs]


def get_run(session: Session, who: Subject, run_id: int) -> FeedRunRead:
    """One run with its counts (managers; NotFound for anyone else)."""
    if not rules.can_manage(who):
        raise NotFound("feed run")
    run = session.get(FeedRun, run_id)
    if run is None:
        raise NotFound("feed run")
    return _run_read(run, _source_names(session, [run.source_id]))


# -- the quarantine --------------------------------------------------------------------------------


def quarantine_counts(session: Session, who: Subject) -> list[QuarantineCountRead]:
    """Quarantined lines per source (sources without any left out), by source name (managers)."""
    rules.require_manage(who)
    query = (
        select(FeedSource.id, FeedSource.name, func.count(FeedQuarantine.id))
        .join(FeedQuarantine, FeedQuarantine.source_id == FeedSource.id)
        .group_by(FeedSource.id, FeedSource.name)
        .order_by(FeedSource.name)
    )
    return [QuarantineCountRead(source_id=i, source_name=n, quarantined=c) for i, n, c in session.execute(query)]


def list_quarantine(
    session: Session,
    who: Subject,
    source_id: int | None = None,
    run_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> FeedQuarantinePage:
    """Quarantined lines, newest first then by file and line (of a source or a run), their total,
    and the counts per source (managers)."""
    rules.require_manage(who)
    where: list[ColumnElement[bool]] = []
    if source_id is not None:
        where.append(FeedQuarantine.source_id == source_id)
    if run_id is not None:
        where.append(FeedQuarantine.run_id == run_id)
    total = session.scalar(select(func.count()).select_from(FeedQuarantine).where(*where)) or 0
    rows = session.scalars(
        select(FeedQuarantine)
        .where(*where)
        .order_by(FeedQuarantine.run_id.desc(), FeedQuarantine.file, FeedQuarantine.line, FeedQuarantine.id)
        .limit(max(1, min(limit, 1000)))
        .offset(max(0, offset))
    ).all()
    return FeedQuarantinePage(
        items=[FeedQuarantineRead.model_validate(r) for r in rows],
        total=total,
        per_source=quarantine_counts(session, who),
    )


# -- rules and the ASN table -----------------------------------------------------------------------


def list_rules(session: Session, who: Subject) -> list[FeedRuleRead]:
    """Every rule, by name (managers)."""
    rules.require_manage(who)
    rows = session.scalars(select(FeedRule).order_by(FeedRule.name, FeedRule.id))
    return [FeedRuleRead.model_validate(r) for r in rows]


def asn_table(session: Session, who: Subject, sample: int = 20) -> AsnTableRead:
    """How many prefixes the prefix-to-ASN table holds and its first ones by network (managers)."""
    rules.require_manage(who)
    count = session.scalar(select(func.count()).select_from(AsnPrefix)) or 0
    rows = session.execute(select(AsnPrefix.network, AsnPrefix.asn).order_by(AsnPrefix.network).limit(sample))
    return AsnTableRead(prefixes=count, sample=[(n, int(a)) for n, a in rows])


# -- events ----------------------------------------------------------------------------------------


def canonical_ip(value: str) -> str:
    """An address as stored (IPv6 compressed), or ValidationFailed naming "ip"."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValidationFailed("ip", f"{value[:60]!r} is not an IP address") from None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def event_read(block: FeedBlock, line: dict[str, Any]) -> FeedEventRead:
    """One event of a block (`line`, as store.block_lines gives it) as the API shows it."""
    event = line.get("event") or {}
    asn = event.get("source.asn")
    return FeedEventRead(
        observed_at=_time(event.get("time.observation")) or block.observed_at,
        run_id=block.run_id,
        seq=line["seq"],
        source_id=block.source_id,
        organisation_id=block.organisation_id,
        match_kind=line.get("match"),
        source_ip=event.get("source.ip"),
        source_asn=asn if isinstance(asn, int) else None,
        source_fqdn=event.get("source.fqdn"),
        taxonomy=block.taxonomy,
        type=block.type,
        identifier=event.get("classification.identifier"),
        time_source=_time(event.get("time.source")),
        tlp=block.tlp,
        warninglist=line.get("warninglist"),
        data=event,
    )


def _midnight(moment: datetime) -> datetime:
    return as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _block_filters(
    *,
    source_id: int | None,
    organisation_id: int | None,
    address: str | None,
    type: str | None,
    taxonomy: str | None,
    unmatched: bool,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    """What narrows the blocks to open. A block's `observed_at` is its first event's, and its events
    are of that day: `since` takes the blocks from its midnight on, the events are checked one by one."""
    where: list[ColumnElement[bool]] = []
    if source_id is not None:
        where.append(FeedBlock.source_id == source_id)
    if organisation_id is not None:
        where.append(FeedBlock.organisation_id == organisation_id)
    if unmatched:
        where.append(FeedBlock.organisation_id.is_(None))
    if address:
        where.extend([FeedBlock.ip_min <= address, FeedBlock.ip_max >= address])
    if type:
        where.append(FeedBlock.type == type)
    if taxonomy:
        where.append(FeedBlock.taxonomy == taxonomy)
    if since is not None:
        where.append(FeedBlock.observed_at >= _midnight(since))
    if until is not None:
        where.append(FeedBlock.observed_at < until)
    return where


def _before(position: Sequence[Any], *, inclusive: bool) -> ColumnElement[bool]:
    """Blocks before `position` (observed_at, run_id, first_seq) in the newest-first order."""
    observed, run_id, first_seq = position
    last = FeedBlock.first_seq <= first_seq if inclusive else FeedBlock.first_seq < first_seq
    return or_(
        FeedBlock.observed_at < observed,
        and_(FeedBlock.observed_at == observed, FeedBlock.run_id < run_id),
        and_(FeedBlock.observed_at == observed, FeedBlock.run_id == run_id, last),
    )


def _position(cursor: str) -> tuple[datetime, int, int, int]:
    raw = decode_cursor(cursor)
    try:
        observed, run_id, first_seq, seq = raw
        moment = datetime.fromisoformat(observed)
        if moment.tzinfo is None or not all(isinstance(v, int) for v in (run_id, first_seq, seq)):
            raise ValueError("not a position")
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("cursor", "not a cursor this API issued") from exc
    return moment, run_id, first_seq, seq


def search_events(
    session: Session,
    who: Subject,
    *,
    source_id: int | None = None,
    organisation_id: int | None = None,
    ip: str | None = None,
    type: str | None = None,
    taxonomy: str | None = None,
    unmatched: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> FeedEventPage:
    """Processed events `who` may read (their organisation's; all for managers), newest first,
    filtered; `unmatched` asks for those nobody owns (the coordinating body's). The blocks the
    filters leave are opened newest first, a few at a time, until the page is full."""
    rules.require_read(who)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_LIMIT}")
    since = as_utc(since) if since is not None else None
    until = as_utc(until) if until is not None else None
    if since is not None and until is not None and until <= since:
        raise ValidationFailed("until", "must be after since")
    address = canonical_ip(ip) if ip else None
    where = [
        rules.visible_events_clause(who),
        *_block_filters(
            source_id=source_id,
            organisation_id=organisation_id,
            address=address,
            type=type,
            taxonomy=taxonomy,
            unmatched=unmatched,
            since=since,
            until=until,
        ),
    ]
    start = _position(cursor) if cursor else None
    bound: tuple[Any, ...] | None = start[:3] if start else None
    inclusive = True  # the cursor's block may hold more of the page; the next queries start after
    found: list[tuple[FeedBlock, dict[str, Any]]] = []
    while len(found) <= limit:
        query = select(FeedBlock).where(*where)
        if bound is not None:
            query = query.where(_before(bound, inclusive=inclusive))
        blocks = session.scalars(
            query.order_by(FeedBlock.observed_at.desc(), FeedBlock.run_id.desc(), FeedBlock.first_seq.desc()).limit(
                BLOCKS_AT_ONCE
            )
        ).all()
        for block in blocks:
            resume = start is not None and (as_utc(block.observed_at), block.run_id, block.first_seq) == start[:3]
            for line in reversed(block_lines(block.payload)):
                if resume and start is not None and line["seq"] >= start[3]:
                    continue
                if _wanted(line.get("event") or {}, address, since, until):
                    found.append((block, line))
                    if len(found) > limit:
                        break
            if len(found) > limit:
                break
        if len(blocks) < BLOCKS_AT_ONCE:
            break
        last = blocks[-1]
        bound, inclusive = (last.observed_at, last.run_id, last.first_seq), False
    next_cursor = None
    if len(found) > limit:
        block, line = found[limit - 1]
        found = found[:limit]
        next_cursor = encode_cursor([as_utc(block.observed_at).isoformat(), block.run_id, block.first_seq, line["seq"]])
    return FeedEventPage(items=[event_read(block, line) for block, line in found], next_cursor=next_cursor)


def _wanted(event: dict[str, Any], address: str | None, since: datetime | None, until: datetime | None) -> bool:
    if address is not None and event.get("source.ip") != address:
        return False
    if since is None and until is None:
        return True
    observed = _time(event.get("time.observation"))
    if observed is None:
        return True
    return (since is None or observed >= since) and (until is None or observed < until)


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", FeedBlock.observed_at), "YYYY-MM-DD")
    return func.substr(FeedBlock.observed_at, 1, 10)  # SQLite stores "yyyy-mm-dd hh:mm:ss…" (UTC)


def event_stats(session: Session, who: Subject, days: int = 30, *, now: datetime | None = None) -> FeedEventStatsRead:
    """Events per day (UTC), source and type over the last `days` days, and how many had an owner:
    of what `who` may read."""
    rules.require_read(who)
    if not 1 <= days <= MAX_STATS_DAYS:
        raise ValidationFailed("days", f"must be between 1 and {MAX_STATS_DAYS}")
    since = (now or utcnow()) - timedelta(days=days)
    day = _day(session).label("day")
    query = (
        select(
            day,
            FeedBlock.source_id,
            FeedBlock.type,
            func.sum(FeedBlock.events).label("events"),
            func.sum(case((FeedBlock.organisation_id.is_not(None), FeedBlock.events), else_=0)).label("matched"),
        )
        .where(rules.visible_events_clause(who), FeedBlock.observed_at >= since)
        .group_by(day, FeedBlock.source_id, FeedBlock.type)
        .order_by(day.desc(), FeedBlock.source_id, FeedBlock.type)
    )
    rows = [
        FeedEventStatRead(
            day=str(r.day), source_id=r.source_id, type=r.type, events=int(r.events), matched=int(r.matched or 0)
        )
        for r in session.execute(query)
    ]
    return FeedEventStatsRead(
        days=days,
        since=since,
        total=sum(r.events for r in rows),
        matched=sum(r.matched for r in rows),
        rows=rows,
    )
