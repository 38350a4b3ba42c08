"""The security feed pages through the app client: a visitor is sent to log in; a member is sent from
/feeds to its own events and sees only its organisation's (never another's, never a TLP:RED one,
never an unmatched one), and none of the coordinating body's pages; the coordinating body sees the
sources with their counts, a run's quarantined lines with file, line and reason, the quarantine per
source, the unmatched events; the digest inbox, a digest and its CSV, flags and their clearing; a
source, a rule and the ASN table made through their forms, and each bad form coming back in place
(tests/web/formpages.py) with nothing saved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
import zstandard
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csirtnet.feeds import service
from csirtnet.feeds.pipeline.store import ensure_partitions
from csirtnet.feeds.schemas import FeedSourceCreate
from csirtnet.models import (
    AsnPrefix,
    AuditRecord,
    FeedBlock,
    FeedDigest,
    FeedQuarantine,
    FeedRule,
    FeedRun,
    FeedSource,
    MemberFlag,
    Organisation,
    User,
)
from csirtnet.vocabulary import Role
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_from, login
from tests.incident.helpers import coordinator, who
from tests.web.formpages import post_bad

PAGES = [
    "/feeds",
    "/feeds/new",
    "/feeds/1",
    "/feeds/1/edit",
    "/feeds/runs/1",
    "/feeds/quarantine",
    "/feeds/unmatched",
    "/feeds/events",
    "/feeds/digests",
    "/feeds/digests/1",
    "/feeds/rules",
    "/feeds/flags",
    "/feeds/asn-table",
]
MANAGERS_ONLY = [
    "/feeds/new",
    "/feeds/{source}",
    "/feeds/{source}/edit",
    "/feeds/runs/{run}",
    "/feeds/quarantine",
    "/feeds/unmatched",
    "/feeds/rules",
    "/feeds/asn-table",
]
NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@dataclass
class FeedWorld:
    coordinator: User
    totp: str
    org_a: Organisation
    a1: User
    org_b: Organisation
    b1: User
    source: FeedSource
    run: FeedRun
    digest_a: FeedDigest
    digest_b: FeedDigest
    flag_a: MemberFlag


def _event(source: FeedSource, run: FeedRun, seq: int, ip: str, org: int | None, **over: Any) -> FeedBlock:
    """A block of one event."""
    observed = NOW + timedelta(seconds=seq)
    data = {
        "time.source": "2026-12-05T00:01:23+00:00",
        "feed.name": source.name,
        "feed.provider": source.provider,
        "classification.taxonomy": over.get("taxonomy", "vulnerable"),
        "classification.type": over.get("type", "vulnerable-system"),
        "classification.identifier": over.get("identifier", "smb"),
        "source.ip": ip,
        "source.port": 445,
        "time.observation": observed.isoformat(),
    }
    if over.get("asn"):
        data["source.asn"] = over["asn"]
    line = {"seq": seq, "claim": None, "match": "ipv4" if org else None, "warninglist": None, "event": data}
    return FeedBlock(
        observed_at=observed,
        run_id=run.id,
        first_seq=seq,
        source_id=source.id,
        organisation_id=org,
        taxonomy=data["classification.taxonomy"],
        type=data["classification.type"],
        tlp=over.get("tlp", source.tlp),
        events=1,
        ip_min=ip,
        ip_max=ip,
        payload=zstandard.ZstdCompressor().compress(json.dumps(line).encode()),
    )


def make_feed_world(db: Session) -> FeedWorld:
    """A Shadowserver source with one run: two events of A (one TLP:RED), one of B, one unmatched,
    two quarantined lines; a digest each for A and B; a raised flag of A."""
    totp = pyotp.random_base32()
    coord = coordinator(db, totp_secret=totp)
    org_a = make_organisation(db, kind="province", name="Sở TT&TT Bắc Kạn")
    org_b = make_organisation(db, kind="province", name="Sở TT&TT Cao Bằng")
    a1 = make_user(db, roles=[Role.RESPONDER], organisation=org_a)
    b1 = make_user(db, roles=[Role.RESPONDER], organisation=org_b)
    body = FeedSourceCreate(name="shadowserver-thu", provider="Shadowserver", tlp="amber")
    source = service.create_source(db, who(coord), body)
    run = FeedRun(
        source_id=source.id,
        origin="cli",
        files=["2026-12-05-scan_smb-vn-geo.csv"],
        report_type="scan_smb",
        status="done",
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=3),
        events=6,
        matched=3,
        unmatched=1,
        duplicates=0,
        quarantined=2,
    )
    db.add(run)
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        ensure_partitions(db, [NOW.date()])  # the store creates each day's partition first
    db.add_all(
        [
            _event(source, run, 1, "203.0.113.10", org_a.id),
            _event(source, run, 2, "203.0.113.66", org_a.id, tlp="red"),
            _event(source, run, 3, "198.51.100.20", org_b.id, type="infected-system", taxonomy="malicious-code"),
            _event(source, run, 4, "192.0.2.99", None),
            FeedQuarantine(
                run_id=run.id,
                source_id=source.id,
                file="2026-12-05-scan_smb-vn-geo.csv",
                line=7,
                reason="source.ip: 'không-phải-IP' is not an IP address",
                text='"2026-12-05 00:01:23","không-phải-IP",445',
            ),
            FeedQuarantine(
                run_id=run.id,
                source_id=source.id,
                file="2026-12-05-scan_smb-vn-geo.csv",
                line=9,
                reason="source.port: 70000 is out of range",
                text='"2026-12-05 00:01:23","203.0.113.5",70000',
            ),
        ]
    )
    digests = [
        FeedDigest(
            organisation_id=org.id,
            source_id=source.id,
            period_start=NOW.replace(hour=0),
            period_end=NOW.replace(hour=0) + timedelta(days=1),
            events=n,
            tlp="amber",
            status="sent",
            sent_at=NOW + timedelta(days=1),
        )
        for org, n in ((org_a, 1), (org_b, 1))
    ]
    flag = MemberFlag(organisation_id=org_a.id, reason="Compromised host at 203.0.113.10", raised_at=NOW)
    db.add_all([*digests, flag])
    db.flush()
    return FeedWorld(coord, totp, org_a, a1, org_b, b1, source, run, digests[0], digests[1], flag)


@pytest.fixture
def world(db: Session) -> FeedWorld:
    return make_feed_world(db)


def _log_in(client: Any, db: Session, user: User, totp: str | None = None) -> None:
    secret = totp or pyotp.random_base32()
    user.totp_secret = secret
    db.flush()
    client.cookies.clear()
    login(client, user.email, totp_secret=secret)


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _audits(db: Session) -> int:
    db.expire_all()
    return int(
        db.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action.startswith("feed"))) or 0
    )


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_log_in(client: Any, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"].startswith("/login")


def test_a_member_sees_its_own_events_only(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.a1)
    r = client.get("/feeds", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/feeds/events"
    page = client.get("/feeds/events")
    assert page.status_code == 200
    assert 'data-ip="203.0.113.10"' in page.text
    for hidden in ("203.0.113.66", "198.51.100.20", "192.0.2.99"):  # TLP:RED, B's, unmatched
        assert hidden not in page.text, hidden
    assert 'href="/feeds/quarantine"' not in page.text  # the tabs offer what the reader may open
    values = {"source": world.source.id, "run": world.run.id}
    for path in MANAGERS_ONLY:
        assert client.get(path.format(**values)).status_code in (403, 404), path
    assert client.get(f"/feeds/digests/{world.digest_b.id}").status_code == 404
    assert client.get(f"/feeds/digests/{world.digest_b.id}.csv").status_code == 404
    inbox = client.get("/feeds/digests").text
    assert f'data-id="{world.digest_a.id}"' in inbox and f'data-id="{world.digest_b.id}"' not in inbox
    _log_in(client, db, world.b1)
    flags = client.get("/feeds/flags").text
    assert 'data-testid="no-flags"' in flags and "203.0.113.10" not in flags


def test_the_event_filters(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    r = client.get("/feeds/events", params={"type": "infected-system"})
    assert r.status_code == 200
    assert r.text.count('data-testid="event-row"') == 1 and 'data-ip="198.51.100.20"' in r.text
    r = client.get("/feeds/events", params={"ip": "203.0.113.66"})
    assert r.text.count('data-testid="event-row"') == 1  # the coordinating body reads TLP:RED
    r = client.get("/feeds/events", params={"organisation": str(world.org_a.id), "since": "2026-12-05"})
    assert r.text.count('data-testid="event-row"') == 2
    r = client.get("/feeds/unmatched")
    assert r.text.count('data-testid="event-row"') == 1 and 'data-ip="192.0.2.99"' in r.text
    post_bad(
        client,
        db,
        world.coordinator,
        page="/feeds/events",
        target="/feeds/events",
        data={"ip": "203.0.113", "type": "planet", "since": "2026-12-05", "until": "2026-12-01"},
        form_id="feed_event_filters",
        errors=("ip", "type", "until"),
        kept=("203.0.113",),
        method="get",
    )


def test_sources_runs_and_the_quarantine_in_both_languages(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    for language, words in (("en", ("Quarantined", "Last run")), ("vi", ("Bị cách ly", "Các nguồn"))):
        world.coordinator.language = language
        db.flush()
        r = client.get("/feeds")
        assert r.status_code == 200 and f'<html lang="{language}"' in r.text
        assert 'data-name="shadowserver-thu"' in r.text
        assert 'data-testid="source-quarantined">2<' in r.text
        for word in words:
            assert word in r.text, (language, word)
    source = client.get(f"/feeds/{world.source.id}").text
    assert 'data-testid="count-events">6<' in source and f'data-id="{world.run.id}"' in source
    run = client.get(f"/feeds/runs/{world.run.id}").text
    assert run.count('data-testid="quarantine-row"') == 2
    assert 'data-line="7"' in run and "không-phải-IP" in run and "2026-12-05-scan_smb-vn-geo.csv" in run
    quarantine = client.get("/feeds/quarantine", params={"source": world.source.id}).text
    assert f'data-source="{world.source.id}"' in quarantine and quarantine.count('data-testid="quarantine-row"') == 2


def test_a_digest_its_csv_and_a_flag_cleared(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.a1)
    page = client.get(f"/feeds/digests/{world.digest_a.id}")
    assert page.status_code == 200
    assert 'data-ip="203.0.113.10"' in page.text and "203.0.113.66" not in page.text
    csv = client.get(f"/feeds/digests/{world.digest_a.id}.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    assert "203.0.113.10" in csv.text and "198.51.100.20" not in csv.text
    assert 'data-testid="clear-flag"' not in client.get("/feeds/flags").text
    _log_in(client, db, world.coordinator, world.totp)
    flags = client.get("/feeds/flags")
    assert f'data-id="{world.flag_a.id}"' in flags.text and 'data-testid="clear-flag"' in flags.text
    before = _audits(db)
    r = client.post(
        f"/feeds/flags/{world.flag_a.id}/clear", data={"csrf_token": csrf_from(flags.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    db.expire_all()
    assert db.get(MemberFlag, world.flag_a.id).cleared_at is not None  # type: ignore[union-attr]
    assert _audits(db) == before + 1
    assert f'data-id="{world.flag_a.id}"' not in client.get("/feeds/flags").text


def test_a_source_is_made_and_edited_through_its_form(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    token = csrf_from(client.get("/feeds/new").text)
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}}, "constants": {"classification.type": "scanner"}}
    r = client.post(
        "/feeds/new",
        data={
            "csrf_token": token,
            "name": "cảm-biến-bắc-kạn",
            "provider": "Sở TT&TT Bắc Kạn",
            "kind": "api",
            "parser": "jsonl",
            "tlp": "amber+strict",
            "mapping": json.dumps(mapping),
            "actions": ["digest"],
            "dedupe_fields": ["source.ip", "classification.type"],
            "dedupe_window_hours": "12",
            "digest_period_hours": "24",
            "submitter_org_ids": [str(world.org_a.id)],
            "enabled": "on",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    made = db.scalar(select(FeedSource).where(FeedSource.name == "cảm-biến-bắc-kạn"))
    assert made is not None and made.kind == "api" and made.tlp == "amber+strict"
    assert made.submitter_org_ids == [world.org_a.id] and made.dedupe_window_hours == 12
    assert made.mapping == mapping
    edit = client.get(f"/feeds/{made.id}/edit")
    assert edit.status_code == 200 and "cảm-biến-bắc-kạn" in edit.text
    r = client.post(
        f"/feeds/{made.id}/edit",
        data={
            "csrf_token": csrf_from(edit.text),
            "name": "cảm-biến-bắc-kạn",
            "provider": "Sở TT&TT Bắc Kạn",
            "parser": "jsonl",
            "tlp": "amber",
            "mapping": "",
            "actions": ["digest", "rules"],
            "dedupe_fields": ["source.ip"],
            "dedupe_window_hours": "6",
            "digest_period_hours": "24",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    db.expire_all()
    made = db.get(FeedSource, made.id)
    assert made is not None and made.tlp == "amber" and made.dedupe_window_hours == 6 and not made.enabled


def test_a_polled_source_keeps_its_key_sealed_through_the_form(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    key = "khóa-bí-mật-" + "z" * 30
    form = {
        "name": "abuse-feed",
        "provider": "abuse.ch",
        "kind": "url",
        "parser": "jsonl",
        "tlp": "green",
        "url": "https://feeds.example/today.jsonl",
        "url_header": "Auth-Key",
        "schedule_minutes": "60",
        "mapping": "",
        "actions": ["digest"],
        "dedupe_fields": ["source.ip"],
        "dedupe_window_hours": "24",
        "digest_period_hours": "24",
    }
    r = client.post("/feeds/new", data={"csrf_token": csrf_from(client.get("/feeds/new").text), **form})
    assert r.status_code == 422 and 'id="feed_source-url_secret-e"' in r.text  # a header needs its key
    assert key not in r.text
    new = client.get("/feeds/new").text
    r = client.post(
        "/feeds/new", data={"csrf_token": csrf_from(new), **form, "url_secret": key}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    made = db.scalar(select(FeedSource).where(FeedSource.name == "abuse-feed"))
    assert made is not None and made.url_secret_sealed is not None and key not in made.url_secret_sealed
    edit = client.get(f"/feeds/{made.id}/edit")
    assert 'data-testid="url-secret-set"' in edit.text and key not in edit.text and "Auth-Key" in edit.text
    # Saved again with the key left empty: it stays.
    r = client.post(
        f"/feeds/{made.id}/edit",
        data={"csrf_token": csrf_from(edit.text), **form, "tlp": "amber", "url_secret": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    db.expire_all()
    kept = db.get(FeedSource, made.id)
    assert kept is not None and kept.tlp == "amber" and kept.url_secret_sealed == made.url_secret_sealed
    assert key not in client.get(f"/feeds/{made.id}").text


def test_a_bad_source_saves_nothing(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    before = _count(db, FeedSource), _audits(db)
    post_bad(
        client,
        db,
        world.coordinator,
        page="/feeds/new",
        target="/feeds/new",
        data={
            "name": "nguồn-lỗi",
            "provider": "",
            "kind": "url",
            "parser": "csv",
            "tlp": "amber",
            "url": "ftp://phản-hồi.example/feed.csv",
            "mapping": "{không phải JSON",
            "dedupe_window_hours": "0",
            "digest_period_hours": "24",
        },
        form_id="feed_source",
        errors=("provider", "mapping", "dedupe_window_hours"),
        kept=("nguồn-lỗi", "{không phải JSON"),
    )
    assert (_count(db, FeedSource), _audits(db)) == before


def test_rules_added_refused_and_removed(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    page = client.get("/feeds/rules")
    assert page.status_code == 200 and 'data-testid="no-rules"' in page.text
    r = client.post(
        "/feeds/rules",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Máy nhiễm mã độc ở hệ thống cấp 3",
            "action": "open_incident",
            "source_id": str(world.source.id),
            "taxonomy": "malicious-code",
            "types": ["infected-system"],
            "min_security_level": "3",
            "severity": "serious",
            "window_hours": "168",
            "enabled": "on",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    rule = db.scalar(select(FeedRule).where(FeedRule.name == "Máy nhiễm mã độc ở hệ thống cấp 3"))
    assert rule is not None and rule.types == ["infected-system"] and rule.min_security_level == 3
    before = _count(db, FeedRule), _audits(db)
    post_bad(
        client,
        db,
        world.coordinator,
        page="/feeds/rules",
        target="/feeds/rules",
        data={"name": "", "action": "open_incident", "taxonomy": "sao-hỏa", "window_hours": "0"},
        form_id="feed_rule",
        errors=("name", "taxonomy", "window_hours"),
    )
    assert (_count(db, FeedRule), _audits(db)) == before
    listed = client.get("/feeds/rules").text
    assert 'data-name="Máy nhiễm mã độc ở hệ thống cấp 3"' in listed
    r = client.post(f"/feeds/rules/{rule.id}/remove", data={"csrf_token": csrf_from(listed)}, follow_redirects=False)
    assert r.status_code == 303
    assert _count(db, FeedRule) == before[0] - 1


def test_the_asn_table_is_loaded_whole_or_not_at_all(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    token = csrf_from(client.get("/feeds/asn-table").text)
    good = b"# prefix asn\n203.0.113.0/24 64500\n198.51.100.0/24,AS64501\n"
    r = client.post(
        "/feeds/asn-table",
        data={"csrf_token": token},
        files={"file": ("asn.txt", good, "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert _count(db, AsnPrefix) == 2
    assert 'data-testid="asn-prefixes">2<' in client.get("/feeds/asn-table").text
    bad = "192.0.2.0/24 64502\nkhông-phải 12\n".encode()
    post_bad(
        client,
        db,
        world.coordinator,
        page="/feeds/asn-table",
        target="/feeds/asn-table",
        data={},
        files={"file": ("asn.txt", bad, "text/plain")},
        form_id="feed_asn_table",
        errors=("file",),
    )
    r = client.post(
        "/feeds/asn-table",
        data={"csrf_token": token},
        files={"file": ("asn.txt", bad, "text/plain")},
    )
    assert 'data-line="2"' in r.text
    assert _count(db, AsnPrefix) == 2
    post_bad(
        client,
        db,
        world.coordinator,
        page=f"/feeds/{world.source.id}",
        target=f"/feeds/{world.source.id}/runs",
        data={},
        form_id="feed_upload",
        errors=("file",),
    )


SCAN_SMB = (
    b'"timestamp","severity","ip","protocol","port","hostname","tag","asn","geo","region","city"\n'
    b'"2026-12-05 00:01:23","medium","113.160.12.34","tcp","445","","smb","45899","VN","HA NOI","Hanoi"\n'
    b'"2026-12-05 00:02:10","medium","113.160.12.35","tcp","445","","smb","45899","VN","HA NOI","Hanoi"\n'
    b'"2026-12-05 00:03:01","medium","113.160.12.300","tcp","445","","smb","45899","VN","HA NOI","Hanoi"\n'
    b'"2026-12-05 00:04:44","medium","14.241.8.9","tcp","70000","","smb","45899","VN","DA NANG","Da Nang"\n'
)
SCAN_SMB_NAME = "2026-12-05-scan_smb-vn-geo.csv"


def test_an_uploaded_report_is_processed_and_its_bad_lines_named(client: Any, db: Session, world: FeedWorld) -> None:
    _log_in(client, db, world.coordinator, world.totp)
    token = csrf_from(client.get(f"/feeds/{world.source.id}").text)
    r = client.post(
        f"/feeds/{world.source.id}/runs",
        data={"csrf_token": token},
        files={"file": (SCAN_SMB_NAME, SCAN_SMB, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/feeds/runs/")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert 'data-testid="count-events">2<' in page.text and 'data-status="done"' in page.text
    assert page.text.count('data-testid="quarantine-row"') == 2
    assert 'data-line="4"' in page.text and 'data-line="5"' in page.text
    assert "113.160.12.300" in page.text
