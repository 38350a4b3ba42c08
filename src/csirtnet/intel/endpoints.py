"""The indicator API (/api/v1/indicators): search and read indicators, share and change them,
sightings and false-positive reports, bulk add from pasted text, the collections one may use."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Query

from csirtnet.auth.deps import ApiUser, Session
from csirtnet.intel import reads, service
from csirtnet.intel.decay import Decay
from csirtnet.intel.schemas import (
    BulkLineRead,
    BulkResultRead,
    CollectionRead,
    DecayRead,
    IndicatorBulkAdd,
    IndicatorCreate,
    IndicatorDetailRead,
    IndicatorFalsePositiveReport,
    IndicatorListItem,
    IndicatorRevoke,
    IndicatorSightingCreate,
    IndicatorUpdate,
    KindName,
    SightingRead,
)
from csirtnet.kit.pagination import Page
from csirtnet.vocabulary.enums import TLP

router = APIRouter(tags=["indicators"])


def _decay(d: Decay) -> DecayRead:
    return DecayRead(score=d.score, base=d.base, expires_at=d.expires_at, expired=d.expired, reason=d.reason)


def _correlations(found: Any) -> tuple[list[dict[str, object]], bool]:
    """intel.correlation's answer (groups by relation: exact, in_network, under_domain; each with
    indicators, incidents and advisories) as flat dictionaries, and whether it was too many."""
    if found is None:
        return [], False
    out: list[dict[str, object]] = []
    for relation in ("exact", "in_network", "under_domain"):
        group = getattr(found, relation, None)
        for kind in ("indicators", "incidents", "advisories"):
            for item in getattr(group, kind, None) or []:
                if dataclasses.is_dataclass(item) and not isinstance(item, type):
                    out.append({"relation": relation, "type": kind[:-1], **dataclasses.asdict(item)})
    return out, getattr(found, "too_many", None) is not None


def _detail(session: Session, who: ApiUser, indicator_id: int) -> IndicatorDetailRead:
    page = reads.detail(session, who, indicator_id)
    links, flagged = _correlations(page.correlations)
    sightings = [
        SightingRead.model_validate(row.sighting).model_copy(update={"organisation": row.organisation})
        for row in page.sightings
    ]
    base = {
        **{
            name: getattr(page.indicator, name)
            for name in IndicatorDetailRead.model_fields
            if hasattr(page.indicator, name)
        },
    }
    base.update(
        source_organisation=page.source_organisation,
        collection_title=page.collection_title,
        decay=_decay(page.decay),
        sightings=sightings,
        correlations=links,
        over_correlated=flagged,
        may_edit=page.may_edit,
        may_sight=page.may_sight,
    )
    return IndicatorDetailRead.model_validate(base)


@router.get("/indicators", response_model=Page[IndicatorListItem])
def list_indicators(
    session: Session,
    who: ApiUser,
    q: str | None = Query(default=None, max_length=2048, description="A value (defanged is fine) or its prefix"),
    kind: KindName | None = None,
    tlp: TLP | None = None,
    collection: str | None = Query(default=None, max_length=60),
    tag: str | None = Query(default=None, max_length=200),
    source: str | None = Query(default=None, max_length=200, description="Source organisation id or source name"),
    include_expired: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=12000),
) -> Page[IndicatorListItem]:
    """Indicators you may see: newest first, or by value when `q` is given; expired ones only when asked."""
    rows, next_cursor = reads.search(
        session,
        who,
        q,
        kind=kind,
        tlp=tlp.value if tlp else None,
        collection=collection,
        tag=tag,
        source=source,
        include_expired=include_expired,
        limit=limit,
        cursor=cursor,
    )
    items = [
        IndicatorListItem.model_validate(
            {
                **{n: getattr(r.indicator, n) for n in IndicatorListItem.model_fields if hasattr(r.indicator, n)},
                "source_organisation": r.source_organisation,
                "decay": _decay(r.decay),
            }
        )
        for r in rows
    ]
    return Page[IndicatorListItem](items=items, next_cursor=next_cursor)


@router.get("/indicators/collections", response_model=list[CollectionRead])
def list_collections(session: Session, who: ApiUser) -> list[CollectionRead]:
    """The collections you may read or share into, national first."""
    return [CollectionRead.model_validate(dataclasses.asdict(c)) for c in reads.collections_of(session, who)]


@router.post("/indicators/bulk", response_model=BulkResultRead)
def bulk_add(body: IndicatorBulkAdd, session: Session, who: ApiUser) -> BulkResultRead:
    """Pasted text → typed indicators, one result per value (`dry_run` previews and changes nothing)."""
    result = service.bulk_add(session, who, body)
    return BulkResultRead(
        dry_run=result.dry_run,
        created=result.created,
        updated=result.updated,
        invalid=result.invalid,
        lines=[BulkLineRead.model_validate(dataclasses.asdict(line)) for line in result.lines],
    )


@router.post("/indicators", response_model=IndicatorDetailRead, status_code=201)
def create_indicator(body: IndicatorCreate, session: Session, who: ApiUser) -> IndicatorDetailRead:
    """Share an indicator (the same value shared again into the same collection updates it)."""
    ind = service.create(session, who, body)
    return _detail(session, who, ind.id)


@router.get("/indicators/{indicator_id}", response_model=IndicatorDetailRead)
def get_indicator(indicator_id: int, session: Session, who: ApiUser) -> IndicatorDetailRead:
    """One indicator with its sightings, score, warninglists and correlations."""
    return _detail(session, who, indicator_id)


@router.patch("/indicators/{indicator_id}", response_model=IndicatorDetailRead)
def update_indicator(indicator_id: int, body: IndicatorUpdate, session: Session, who: ApiUser) -> IndicatorDetailRead:
    """Change an indicator your organisation shared."""
    service.update(session, who, indicator_id, body)
    return _detail(session, who, indicator_id)


@router.post("/indicators/{indicator_id}/revoke", response_model=IndicatorDetailRead)
def revoke_indicator(
    indicator_id: int, session: Session, who: ApiUser, body: IndicatorRevoke | None = None
) -> IndicatorDetailRead:
    """Withdraw an indicator your organisation shared (kept, shown as revoked)."""
    service.revoke(session, who, indicator_id, reason=body.reason if body else None)
    return _detail(session, who, indicator_id)


@router.post("/indicators/{indicator_id}/sightings", response_model=SightingRead, status_code=201)
def add_sighting(indicator_id: int, body: IndicatorSightingCreate, session: Session, who: ApiUser) -> SightingRead:
    """Your organisation saw this indicator."""
    return SightingRead.model_validate(service.add_sighting(session, who, indicator_id, body))


@router.post("/indicators/{indicator_id}/false-positive", response_model=SightingRead, status_code=201)
def report_false_positive(
    indicator_id: int, body: IndicatorFalsePositiveReport, session: Session, who: ApiUser
) -> SightingRead:
    """This indicator fired on something harmless in your organisation."""
    return SightingRead.model_validate(service.report_false_positive(session, who, indicator_id, body))
