"""Seeding the indicator pages (issue 14): organisation A's responder shares a TLP:GREEN indicator
(every member reads it) and a TLP:AMBER+STRICT one (A's people only, not the coordinating body) into
the national collection, and imports a bundle whose report A's people and the coordinating body
read. Each value is a marker, so a page that shows an indicator to the wrong reader is caught."""

from __future__ import annotations

import orjson

from csirtnet.intel import importing, service
from csirtnet.intel.schemas import IndicatorCreate
from csirtnet.vocabulary import TLP
from tests.security import rules as R
from tests.security.seed_base import BuilderBase

# Who reads each seeded indicator (authz/intel.py: the collection's readers, then TLP).
INDICATOR_READERS = {"green": R.MEMBERS, "strict": R.users_of("A")}
# Who may change A's indicators: its sharers (authz.intel.can_edit_indicator).
INDICATOR_EDITORS = R.users_of("A") & R.WRITERS
# Who reads A's import report: A's people and the coordinating body (authz.intel.can_read_import).
IMPORT_READERS = R.users_of("A") | R.STAFF


class IntelPagesSeed(BuilderBase):
    def intel_pages(self) -> None:
        responder = self.who(R.RESPONDER)
        for label, tlp in (("green", "green"), ("strict", "amber+strict")):
            value = self.mk(f"indicator {label} value", INDICATOR_READERS[label]) + ".example.vn"
            ind = service.create(
                self.s,
                responder,
                IndicatorCreate(
                    value=value,
                    collection="national",
                    tlp=TLP(tlp),
                    description=self.mk(f"indicator {label} description", INDICATOR_READERS[label]),
                ),
            )
            self.w.ids[f"indicator:{label}"] = ind.id
            self.w.readers[f"indicator:{label}"] = INDICATOR_READERS[label]
        stamp = "2026-12-01T08:00:00.000Z"
        bundle = {
            "type": "bundle",
            "id": "bundle--6f0e3f0c-2f4b-4a8e-9d62-6b0c2f0f1a10",
            "objects": [
                {
                    "type": "indicator",
                    "spec_version": "2.0",
                    "id": "indicator--4b7a51a4-5d33-4f4f-8a3e-0d4c1f2b9e77",
                    "created": stamp,
                    "modified": stamp,
                    "pattern": "[domain-name:value = 'skipped.example.vn']",
                    "pattern_type": "stix",
                    "valid_from": stamp,
                }
            ],
        }
        row = importing.import_bundle(
            self.s,
            responder,
            orjson.dumps(bundle),
            source=self.mk("import source", IMPORT_READERS) + ".json",
            collection=f"outbox:{self.orgs['A'].id}",
            default_tlp=TLP.AMBER,
        )
        self.w.ids["intel-import"] = row.id
        self.w.readers["intel-import"] = IMPORT_READERS
        self.s.flush()
