"""Rows of the indicator API (issue 14; /api/v1/indicators…, federation's routes aside: they are in
intel_federation.py): search, one indicator, share, change, revoke, sightings and false-positive
reports, bulk add, the collections one may use, imports and their reports, exports. Who may is
written from the module page of authz/intel.py in tests/security/seed_intel.py (the collection's
readers, then TLP); an indicator or import a subject may not see is refused as a missing id, and
lists and exports are checked for every seeded value they must hold and every one they must not."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from tests.security import rules as R
from tests.security.runner import Body, BodyFn, Policy, Variant, Variants
from tests.security.seed_intel import (
    IMPORTED,
    INDICATOR_EDITORS,
    INDICATOR_READERS,
    INDICATORS,
    INTEL_IMPORT_READERS,
    SCOPED_HOLDER,
    SIGHTINGS,
    collection_readers,
)
from tests.security.table.vocabulary import API, MEMBERS, Table, js, only
from tests.security.world import World

TABLE = Table()
row = TABLE.row

IND = f"{API}/indicators"
# A user without a role reads no indicator: a refusal or an empty answer are both right.
NOROLE_EMPTY = only(R.NOROLE)


# -- tokens with fewer scopes: A's responder sends one of tests/security/seed_intel.py's in the variants
# named "<label>+<token>" (every other subject sends its own credentials as usual).


def scoped(base: Variants, *tokens: str) -> Variants:
    """The base variants, and each again with each token."""
    return lambda w: [*base(w), *(Variant(f"{v.label}+{t}", v.params, v.obj) for v in base(w) for t in tokens)]


def plus(*parts: Variants) -> Variants:
    return lambda w: [v for part in parts for v in part(w)]


def token_of(v: Variant) -> str | None:
    return v.label.rsplit("+", 1)[1] if "+" in v.label and v.label.rsplit("+", 1)[1] in SCOPED else None


SCOPED = ("intel-read", "no-intel")


def without_holder(policy: Policy, *tokens: str) -> Policy:
    """`policy`, but the token's holder is refused in the variants of these tokens."""
    return lambda w, v: policy(w, v) - {SCOPED_HOLDER} if token_of(v) in tokens else policy(w, v)


def with_token(body: BodyFn | None = None) -> BodyFn:
    """The row's body; the holder sends the variant's token instead of its own credentials."""

    def make(w: World, s: str, v: Variant) -> Body:
        made = body(w, s, v) if body is not None else Body()
        token = token_of(v)
        if token is None or s != SCOPED_HOLDER:
            return made
        auth = {"Authorization": f"Bearer {w.secrets['token:' + token]}", "Cookie": ""}
        return Body(made.json, made.form, made.files, made.query, {**(made.headers or {}), **auth})

    return make


def indicators(*labels: str) -> Variants:
    return lambda w: [Variant(label, {"indicator_id": w.id(f"intel:{label}")}, f"intel:{label}") for label in labels]


def label_of(v: Variant) -> str:
    assert v.obj is not None
    return v.obj.split(":", 1)[1]


def readers(w: World, v: Variant) -> frozenset[str]:
    return INDICATOR_READERS[label_of(v)]


def editors(w: World, v: Variant) -> frozenset[str]:
    """Its source organisation's sharers, among those who see it (authz.intel.can_edit_indicator)."""
    return readers(w, v) & INDICATOR_EDITORS[label_of(v)]


def sighters(w: World, v: Variant) -> frozenset[str]:
    """Who sees it and may share (intel:write)."""
    return readers(w, v) & R.WRITERS


ALL = tuple(INDICATORS)
# One of each audience: every member (national GREEN), the source and the coordinating body (AMBER),
# the source only (AMBER+STRICT), the sharer only (RED), a cluster's, an outbox's.
DISTINCT = ("A-green", "B-amber", "A-strict", "B-strict", "A-red", "A-cluster1", "A-outbox")


def values(*labels: str) -> frozenset[str]:
    return frozenset(f"ind {label}" for label in labels)


def marked(*whats: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(what) for what in whats)


def detail_shows(w: World, v: Variant) -> frozenset[str]:
    """The value, its description, and the notes of its sightings (each under its own TLP)."""
    label = label_of(v)
    out = {w.markers.text(f"ind {label}"), w.markers.text(f"ind {label} description")}
    out |= {w.markers.text(f"sighting {s} note") for s, (_r, ind, _t, _fp) in SIGHTINGS.items() if ind == label}
    return frozenset(out)


EVERY_VALUE = marked(
    *(f"ind {label}" for label in ALL),
    *(f"{label} value" for label in IMPORTED if "malware" not in label),
)


# -- the search and one indicator ------------------------------------------------------------------------

