"""Rows of the indicator pages (issue 14; web/views/intel/): the search, an indicator's page with its
sighting, false-positive, edit and revoke forms, a new indicator, the pasted list, imports and an
import's report, the export (a CSV download holding only what the reader may see), collections
with their TAXII addresses, and the coordinating body's configured collections and subscriptions.
The rules of authz/intel.py over the indicators and the import seeded by
tests/security/seed_intel_pages.py (and federation's collection and subscription)."""

from __future__ import annotations

import orjson

from tests.security import rules as R
from tests.security.runner import Body, Variant
from tests.security.seed_intel_pages import IMPORT_READERS, INDICATOR_EDITORS
from tests.security.table.intel import detail_shows
from tests.security.table.vocabulary import MEMBERS, STAFF, WRITERS, Table, fixed, form, objects, only, readers, shows
from tests.security.world import World

TABLE = Table()
row = TABLE.row

P = "/indicators/{indicator_id:int}"
INDICATORS = objects("indicator_id", "indicator", ("green", "strict"))
TLP_OF = {"green": "green", "strict": "amber+strict"}
EDITORS = only(INDICATOR_EDITORS)


def readers_who_share(w: World, v: Variant) -> frozenset[str]:
    return readers(w, v) & R.WRITERS


def _collection(w: World) -> str:
    return w.refs["taxii-collection"]


def _bundle() -> bytes:
    stamp = "2026-12-01T08:00:00.000Z"
    return orjson.dumps(
        {
            "type": "bundle",
            "id": "bundle--2d7c8f0e-1b8a-4b8e-8f53-5e7a9c0d1e21",
            "objects": [
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": "indicator--7c1e5f0a-9b2d-4c3e-8a4f-1d2e3f4a5b6c",
                    "created": stamp,
                    "modified": stamp,
                    "pattern": "[ipv4-addr:value = '45.77.30.1']",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                }
            ],
        }
    )


# -- the search and one indicator ----------------------------------------------------------------------

row("GET", "/indicators", MEMBERS, shows=shows("indicator green value"))
# The page of one indicator also over tests/security/seed_intel.py's: B's AMBER and AMBER+STRICT, A's RED
# (its sharer only), A's in cluster 1 and A's TLP:CLEAR one in its outbox (A and the coordinating body),
# with the sightings' notes each under its own TLP.
SEEDED = objects("indicator_id", "intel", ("A-green", "B-amber", "B-strict", "A-red", "A-cluster1", "A-outbox"))


def page_shows(w: World, v: Variant) -> frozenset[str]:
    if v.obj and v.obj.startswith("intel:"):
        return detail_shows(w, v)
    return shows("indicator {label} value")(w, v)


row(
    "GET",
    P,
    readers,
    variants=lambda w: [*INDICATORS(w), *SEEDED(w)],
    hidden=readers,
    shows=page_shows,
)
row(
    "POST",
    f"{P}/sightings",
    readers_who_share,
    variants=INDICATORS,
    hidden=readers,
    body=lambda w, s, v: Body(
        form={
            "last_seen_at": "2026-12-01T10:00",
            "last_seen_at_zone": "Asia/Ho_Chi_Minh",
            "count": "2",
            "tlp": TLP_OF[v.label],
        }
    ),
)
row("POST", f"{P}/false-positive", readers_who_share, variants=INDICATORS, hidden=readers)
row("GET", f"{P}/edit", EDITORS, variants=INDICATORS, hidden=readers)
row(
    "POST",
    f"{P}/edit",
    EDITORS,
    variants=INDICATORS,
    hidden=readers,
    body=lambda w, s, v: Body(form={"tlp": TLP_OF[v.label], "pap": "amber", "confidence": "70"}),
)
row("POST", f"{P}/revoke", EDITORS, variants=INDICATORS, hidden=readers)

# -- sharing ---------------------------------------------------------------------------------------------

row("GET", "/indicators/new", WRITERS)
row(
    "POST",
    "/indicators/new",
    WRITERS,
    body=form(value="45.77.20.1", collection="national", tlp="green", pap="amber", confidence="50"),
)
row("GET", "/indicators/bulk", WRITERS)
row(
    "POST",
    "/indicators/bulk",
    WRITERS,
    body=form(text="45.77.20.2\n45.77.20.3", collection="national", tlp="green", confidence="50", confirm="1"),
)

# -- imports and exports ---------------------------------------------------------------------------------

row("GET", "/indicators/imports", MEMBERS, shows=shows("import source"))
row(
    "POST",
    "/indicators/imports",
    WRITERS,
    body=lambda w, s, v: Body(
        form={"collection": "national", "default_tlp": "green"},
        files={"file": ("matrix-bundle.json", _bundle(), "application/json")},
    ),
)
row(
    "GET",
    "/indicators/imports/{ref}",
    only(IMPORT_READERS),
    variants=fixed(ref=lambda w: w.id("intel-import")),
    hidden=only(IMPORT_READERS),
    shows=shows("import source"),
)
row(
    "GET",
    "/indicators/export",
    MEMBERS,
    query={"format": "csv"},
    shows=shows("indicator green value"),
    note="the CSV holds what the reader may see: the AMBER+STRICT value for A's people only",
)

# -- collections and subscriptions --------------------------------------------------------------------

row("GET", "/indicators/collections", MEMBERS)
row("POST", "/indicators/collections", STAFF, body=form(title="Viễn thông", description="Telecoms"))
row(
    "POST",
    "/indicators/collections/{ident}/grant",
    STAFF,
    variants=fixed(ident=_collection),
    body=lambda w, s, v: Body(form={"organisation_id": str(w.id("org:B")), "can_write": "on"}),
)
row(
    "POST",
    "/indicators/collections/{ident}/revoke/{organisation_id:int}",
    STAFF,
    variants=fixed(ident=_collection, organisation_id=lambda w: w.id("org:A")),
)
row("GET", "/indicators/subscriptions", STAFF)
row(
    "POST",
    "/indicators/subscriptions",
    STAFF,
    body=form(
        name="CERT khu vực",
        direction="pull",
        api_root_url="https://taxii.region.matrix.example.vn/taxii2/intel/",
        remote_collection_id="0f3b7d0e-5c1a-4a55-9a8e-2e8f5d1c7b90",
        collection="national",
        interval_minutes="60",
    ),
)
row(
    "POST",
    "/indicators/subscriptions/{subscription_id:int}/run",
    STAFF,
    variants=fixed(subscription_id=lambda w: w.id("subscription")),
)
row(
    "POST",
    "/indicators/subscriptions/{subscription_id:int}/remove",
    STAFF,
    variants=fixed(subscription_id=lambda w: w.id("subscription")),
)

ROWS = TABLE.rows
