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

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import feeds as rules
from csirtnet.errors import NotFound, ValidationFailed
from csirtnet.feeds.pipeline.store import COLUMN_OF_FIELD, stored_event
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
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import AsnPrefix, FeedEvent, FeedQuarantine, FeedRule, FeedRun, FeedSource

MAX_STATS_DAYS = 366

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


def _event_read(row: FeedEvent) -> FeedEventRead:
    data = stored_event(row.data, {column: getattr(row, column) for column in COLUMN_OF_FIELD.values()})
    return FeedEventRead(
        observed_at=row.observed_at,
        run_id=row.run_id,
        seq=row.seq,
        source_id=row.source_id,
        organisation_id=row.organisation_id,
        match_kind=row.match_kind,
        source_ip=row.source_ip,
        source_asn=row.source_asn,
        source_fqdn=row.source_fqdn,
        taxonomy=row.taxonomy,
        type=row.type,
        identifier=row.identifier,
        time_source=row.time_source,
        tlp=row.tlp,
        warninglist=row.warninglist,
        data=data,
    )


def _event_filters(
    *,
    source_id: int | None,
    organisation_id: int | None,
    ip: str | None,
    type: str | None,
    taxonomy: str | None,
    unmatched: bool,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if source_id is not None:
        where.append(FeedEvent.source_id == source_id)
    if organisation_id is not None:
        where.append(FeedEvent.organisation_id == organisation_id)
    if unmatched:
        where.append(FeedEvent.organisation_id.is_(None))
    if ip:
        where.append(FeedEvent.source_ip == canonical_ip(ip))
    if type:
        where.append(FeedEvent.type == type)
    if taxonomy:
        where.append(FeedEvent.taxonomy == taxonomy)
    if since is not None:
        where.append(FeedEvent.observed_at >= as_utc(since))
    if until is not None:
        where.append(FeedEvent.observed_at < as_utc(until))
    return where


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
    filtered; `unmatched` asks for those nobody owns (the coordinating body's)."""
    rules.require_read(who)
    if since is not None and until is not None and as_utc(until) <= as_utc(since):
        raise ValidationFailed("until", "must be after since")
    where = _event_filters(
        source_id=source_id,
        organisation_id=organisation_id,
        ip=ip,
        type=type,
        taxonomy=taxonomy,
        unmatched=unmatched,
        since=since,
        until=until,
    )
    query: Select[Any] = select(FeedEvent).where(rules.visible_events_clause(who), *where)
    rows, next_cursor = paginate_keyset(
        session,
        query,
        [FeedEvent.observed_at, FeedEvent.run_id, FeedEvent.seq],
        limit=limit,
        cursor=cursor,
        descending=True,
    )
    return FeedEventPage(items=[_event_read(r) for r in rows], next_cursor=next_cursor)


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", FeedEvent.observed_at), "YYYY-MM-DD")
    return func.substr(FeedEvent.observed_at, 1, 10)  # SQLite stores "yyyy-mm-dd hh:mm:ss…" (UTC)


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
            FeedEvent.source_id,
            FeedEvent.type,
            func.count().label("events"),
            func.count(FeedEvent.organisation_id).label("matched"),
        )
        .where(rules.visible_events_clause(who), FeedEvent.observed_at >= since)
        .group_by(day, FeedEvent.source_id, FeedEvent.type)
        .order_by(day.desc(), FeedEvent.source_id, FeedEvent.type)
    )
    rows = [
        FeedEventStatRead(day=str(r.day), source_id=r.source_id, type=r.type, events=r.events, matched=r.matched)
        for r in session.execute(query)
    ]
    return FeedEventStatsRead(
        days=days,
        since=since,
        total=sum(r.events for r in rows),
        matched=sum(r.matched for r in rows),
        rows=rows,
    )
