"""Rows of the TAXII 2.1 server (issue 14; /taxii2/): closed to anyone without credentials (401
asking for Basic: tests/security/runner.py checks it of every anonymous cell), HTTP Basic with an
API token as the password or a bearer token (half the subjects each), never a session. What a caller
reads is the collection's readers, then TLP (tests/security/seed_intel.py, from authz/intel.py's
module page): a member reads the national collection but not another organisation's AMBER+STRICT
object (absent from pages and manifests, 404 by id), the coordinating body reads AMBER but not another
organisation's AMBER+STRICT, an outbox is its organisation's and the coordinating body's; posting
only into a collection one may write, deleting by the object's organisation or the coordinating
body, a post's status for its poster's organisation and the coordinating body."""

from __future__ import annotations

from collections.abc import Sequence

from tests.security import rules as R
from tests.security.runner import Body, Policy, Variant, Variants
from tests.security.seed_intel import (
    IMPORTED,
    IMPORTED_READERS,
    INDICATOR_READERS,
    INDICATORS,
    INTEL_IMPORT_READERS,
    SIGHTINGS,
    collection_readers,
    sighting_readers,
)
from tests.security.table.intel import SCOPED, plus, scoped, with_token, without_holder
from tests.security.table.vocabulary import MEMBERS, Table, only
from tests.security.world import World

TABLE = Table()
row = TABLE.row

ROOT = "/taxii2/intel"
COL = f"{ROOT}/collections/{{collection_id}}"
OBJ = f"{COL}/objects/{{object_id}}/"
TAXII = "application/taxii+json;version=2.1"
COLLECTIONS = ("national", "cluster1", "outbox:A", "outbox:B")


# -- the seeded STIX objects: by key ("intel:A-green", "stix:B-import-strict", "sighting:…") ---------------


def collection_of(key: str) -> str:
    kind, label = key.split(":", 1)
    if kind == "intel":
        return INDICATORS[label][2]
    return "national"


def object_readers(key: str) -> frozenset[str]:
    kind, label = key.split(":", 1)
    if kind == "intel":
        return INDICATOR_READERS[label]
    if kind == "stix":
        return IMPORTED_READERS[label]
    return sighting_readers(label)


def object_org(key: str) -> str:
    kind, label = key.split(":", 1)
    if kind == "intel":
        return INDICATORS[label][0]
    if kind == "stix":
        return "B"
    return R.ORG_OF[SIGHTINGS[label][0]]


OBJECTS: tuple[str, ...] = (
    *(f"intel:{label}" for label in INDICATORS),
    *(f"stix:{label}" for label in IMPORTED),
    *(f"sighting:{label}" for label in SIGHTINGS),
)


def stix_id(w: World, key: str) -> str:
    return w.refs[key]


def objects_in(collection: str) -> list[str]:
    return [key for key in OBJECTS if collection_of(key) == collection]


# -- variants and policies -------------------------------------------------------------------------------


def collections(*keys: str) -> Variants:
    return lambda w: [Variant(key, {"collection_id": w.refs[f"taxii:{key}"]}, f"collection:{key}") for key in keys]


def readers_of_collection(w: World, v: Variant) -> frozenset[str]:
    assert v.obj is not None
    return collection_readers(v.obj.split(":", 1)[1])


def writers_of_collection(w: World, v: Variant) -> frozenset[str]:
    return readers_of_collection(w, v) & R.WRITERS


def objects(keys: Sequence[str]) -> Variants:
    return lambda w: [
        Variant(
            key.split(":", 1)[1],
            {"collection_id": w.refs[f"taxii:{collection_of(key)}"], "object_id": stix_id(w, key)},
            key,
        )
        for key in keys
    ]


def readers_of_object(w: World, v: Variant) -> frozenset[str]:
    assert v.obj is not None
    return object_readers(v.obj)


def knowers_of_collection(w: World, v: Variant) -> frozenset[str]:
    """Who may know the object's collection exists (a refusal to others is the collection's 404)."""
    assert v.obj is not None
    return collection_readers(collection_of(v.obj))


def deleters(w: World, v: Variant) -> frozenset[str]:
    """Who sees it, writes into its collection, and is of its organisation or the coordinating body
    (authz.intel: "its source organisation's sharers, whoever shared it, or the coordinating body")."""
    assert v.obj is not None
    return object_readers(v.obj) & R.WRITERS & (R.users_of(object_org(v.obj)) | R.STAFF)


def withheld_ids(w: World, v: Variant, s: str) -> list[str]:
    """The STIX ids of the collection's objects the subject may not read: in no page or manifest."""
    assert v.obj is not None
    collection = v.obj.split(":", 1)[1]
    return [stix_id(w, key) for key in objects_in(collection) if s not in object_readers(key)]


