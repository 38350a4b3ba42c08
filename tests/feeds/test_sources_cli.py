"""`csirtnet feed source|rule|asn-table|events` against a committing database: configure, list, change
and remove; errors name their field (or line) and exit 1; `--as` a member is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select

from csirtnet.db import Database
from csirtnet.feeds.pipeline.runner import run_streams
from csirtnet.feeds.service import URL_SECRETS
from csirtnet.models import AsnPrefix, ConstituencyClaim, FeedRule, FeedSource
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.feeds.test_sources import PLATFORM, event_line, jsonl
from tests.helpers import run_cli


def test_sources_rules_table_and_events_from_the_shell(committing_database: Database, tmp_path: Path) -> None:
    db = committing_database
    with db.unit_of_work() as s:
        org = make_organisation(s)
        s.add(ConstituencyClaim(organisation_id=org.id, kind="ipv4", value="10.0.0.0/8", prefix_len=8))
        member = make_user(s, roles=[Role.RESPONDER], organisation=org).email
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(["not", "a", "mapping"]))

    added = run_cli(db, "feed", "source", "add", "Sensors", "--provider", "ISP", "--kind", "api", "--parser", "jsonl",
                    "--action", "digest", "--tlp", "green")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "source" in added.stdout and "Sensors added" in added.stdout
    no_mapping = run_cli(db, "feed", "source", "update", "Sensors", "--mapping", str(mapping))
    assert no_mapping.exit_code == 1 and "holds no JSON object" in no_mapping.output
    refused = run_cli(db, "feed", "source", "add", "Poll", "--provider", "x", "--kind", "url", "--url", "ftp://x/y")
    assert refused.exit_code == 1 and "url: must be an http://" in refused.output
    as_member = run_cli(db, "feed", "source", "add", "Mine", "--provider", "x", "--as", member)
    assert as_member.exit_code == 1 and "coordinating body" in as_member.output
    changed = run_cli(db, "feed", "source", "update", "Sensors", "--tlp", "amber", "--dedupe-window", "6")
    assert changed.exit_code == 0, changed.output
    with db.unit_of_work(write=False) as s:
        row = s.scalar(select(FeedSource).where(FeedSource.name == "Sensors"))
        assert row is not None and (row.tlp, row.dedupe_window_hours, row.actions) == ("amber", 6, ["digest"])
    keyed = run_cli(db, "feed", "source", "add", "Poll", "--provider", "abuse.ch", "--kind", "url", "--parser",
                    "jsonl", "--url", "https://feeds.example/x.jsonl", "--url-header", "Auth-Key", "--url-secret-stdin",
                    input="s3cret-key\n")  # fmt: skip
    assert keyed.exit_code == 0, keyed.output
    no_key = run_cli(db, "feed", "source", "update", "Poll", "--url-secret-stdin", input="")
    assert no_key.exit_code == 1 and "url_secret: standard input gave no key" in no_key.output
    with db.unit_of_work(write=False) as s:
        poll = s.scalar(select(FeedSource).where(FeedSource.name == "Poll"))
        assert poll is not None and poll.url_header == "Auth-Key" and poll.url_secret_sealed is not None
        assert URL_SECRETS.unseal(poll.url_secret_sealed) == "s3cret-key"
    assert run_cli(db, "feed", "source", "update", "Poll", "--no-url-key").exit_code == 0
    with db.unit_of_work(write=False) as s:
        assert s.scalar(select(FeedSource.url_secret_sealed).where(FeedSource.name == "Poll")) is None
    run_streams(db, "Sensors", [("e.jsonl", io.BytesIO(jsonl(event_line("10.0.0.5"))))], who=PLATFORM, origin="cli")
    listed = run_cli(db, "feed", "source", "list")
    assert listed.exit_code == 0 and "Sensors" in listed.stdout and "jsonl" in listed.stdout

    rule = run_cli(db, "feed", "rule", "add", "Infected", "--action", "open_incident", "--source", "Sensors",
                   "--taxonomy", "malicious-code", "--type", "infected-system", "--min-level", "3")  # fmt: skip
    assert rule.exit_code == 0, rule.output
    bad_rule = run_cli(db, "feed", "rule", "add", "X", "--action", "raise_flag", "--type", "made-up")
    assert bad_rule.exit_code == 1 and "types[0]" in bad_rule.output
    assert "Infected" in run_cli(db, "feed", "rule", "list").stdout
    with db.unit_of_work(write=False) as s:
        rule_id = s.scalar(select(FeedRule.id))
    assert run_cli(db, "feed", "rule", "remove", str(rule_id)).exit_code == 0

    table = tmp_path / "asn.txt"
    table.write_text("10.0.0.0/8 64500\n2001:db8::/32 64501\n")
    loaded = run_cli(db, "feed", "asn-table", str(table))
    assert loaded.exit_code == 0 and "2 prefixes loaded" in loaded.stdout
    table.write_text("10.0.0.0/8 64500\nnonsense\n")
    bad_table = run_cli(db, "feed", "asn-table", str(table))
    assert bad_table.exit_code == 1 and "line 2" in bad_table.output
    with db.unit_of_work(write=False) as s:
        assert len(s.scalars(select(AsnPrefix)).all()) == 2

    mine = run_cli(db, "feed", "events", "--as", member)
    assert mine.exit_code == 0 and "10.0.0.5" in mine.stdout and "1 events" in mine.stdout
    assert "0 events" in run_cli(db, "feed", "events", "--unmatched").stdout
    removed = run_cli(db, "feed", "source", "remove", "Sensors")
    assert removed.exit_code == 0, removed.output
    with db.unit_of_work(write=False) as s:
        assert s.scalars(select(FeedSource.name)).all() == ["Poll"]
