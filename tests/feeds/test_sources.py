"""Configuring feeds (feeds.service) and reading them (feeds.reads): sources checked whole with each
problem named by its field, rules with RSIT checked, the prefix-to-ASN table all or nothing with the
bad line named, one audit record per change, only the coordinating body configures; a source's
counts, the quarantine per source, and events searched under authz (a member sees its own below
TLP:RED, never another member's, never unmatched ones)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.feeds import reads, service, tasks
from csirtnet.feeds.pipeline.runner import RunSummary, run_streams
from csirtnet.feeds.schemas import FeedRuleCreate, FeedRuleUpdate, FeedSourceCreate, FeedSourceUpdate
from csirtnet.identity.service import subject_for
from csirtnet.models import (
    AsnPrefix,
    AuditRecord,
    ConstituencyClaim,
    FeedBlock,
    FeedRule,
    FeedRun,
    FeedSource,
    Job,
    Organisation,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.feeds.stored import count_events
from tests.incident.helpers import coordinator

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
PLATFORM = Subject.system("test")


# -- a small network, shared by the feed API and task tests ----------------------------------------


@dataclass
class World:
    coordinator: User
    org_a: Organisation  # owns 10.0.0.0/8
    a1: User
    org_b: Organisation  # owns 172.16.0.0/12
    b1: User


def make_world(db: Session) -> World:
    coord = coordinator(db)
    org_a = make_organisation(db, kind="province", name="Sở TT&TT Bắc Kạn")
    org_b = make_organisation(db, kind="province", name="Sở TT&TT Cao Bằng")
    for org, network in ((org_a, "10.0.0.0/8"), (org_b, "172.16.0.0/12")):
        db.add(
            ConstituencyClaim(organisation_id=org.id, kind="ipv4", value=network, prefix_len=int(network.split("/")[1]))
        )
    db.flush()
    return World(
        coordinator=coord,
        org_a=org_a,
        a1=make_user(db, roles=[Role.RESPONDER], organisation=org_a),
        org_b=org_b,
        b1=make_user(db, roles=[Role.RESPONDER], organisation=org_b),
    )


def source_body(**overrides: Any) -> FeedSourceCreate:
    values: dict[str, Any] = {"name": "Shadowserver", "provider": "Shadowserver Foundation"}
    values.update(overrides)
    return FeedSourceCreate.model_validate(values)


def event_line(ip: str, *, type_: str = "infected-system", **extra: Any) -> dict[str, Any]:
    return {
        "time.source": "2026-12-05T01:02:03Z",
        "source.ip": ip,
        "source.port": 445,
        "classification.taxonomy": "malicious-code" if type_ == "infected-system" else "vulnerable",
        "classification.type": type_,
        "classification.identifier": "mirai" if type_ == "infected-system" else "smb",
        **extra,
    }


def jsonl(*events: dict[str, Any] | str) -> bytes:
    return b"\n".join(e.encode() if isinstance(e, str) else orjson.dumps(e) for e in events) + b"\n"


def api_source(db: Session, name: str = "Sensors", **overrides: Any) -> FeedSource:
    values: dict[str, Any] = {"kind": "api", "parser": "jsonl", "actions": [], "provider": "Members' sensors"}
    values.update(overrides)
    row = service.create_source(db, PLATFORM, source_body(name=name, **values))
    db.flush()
    return row


def ingest(database: Database, source: FeedSource, data: bytes, *, now: datetime = T0) -> RunSummary:
    return run_streams(database, source.name, [("events.jsonl", io.BytesIO(data))], who=PLATFORM, origin="cli", now=now)


def audit_actions(db: Session, prefix: str = "feed.") -> list[str]:
    return list(
        db.scalars(select(AuditRecord.action).where(AuditRecord.action.startswith(prefix)).order_by(AuditRecord.seq))
    )


def _field_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [e.field for e in exc.value.errors]


# -- sources ---------------------------------------------------------------------------------------


def test_a_source_is_configured_audited_and_scheduled(db: Session) -> None:
    w = make_world(db)
    who = subject_for(w.coordinator)
    row = service.create_source(db, who, source_body(actions=["rules", "digest"], tlp="green"))
    assert row.actions == ["digest", "rules"] and row.tlp == "green" and row.parser == "shadowserver"
    assert audit_actions(db) == ["feed.source_created"]
    assert db.scalar(select(func.count()).select_from(Job).where(Job.name == tasks.SCHEDULE_JOB)) == 1
    read = reads.get_source(db, who, row.id)
    assert read.totals.runs == 0 and read.last_run is None and read.name == "Shadowserver"
    assert [s.name for s in reads.list_sources(db, who)] == ["Shadowserver"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "url"}, "url"),
        ({"kind": "url", "url": "ftp://example.vn/r.csv"}, "url"),
        ({"kind": "url", "url": "http:///nohost"}, "url"),
        ({"url": "https://example.vn/r.csv"}, "url"),
        ({"kind": "folder"}, "folder"),
        ({"kind": "folder", "folder": "/etc"}, "folder"),
        ({"kind": "folder", "folder": "missing-dir"}, "folder"),
        ({"schedule_minutes": 5}, "schedule_minutes"),
        ({"kind": "api"}, "parser"),
        ({"parser": "csv"}, "mapping"),
        ({"mapping": {"columns": {"ip": {"field": "source.ip", "type": "ip"}}}}, "mapping"),
        ({"parser": "csv", "mapping": {"colums": {}}}, "mapping.colums"),
        ({"dedupe_fields": ["source.ip", "source.nothing"]}, "dedupe_fields[1]"),
        ({"kind": "api", "parser": "jsonl", "submitter_org_ids": [999_999]}, "submitter_org_ids"),
        ({"url_header": "Auth-Key", "url_secret": "k"}, "url_header"),  # a file source sends no key
        ({"kind": "url", "url": "https://example.vn/r", "url_header": "Auth-Key"}, "url_secret"),
        ({"kind": "url", "url": "https://example.vn/r", "url_secret": "k"}, "url_header"),
        ({"kind": "url", "url": "https://example.vn/r", "url_header": "Auth Key:", "url_secret": "k"}, "url_header"),
        (
            {"kind": "url", "url": "https://example.vn/r", "url_header": "Auth-Key", "url_secret": "k\r\nX: y"},
            "url_secret",
        ),
    ],
)
def test_a_bad_source_is_refused_naming_the_field(db: Session, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.create_source(db, PLATFORM, source_body(**overrides))
    assert field in _field_of(exc)
    assert db.scalar(select(func.count()).select_from(FeedSource)) == 0
    assert audit_actions(db) == []


def test_a_folder_and_a_url_source(db: Session, settings: Settings) -> None:
    watched = settings.data_dir / "feeds" / "drop"
    watched.mkdir(parents=True)
    folder = service.create_source(db, PLATFORM, source_body(name="Drop", kind="folder", folder="drop"))
    assert folder.folder == str(watched.resolve())
    url = service.create_source(db, PLATFORM, source_body(name="Poll", kind="url", url="https://example.vn/r.csv"))
    assert url.schedule_minutes == service.DEFAULT_SCHEDULE_MINUTES
    with pytest.raises(ValidationFailed) as exc:
        service.create_source(db, PLATFORM, source_body(name="Drop"))
    assert _field_of(exc) == ["name"]


def test_update_checks_the_whole_source_and_records_what_changed(db: Session) -> None:
    row = service.create_source(db, PLATFORM, source_body(kind="url", url="https://example.vn/a.csv"))
    service.update_source(db, PLATFORM, row.id, FeedSourceUpdate.model_validate({"schedule_minutes": 15, "tlp": "red"}))
    assert row.schedule_minutes == 15 and row.tlp == "red"
    with pytest.raises(ValidationFailed) as exc:
        service.update_source(db, PLATFORM, row.id, FeedSourceUpdate.model_validate({"url": None}))
    assert _field_of(exc) == ["url"]
    service.update_source(db, PLATFORM, row.id, FeedSourceUpdate.model_validate({"tlp": "red"}))  # no change
    records = db.scalars(select(AuditRecord).where(AuditRecord.action == "feed.source_updated")).all()
    assert [r.summary["changed"] for r in records] == [["schedule_minutes", "tlp"]]
    with pytest.raises(ValidationError, match="may be left out but not null"):
        FeedSourceUpdate.model_validate({"name": None})


def test_a_key_is_sealed_replaced_kept_and_taken_away_with_its_header(db: Session) -> None:
    body = source_body(kind="url", url="https://example.vn/a.csv", url_header="Auth-Key", url_secret="first")
    row = service.create_source(db, PLATFORM, body)
    first = row.url_secret_sealed
    assert first is not None and "first" not in first and service.URL_SECRETS.unseal(first) == "first"

    def update(**changes: Any) -> None:
        service.update_source(db, PLATFORM, row.id, FeedSourceUpdate.model_validate(changes))

    update(tlp="red")  # left out: kept
    assert row.url_secret_sealed == first
    update(url_secret="second")
    assert row.url_secret_sealed is not None and service.URL_SECRETS.unseal(row.url_secret_sealed) == "second"
    update(url_header=None)  # no header: no key
    assert (row.url_header, row.url_secret_sealed) == (None, None)
    with pytest.raises(ValidationFailed) as exc:
        update(url_header="X-Api-Key")
    assert _field_of(exc) == ["url_secret"]
    records = db.scalars(select(AuditRecord).where(AuditRecord.action == "feed.source_updated")).all()
    assert [r.summary["changed"] for r in records] == [["tlp"], ["url_secret"], ["url_header", "url_secret"]]
    assert not [r for r in db.scalars(select(AuditRecord)) if "first" in str(r.summary) or "second" in str(r.summary)]


def test_only_the_coordinating_body_configures(db: Session) -> None:
    w = make_world(db)
    row = service.create_source(db, PLATFORM, source_body())
    member = subject_for(w.a1)
    with pytest.raises(Forbidden):
        service.create_source(db, member, source_body(name="Mine"))
    with pytest.raises(NotFound):
        service.update_source(db, member, row.id, FeedSourceUpdate.model_validate({"tlp": "red"}))
    with pytest.raises(NotFound):
        service.delete_source(db, member, row.id)
    with pytest.raises(Forbidden):
        service.create_rule(db, member, FeedRuleCreate.model_validate({"name": "x", "action": "raise_flag"}))
    with pytest.raises(Forbidden):
        service.load_asn_table(db, member, "10.0.0.0/8 64500\n")
    with pytest.raises(Forbidden):
        reads.list_sources(db, member)
    with pytest.raises(NotFound):
        reads.get_source(db, member, row.id)
    with pytest.raises(Forbidden):
        reads.list_quarantine(db, member)


def test_deleting_a_source_takes_its_runs_rules_and_events(db: Session, database: Database) -> None:
    make_world(db)
    row = api_source(db)
    service.create_rule(
        db, PLATFORM, FeedRuleCreate.model_validate({"name": "r", "action": "raise_flag", "source_id": row.id})
    )
    db.commit()
    ingest(database, row, jsonl(event_line("10.0.0.5")))
    assert count_events(db) == 1
    service.delete_source(db, PLATFORM, row.id)
    db.flush()
    for model in (FeedBlock, FeedRun, FeedRule, FeedSource):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model
    assert audit_actions(db)[-1] == "feed.source_deleted"


# -- rules -----------------------------------------------------------------------------------------


def test_rules_check_rsit_and_are_audited(db: Session) -> None:
    rule = service.create_rule(
        db,
        PLATFORM,
        FeedRuleCreate.model_validate(
            {"name": "Compromised at level 3", "action": "open_incident", "taxonomy": "malicious-code",
             "types": ["infected-system"], "min_security_level": 3}
        ),
    )  # fmt: skip
    assert rule.severity == "normal"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"taxonomy": "nonsense"}, "taxonomy"),
        ({"taxonomy": "malicious-code", "types": ["vulnerable-system"]}, "types[0]"),
        ({"types": ["infected-system", "made-up"]}, "types[1]"),
        ({"severity": "serious", "action": "raise_flag"}, "severity"),
        ({"source_id": 12345}, "source_id"),
    ]
    for body, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            service.create_rule(
                db, PLATFORM, FeedRuleCreate.model_validate({"name": "x", "action": "raise_flag", **body})
            )
        assert field in _field_of(exc), body
    service.update_rule(db, PLATFORM, rule.id, FeedRuleUpdate.model_validate({"action": "raise_flag"}))
    assert rule.action == "raise_flag" and rule.severity is None
    assert [r.name for r in reads.list_rules(db, PLATFORM)] == ["Compromised at level 3"]
    service.delete_rule(db, PLATFORM, rule.id)
    assert reads.list_rules(db, PLATFORM) == []
    assert audit_actions(db) == ["feed.rule_created", "feed.rule_updated", "feed.rule_deleted"]


# -- the prefix-to-ASN table -----------------------------------------------------------------------


def test_the_asn_table_loads_whole_or_not_at_all(db: Session) -> None:
    first = service.load_asn_table(db, PLATFORM, "prefix,asn\n10.0.0.0/8,64500\n# comment\n\n2001:db8::/32 AS64501\n")
    assert (first.prefixes, first.replaced) == (2, 0)
    assert sorted(tuple(r) for r in db.execute(select(AsnPrefix.network, AsnPrefix.asn))) == [
        ("10.0.0.0/8", 64500),
        ("2001:db8::/32", 64501),
    ]
    with pytest.raises(ValidationFailed) as exc:
        service.load_asn_table(
            db,
            PLATFORM,
            "192.0.2.0/24 64502\n192.0.2.0/33 1\n192.0.2.1/24 2\n198.51.100.0/24 AS-x\n192.0.2.0/24 7\njunk\n",
        )
    assert _field_of(exc) == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "repeats line 1" in exc.value.errors[3].message
    assert db.scalar(select(func.count()).select_from(AsnPrefix)) == 2  # unchanged
    with pytest.raises(ValidationFailed) as empty:
        service.load_asn_table(db, PLATFORM, "# nothing\n")
    assert _field_of(empty) == ["asn_table"]
    second = service.load_asn_table(db, PLATFORM, "192.0.2.0/24 64502\n")
    assert (second.prefixes, second.replaced) == (1, 2)
    assert reads.asn_table(db, PLATFORM).sample == [("192.0.2.0/24", 64502)]
    assert audit_actions(db) == ["feed.asn_table_loaded", "feed.asn_table_loaded"]


# -- reads: counts, quarantine, events -------------------------------------------------------------


def test_counts_quarantine_and_events_under_authz(db: Session, database: Database) -> None:
    w = make_world(db)
    sensors = api_source(db)
    red = api_source(db, "Red feed", tlp="red")
    db.commit()
    first = ingest(
        database,
        sensors,
        jsonl(
            event_line("10.0.0.5"),
            event_line("172.16.1.1", type_="vulnerable-system"),
            event_line("203.0.113.9"),
            "{not json",
        ),
    )
    assert (first.events, first.matched, first.unmatched, first.quarantined) == (3, 2, 1, 1)
    second = ingest(
        database, sensors, jsonl(event_line("10.0.0.5"), event_line("10.0.0.6")), now=T0 + timedelta(hours=1)
    )
    assert (second.events, second.duplicates) == (2, 1)
    ingest(database, red, jsonl(event_line("10.0.0.7")))

    coord, a1, b1 = subject_for(w.coordinator), subject_for(w.a1), subject_for(w.b1)
    listed = {s.name: s for s in reads.list_sources(db, coord)}
    totals, last = listed["Sensors"].totals, listed["Sensors"].last_run
    assert (totals.runs, totals.events, totals.matched, totals.duplicates, totals.quarantined) == (2, 5, 3, 1, 1)
    assert last is not None and (last.events, last.duplicates, last.quarantined) == (2, 1, 0)
    runs = reads.list_runs(db, coord, source_id=sensors.id)
    assert [r.id for r in runs] == [second.run_id, first.run_id] and runs[0].source_name == "Sensors"
    assert reads.get_run(db, coord, first.run_id).quarantined == 1

    quarantine = reads.list_quarantine(db, coord, source_id=sensors.id)
    assert quarantine.total == 1 and quarantine.items[0].line == 4 and quarantine.items[0].file == "events.jsonl"
    assert [(c.source_name, c.quarantined) for c in quarantine.per_source] == [("Sensors", 1)]

    def ips(who: Subject, **filters: Any) -> list[str]:
        return [e.source_ip or "" for e in reads.search_events(db, who, **filters).items]

    assert ips(a1) == ["10.0.0.6", "10.0.0.5"]  # newest first; the RED event stays the coordinator's
    assert ips(b1) == ["172.16.1.1"]
    assert sorted(ips(coord)) == ["10.0.0.5", "10.0.0.6", "10.0.0.7", "172.16.1.1", "203.0.113.9"]
    assert ips(coord, unmatched=True) == ["203.0.113.9"]
    assert ips(a1, unmatched=True) == []
    assert ips(b1, organisation_id=w.org_a.id) == []
    assert ips(coord, ip="172.16.1.1", type="vulnerable-system") == ["172.16.1.1"]
    assert ips(coord, since=T0 + timedelta(minutes=30)) == ["10.0.0.6"]
    with pytest.raises(ValidationFailed) as exc:
        reads.search_events(db, coord, ip="10.0.0.300")
    assert _field_of(exc) == ["ip"]
    event = reads.search_events(db, a1, ip="10.0.0.5").items[0]
    assert event.data["classification.identifier"] == "mirai" and event.organisation_id == w.org_a.id

    # keyset pages: every event once, in order
    seen, cursor = [], None
    while True:
        page = reads.search_events(db, coord, limit=2, cursor=cursor)
        seen += [(e.observed_at, e.run_id, e.seq) for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)

    stats = reads.event_stats(db, a1, 7, now=T0 + timedelta(days=1))
    assert (stats.total, stats.matched) == (2, 2) and {r.day for r in stats.rows} == {"2026-12-05"}
    assert reads.event_stats(db, coord, 7, now=T0 + timedelta(days=1)).total == 5
    with pytest.raises(Forbidden):
        reads.list_runs(db, a1)
