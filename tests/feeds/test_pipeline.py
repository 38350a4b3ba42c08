"""The embedded engine (feeds.pipeline): owner lookup, the dedupe key and window, the idempotent batch,
day partitions on PostgreSQL, retention, runs over files with their counts and quarantine."""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.db import Database
from csirtnet.feeds import event as ev
from csirtnet.feeds import parsers
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.pipeline import retention
from csirtnet.feeds.pipeline import store as store_module
from csirtnet.feeds.pipeline.dedupe import dedupe_key, key_text
from csirtnet.feeds.pipeline.enrich import Enricher
from csirtnet.feeds.pipeline.runner import run_paths, run_streams
from csirtnet.feeds.pipeline.store import block_lines, event_data, partition_name, prepare, store_batch
from csirtnet.intel.warninglists import Warninglists, shipped_lists
from csirtnet.models import (
    AsnPrefix,
    AuditRecord,
    ConstituencyClaim,
    FeedBlock,
    FeedQuarantine,
    FeedRun,
    FeedSeen,
    FeedSource,
    InformationSystem,
    Organisation,
)
from tests.factories import make_organisation
from tests.feeds.stored import count_events, stored_events

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
PLATFORM = Subject.system("test")


NAME = "2026-12-05-scan_smb-vn-geo.csv"
HEADER = '"timestamp","ip","port","hostname","tag","asn","geo","region","city"'


def row(
    ip: str, port: str = "445", *, t: str = "2026-12-05 00:01:23", fqdn: str = "", asn: str = "", city: str = "HA NOI"
) -> str:
    """One line of a Shadowserver scan_smb report."""
    return ",".join(f'"{v}"' for v in (t, ip, port, fqdn, "smb", asn, "VN", "HA NOI", city))


def report(rows: list[str], extra_lines: list[str] | None = None) -> bytes:
    return ("\n".join([HEADER, *rows, *(extra_lines or [])]) + "\n").encode()


# -- the world -----------------------------------------------------------------------------------


def claim(
    db: Session, org: Organisation, kind: str, value: str, system: InformationSystem | None = None
) -> ConstituencyClaim:
    prefix = int(value.split("/")[1]) if "/" in value else 0
    row = ConstituencyClaim(
        organisation_id=org.id, kind=kind, value=value, prefix_len=prefix, information_system_id=system and system.id
    )
    db.add(row)
    db.flush()
    return row


@dataclass
class World:
    a: Organisation  # 10.0.0.0/8
    b: Organisation  # 10.1.2.0/24, delegated out of A's range; its system is level 3
    c: Organisation  # 2001:db8::/32
    d: Organisation  # 2001:db8:1::/48
    e: Organisation  # AS64500
    f: Organisation  # example.vn
    b_claim: ConstituencyClaim


def make_world(db: Session) -> World:
    orgs = [make_organisation(db) for _ in range(6)]
    a, b, c, d, e, f = orgs
    system = InformationSystem(organisation_id=b.id, name="Cổng dịch vụ công", security_level=3)
    db.add(system)
    db.flush()
    claim(db, a, "ipv4", "10.0.0.0/8")
    b_claim = claim(db, b, "ipv4", "10.1.2.0/24", system)
    claim(db, c, "ipv6", "2001:db8::/32")
    claim(db, d, "ipv6", "2001:db8:1::/48")
    claim(db, e, "asn", "64500")
    claim(db, f, "domain", "example.vn")
    db.add_all([AsnPrefix(network="192.0.2.0/24", asn=64500), AsnPrefix(network="2001:db8:ff::/48", asn=64500)])
    db.flush()
    return World(a, b, c, d, e, f, b_claim)


