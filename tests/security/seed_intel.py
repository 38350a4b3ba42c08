"""Seeding indicator sharing (issue 14) for the API and TAXII rows: indicators of every TLP shared by
two member organisations (A's responder, B's admin) into the national collection, A's TLP:GREEN one
into cluster 1's collection, A's TLP:CLEAR one into A's outbox, sightings under their own TLP (B's
AMBER sighting of A's GREEN indicator, A's GREEN false-positive report on A's AMBER+STRICT one), and
a STIX bundle B imported through the one ingestion engine (an AMBER+STRICT and an AMBER indicator, a
GREEN malware object, and one object skipped with its reason). Every value, description, note and
name holds a marker with who may read it.

Who reads what, written from the module page of authz/intel.py (never asked of it):
- a collection's readers: national — every member; cluster:<id> — its organisations' people and the
  coordinating body; outbox:<org> — that organisation's people and the coordinating body (the
  coordinating body: the coordinator and the platform admin, R.STAFF);
- inside it, TLP: CLEAR and GREEN every reader of the collection; AMBER the source organisation and
  the coordinating body; AMBER+STRICT the source organisation only; RED whoever shared it;
- a sighting: who sees its indicator, then the sighting's own TLP (its reporter's organisation the
  author);
- an import's report: whoever posted it, their organisation and the coordinating body.
"""

from __future__ import annotations

import orjson

from csirtnet.identity.tokens import create_token
from csirtnet.intel import collections, importing, service
from csirtnet.intel.schemas import IndicatorCreate, IndicatorFalsePositiveReport, IndicatorSightingCreate
from csirtnet.models import Indicator, IntelImport, Sighting
from csirtnet.vocabulary import TLP
from tests.security import rules as R
from tests.security.seed_base import BuilderBase
from tests.security.world import TLP_SLUG, TLPS

SHARERS = {"A": R.RESPONDER, "B": R.ADMIN_B}
STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
STAMP = "2026-11-20T08:00:00.000Z"


def collection_readers(collection: str) -> frozenset[str]:
    """ "national", "cluster1", "outbox:A"…"""
    if collection == "national":
        return R.MEMBERS
    if collection.startswith("cluster"):
        return R.cluster_insiders(collection.removeprefix("cluster"))
    return R.users_of(collection.split(":", 1)[1]) | R.STAFF


def intel_readers(org: str, tlp: str, collection: str = "national", author: str | None = None) -> frozenset[str]:
    community = collection_readers(collection)
    if tlp in ("clear", "green"):
        return community
    if tlp == "amber":
        return community & (R.users_of(org) | R.STAFF)
    if tlp == "amber+strict":
        return community & R.users_of(org)
    assert tlp == "red", tlp
    return frozenset({author or SHARERS[org]})


# label -> (organisation, TLP, collection). National: every TLP of both organisations.
INDICATORS: dict[str, tuple[str, str, str]] = {
    **{f"{org}-{TLP_SLUG[t]}": (org, t, "national") for org in ("A", "B") for t in TLPS},
    "A-cluster1": ("A", "green", "cluster1"),
    "A-outbox": ("A", "clear", "outbox:A"),
}
INDICATOR_READERS = {label: intel_readers(org, t, coll) for label, (org, t, coll) in INDICATORS.items()}
# Who may change an indicator: its source organisation's sharers (authz.intel.can_edit_indicator).
INDICATOR_EDITORS = {label: R.users_of(org) & R.WRITERS for label, (org, _t, _c) in INDICATORS.items()}

# label -> (reporter, indicator, TLP, false positive)
SIGHTINGS: dict[str, tuple[str, str, str, bool]] = {
    "B-on-A-green": (R.ADMIN_B, "A-green", "amber", False),
    "A-fp-on-A-strict": (R.ADMIN_A, "A-strict", "green", True),
}


def sighting_readers(label: str) -> frozenset[str]:
    reporter, indicator, tlp, _fp = SIGHTINGS[label]
    org = R.ORG_OF[reporter]
    return INDICATOR_READERS[indicator] & intel_readers(org, tlp, "national", author=reporter)


# B's import: one object of each audience, and one skipped.
IMPORTED: dict[str, tuple[str, str | None]] = {  # label -> (TLP, marking)
    "B-import-strict": ("amber+strict", STRICT),
    "B-import-amber": ("amber", AMBER),
    "B-import-malware": ("green", None),
}
IMPORTED_IDS = {
    "B-import-strict": "indicator--0b5e2a7c-3d41-4f8e-9a6b-1c2d3e4f5a01",
    "B-import-amber": "indicator--0b5e2a7c-3d41-4f8e-9a6b-1c2d3e4f5a02",
    "B-import-malware": "malware--0b5e2a7c-3d41-4f8e-9a6b-1c2d3e4f5a03",
}
IMPORTED_READERS = {label: intel_readers("B", t) for label, (t, _m) in IMPORTED.items()}
INTEL_IMPORT_READERS = R.users_of("B") | R.STAFF

# Tokens of A's responder with fewer scopes than its roles grant (tests/security/table/intel*.py send
# them in the responder's place in the variants named after them).
SCOPED_HOLDER = R.RESPONDER
SCOPED_TOKENS = {"intel-read": ("intel:read",), "no-intel": ("incidents:read", "profile:read")}