def marker_of(w: World, key: str) -> str:
    """The marker planted in the object's JSON (a value, a name, a note)."""
    kind, label = key.split(":", 1)
    if kind == "intel":
        return w.markers.text(f"ind {label}")
    if kind == "stix":
        return w.markers.text(f"{label} name" if label.endswith("malware") else f"{label} value")
    return w.markers.text(f"sighting {label} note")


def collection_values(w: World, v: Variant) -> frozenset[str]:
    """The markers of the collection's objects (each required of the readers allowed it)."""
    assert v.obj is not None
    return frozenset(marker_of(w, key) for key in objects_in(v.obj.split(":", 1)[1]))


def object_shows(w: World, v: Variant) -> frozenset[str]:
    assert v.obj is not None
    return frozenset({marker_of(w, v.obj)})


def collection_ids_withheld(w: World, v: Variant, s: str) -> list[str]:
    return [w.refs[f"taxii:{key}"] for key in COLLECTIONS if s not in collection_readers(key)]


# -- discovery, the API root, collections ------------------------------------------------------------------

row("GET", "/taxii2/", MEMBERS)
row("GET", f"{ROOT}/", MEMBERS)
row("GET", f"{ROOT}/collections/", MEMBERS, withholds=collection_ids_withheld)
row(
    "GET",
    f"{COL}/",
    readers_of_collection,
    variants=collections(*COLLECTIONS),
    hidden=readers_of_collection,
)

# -- objects ---------------------------------------------------------------------------------------------

row(
    "GET",
    f"{COL}/objects/",
    without_holder(readers_of_collection, "no-intel"),
    variants=plus(collections("cluster1", "outbox:A", "outbox:B"), scoped(collections("national"), *SCOPED)),
    hidden=without_holder(readers_of_collection, "no-intel"),
    body=with_token(),
    shows=collection_values,
    withholds=withheld_ids,
    note="each object the reader may see, and no id of one it may not",
)
row(
    "GET",
    f"{COL}/manifest/",
    readers_of_collection,
    variants=collections(*COLLECTIONS),
    hidden=readers_of_collection,
    withholds=withheld_ids,
)
# One object of each audience, and the sightings (under their own TLP, of indicators of theirs).
BY_ID = (
    "intel:A-green",
    "intel:B-amber",
    "intel:A-strict",
    "intel:B-strict",
    "intel:A-red",
    "intel:A-cluster1",
    "intel:A-outbox",
    "stix:B-import-strict",
    "stix:B-import-malware",
    *(f"sighting:{label}" for label in SIGHTINGS),
)
row(
    "GET",
    OBJ,
    readers_of_object,
    variants=objects(BY_ID),
    hidden=knowers_of_collection,
    shows=object_shows,
    note="an object the reader may not see is a 404, as a missing one",
)
row(
    "GET",
    f"{OBJ}versions/",
    readers_of_object,
    variants=objects(BY_ID),
    hidden=knowers_of_collection,
    note="versions are timestamps: an object the reader may not see is a 404, as a missing one",
)
row(
    "DELETE",
    OBJ,
    deleters,
    variants=objects(("intel:A-green", "intel:B-amber", "intel:B-strict", "intel:A-outbox", "stix:B-import-malware")),
    hidden=knowers_of_collection,
)


def envelope(w: World, s: str, v: Variant) -> Body:
    stamp = "2026-12-02T08:00:00.000Z"
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--6a2f1e0d-4b3c-4d5e-8f70-91a2b3c4d5e6",
        "created": stamp,
        "modified": stamp,
        "pattern": "[ipv4-addr:value = '45.77.61.1']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }
    return Body(json={"objects": [obj]}, headers={"Content-Type": TAXII, "Accept": TAXII})


row(
    "POST",
    f"{COL}/objects/",
    without_holder(writers_of_collection, *SCOPED),
    variants=plus(collections("cluster1", "outbox:A", "outbox:B"), scoped(collections("national"), *SCOPED)),
    hidden=without_holder(readers_of_collection, "no-intel"),
    body=with_token(envelope),
    note="a token without intel:write posts nothing (intel:read alone: 403; no intel scope: 404)",
)

# -- the status of a post --------------------------------------------------------------------------------

status_policy: Policy = only(INTEL_IMPORT_READERS)


def statuses(w: World) -> list[Variant]:
    return [Variant("B", {"status_id": w.refs["intel-import:B"]})]


row("GET", f"{ROOT}/status/{{status_id}}/", status_policy, variants=statuses, hidden=status_policy)
row("GET", f"{ROOT}/status/{{status_id}}", status_policy, variants=statuses, hidden=status_policy)

ROWS = TABLE.rows
