"""Rows of the security feed pages (issue 15; web/views/feeds/): the sources and their form, a source's
page and its upload, a run with its quarantined lines, the quarantine, the unmatched events, a member's
events, the digest inbox, one digest and its CSV, rules, flags and the prefix-to-ASN table. The rules
of authz/feeds.py over what tests/security/seed_feeds.py seeded (the same as the API's rows)."""

from __future__ import annotations

from tests.security.runner import Body, Variant
from tests.security.seed_feeds import MANAGERS
from tests.security.table.feeds import ALL_DIGESTS, REPORT, digest_of, digest_shows, digests, marked, runs, sources
from tests.security.table.vocabulary import MEMBERS, Table, only

TABLE = Table()
row = TABLE.row

MANAGE = only(MANAGERS)
S = "/feeds/{source_id:int}"
SOURCE_FORM = {
    "name": "Nguồn trang ma trận",
    "provider": "Matrix Feeds",
    "kind": "file",
    "parser": "jsonl",
    "tlp": "amber",
    "actions": "digest",
    "dedupe_fields": "source.ip",
    "dedupe_window_hours": "24",
    "digest_period_hours": "24",
    "enabled": "on",
}

# -- sources (the coordinating body; a member is sent to its events) --------------------------------------

row(
    "GET",
    "/feeds",
    MEMBERS,
    note="the coordinating body: every source with its counts; a member is sent on to /feeds/events",
)
row("GET", "/feeds/new", MANAGE)
row("POST", "/feeds/new", MANAGE, body=lambda w, s, v: Body(form=SOURCE_FORM))
row(
    "GET",
    S,
    MANAGE,
    variants=sources("amber", "url"),
    hidden=MANAGE,
    shows=lambda w, v: marked("feed url")(w, v) if v.label == "url" else frozenset(),
)
row("GET", f"{S}/edit", MANAGE, variants=sources("amber"), hidden=MANAGE)
row(
    "POST",
    f"{S}/edit",
    MANAGE,
    variants=sources("amber"),
    hidden=MANAGE,
    body=lambda w, s, v: Body(form={**SOURCE_FORM, "name": "Ma trận amber", "provider": "Đổi tên"}),
)
row(
    "POST",
    f"{S}/runs",
    MANAGE,
    variants=sources("amber"),
    hidden=MANAGE,
    body=lambda w, s, v: Body(form={}, files={"file": ("matrix-page.jsonl", REPORT, "application/x-ndjson")}),
)

# -- runs, the quarantine, unmatched events (the coordinating body) ----------------------------------------

row(
    "GET",
    "/feeds/runs/{run_id:int}",
    MANAGE,
    variants=runs("amber", "red"),
    hidden=MANAGE,
    shows=lambda w, v: marked("feed quarantined line")(w, v) if v.label == "amber" else frozenset(),
)
row("GET", "/feeds/quarantine", MANAGE, shows=marked("feed quarantined line"))
row("GET", "/feeds/unmatched", MANAGE)

# -- a member's events, digests and flags ------------------------------------------------------------------

row("GET", "/feeds/events", MEMBERS, note="a member's own events; the coordinating body's all, with filters")
row("GET", "/feeds/digests", MEMBERS)
row("GET", "/feeds/digests/{digest_id:int}", digest_of, variants=digests(*ALL_DIGESTS), hidden=digest_of)
row(
    "GET",
    "/feeds/digests/{digest_id:int}.csv",
    digest_of,
    variants=digests(*ALL_DIGESTS),
    hidden=digest_of,
    shows=digest_shows,
)
row("GET", "/feeds/flags", MEMBERS, shows=marked("feed flag A reason", "feed flag B reason"))
row(
    "POST",
    "/feeds/flags/{flag_id:int}/clear",
    MANAGE,
    variants=lambda w: [Variant(org, {"flag_id": w.id(f"feed-flag:{org}")}) for org in ("A", "B")],
)

# -- rules and the prefix-to-ASN table (the coordinating body) ---------------------------------------------

row("GET", "/feeds/rules", MANAGE, shows=marked("feed rule name"))
row(
    "POST",
    "/feeds/rules",
    MANAGE,
    body=lambda w, s, v: Body(
        form={
            "name": "Quy tắc trang ma trận",
            "action": "raise_flag",
            "taxonomy": "malicious-code",
            "types": "infected-system",
            "window_hours": "168",
            "enabled": "on",
        }
    ),
)
row(
    "POST",
    "/feeds/rules/{rule_id:int}/remove",
    MANAGE,
    variants=lambda w: [Variant("flag", {"rule_id": w.id("feed-rule:flag")})],
)
row("GET", "/feeds/asn-table", MANAGE)
row(
    "POST",
    "/feeds/asn-table",
    MANAGE,
    body=lambda w, s, v: Body(form={}, files={"file": ("asn.txt", b"203.0.113.0/24 64496\n", "text/plain")}),
)

ROWS = TABLE.rows
