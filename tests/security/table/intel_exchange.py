"""Rows of the exchange API (issue 14; intel/exchange_endpoints.py): uploading a STIX bundle or a MISP
event to import (who may share), the imports one may see and one import's report (authz.intel
`can_read_import`: whoever imported it, their organisation, the coordinating body; others get a
missing id), and the export of what one may see (the AMBER+STRICT value only for A's people). Over
what tests/security/seed_intel_pages.py seeds."""

from __future__ import annotations

import orjson

from tests.security.runner import Body
from tests.security.seed_intel_pages import IMPORT_READERS
from tests.security.table.vocabulary import API, MEMBERS, WRITERS, Table, fixed, only, shows

TABLE = Table()
row = TABLE.row

IND = f"{API}/indicators"


def _bundle() -> bytes:
    stamp = "2026-12-01T08:00:00.000Z"
    return orjson.dumps(
        {
            "type": "bundle",
            "id": "bundle--5b1d0f2e-7c3a-4d8e-9f10-2a3b4c5d6e7f",
            "objects": [
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": "indicator--0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
                    "created": stamp,
                    "modified": stamp,
                    "pattern": "[ipv4-addr:value = '45.77.31.1']",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                }
            ],
        }
    )


row("GET", f"{IND}/imports", MEMBERS, shows=shows("import source"))
row(
    "POST",
    f"{IND}/imports",
    WRITERS,
    body=lambda w, s, v: Body(
        form={"collection": "national", "tlp": "green"},
        files={"file": ("matrix-api-bundle.json", _bundle(), "application/json")},
    ),
)
row(
    "GET",
    f"{IND}/imports/{{import_id}}",
    only(IMPORT_READERS),
    variants=fixed(import_id=lambda w: w.id("intel-import")),
    hidden=only(IMPORT_READERS),
    shows=shows("import source"),
)
row(
    "GET",
    f"{IND}/export",
    MEMBERS,
    shows=shows("indicator green value"),
    note="a STIX bundle of what the reader may see: the AMBER+STRICT value for A's people only",
)

ROWS = TABLE.rows
