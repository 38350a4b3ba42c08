"""What the TAXII server changes: objects posted into a collection (through the one ingestion
engine, `intel.ingest.run`, which writes the import's one audit record) and objects deleted."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.authz.intel import can_delete_stix, require_write_collection
from csirtnet.errors import Forbidden, NotFound
from csirtnet.intel.collections import Collection
from csirtnet.intel.taxii import repository
from csirtnet.intel.taxii.errors import TaxiiError
from csirtnet.intel.taxii.repository import Filters
from csirtnet.models import Indicator, IndicatorOrigin, IntelImport, StixObject
from csirtnet.vocabulary.enums import TLP

# Objects posted without a TLP marking: the recipient organisation and the coordinating body only,
# until the poster says more (never wider than the poster meant).
DEFAULT_TLP = TLP.AMBER


def read_envelope(body: bytes) -> list[dict[str, Any]]:
    """The objects of a posted TAXII envelope (or STIX bundle): 400 when it is not JSON, 422 when it
    is not an envelope. Objects themselves are judged one by one by the ingestion."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise TaxiiError(400, "Bad request", f"The body is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise TaxiiError(422, "Unprocessable content", 'objects: the body must be an envelope {"objects": [...]}')
    objects: list[dict[str, Any]] = data["objects"]
    for index, item in enumerate(objects):
        if not isinstance(item, dict):
            raise TaxiiError(422, "Unprocessable content", f"objects[{index}]: not a JSON object")
    return objects


def add_objects(session: Session, who: Subject, collection: Collection, objects: list[dict[str, Any]]) -> IntelImport:
    """Import the posted objects into the collection (TAXII "Add Objects"), synchronously: the
    status resource is complete when the answer leaves."""
    require_write_collection(session, who, collection.key)
    from csirtnet.intel import ingest

    return ingest.run(
        session,
        who,
        objects,
        collection=collection.key,
        source="taxii",
        fmt="stix",
        origin=IndicatorOrigin.STIX,
        default_tlp=DEFAULT_TLP,
    )


def delete_object(session: Session, who: Subject, collection: Collection, stix_id: str, filters: Filters) -> int:
    """Delete the versions of an object the filters select (TAXII "Delete an Object"): the reader
    must see them, write into the collection and own each (authz.intel.can_delete_stix)."""
    require_write_collection(session, who, collection.key)
    selected = Filters(ids=[stix_id], versions=filters.versions, spec_versions=filters.spec_versions)
    rows = list(session.scalars(repository.objects_query(who, collection.key, selected, StixObject)))
    if not rows:
        raise NotFound("object")
    if not all(can_delete_stix(who, row) for row in rows):
        raise Forbidden("Only the organisation that shared this object, or the coordinating body, deletes it")
    audit.record(
        session,
        who,
        "intel.stix_deleted",
        rows[0],
        organisation_id=rows[0].organisation_id,
        stix_id=stix_id,
        collection=collection.key,
        versions=sorted(row.modified for row in rows),
    )
    session.execute(sql_delete(StixObject).where(StixObject.id.in_([row.id for row in rows])))
    # Its last version gone, the object is gone from the collection: its typed indicator (and the
    # indicator's sightings) go too, so search, correlation and the exports stop showing it.
    left = exists(select(StixObject.id).where(StixObject.collection == collection.key, StixObject.stix_id == stix_id))
    if not session.scalar(select(left)):
        session.execute(
            sql_delete(Indicator).where(Indicator.collection == collection.key, Indicator.stix_id == stix_id)
        )
    return len(rows)
