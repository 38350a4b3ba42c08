"""What the indicator services share: the one audit record of a change, and the STIX version every
change to an indicator (and every sighting) writes into the indicator's collection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.audit.service import FROM_OBJECT
from csirtnet.authz import Subject
from csirtnet.authz.derived import Guard
from csirtnet.intel.stix import objects as stix
from csirtnet.kit.bulk import insert_rows
from csirtnet.kit.time import utcnow
from csirtnet.models import Indicator, Sighting, StixObject


def record(
    session: Session,
    who: Subject,
    action: str,
    obj: Indicator | Sighting | None,
    *,
    organisation_id: int | None = None,
    guard: Guard | None = FROM_OBJECT,
    **details: Any,
) -> None:
    """The ONE audit record of a change ("intel.<verb>"), in the caller's transaction.

    An indicator's or a sighting's record is guarded by the indicator (only who may see it reads
    the details, audit.record takes the guard from the object); a record of no single indicator
    (a bulk paste) must carry no indicator value in its details: counts only."""
    if organisation_id is None and isinstance(obj, Indicator):
        organisation_id = obj.source_organisation_id
    elif organisation_id is None and isinstance(obj, Sighting):
        organisation_id = obj.organisation_id
    audit.record(session, who, action, obj, organisation_id=organisation_id, guard=guard, **details)


def created_by_ref(ind: Indicator) -> str | None:
    return stix.identity_id(ind.source_organisation_id) if ind.source_organisation_id is not None else None


def _latest_modified(session: Session, collection: str, stix_id: str) -> str | None:
    return session.scalar(
        select(func.max(StixObject.modified)).where(StixObject.collection == collection, StixObject.stix_id == stix_id)
    )


def write_indicator_version(session: Session, ind: Indicator, *, first: bool = False) -> StixObject:
    """A new STIX version of `ind` in its collection. Its `modified` is the indicator's
    `modified_at`, moved a millisecond past the newest stored version when the clock would repeat
    one (two changes within a millisecond), so every change is a new version. `first`: the
    indicator was just made (no version to look for)."""
    session.flush()
    newest = None if first else _latest_modified(session, ind.collection, ind.stix_id)
    ind.modified_at = _after(ind.modified_at, newest)
    row = StixObject(**_stix_row(ind))
    session.add(row)
    return row


def _after(moment: datetime, newest: str | None) -> datetime:
    """`moment`, moved on by milliseconds until its STIX timestamp is later than `newest` (a version
    must be newer than the last one stored, and STIX timestamps keep milliseconds)."""
    while newest is not None and stix.stix_timestamp(moment) <= newest:
        moment = moment + timedelta(milliseconds=1)
    return moment


def _columns(
    body: dict[str, Any],
    *,
    collection: str,
    tlp: str,
    organisation_id: int | None,
    created_by_id: int | None,
    indicator_id: int,
) -> dict[str, Any]:
    """A `StixObject` row's columns for an object csirtnet wrote (an indicator's or a sighting's)."""
    return {
        "collection": collection,
        "stix_id": body["id"],
        "stix_type": body["type"],
        "spec_version": "2.1",
        "modified": body["modified"],
        "created": body["created"],
        "date_added": utcnow(),
        "tlp": tlp,
        "organisation_id": organisation_id,
        "created_by_id": created_by_id,
        "indicator_id": indicator_id,
        "body": orjson.dumps(body).decode(),
    }


def _stix_row(ind: Indicator) -> dict[str, Any]:
    body = stix.indicator_object(ind, created_by_ref=created_by_ref(ind))
    return _columns(
        body,
        collection=ind.collection,
        tlp=ind.tlp,
        organisation_id=ind.source_organisation_id,
        created_by_id=ind.created_by_id,
        indicator_id=ind.id,
    )


def write_indicator_versions(session: Session, changed: Sequence[Indicator], made: Sequence[Indicator]) -> None:
    """`write_indicator_version` for many at once (a bulk paste): the newest stored version of the
    changed ones read in chunks, every new version inserted in one go (kit.bulk: COPY on
    PostgreSQL). `made` are new indicators (transient objects with their ids are enough)."""
    newest: dict[str, str] = {}
    by_collection: dict[str, list[str]] = {}
    for ind in changed:
        by_collection.setdefault(ind.collection, []).append(ind.stix_id)
    for collection, ids in by_collection.items():
        for start in range(0, len(ids), 500):
            query = (
                select(StixObject.stix_id, func.max(StixObject.modified))
                .where(StixObject.collection == collection, StixObject.stix_id.in_(ids[start : start + 500]))
                .group_by(StixObject.stix_id)
            )
            newest.update({r[0]: r[1] for r in session.execute(query)})
    for ind in changed:
        ind.modified_at = _after(ind.modified_at, newest.get(ind.stix_id))
    session.flush()
    insert_rows(session, StixObject.__table__, [_stix_row(ind) for ind in [*changed, *made]])


def write_sighting_object(session: Session, sighting: Sighting, ind: Indicator) -> StixObject:
    """The sighting's STIX form, in the indicator's collection, under the sighting's own TLP."""
    body = stix.sighting_object(sighting, ind)
    row = StixObject(
        **_columns(
            body,
            collection=ind.collection,
            tlp=sighting.tlp,
            organisation_id=sighting.organisation_id,
            created_by_id=sighting.created_by_id,
            indicator_id=ind.id,
        )
    )
    session.add(row)
    return row
