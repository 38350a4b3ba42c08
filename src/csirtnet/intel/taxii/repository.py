"""The TAXII server's queries over the STIX store: every one through `authz.intel.visible_stix_clause`,
in one collection, filtered as TAXII 2.1 asks (section 3.4), paged by keyset on (date_added, id).

Filters (each a comma-separated list, values OR'ed; filters AND'ed):
- `added_after` — versions this server added after the timestamp;
- `match[id]`, `match[type]` — object ids, object types;
- `match[version]` — `last` (the default), `first`, `all`, or a STIX timestamp: the newest or
  oldest version *the reader may see* (a version hidden by its TLP is not there for the reader), every
  version, or the version whose `modified` (else `created`) is that moment;
- `match[spec_version]` — STIX versions ("2.1"); without it every stored version is served (the
  store holds what was posted, in practice STIX 2.1).

The keyset (date_added, id) follows the index `ix_stix_object_collection_added`: a page is one index
range scan that stops after `limit + 1` visible rows, whatever the collection's size, and the
"newest version" test is one probe of the (collection, stix_id, modified) unique index per row.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from csirtnet.authz import Subject
from csirtnet.authz.intel import NATIONAL, readable_collection_clause, visible_stix_clause, writable_collection_clause
from csirtnet.intel.collections import taxii_id
from csirtnet.intel.taxii.errors import TaxiiError
from csirtnet.models import Cluster, Organisation, StixObject, TaxiiCollection

# The most objects one page holds (TAXII lets the server lower a client's `limit`). 1,000 objects of
# a few hundred bytes each are a body of a few hundred kilobytes; the benchmark pages at this size.
MAX_PAGE = 1000
DEFAULT_PAGE = 1000
MAX_FILTER_VALUES = 100

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$")
_STIX_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}--[0-9a-fA-F-]{36}$")
_STIX_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def parse_timestamp(text: str, name: str) -> datetime:
    """A TAXII/STIX timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`), or 400 naming the parameter."""
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        raise TaxiiError(400, "Bad request", f"{name}: not a timestamp such as 2026-12-06T10:00:00.000Z")
    day, clock, fraction = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    try:
        return datetime.fromisoformat(f"{day}T{clock}.{micro}+00:00")
    except ValueError as exc:
        raise TaxiiError(400, "Bad request", f"{name}: not a valid date and time") from exc


def timestamp(moment: datetime) -> str:
    """A date_added as TAXII writes it: UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _spellings(text: str, name: str) -> list[str]:
    """The ways a stored STIX timestamp may write the moment `text` names (precision varies)."""
    parse_timestamp(text, name)
    match = _TIMESTAMP.match(text.strip())
    assert match is not None
    day, clock, fraction = match.groups()
    digits = (fraction or "").rstrip("0")
    out = {f"{day}T{clock}.{digits.ljust(n, '0')}Z" for n in (3, 6, 9) if len(digits) <= n}
    if not digits:
        out.add(f"{day}T{clock}Z")
    return sorted(out)


def _values(raw: str | None, name: str) -> list[str]:
    if raw is None:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise TaxiiError(400, "Bad request", f"{name}: empty")
    if len(values) > MAX_FILTER_VALUES:
        raise TaxiiError(400, "Bad request", f"{name}: at most {MAX_FILTER_VALUES} values")
    return values


@dataclass(frozen=True)
class Filters:
    added_after: datetime | None = None
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=lambda: ["last"])
    spec_versions: list[str] = field(default_factory=list)


def read_filters(params: dict[str, str | None], *, allowed: tuple[str, ...]) -> Filters:
    """The filters of a request (only those the endpoint takes: `allowed` of id, type, version,
    spec_version), each checked; 400 names the parameter at fault."""
    added_after = params.get("added_after")
    ids = _values(params.get("match[id]"), "match[id]") if "id" in allowed else []
    for value in ids:
        if not _STIX_ID.match(value):
            raise TaxiiError(400, "Bad request", f"match[id]: {value[:100]!r} is not a STIX id")
    types = _values(params.get("match[type]"), "match[type]") if "type" in allowed else []
    for value in types:
        if not _STIX_TYPE.match(value):
            raise TaxiiError(400, "Bad request", f"match[type]: {value[:100]!r} is not a STIX type")
    versions = ["all"]
    if "version" in allowed:
        versions = _values(params.get("match[version]"), "match[version]") or ["last"]
    for value in versions:
        if value not in ("first", "last", "all"):
            parse_timestamp(value, "match[version]")
    specs = _values(params.get("match[spec_version]"), "match[spec_version]") if "spec_version" in allowed else []
    for value in specs:
        if not re.fullmatch(r"\d\.\d", value):
            raise TaxiiError(400, "Bad request", f"match[spec_version]: {value[:20]!r} is not a STIX version")
    return Filters(
        added_after=parse_timestamp(added_after, "added_after") if added_after is not None else None,
        ids=ids,
        types=types,
        versions=versions,
        spec_versions=specs,
    )


def read_limit(raw: str | None) -> int:
    """The page size asked for, lowered to MAX_PAGE; 400 when it is not a positive integer."""
    if raw is None:
        return DEFAULT_PAGE
    if not raw.isdigit() or int(raw) < 1:
        raise TaxiiError(400, "Bad request", "limit: must be a positive integer")
    return min(int(raw), MAX_PAGE)


# -- which collection ------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _taxii_id(key: str) -> str:
    return taxii_id(key)


def collection_key(session: Session, ident: str) -> str | None:
    """The key of the collection TAXII names `ident` (a lower-case UUID), or None. The national
    collection (nearly every call) costs no query; a configured one, one; a cluster's or a member's
    outbox, the ids of the clusters or organisations (their TAXII ids are computed, and remembered)."""
    if ident == _taxii_id(NATIONAL):
        return NATIONAL
    if session.scalar(select(TaxiiCollection.id).where(TaxiiCollection.uuid == ident)) is not None:
        return f"custom:{ident}"
    for prefix, model in (("cluster", Cluster), ("outbox", Organisation)):
        for row_id in session.scalars(select(model.id)):
            if _taxii_id(f"{prefix}:{row_id}") == ident:
                return f"{prefix}:{row_id}"
    return None


def collection_rights(session: Session, who: Subject, key: str) -> tuple[bool, bool]:
    """(may read, may write) the collection `key`, in one statement."""
    row = session.execute(
        select(readable_collection_clause(who, literal(key)), writable_collection_clause(who, literal(key)))
    ).one()
    return bool(row[0]), bool(row[1])


# -- the keyset cursor ------------------------------------------------------------------------------


def encode_next(moment: datetime, row_id: int) -> str:
    """The opaque `next` of a page: where the following page starts (its keyset position)."""
    raw = f"{moment.astimezone(UTC).strftime('%Y%m%d%H%M%S%f')}.{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_next(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        stamp, _, ident = raw.partition(".")
        moment = datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
        row_id = int(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaxiiError(400, "Bad request", "next: not a value this server gave") from exc
    if row_id < 0 or row_id > 2**62:
        raise TaxiiError(400, "Bad request", "next: not a value this server gave")
    return moment, row_id


# -- the queries ------------------------------------------------------------------------------------


def _version_clause(who: Subject, key: str, versions: list[str], specs: list[str]) -> ColumnElement[bool]:
    if "all" in versions:
        return true()
    branches: list[ColumnElement[bool]] = []
    for wanted in ("last", "first"):
        if wanted in versions:
            # A correlated scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti
            # join it may hash over the whole collection (190 ms for 20,000 objects, growing with the
            # collection); the scalar subquery stays one probe of the (collection, stix_id, modified)
            # index per row of the page.
            other = aliased(StixObject)
            conditions = [other.collection == key, other.stix_id == StixObject.stix_id, visible_stix_clause(who, other)]
            if specs:
                conditions.append(other.spec_version.in_(specs))
            edge = func.max(other.modified) if wanted == "last" else func.min(other.modified)
            branches.append(StixObject.modified == select(edge).where(*conditions).scalar_subquery())
    moments = [m for v in versions if v not in ("first", "last") for m in _spellings(v, "match[version]")]
    if moments:
        branches.append(StixObject.modified.in_(moments))
    return or_(*branches) if branches else false()


def objects_query(who: Subject, key: str, filters: Filters, *columns: Any) -> Select[Any]:
    """The versions of collection `key` the reader may see and the filters let through."""
    query = select(*columns).where(StixObject.collection == key, visible_stix_clause(who))
    if filters.added_after is not None:
        query = query.where(StixObject.date_added > filters.added_after)
    if filters.ids:
        query = query.where(StixObject.stix_id.in_(filters.ids))
    if filters.types:
        query = query.where(StixObject.stix_type.in_(filters.types))
    if filters.spec_versions:
        query = query.where(StixObject.spec_version.in_(filters.spec_versions))
    return query.where(_version_clause(who, key, filters.versions, filters.spec_versions))


def page(query: Select[Any], *, limit: int, after: str | None) -> Select[Any]:
    """One page of `query` in (date_added, id) order, starting after the `next` token; it fetches
    one row more than `limit` to tell whether more follow."""
    if after:
        moment, row_id = decode_next(after)
        # The first condition alone starts the index range scan where the last page stopped (an OR
        # alone is a filter, and a deep page would scan the collection from its start).
        query = query.where(
            StixObject.date_added >= moment,
            or_(StixObject.date_added > moment, and_(StixObject.date_added == moment, StixObject.id > row_id)),
        )
    return query.order_by(StixObject.date_added, StixObject.id).limit(limit + 1)
