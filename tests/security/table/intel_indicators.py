"""Rows of the indicator API (issue 14; intel/endpoints.py): search, one indicator, sharing one or a
pasted list, changing, revoking, sightings and false-positive reports, the collections. The rules
of authz/intel.py (collection readers, then TLP) over the indicators seeded by
tests/security/seed_intel_pages.py: A's TLP:GREEN one (every member) and A's TLP:AMBER+STRICT one
(A's people only, not the coordinating body). One a subject may not see is refused as a missing id."""

from __future__ import annotations

from tests.security import rules as R
from tests.security.runner import Variant
from tests.security.seed_intel_pages import INDICATOR_EDITORS
from tests.security.table.vocabulary import API, MEMBERS, WRITERS, Table, js, objects, only, readers, shows
from tests.security.world import World

TABLE = Table()
row = TABLE.row

IND = f"{API}/indicators"
ONE = f"{IND}/{{indicator_id}}"
INDICATORS = objects("indicator_id", "indicator", ("green", "strict"))
EDITORS = only(INDICATOR_EDITORS)


def readers_who_share(w: World, v: Variant) -> frozenset[str]:
    return readers(w, v) & R.WRITERS


row("GET", IND, MEMBERS, shows=shows("indicator green value"))
row("POST", IND, WRITERS, body=js(value="203.0.113.77", tlp="green", tags=["fraud/phishing"]))
row(
    "GET",
    f"{IND}/collections",
    MEMBERS,
    # A reads federation's configured collection, so A's people are shown its title (as TAXII shows
    # it): the seed marks the title for the coordinating body only.
    grants=lambda w, v: frozenset(
        w.markers.text(t) for t in ("configured collection title", "configured collection description")
    ),
    note="a configured collection's title: to its readers",
)
row("POST", f"{IND}/bulk", WRITERS, body=js(text="198.51.100.77\nmatrix-paste.example.vn\n", tlp="green"))
row("GET", ONE, readers, variants=INDICATORS, hidden=readers, shows=shows("indicator {label} value"))
row("PATCH", ONE, EDITORS, variants=INDICATORS, hidden=readers, body=js(confidence=60))
row("POST", f"{ONE}/revoke", EDITORS, variants=INDICATORS, hidden=readers, body=js(reason="matrix"))
row("POST", f"{ONE}/sightings", readers_who_share, variants=INDICATORS, hidden=readers, body=js(count=2, tlp="green"))
row("POST", f"{ONE}/false-positive", readers_who_share, variants=INDICATORS, hidden=readers, body=js(tlp="green"))

ROWS = TABLE.rows