class IntelSeed(BuilderBase):
    def intel(self) -> None:
        self._indicators()
        self._sightings()
        self._import()
        self._scoped_tokens()
        self.s.flush()

    def _scoped_tokens(self) -> None:
        """Two more tokens of A's responder: one with intel:read alone, which reads indicators (docs/intel.md)
        but may not share, and one without any intel scope."""
        for name, scopes in SCOPED_TOKENS.items():
            issued = create_token(
                self.s,
                self.who(SCOPED_HOLDER),
                self.users[SCOPED_HOLDER],
                name=f"matrix {name}",
                scopes=list(scopes),
                expires_in_days=2,
            )
            self.w.secrets[f"token:{name}"] = issued.token
            self.m.secret(issued.token, f"API token {name} of {SCOPED_HOLDER}")

    def _key(self, collection: str) -> str:
        if collection == "cluster1":
            return f"cluster:{self.w.id('cluster:1')}"
        if collection.startswith("outbox:"):
            return f"outbox:{self.orgs[collection.split(':', 1)[1]].id}"
        return collection

    def _indicators(self) -> None:
        for label, (org, tlp, collection) in INDICATORS.items():
            audience = INDICATOR_READERS[label]
            value = self.mk(f"ind {label}", audience) + ".example.vn"
            ind = service.create(
                self.s,
                self.who(SHARERS[org]),
                IndicatorCreate(
                    value=value,
                    collection=self._key(collection),
                    tlp=TLP(tlp),
                    description=self.mk(f"ind {label} description", audience),
                ),
            )
            self.w.ids[f"intel:{label}"] = ind.id
            self.w.refs[f"intel:{label}"] = ind.stix_id
            self.w.readers[f"intel:{label}"] = audience
        for key in ("national", "cluster1", "outbox:A", "outbox:B"):
            self.w.refs[f"taxii:{key}"] = collections.taxii_id(self._key(key))

    def _sightings(self) -> None:
        for label, (reporter, indicator, tlp, false_positive) in SIGHTINGS.items():
            note = self.mk(f"sighting {label} note", sighting_readers(label))
            sighting: Sighting
            if false_positive:
                sighting = service.report_false_positive(
                    self.s,
                    self.who(reporter),
                    self.w.id(f"intel:{indicator}"),
                    IndicatorFalsePositiveReport(note=note, tlp=TLP(tlp)),
                )
            else:
                sighting = service.add_sighting(
                    self.s,
                    self.who(reporter),
                    self.w.id(f"intel:{indicator}"),
                    IndicatorSightingCreate(note=note, tlp=TLP(tlp), count=3),
                )
            self.w.ids[f"sighting:{label}"] = sighting.id
            self.w.refs[f"sighting:{label}"] = sighting.stix_id

    def _import(self) -> None:
        objects: list[dict[str, object]] = []
        for label, (_tlp, marking) in IMPORTED.items():
            audience = IMPORTED_READERS[label]
            common: dict[str, object] = {
                "spec_version": "2.1",
                "id": IMPORTED_IDS[label],
                "created": STAMP,
                "modified": STAMP,
            }
            if marking:
                common["object_marking_refs"] = [marking]
            if label.endswith("malware"):
                objects.append(
                    {"type": "malware", **common, "name": self.mk(f"{label} name", audience), "is_family": True}
                )
            else:
                value = self.mk(f"{label} value", audience) + ".example.vn"
                objects.append(
                    {
                        "type": "indicator",
                        **common,
                        "pattern": f"[domain-name:value = '{value}']",
                        "pattern_type": "stix",
                        "valid_from": STAMP,
                        "description": self.mk(f"{label} description", audience),
                    }
                )
            self.w.refs[f"stix:{label}"] = IMPORTED_IDS[label]
            self.w.readers[f"stix:{label}"] = audience
        # Skipped: an indicator without a pattern (the report names it and why).
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--0b5e2a7c-3d41-4f8e-9a6b-1c2d3e4f5a09",
                "created": STAMP,
                "modified": STAMP,
                "pattern_type": "stix",
                "valid_from": STAMP,
            }
        )
        bundle = {"type": "bundle", "id": "bundle--0b5e2a7c-3d41-4f8e-9a6b-1c2d3e4f5a00", "objects": objects}
        row: IntelImport = importing.import_bundle(
            self.s,
            self.who(R.ADMIN_B),
            orjson.dumps(bundle),
            source=self.mk("intel import B source", INTEL_IMPORT_READERS) + ".json",
            collection="national",
            default_tlp=TLP.GREEN,
        )
        assert row.skipped == 1 and row.created == 3, (row.created, row.skipped, row.failures)
        indicator = self.s.query(Indicator).filter_by(stix_id=IMPORTED_IDS["B-import-strict"]).one()
        assert indicator.tlp == "amber+strict", indicator.tlp
        self.w.ids["intel-import:B"] = row.id
        self.w.refs["intel-import:B"] = row.uuid
        self.w.readers["intel-import:B"] = INTEL_IMPORT_READERS
