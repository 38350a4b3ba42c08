"""What the TAXII server answers, built as bytes in the caller's transaction.

Pages of objects are the stored `body` strings (each object's JSON exactly as it was received)
joined into the envelope: no object is parsed or serialised again, which is what keeps a page of
1,000 objects a matter of one index range scan and one string join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.authz.intel import can_read_import
from csirtnet.errors import NotFound
from csirtnet.intel.collections import Collection
from csirtnet.intel.taxii import repository
from csirtnet.intel.taxii.repository import Filters, timestamp
from csirtnet.models import IntelImport, StixObject

STIX_MEDIA = "application/stix+json;version={}"


@dataclass
class Answer:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _headers(rows: Sequence[Any]) -> dict[str, str]:
    if not rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": timestamp(rows[0].date_added),
        "X-TAXII-Date-Added-Last": timestamp(rows[-1].date_added),
    }


def _paged(session: Session, query: Any, *, limit: int, after: str | None) -> tuple[list[Any], bytes]:
    """The page's rows and the envelope's opening (`more`, `next`)."""
    rows = list(session.execute(repository.page(query, limit=limit, after=after)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if not more:
        return rows, b'{"more":false'
    return rows, b'{"more":true,"next":"' + repository.encode_next(rows[-1].date_added, rows[-1].id).encode() + b'"'


def objects(
    session: Session, who: Subject, collection: Collection, filters: Filters, *, limit: int, after: str | None
) -> Answer:
    """An envelope of the collection's objects (TAXII "Get Objects" and "Get an Object")."""
    columns = (StixObject.id, StixObject.date_added, StixObject.body)
    query = repository.objects_query(who, collection.key, filters, *columns)
    rows, head = _paged(session, query, limit=limit, after=after)
    if not rows:
        return Answer(b"{}")
    body = head + b',"objects":[' + ",".join(row.body for row in rows).encode() + b"]}"
    return Answer(body, _headers(rows))


def _version(row: Any) -> str:
    return str(row.modified or row.created or timestamp(row.date_added))


def manifest(
    session: Session, who: Subject, collection: Collection, filters: Filters, *, limit: int, after: str | None
) -> Answer:
    """The collection's manifest: one record per object version (id, date_added, version, media type)."""
    query = repository.objects_query(
        who,
        collection.key,
        filters,
        StixObject.id,
        StixObject.date_added,
        StixObject.stix_id,
        StixObject.modified,
        StixObject.created,
        StixObject.spec_version,
    )
    rows, head = _paged(session, query, limit=limit, after=after)
    if not rows:
        return Answer(b"{}")
    records = [
        {
            "id": row.stix_id,
            "date_added": timestamp(row.date_added),
            "version": _version(row),
            "media_type": STIX_MEDIA.format(row.spec_version),
        }
        for row in rows
    ]
    return Answer(head + b',"objects":' + orjson.dumps(records) + b"}", _headers(rows))


def versions(
    session: Session,
    who: Subject,
    collection: Collection,
    stix_id: str,
    filters: Filters,
    *,
    limit: int,
    after: str | None,
) -> Answer:
    """The versions of one object the reader may see (TAXII "Get Object Versions"); 404 when none."""
    query = repository.objects_query(
        who,
        collection.key,
        Filters(added_after=filters.added_after, ids=[stix_id], versions=["all"], spec_versions=filters.spec_versions),
        StixObject.id,
        StixObject.date_added,
        StixObject.modified,
        StixObject.created,
    )
    rows, head = _paged(session, query, limit=limit, after=after)
    if not rows:
        if after is None and filters.added_after is None and not filters.spec_versions:
            raise NotFound("object")
        return Answer(b"{}")
    return Answer(head + b',"versions":' + orjson.dumps([_version(r) for r in rows]) + b"}", _headers(rows))


def object_exists(session: Session, who: Subject, collection: Collection, stix_id: str) -> bool:
    """Whether the reader may see any version of the object (a filtered-out object is an empty
    envelope; an absent or hidden one is 404)."""
    query = repository.objects_query(who, collection.key, Filters(ids=[stix_id], versions=["all"]), StixObject.id)
    return session.execute(query.limit(1)).first() is not None


# -- status -----------------------------------------------------------------------------------------


def status(session: Session, who: Subject, status_id: str) -> dict[str, Any]:
    """The status resource of a TAXII POST (its import row), for who may read it; 404 otherwise."""
    row = session.scalar(select(IntelImport).where(IntelImport.uuid == status_id.lower()))
    if row is None or not can_read_import(who, row):
        raise NotFound("status")
    return status_resource(row)


def status_resource(row: IntelImport) -> dict[str, Any]:
    """TAXII's status resource (section 4.3.1) of an import. An object kept unchanged (already
    there) counts as a success, as the specification asks of a re-posted object. The lists are
    given when the import kept them whole; capped lists are left out rather than contradict the
    counts."""
    success_count = row.created + row.versions + row.unchanged
    failure_count = row.skipped
    complete = row.status == "complete"
    total = max(row.total, success_count + failure_count)
    pending_count = 0 if complete else total - success_count - failure_count
    out: dict[str, Any] = {
        "id": row.uuid,
        "status": "complete" if complete else "pending",
        "request_timestamp": timestamp(row.started_at),
        "total_count": success_count + failure_count + pending_count,
        "success_count": success_count,
        "failure_count": failure_count,
        "pending_count": pending_count,
    }
    successes = [_detail(d) for d in row.successes or []]
    failures = [_detail(d) for d in row.failures or []]
    if successes and len(successes) == success_count:
        out["successes"] = successes
    if failures and len(failures) == failure_count:
        out["failures"] = failures
    return out


def _detail(item: dict[str, Any]) -> dict[str, Any]:
    out = {"id": str(item.get("id", "")), "version": str(item.get("version", ""))}
    if item.get("message"):
        out["message"] = str(item["message"])
    return out
