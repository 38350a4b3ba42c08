"""Feed rules' actions (docs/feeds.md): stored events that match an enabled rule (its source, RSIT
taxonomy and types, the minimum security level of the owner's system) make the rule act once per
(rule, key) within the rule's window:

- `open_incident`: the platform files a report for the owning member ("<type> on <ip> (<feed>)")
  and opens the incident from it through the incident service (RSIT classification, the rule's
  severity, the source's TLP, the address as an observable); key "<organisation>|<address>".
- `add_sighting`: the address is an indicator the platform sees: a sighting of it, through the
  intel service; key "<organisation or ->|<address>".
- `raise_flag`: the member's readiness flag, one open flag per (organisation, rule); key
  "<organisation>".

Matching is set-based (polars, on the batch); the keys the rule already acted on within its window
(and, for sightings, the addresses that are no indicator) are dropped with one query per thousand
keys; Python runs per remaining key only, and actions are rare. The claim of a key is one
INSERT … ON CONFLICT (rule_id, key) DO UPDATE … WHERE the earlier action is past the window,
RETURNING: atomic under concurrent store workers, and in the batch's transaction (a batch that is
rolled back has taken no action).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.derived import guard_of
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.event import LEVEL, ORG
from csirtnet.kit.time import as_utc, utcnow
from csirtnet.models import FeedActionTaken, FeedRule, Indicator, MemberFlag, Organisation, RuleAction
from csirtnet.models.intel import IndicatorKind

PLATFORM = "feeds"
_IP = "source.ip"
_TYPE = "classification.type"
_TAXONOMY = "classification.taxonomy"


@dataclass(frozen=True)
class Hit:
    """One matched event, as a rule's action needs it."""

    organisation_id: int | None
    ip: str
    taxonomy: str | None
    type: str | None
    identifier: str | None
    level: int | None
    time_source: datetime | None
    port: int | None


def apply(session: Session, source: SourceConfig, *, run_id: int, frame: pl.DataFrame, now: datetime) -> int:
    """Run every enabled rule of `source` over a stored batch; returns how many actions were taken."""
    if frame.height == 0:
        return 0
    rules = list(
        session.scalars(
            select(FeedRule)
            .where(FeedRule.enabled.is_(True), (FeedRule.source_id == source.id) | FeedRule.source_id.is_(None))
            .order_by(FeedRule.id)
        )
    )
    taken = 0
    for rule in rules:
        hits = dict(_hits(rule, frame))
        indicators: dict[str, int] = {}
        if rule.action == RuleAction.ADD_SIGHTING.value:
            indicators = _indicators(session, {hit.ip for hit in hits.values()})
            hits = {key: hit for key, hit in hits.items() if hit.ip in indicators}
        for key in _acted(session, rule, list(hits), now):
            del hits[key]
        for key, hit in hits.items():
            if _claim(session, rule, key, hit, run_id=run_id, now=now) is not None:
                _act(session, source, rule, key, hit, run_id=run_id, now=now, indicator_id=indicators.get(hit.ip))
                taken += 1
    return taken


_CHUNK = 1000


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _acted(session: Session, rule: FeedRule, keys: list[str], now: datetime) -> set[str]:
    """The keys the rule already acted on within its window (one query per thousand keys): most
    events of a busy feed are, so only the rest are claimed one by one."""
    cutoff = as_utc(now) - timedelta(hours=rule.window_hours)
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(
            session.scalars(
                select(FeedActionTaken.key).where(
                    FeedActionTaken.rule_id == rule.id,
                    FeedActionTaken.key.in_(chunk),
                    FeedActionTaken.created_at >= cutoff,
                )
            )
        )
    return found


def _indicators(session: Session, ips: set[str]) -> dict[str, int]:
    """The addresses among `ips` that are live address indicators: address -> its (oldest) indicator."""
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(ips)):
        rows = session.execute(
            select(Indicator.value, Indicator.id)
            .where(
                Indicator.value.in_(chunk),
                Indicator.kind.in_([IndicatorKind.IPV4.value, IndicatorKind.IPV6.value]),
                Indicator.revoked.is_(False),
            )
            .order_by(Indicator.id.desc())
        )
        out.update({value: ident for value, ident in rows})
    return out