row(
    "GET",
    IND,
    MEMBERS,
    either=NOROLE_EMPTY,
    variants=lambda w: [Variant("newest"), Variant("prefix")],
    body=lambda w, s, v: Body(query={"q": "mk", "limit": 10} if v.label == "prefix" else None),
    shows=EVERY_VALUE,
    note="every value the reader may see, page by page (newest first, and by a prefix of every value)",
)
row(
    "GET",
    f"{IND}/{{indicator_id}}",
    without_holder(readers, "no-intel"),
    variants=plus(
        indicators(*(label for label in ALL if label not in ("A-green", "A-strict"))),
        scoped(indicators("A-green", "A-strict"), *SCOPED),
    ),
    hidden=without_holder(readers, "no-intel"),
    body=with_token(),
    shows=detail_shows,
    note="a token with intel:read alone reads; one without intel scopes is refused as for a missing id",
)
row(
    "PATCH",
    f"{IND}/{{indicator_id}}",
    editors,
    variants=indicators(*DISTINCT),
    hidden=readers,
    body=js(confidence=71),
)
row("POST", f"{IND}/{{indicator_id}}/revoke", editors, variants=indicators(*DISTINCT), hidden=readers, body=js())
row(
    "POST",
    f"{IND}/{{indicator_id}}/sightings",
    sighters,
    variants=indicators(*DISTINCT),
    hidden=readers,
    body=js(count=2, tlp="green", note="Thấy trên tường lửa"),
)
row(
    "POST",
    f"{IND}/{{indicator_id}}/false-positive",
    sighters,
    variants=indicators(*DISTINCT),
    hidden=readers,
    body=js(tlp="amber", note="Máy chủ nội bộ"),
)

# -- sharing ---------------------------------------------------------------------------------------------


def collections_of(*keys: str) -> Variants:
    return lambda w: [Variant(key, {}, f"collection:{key}") for key in keys]


def sharers_into(w: World, v: Variant) -> frozenset[str]:
    """Readers of the collection with intel:write (an outbox: its organisation; the coordinating body: any)."""
    return collection_readers(v.label.split("+")[0]) & R.WRITERS


def key_of(w: World, label: str) -> str:
    if label == "cluster1":
        return f"cluster:{w.id('cluster:1')}"
    if label.startswith("outbox:"):
        return f"outbox:{w.id('org:' + label.split(':', 1)[1])}"
    return label


SHARE_INTO = collections_of("national", "cluster1", "outbox:B")


def create_body(w: World, s: str, v: Variant) -> Body:
    return Body(json={"value": "45.77.60.1", "collection": key_of(w, v.label.split("+")[0]), "tlp": "green"})


def bulk_body(w: World, s: str, v: Variant) -> Body:
    return Body(json={"text": "45.77.60.2\nevil-matrix.example.vn", "collection": key_of(w, v.label), "tlp": "green"})


row(
    "POST",
    IND,
    without_holder(sharers_into, *SCOPED),
    variants=lambda w: [*SHARE_INTO(w), *(Variant(f"national+{t}", {}, "collection:national") for t in SCOPED)],
    body=with_token(create_body),
    note="a token without intel:write shares nothing",
)
row("POST", f"{IND}/bulk", sharers_into, variants=SHARE_INTO, body=bulk_body)


def collection_ids_withheld(w: World, v: Variant, s: str) -> list[str]:
    """The TAXII ids of the collections the subject neither reads nor writes."""
    return [w.refs[f"taxii:{key}"] for key in ("cluster1", "outbox:A", "outbox:B") if s not in collection_readers(key)]


row(
    "GET",
    f"{IND}/collections",
    MEMBERS,
    either=NOROLE_EMPTY,
    withholds=collection_ids_withheld,
    # A reads federation's configured collection, so A's people are shown its title (as TAXII shows it):
    # federation's seed marks the title for the coordinating body only.
    grants=lambda w, v: frozenset(
        w.markers.text(t) for t in ("configured collection title", "configured collection description")
    ),
    note="no TAXII id of a collection the reader neither reads nor writes",
)

# -- imports and exports ---------------------------------------------------------------------------------


def import_body(w: World, s: str, v: Variant) -> Body:
    stamp = "2026-12-01T08:00:00.000Z"
    bundle = {
        "type": "bundle",
        "id": "bundle--5d1c0c44-8c1a-4c57-9a3e-7f0b1e2d3c40",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--5d1c0c44-8c1a-4c57-9a3e-7f0b1e2d3c41",
                "created": stamp,
                "modified": stamp,
                "pattern": "[ipv4-addr:value = '45.77.60.3']",
                "pattern_type": "stix",
                "valid_from": stamp,
            }
        ],
    }
    return Body(
        form={"collection": key_of(w, v.label), "tlp": "green"},
        files={"file": ("matrix-bundle.json", orjson.dumps(bundle), "application/json")},
    )


row("POST", f"{IND}/imports", sharers_into, variants=SHARE_INTO, body=import_body)
row(
    "GET",
    f"{IND}/imports",
    MEMBERS,
    either=NOROLE_EMPTY,
    shows=marked("intel import B source"),
    note="another organisation's import is not listed (its source is a marker)",
)
import_policy: Policy = only(INTEL_IMPORT_READERS)
row(
    "GET",
    f"{IND}/imports/{{import_id}}",
    import_policy,
    variants=lambda w: [
        Variant("B-id", {"import_id": w.id("intel-import:B")}),
        Variant("B-uuid", {"import_id": w.refs["intel-import:B"]}),
    ],
    hidden=import_policy,
    shows=marked("intel import B source"),
)


def export_variants(w: World) -> list[Variant]:
    return [Variant(fmt) for fmt in ("stix", "csv", "blocklist-domains", "rpz")]


row(
    "GET",
    f"{IND}/export",
    MEMBERS,
    either=NOROLE_EMPTY,
    variants=export_variants,
    body=lambda w, s, v: Body(query={"format": v.label}),
    shows=EVERY_VALUE,
    note="each format holds every value the reader may see and none it may not",
)

ROWS = TABLE.rows
KEYS = frozenset(r.key for r in ROWS)
