"""Rows of the security feed API (issue 15; /api/v1/feeds…, /api/v1/feed-events): sources, runs and
uploads, a sensor's post, the quarantine, rules, the prefix-to-ASN table, digests and their CSV,
flags, and the event search. Who may is written from the module page of authz/feeds.py in
tests/security/seed_feeds.py: configuration, runs, the quarantine and unmatched events are the
coordinating body's; an event, a digest and its CSV are its owner's members' and the coordinating
body's, TLP:RED the coordinating body's alone; one member never sees another's."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from tests.security import rules as R
from tests.security.runner import Body, Variant, Variants
from tests.security.seed_feeds import (
    DIGESTS,
    EVENTS,
    MANAGERS,
    SUBMITTERS,
    digest_events,
    digest_readers,
)
from tests.security.table.vocabulary import API, MEMBERS, Table, js, only
from tests.security.world import World

TABLE = Table()
row = TABLE.row

F = f"{API}/feeds"
MANAGE = only(MANAGERS)


def sources(*labels: str) -> Variants:
    return lambda w: [
        Variant(label, {"source_id": w.id(f"feed-source:{label}")}, f"feed-source:{label}") for label in labels
    ]


def runs(*labels: str) -> Variants:
    return lambda w: [Variant(label, {"run_id": w.id(f"feed-run:{label}")}, f"feed-run:{label}") for label in labels]


def digests(*labels: str) -> Variants:
    return lambda w: [
        Variant(label, {"digest_id": w.id(f"feed-digest:{label}")}, f"feed-digest:{label}") for label in labels
    ]


def flags(*orgs: str) -> Variants:
    return lambda w: [Variant(org, {"flag_id": w.id(f"feed-flag:{org}")}, f"feed-flag:{org}") for org in orgs]


def marked(*whats: str) -> Callable[[World, Variant], frozenset[str]]:
    return lambda w, v: frozenset(w.markers.text(what) for what in whats)


def digest_of(w: World, v: Variant) -> frozenset[str]:
    return digest_readers(v.label)


def digest_shows(w: World, v: Variant) -> frozenset[str]:
    """The CSV holds the digest's events, each one's description (and no other member's)."""
    return frozenset(w.markers.text(f"feed event {label}") for label in digest_events(v.label))


def submitters(w: World, v: Variant) -> frozenset[str]:
    """A file source takes no posted events from anyone; the API source from A's writers and the managers."""
    return SUBMITTERS if v.label == "api" else frozenset()


EVERY_EVENT = marked(*(f"feed event {label}" for label in EVENTS))
ALL_DIGESTS = tuple(DIGESTS)
SENSOR_LINE = {
    "source.ip": "198.51.100.21",
    "classification.taxonomy": "information-gathering",
    "classification.type": "scanner",
    "classification.identifier": "matrix-scan",
}
REPORT = orjson.dumps(SENSOR_LINE) + b"\n"

# -- sources and runs (the coordinating body) ------------------------------------------------------------

row("GET", F, MANAGE, shows=marked("feed url"), note="every source, with the URL source's address")
row(
    "POST",
    F,
    MANAGE,
    body=js(name="Nguồn mới của ma trận", provider="Matrix Feeds", kind="file", parser="jsonl", tlp="amber"),
)
row(
    "GET",
    f"{F}/{{source_id}}",
    MANAGE,
    variants=sources("amber", "red", "api", "url"),
    hidden=MANAGE,
    shows=lambda w, v: marked("feed url")(w, v) if v.label == "url" else frozenset(),
)
row("PATCH", f"{F}/{{source_id}}", MANAGE, variants=sources("amber", "api"), hidden=MANAGE, body=js(provider="Đổi tên"))
row("DELETE", f"{F}/{{source_id}}", MANAGE, variants=sources("amber"), hidden=MANAGE)
row("GET", f"{F}/{{source_id}}/runs", MANAGE, variants=sources("amber", "red"), hidden=MANAGE)
row(
    "POST",
    f"{F}/{{source_id}}/runs",
    MANAGE,
    variants=sources("amber"),
    hidden=MANAGE,
    body=lambda w, s, v: Body(files={"file": ("matrix-upload.jsonl", REPORT, "application/x-ndjson")}),
    note="an uploaded report is processed now: its run is audited",
)
row(
    "POST",
    f"{F}/{{source_id}}/events",
    submitters,
    variants=sources("api", "amber"),
    body=lambda w, s, v: Body(content=REPORT, headers={"Content-Type": "application/x-ndjson"}),
    note="a sensor posts JSON lines to the API source its organisation may post to; a file source takes none",
)
row("GET", f"{F}/runs/{{run_id}}", MANAGE, variants=runs("amber", "red", "api"), hidden=MANAGE)
row(
    "GET",
    f"{F}/quarantine",
    MANAGE,
    shows=marked("feed quarantined line"),
    note="the quarantined line of A's and B's report, with its text",
)

# -- rules and the prefix-to-ASN table --------------------------------------------------------------------

row("GET", f"{F}/rules", MANAGE, shows=marked("feed rule name"))
row(
    "POST",
    f"{F}/rules",
    MANAGE,
    body=js(name="Quy tắc mới", action="raise_flag", taxonomy="malicious-code", types=["infected-system"]),
)
row(
    "PATCH",
    f"{F}/rules/{{rule_id}}",
    MANAGE,
    variants=lambda w: [Variant("flag", {"rule_id": w.id("feed-rule:flag")})],
    body=js(enabled=False),
)
row(
    "DELETE",
    f"{F}/rules/{{rule_id}}",
    MANAGE,
    variants=lambda w: [Variant("flag", {"rule_id": w.id("feed-rule:flag")})],
)
row("GET", f"{F}/asn-table", MANAGE)
row(
    "PUT",
    f"{F}/asn-table",
    MANAGE,
    body=lambda w, s, v: Body(content=b"203.0.113.0/24 64496\n", headers={"Content-Type": "text/plain"}),
)

# -- digests and flags (a member's own; the coordinating body all; TLP:RED the coordinating body's) ------

row(
    "GET",
    f"{F}/digests",
    MEMBERS,
    either=only(R.NOROLE),
    note="a member's inbox: its organisation's digests; the list holds counts and names, no event",
)
row("GET", f"{F}/digests/{{digest_id}}", digest_of, variants=digests(*ALL_DIGESTS), hidden=digest_of)
row(
    "GET",
    f"{F}/digests/{{digest_id}}/csv",
    digest_of,
    variants=digests(*ALL_DIGESTS),
    hidden=digest_of,
    shows=digest_shows,
    note="the CSV of one member's events of one source and period: never another member's",
)
row(
    "GET",
    f"{F}/flags",
    MEMBERS,
    either=only(R.NOROLE),
    shows=marked("feed flag A reason", "feed flag B reason"),
)
row("POST", f"{F}/flags/{{flag_id}}/clear", MANAGE, variants=flags("A", "B"))

# -- events -------------------------------------------------------------------------------------------------

row(
    "GET",
    f"{API}/feed-events",
    MEMBERS,
    variants=lambda w: [Variant("all"), Variant("unmatched")],
    body=lambda w, s, v: Body(query={"unmatched": "true"} if v.label == "unmatched" else {"limit": 2}),
    shows=lambda w, v: marked("feed event none-amber")(w, v) if v.label == "unmatched" else EVERY_EVENT(w, v),
    note="page by page: each reader finds exactly its organisation's events (TLP:RED and unmatched: managers)",
)
row("GET", f"{API}/feed-events/stats", MEMBERS, either=only(R.NOROLE))

ROWS = TABLE.rows