def _matching(rule: FeedRule, frame: pl.DataFrame) -> pl.DataFrame:
    """The batch's events the rule applies to (set-based)."""
    condition = pl.col(_IP).is_not_null()
    if rule.taxonomy:
        condition &= pl.col(_TAXONOMY) == rule.taxonomy
    if rule.types:
        condition &= pl.col(_TYPE).is_in(list(rule.types))
    if rule.min_security_level is not None:
        if LEVEL not in frame.columns:
            return frame.clear()
        condition &= pl.col(LEVEL).cast(pl.Int32) >= rule.min_security_level
    if rule.action != RuleAction.ADD_SIGHTING.value:
        if ORG not in frame.columns:
            return frame.clear()
        condition &= pl.col(ORG).is_not_null()
    return frame.filter(condition)


def _key(rule: FeedRule, org: int | None, ip: str) -> str:
    if rule.action == RuleAction.RAISE_FLAG.value:
        return str(org)
    return f"{org if org is not None else '-'}|{ip}"


def _hits(rule: FeedRule, frame: pl.DataFrame) -> Iterator[tuple[str, Hit]]:
    """(key, first matching event of that key), in the batch's order."""
    found = _matching(rule, frame)
    if found.height == 0:
        return
    org = pl.col(ORG) if ORG in found.columns else pl.lit(None, dtype=pl.Int32)
    level = pl.col(LEVEL) if LEVEL in found.columns else pl.lit(None, dtype=pl.Int8)
    found = found.select(
        org.cast(pl.Int64).alias("org"),
        pl.col(_IP).alias("ip"),
        pl.col(_TAXONOMY).alias("taxonomy"),
        pl.col(_TYPE).alias("type"),
        pl.col("classification.identifier").alias("identifier"),
        level.cast(pl.Int64).alias("level"),
        pl.col("time.source").alias("time_source"),
        pl.col("source.port").alias("port"),
    )
    if rule.action == RuleAction.RAISE_FLAG.value:
        found = found.unique(subset=["org"], keep="first", maintain_order=True)
    else:
        found = found.unique(subset=["org", "ip"], keep="first", maintain_order=True)
    for row in found.iter_rows(named=True):
        hit = Hit(
            organisation_id=row["org"],
            ip=row["ip"],
            taxonomy=row["taxonomy"],
            type=row["type"],
            identifier=row["identifier"],
            level=row["level"],
            time_source=row["time_source"],
            port=row["port"],
        )
        yield _key(rule, hit.organisation_id, hit.ip), hit


def _claim(session: Session, rule: FeedRule, key: str, hit: Hit, *, run_id: int, now: datetime) -> int | None:
    """Take the key for this rule (the id of the action row), or None when the rule already acted
    on it within its window."""
    now = as_utc(now)
    cutoff = now - timedelta(hours=rule.window_hours)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(FeedActionTaken).values(
        rule_id=rule.id, key=key, organisation_id=hit.organisation_id, run_id=run_id, created_at=now
    )
    claim = statement.on_conflict_do_update(
        index_elements=["rule_id", "key"],
        set_={
            "created_at": now,
            "run_id": run_id,
            "incident_id": None,
            "indicator_id": None,
            "flag_id": None,
        },
        where=FeedActionTaken.created_at < cutoff,
    ).returning(FeedActionTaken.id)
    found = session.execute(claim).scalar()
    return None if found is None else int(found)


def _act(
    session: Session,
    source: SourceConfig,
    rule: FeedRule,
    key: str,
    hit: Hit,
    *,
    run_id: int,
    now: datetime,
    indicator_id: int | None,
) -> None:
    action = session.scalars(
        select(FeedActionTaken)
        .where(FeedActionTaken.rule_id == rule.id, FeedActionTaken.key == key)
        .execution_options(populate_existing=True)
    ).one()
    who = Subject.system(PLATFORM)
    done: dict[str, Any] = {}
    if rule.action == RuleAction.OPEN_INCIDENT.value:
        action.incident_id = _open_incident(session, who, source, rule, hit, now)
        done["incident_id"] = action.incident_id
    elif rule.action == RuleAction.ADD_SIGHTING.value:
        action.indicator_id = _add_sighting(session, who, source, hit, indicator_id, now)
        done["indicator_id"] = action.indicator_id
    elif rule.action == RuleAction.RAISE_FLAG.value:
        action.flag_id = _raise_flag(session, source, rule, hit, now)
        done["flag_id"] = action.flag_id
    audit.record(
        session,
        who,
        "feed.rule_action",
        rule,
        organisation_id=hit.organisation_id,
        guard=guard_of(rule),
        rule=rule.name,
        rule_action=rule.action,
        key=key,
        run_id=run_id,
        **done,
    )