def make_source(db: Session, **overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {
        "name": "shadowserver-pipeline",
        "provider": "Shadowserver",
        "tlp": "amber",
        "actions": [],
    }
    values.update(overrides)
    source = FeedSource(**values)
    db.add(source)
    db.flush()
    return SourceConfig.from_row(source)


def make_run(db: Session, source: SourceConfig) -> int:
    run = FeedRun(source_id=source.id, origin="cli")
    db.add(run)
    db.flush()
    return run.id


def frame_of(rows: list[str]) -> pl.DataFrame:
    """A parsed batch of a scan_smb report holding `rows` (feeds.parsers)."""
    config = SourceConfig(id=0, name="t", provider="Shadowserver", parser="shadowserver")
    (parsed,) = parsers.parse_stream(io.BytesIO(report(rows)), NAME, config)
    assert not parsed.quarantined
    return parsed.frame


def enricher(db: Session) -> Enricher:
    return Enricher.build(db, warninglists=Warninglists(shipped_lists()))


# -- owner lookup --------------------------------------------------------------------------------


def test_owner_lookup_order_and_specificity(db: Session) -> None:
    w = make_world(db)
    frame = frame_of(
        [
            row("10.9.9.9"),  # A's /8
            row("10.1.2.3"),  # B's /24 inside A's /8: the delegation wins
            row("2001:db8::1"),  # C's /32
            row("2001:db8:1::5"),  # D's /48 inside C's /32
            row("192.0.2.5"),  # no claim; the ASN table says AS64500: E's
            row("198.51.100.7", fqdn="mail.example.vn"),  # F's domain
            row("198.51.100.8", asn="64500"),  # the feed's own ASN: E's
            row("2001:db8:ff::9"),  # inside C's /32: the address wins over the ASN
            row("203.0.113.9"),  # nobody's
        ]
    )
    out = enricher(db).enrich(frame)
    assert out[ev.ORG].to_list() == [w.a.id, w.b.id, w.c.id, w.d.id, w.e.id, w.f.id, w.e.id, w.c.id, None]
    assert out[ev.MATCH].to_list() == ["ipv4", "ipv4", "ipv6", "ipv6", "asn", "domain", "asn", "ipv6", None]
    assert out[ev.CLAIM][1] == w.b_claim.id
    assert out[ev.LEVEL].to_list() == [None, 3, None, None, None, None, None, None, None]
    assert out["source.asn"].to_list() == [None, None, None, None, 64500, None, 64500, 64500, None]
    assert out.schema[ev.ORG] == pl.Int32 and out.schema[ev.LEVEL] == pl.Int8


def test_a_network_belongs_to_the_member_whose_claim_holds_all_of_it(db: Session) -> None:
    w = make_world(db)
    networks = ["10.1.2.0/25", "10.1.0.0/16", "2001:db8:1::/56", "8.0.0.0/6"]
    frame = frame_of([row("10.9.9.9")] * len(networks)).with_columns(
        pl.lit(None, dtype=pl.String).alias("source.ip"), pl.Series("source.network", networks)
    )
    out = enricher(db).enrich(frame)
    # inside B's /24: B's; A's /8 holds the /16 (B's /24 inside it is only part of it); D's /48; nobody's
    assert out[ev.ORG].to_list() == [w.b.id, w.a.id, w.d.id, None]
    assert out[ev.MATCH].to_list() == ["ipv4", "ipv4", "ipv6", None]


def test_warninglists_mark_private_ranges(db: Session) -> None:
    frame = frame_of([row("192.168.1.1"), row("8.8.8.8"), row("11.0.0.1")])
    out = enricher(db).enrich(frame)
    marks = out[ev.WARNINGLIST].to_list()
    assert marks[0] is not None and "1918" in marks[0]
    assert marks[1] is not None  # a public resolver
    assert marks[2] is None


# -- dedupe --------------------------------------------------------------------------------------


def test_dedupe_key_is_the_documented_fnv1a(db: Session) -> None:
    frame = frame_of([row("10.0.0.1", "445")])
    text_ = key_text(frame, ["source.ip", "source.port", "classification.identifier", "source.fqdn"])
    assert text_.to_list() == ["10.0.0.1\x1f445\x1faccessible-smb\x1f\x00"]
    digest = 0xCBF29CE484222325
    for byte in text_[0].encode():
        digest = ((digest ^ byte) * 0x100000001B3) % (1 << 64)
    expected = digest - (1 << 64) if digest >= 1 << 63 else digest
    key = dedupe_key(frame, ["source.ip", "source.port", "classification.identifier", "source.fqdn"])
    assert key.to_list() == [expected]
    other = dedupe_key(frame_of([row("10.0.0.1", "139")]), ["source.ip", "source.port"])
    assert other[0] != key[0]


def _store(
    db: Session, source: SourceConfig, run_id: int, batch_id: str, frame: pl.DataFrame, now: datetime, e: Enricher
) -> Any:
    return store_batch(db, source, run_id=run_id, batch_id=batch_id, seq_start=0, frame=e.enrich(frame), now=now)


def test_dedupe_within_the_window_across_runs_and_not_after_it(db: Session) -> None:
    w = make_world(db)
    source = make_source(db, dedupe_window_hours=24)
    e = enricher(db)
    first = make_run(db, source)
    batch = frame_of([row("10.1.2.3"), row("10.1.2.3"), row("10.9.9.9"), row("203.0.113.1")])
    result = _store(db, source, first, f"{first}:0:0", batch, T0, e)
    assert (result.events, result.duplicates, result.matched, result.unmatched) == (4, 1, 2, 1)

    second = make_run(db, source)  # another run an hour later: all within the window
    result = _store(db, source, second, f"{second}:0:0", batch, T0 + timedelta(hours=1), e)
    assert (result.events, result.duplicates, result.matched) == (4, 4, 0)

    third = make_run(db, source)  # past the window: new again, and the window restarts
    result = _store(db, source, third, f"{third}:0:0", batch, T0 + timedelta(hours=25), e)
    assert (result.events, result.duplicates, result.matched, result.unmatched) == (4, 1, 2, 1)
    result = _store(db, source, third, f"{third}:0:1", batch, T0 + timedelta(hours=26), e)
    assert result.duplicates == 4

    stored = stored_events(db)
    assert [(s.run_id, s.seq, s.organisation_id) for s in stored] == [
        (first, 0, w.b.id), (first, 2, w.a.id), (first, 3, None),
        (third, 0, w.b.id), (third, 2, w.a.id), (third, 3, None),
    ]  # fmt: skip
    run = db.get(FeedRun, third)
    assert run is not None
    db.refresh(run)
    assert (run.events, run.matched, run.unmatched, run.duplicates) == (8, 2, 1, 5)


def test_a_batch_stored_again_is_skipped(db: Session) -> None:
    make_world(db)
    source = make_source(db)
    e = enricher(db)
    run_id = make_run(db, source)
    batch = frame_of([row("10.1.2.3"), row("10.9.9.9")])
    assert _store(db, source, run_id, f"{run_id}:0:0", batch, T0, e) is not None
    assert _store(db, source, run_id, f"{run_id}:0:0", batch, T0, e) is None
    assert count_events(db) == 2
    run = db.get(FeedRun, run_id)
    assert run is not None
    db.refresh(run)
    assert (run.events, run.duplicates) == (2, 0)


def test_stored_event_holds_the_harmonised_event(db: Session) -> None:
    w = make_world(db)
    source = make_source(db, tlp="green")
    run_id = make_run(db, source)
    _store(
        db,
        source,
        run_id,
        f"{run_id}:0:0",
        frame_of([row("10.1.2.3", fqdn="host.example.vn", city="Hà Nội\\1\t2")]),
        T0,
        enricher(db),
    )
    (stored,) = stored_events(db)
    assert (stored.organisation_id, stored.claim_id, stored.match_kind) == (w.b.id, w.b_claim.id, "ipv4")
    assert (stored.source_ip, stored.source_fqdn, stored.tlp, stored.observed_at) == ("10.1.2.3", None, "green", T0)
    (block,) = db.scalars(select(FeedBlock)).all()
    assert (block.events, block.ip_min, block.ip_max, block.type) == (1, "10.1.2.3", "10.1.2.3", "vulnerable-system")
    data = stored.data
    assert data["source.ip"] == "10.1.2.3" and data["source.port"] == 445
    assert data["source.reverse_dns"] == "host.example.vn"
    assert data["extra"] == {"tag": "smb"}
    assert data["source.geolocation.city"] == "Hà Nội\\1\t2"  # a backslash and a tab kept as they were
    assert data["classification.type"] == "vulnerable-system"
    assert data["time.source"].startswith("2026-12-05T00:01:23")
    assert "destination.ip" not in data  # null in every event of the batch: left out


def test_a_batch_is_one_block_per_owner_taxonomy_and_type(db: Session) -> None:
    w = make_world(db)
    source = make_source(db)
    run_id = make_run(db, source)
    batch = frame_of([row("10.1.2.3"), row("10.9.9.9"), row("10.1.2.4"), row("203.0.113.1"), row("10.1.2.5")])
    stored = _store(db, source, run_id, f"{run_id}:0:0", batch, T0, enricher(db))
    assert stored is not None and stored.events == 5
    blocks = db.scalars(select(FeedBlock).order_by(FeedBlock.first_seq)).all()
    assert [(b.first_seq, b.organisation_id, b.events, b.ip_min, b.ip_max) for b in blocks] == [
        (0, w.b.id, 3, "10.1.2.3", "10.1.2.5"),
        (1, w.a.id, 1, "10.9.9.9", "10.9.9.9"),
        (3, None, 1, "203.0.113.1", "203.0.113.1"),
    ]
    lines = block_lines(blocks[0].payload)  # in seq order, each with how it was matched
    assert [(line["seq"], line["match"], line["event"]["source.ip"]) for line in lines] == [
        (0, "ipv4", "10.1.2.3"), (2, "ipv4", "10.1.2.4"), (4, "ipv4", "10.1.2.5"),
    ]  # fmt: skip


def test_blocks_are_the_same_whatever_the_slices_they_are_made_in(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """event_blocks makes the lines a slice of rows at a time, and event_json the JSON: the blocks
    (their groups, counts, address ranges and lines) do not depend on the slices' sizes."""
    make_world(db)
    source = make_source(db)
    ips = [f"10.{o}.2.{n}" for n in range(1, 40) for o in (1, 9, 77)] + ["203.0.113.1", "203.0.113.2"]
    frame = prepare(enricher(db).enrich(frame_of([row(ip) for ip in ips])), source, T0)
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_seq"))
    keep = pl.Series([n % 5 != 3 for n in range(frame.height)])  # as if every fifth were a duplicate

    def made() -> list[tuple[Any, ...]]:
        blocks = store_module.event_blocks(frame, source, 1, keep=keep)
        return sorted((*block[:-1], [json.dumps(line) for line in block_lines(block[-1])]) for block in blocks)

    whole = made()
    monkeypatch.setattr(store_module, "SLICE_ROWS", 4)
    monkeypatch.setattr(store_module, "JSON_ROWS", 7)
    monkeypatch.setattr(store_module, "SLICES_AT_ONCE", 3)
    assert made() == whole
    assert len(whole) == 3 and sum(block[8] for block in whole) == keep.sum()  # three owners' blocks
    kept = [n for n in range(frame.height) if keep[n]]
    assert sorted(json.loads(line)["seq"] for block in whole for line in block[-1]) == kept


def test_event_data_leaves_out_the_fields_null_in_every_event_of_the_batch() -> None:
    long_name = "a" * 290 + ".example.vn"
    frame = frame_of([row("10.1.2.3"), row("10.1.2.4")]).with_columns(pl.Series("source.fqdn", [long_name, None]))
    first, second = frame.select(event_data(frame).alias("data"))["data"].to_list()
    assert json.loads(first)["source.fqdn"] == long_name  # whole: nothing is cut
    back = json.loads(second)
    assert back["source.fqdn"] is None and "destination.ip" not in back and back["source.ip"] == "10.1.2.4"
    assert list(back).index("source.ip") < list(back).index("source.port")  # the schema's order


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # partitions are PostgreSQL's
def test_day_partitions_on_postgresql(db: Session) -> None:
    make_world(db)
    source = make_source(db)
    run_id = make_run(db, source)
    e = enricher(db)
    _store(db, source, run_id, f"{run_id}:0:0", frame_of([row("10.1.2.3")]), T0, e)
    _store(db, source, run_id, f"{run_id}:0:1", frame_of([row("10.1.2.4")]), T0 + timedelta(days=1), e)
    # One batch over two days (observation times given): each row in its day's partition.
    days = pl.Series([T0 + timedelta(days=1), T0 + timedelta(days=2)]).dt.convert_time_zone("UTC")
    two = frame_of([row("10.1.2.5"), row("10.1.2.6")]).with_columns(days.alias("time.observation"))
    other = make_run(db, source)
    _store(db, source, other, f"{other}:0:0", two, T0 + timedelta(days=2), e)
    for day, ips in ((0, ["10.1.2.3"]), (1, ["10.1.2.4", "10.1.2.5"]), (2, ["10.1.2.6"])):
        name = partition_name((T0 + timedelta(days=day)).date())
        payloads = db.execute(text(f"SELECT payload FROM {name}")).scalars()  # noqa: S608
        assert sorted(line["event"]["source.ip"] for p in payloads for line in block_lines(p)) == ips
    assert retention.day_partitions(db)[-3:] == ["feed_block_p20261205", "feed_block_p20261206", "feed_block_p20261207"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_day_partition_another_worker_is_making_is_seen_once_it_commits(committing_database: Database) -> None:
    """Two store workers on a new day: the first creates the partition; the second, looking while
    the first has not committed, waits its turn, then must find it rather than create it again."""
    day = datetime(2031, 3, 4, tzinfo=UTC).date()
    name = partition_name(day)
    outcome: list[object] = []
    with committing_database.unit_of_work() as first:
        assert store_module.ensure_partitions(first, [day]) == [name]

        def second() -> None:
            try:
                with committing_database.unit_of_work() as other:
                    outcome.append(store_module.ensure_partitions(other, [day]))
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                outcome.append(exc)

        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.5)  # the second worker has looked, and waits on the first's lock
        assert not outcome
    waiting.join(timeout=30)
    assert outcome == [[]]


def test_retention_purges_old_days_and_past_keys(db: Session, backend_kind: str) -> None:
    make_world(db)
    source = make_source(db, dedupe_window_hours=24)
    run_id = make_run(db, source)
    e = enricher(db)
    old = datetime(2026, 6, 1, 12, tzinfo=UTC)
    _store(db, source, run_id, f"{run_id}:0:0", frame_of([row("10.1.2.3")]), old, e)
    _store(db, source, run_id, f"{run_id}:0:1", frame_of([row("10.1.2.4")]), T0, e)
    purged = retention.purge(db, T0 + timedelta(hours=2), days=180)
    assert [e.source_ip for e in stored_events(db)] == ["10.1.2.4"]
    if backend_kind == "postgresql":
        assert purged.partitions == ["feed_block_p20260601"]
        assert "feed_block_p20260601" not in retention.day_partitions(db)
    else:
        assert purged.events == 1
    assert purged.seen == 1  # the June key is past its 24-hour window; today's stays
    assert db.scalar(select(func.count()).select_from(FeedSeen)) == 1
    assert db.scalar(select(func.count()).where(AuditRecord.action == "feed.retention")) == 1


# -- runs ----------------------------------------------------------------------------------------


def test_run_over_files_counts_quarantines_and_audits(database: Database, db: Session, tmp_path: Path) -> None:
    w = make_world(db)
    source = make_source(db)
    db.commit()
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "2026-12-05-scan_smb-vn-geo.csv").write_bytes(
        report(
            [row("10.1.2.3"), row("10.1.2.3"), row("10.9.9.9"), row("203.0.113.1")],
            ['"2026-12-05 00:02:00","not-an-ip","445","","smb","","VN","",""', "only,three,cells"],
        )
    )
    (folder / "2026-12-06-scan_smb-vn-geo.csv").write_bytes(report([row("2001:db8:1::5"), row("10.9.9.9")]))
    summary = run_paths(database, source.name, [folder], who=PLATFORM, now=T0)
    assert summary.status == "done" and summary.error is None
    assert summary.line() == "6 events, 3 matched, 2 duplicates, 2 quarantined"
    assert (summary.unmatched, summary.files) == (
        1,
        ["2026-12-05-scan_smb-vn-geo.csv", "2026-12-06-scan_smb-vn-geo.csv"],
    )
    lines = db.execute(select(FeedQuarantine.line, FeedQuarantine.reason).order_by(FeedQuarantine.line)).all()
    assert [line for line, _ in lines] == [6, 7]
    assert "ip" in lines[0][1]
    run = db.get(FeedRun, summary.run_id)
    assert run is not None and run.finished_at == T0 and run.report_type == "scan_smb"
    owners = [e.organisation_id for e in stored_events(db, FeedBlock.run_id == run.id)]
    assert owners == [w.b.id, w.a.id, None, w.d.id]
    actions = db.scalars(select(AuditRecord.action).where(AuditRecord.object_id == str(run.id))).all()
    assert sorted(actions) == ["feed.run", "feed.run_finished"]
    row_ = db.get(FeedSource, source.id)
    assert row_ is not None and row_.last_run_at == T0

    again = run_paths(database, source.name, [folder], who=PLATFORM, now=T0 + timedelta(hours=1))
    assert again.line() == "6 events, 0 matched, 6 duplicates, 2 quarantined"


class _Failing(io.RawIOBase):
    """A stream that gives a report's first lines, then fails as a broken disk or connection would."""

    def __init__(self, head: bytes) -> None:
        self._head = io.BytesIO(head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._head.read(len(buffer))
        if not data:
            raise OSError("connection reset")
        buffer[: len(data)] = data
        return len(data)


def test_an_io_failure_fails_the_run_with_what_was_committed(
    database: Database, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(db)
    source = make_source(db)
    db.commit()
    good = (NAME, io.BytesIO(report([row("10.1.2.3"), row("10.9.9.9")])))
    bad = ("2026-12-06-scan_smb-vn-geo.csv", io.BufferedReader(_Failing(report([row("10.1.2.9")])[:90])))
    summary = run_streams(database, source.name, [good, bad], who=PLATFORM, origin="upload", now=T0)
    assert summary.status == "failed" and summary.error is not None and "connection reset" in summary.error
    assert (summary.events, summary.matched) == (2, 2)
    assert count_events(db) == 2


def test_digest_action_counts_the_new_events(database: Database, db: Session) -> None:
    from csirtnet.models import FeedDigest

    w = make_world(db)
    source = make_source(db, actions=["digest", "rules"])
    db.commit()
    data = report([row("10.1.2.3"), row("10.1.2.4"), row("10.9.9.9"), row("10.1.2.3")])
    run_streams(database, source.name, [(NAME, io.BytesIO(data))], who=PLATFORM, origin="upload", now=T0)
    run_streams(database, source.name, [(NAME, io.BytesIO(data))], who=PLATFORM, origin="upload", now=T0)
    digests = {org: n for org, n in db.execute(select(FeedDigest.organisation_id, FeedDigest.events))}
    assert digests == {w.b.id: 2, w.a.id: 1}  # duplicates (in the file, and the second run) not counted
