"""Every query on indicators and sightings, scoped through authz.intel (THE rule: collection
readers, then TLP)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.models import Indicator, Organisation, Sighting

# The greatest code point: `q <= value < q + TOP` holds exactly the values that start with q when
# values compare by their UTF-8 bytes (SQLite's BINARY, PostgreSQL's "C").
TOP = "\U0010ffff"


def visible(who: Subject) -> Select[Any]:
    return select(Indicator).where(rules.visible_indicators_clause(who))


def value_column(session: Session) -> Any:
    """The value column compared byte by byte on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return Indicator.value.collate("C")
    return Indicator.value


def has_tag(session: Session, tag: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return Indicator.tags.op("@>")(func.jsonb_build_array(literal(tag, String)))
    items = func.json_each(Indicator.tags).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(items.c.value == tag))


def search(
    session: Session,
    who: Subject,
    *,
    prefixes: list[str] | None = None,
    kind: str | None = None,
    tlp: str | None = None,
    collection: str | None = None,
    tag: str | None = None,
    source: str | None = None,
    live_at: datetime | None = None,
) -> Select[Any]:
    """The visible indicators matching the filters. `prefixes`: values starting with any of them
    (a range on the value, so an index on it serves). `live_at`: not revoked and not past
    `valid_until` at that moment (the decay is decided by the caller, intel.decay)."""
    query = visible(who)
    if prefixes:
        column = value_column(session)
        query = query.where(or_(*[(column >= p) & (column < p + TOP) for p in prefixes]))
    if kind:
        query = query.where(Indicator.kind == kind)
    if tlp:
        query = query.where(Indicator.tlp == tlp)
    if collection:
        query = query.where(Indicator.collection == collection)
    if tag:
        query = query.where(has_tag(session, tag))
    if source:
        if source.isdigit() and len(source) < 10:
            query = query.where(Indicator.source_organisation_id == int(source))
        else:
            names = select(Organisation.id).where(
                or_(func.lower(Organisation.short_name) == source.lower(), Organisation.name == source)
            )
            query = query.where(or_(Indicator.source_name == source, Indicator.source_organisation_id.in_(names)))
    if live_at is not None:
        query = query.where(
            Indicator.revoked.is_(False), or_(Indicator.valid_until.is_(None), Indicator.valid_until > live_at)
        )
    return query


def sightings(session: Session, who: Subject, indicator_id: int) -> list[Sighting]:
    """The sightings of an indicator `who` may see (each under its own TLP), newest first."""
    query = (
        select(Sighting)
        .where(Sighting.indicator_id == indicator_id, rules.visible_sightings_clause(who))
        .order_by(Sighting.last_seen_at.desc(), Sighting.id.desc())
        .limit(500)
    )
    return list(session.scalars(query))


def organisation_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(sorted(ids))))
    return {r[0]: r[1] for r in rows}
