"""What the indicator pages and the API show: search results and one indicator's page, built only
from what authz.intel lets the reader see.

Search: a query that is a value (`hxxp://evil[.]vn`, `1.2.3[.]4`, `EXAMPLE.vn`) is typed and
normalised the way stored values are, then matched as a prefix of the stored value (so the exact
value and everything longer that starts with it are found: a URL prefix, an address's networks
written longer, a hash's first digits). Without a query the newest come first. Expired
indicators (revoked, past `valid_until`, or decayed below the threshold, intel.decay) are left
out unless asked for. Pages are keyset-paginated.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz import intel as rules
from csirtnet.errors import Forbidden, ValidationFailed
from csirtnet.intel import collections, correlation, decay, repository, values
from csirtnet.intel.common import record
from csirtnet.kit.pagination import paginate_keyset
from csirtnet.kit.time import utcnow
from csirtnet.models import Indicator, Sighting
from csirtnet.vocabulary.enums import TLP

_MAX_ROUNDS = 10  # pages of expired rows skipped at most per request (the rest on the next page)


@dataclass(frozen=True)
class IndicatorRow:
    """One search result."""

    indicator: Indicator
    source_organisation: str | None
    decay: decay.Decay


@dataclass(frozen=True)
class SightingRow:
    sighting: Sighting
    organisation: str | None


@dataclass
class IndicatorPage:
    """Everything an indicator's page shows."""

    indicator: Indicator
    source_organisation: str | None
    collection_title: str | None
    decay: decay.Decay
    sightings: list[SightingRow]
    warninglists: list[str]
    may_edit: bool
    may_sight: bool
    correlations: correlation.Correlations | None  # what the reader may see that matches
    extra: dict[str, Any] = field(default_factory=dict)


def query_prefixes(q: str) -> list[str]:
    """The stored-value prefixes a search text stands for: its normalised value when it is one
    (refanged, lower-cased where the kind is), and the refanged text itself (a partial value)."""
    text = q.strip()
    if not text:
        return []
    out: list[str] = []
    kind = values.detect(text)
    if kind is not None:
        with contextlib.suppress(ValidationFailed):
            out.append(values.normalise(kind, text, "q").value)
    plain = values.refang(text)
    for candidate in (plain, plain.lower()):
        if candidate and candidate not in out:
            out.append(candidate)
    return out


def search(
    session: Session,
    who: Subject,
    q: str | None = None,
    *,
    kind: str | None = None,
    tlp: str | None = None,
    collection: str | None = None,
    tag: str | None = None,
    source: str | None = None,
    include_expired: bool = False,
    limit: int = 50,
    cursor: str | None = None,
    now: datetime | None = None,
) -> tuple[list[IndicatorRow], str | None]:
    """One page of the indicators `who` may see (see the module page); Forbidden for who may read
    no indicator at all (a user without a role)."""
    require_read(who)
    now = now or utcnow()
    prefixes = query_prefixes(q) if q else None
    if collection:
        collection = collections.check_key(collection)
    query = repository.search(
        session,
        who,
        prefixes=prefixes,
        kind=kind,
        tlp=tlp,
        collection=collection,
        tag=tag,
        source=source,
        live_at=None if include_expired else now,
    )
    if prefixes:
        keys: list[Any] = [repository.value_column(session), Indicator.id]
        descending: bool | list[bool] = False
    else:
        keys = [Indicator.modified_at, Indicator.id]
        descending = True
    kept: list[Indicator] = []
    next_cursor = cursor
    for _ in range(_MAX_ROUNDS):
        need = limit - len(kept)
        rows, next_cursor = paginate_keyset(
            session, query, keys, limit=need, cursor=next_cursor, descending=descending, key_of=_key_of(prefixes)
        )
        kept.extend(r for r in rows if include_expired or not decay.is_expired(r, now))
        if next_cursor is None or len(kept) >= limit:
            break
    names = repository.organisation_names(session, {i.source_organisation_id for i in kept if i.source_organisation_id})
    out = [
        IndicatorRow(
            i, names.get(i.source_organisation_id) if i.source_organisation_id else None, decay.evaluate(i, now)
        )
        for i in kept
    ]
    return out, next_cursor


def require_read(who: Subject) -> None:
    if not rules.can_read(who):
        raise Forbidden("You may not read indicators")


def collections_of(session: Session, who: Subject) -> list[collections.Collection]:
    """The collections `who` may read or share into, national first."""
    require_read(who)
    return collections.visible(session, who)


def _name(names: dict[int, str], ident: int | None) -> str | None:
    return names.get(ident) if ident is not None else None


def _key_of(prefixes: list[str] | None) -> Any:
    if prefixes:
        return lambda r: [r.value, r.id]
    return lambda r: [r.modified_at, r.id]


def detail(session: Session, who: Subject, indicator_id: int, *, now: datetime | None = None) -> IndicatorPage:
    """One indicator's page: NotFound when `who` may not see it; a TLP:RED read is audited."""
    now = now or utcnow()
    ind = rules.get_visible_indicator(session, who, indicator_id)
    if ind.tlp == TLP.RED.value:  # reads of TLP:RED objects are audited (DESIGN.md)
        record(session, who, "intel.viewed", ind)
    sightings = repository.sightings(session, who, ind.id)
    ids = {s.organisation_id for s in sightings if s.organisation_id}
    if ind.source_organisation_id:
        ids.add(ind.source_organisation_id)
    names = repository.organisation_names(session, ids)
    title = next((c.title for c in collections.visible(session, who) if c.key == ind.collection), None)
    return IndicatorPage(
        indicator=ind,
        source_organisation=names.get(ind.source_organisation_id) if ind.source_organisation_id else None,
        collection_title=title,
        decay=decay.evaluate(ind, now),
        sightings=[SightingRow(s, names.get(s.organisation_id) if s.organisation_id else None) for s in sightings],
        warninglists=list(ind.warninglists or []),
        may_edit=rules.can_edit_indicator(who, ind),
        may_sight=rules.can_share(who),
        correlations=correlation.for_indicator(session, who, ind),
    )