def _detected(hit: Hit, now: datetime) -> datetime:
    """When it happened: the feed's time, never later than now (the incident service refuses the future)."""
    moment = as_utc(hit.time_source) if hit.time_source is not None else as_utc(now)
    return min(moment, utcnow())


def _open_incident(
    session: Session, who: Subject, source: SourceConfig, rule: FeedRule, hit: Hit, now: datetime
) -> int | None:
    from csirtnet.incident import intake, observables, triage
    from csirtnet.incident.schemas import ObservableCreate, OpenFromReport, ReportCreate
    from csirtnet.models import ReportChannel
    from csirtnet.vocabulary import rsit

    org = session.get(Organisation, hit.organisation_id)
    if org is None:
        return None
    what = hit.type or hit.taxonomy or "event"
    title = f"{what} on {hit.ip} ({source.name})"
    details = {
        "feed": source.name,
        "provider": source.provider,
        "classification.taxonomy": hit.taxonomy,
        "classification.type": hit.type,
        "classification.identifier": hit.identifier,
        "source.ip": hit.ip,
        "source.port": hit.port,
        "security level": hit.level,
        "rule": rule.name,
    }
    description = "\n".join(f"{name}: {value}" for name, value in details.items() if value is not None)
    report = intake.submit(
        session,
        who,
        ReportCreate(
            title=title[:300],
            description=f"Reported by the security feed {source.name}.\n{description}",
            reporter_name="csirtnet feeds",
            organisation_name=org.name,
            system_ips=[hit.ip],
            system_security_level=hit.level if hit.level is not None and 1 <= hit.level <= 5 else None,
            detected_at=_detected(hit, now),
        ),
        channel=ReportChannel.FEED,
        contact_required=False,
    ).report
    classified = hit.taxonomy is not None and hit.type is not None and rsit.is_valid(hit.taxonomy, hit.type)
    opening: dict[str, Any] = {"reporting_organisation_id": org.id, "tlp": source.tlp}
    if classified:
        opening |= {"rsit_class": hit.taxonomy, "rsit_type": hit.type}
    if rule.severity:
        opening |= {"severity": rule.severity, "severity_reason": f"feed rule {rule.name}"[:2000]}
    incident = triage.open_incident(session, who, report.id, OpenFromReport.model_validate(opening))
    observables.add(
        session,
        who,
        incident.id,
        ObservableCreate.model_validate(
            {"kind": "ip", "value": hit.ip, "tlp": source.tlp, "note": f"{source.name}: {hit.identifier or what}"}
        ),
    )
    return incident.id


def _add_sighting(
    session: Session, who: Subject, source: SourceConfig, hit: Hit, indicator_id: int | None, now: datetime
) -> int | None:
    from csirtnet.intel import service as intel
    from csirtnet.intel.schemas import IndicatorSightingCreate

    if indicator_id is None:
        return None
    seen = _detected(hit, now)
    note = json.dumps({"feed": source.name, "identifier": hit.identifier, "port": hit.port}, ensure_ascii=False)
    intel.add_sighting(
        session,
        who,
        indicator_id,
        IndicatorSightingCreate.model_validate(
            {"first_seen_at": seen, "last_seen_at": seen, "count": 1, "note": note, "tlp": source.tlp}
        ),
    )
    return indicator_id


def _raise_flag(session: Session, source: SourceConfig, rule: FeedRule, hit: Hit, now: datetime) -> int | None:
    if hit.organisation_id is None:
        return None
    existing = session.scalar(
        select(MemberFlag.id).where(
            MemberFlag.organisation_id == hit.organisation_id,
            MemberFlag.rule_id == rule.id,
            MemberFlag.cleared_at.is_(None),
        )
    )
    if existing is not None:
        return int(existing)
    what = hit.type or hit.taxonomy or "event"
    flag = MemberFlag(
        organisation_id=hit.organisation_id,
        reason=f"{rule.name}: {what} on {hit.ip} ({source.name})"[:500],
        rule_id=rule.id,
        raised_at=as_utc(now),
    )
    session.add(flag)
    session.flush()
    return flag.id
