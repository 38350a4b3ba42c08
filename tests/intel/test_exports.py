"""Exports for defenders (intel.exports) and the MISP feed (intel.misp.feed_export), on both
databases: only what the requester may see, loaded back by the tools that read them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dns.rdatatype
import dns.zone
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymisp import MISPEvent
from pymisp.tools.feed import feed_meta_generator
from sqlalchemy import select
from sqlalchemy.orm import Session

from csirtnet.authz import Subject
from csirtnet.errors import Forbidden, NotFound, ValidationFailed
from csirtnet.identity.service import subject_for
from csirtnet.intel import exports, ingest, values
from csirtnet.intel.misp import convert, importer
from csirtnet.intel.misp.tags import NOT_FOR_DETECTION
from csirtnet.kit.time import utcnow
from csirtnet.models import AuditRecord, Indicator, Organisation, User
from csirtnet.vocabulary import Role
from csirtnet.vocabulary.enums import TLP
from tests.factories import make_organisation, make_user
from tests.incident.helpers import coordinator


@dataclass
class World:
    a: Subject
    b: Subject
    coordinator: Subject
    org_a: Organisation
    org_b: Organisation
    user_a: User


def add(db: Session, org: Organisation, user: User, kind: str, raw: str, tlp: TLP = TLP.GREEN, **kw: Any) -> Indicator:
    normal = values.normalise(kind, raw)
    now = utcnow()
    row = Indicator(
        stix_id=f"indicator--{uuid.uuid4()}",
        collection=kw.pop("collection", "national"),
        kind=normal.kind.value,
        value=normal.value,
        ip_lo=normal.ip_lo,
        ip_hi=normal.ip_hi,
        rdomain=normal.rdomain,
        tlp=tlp.value,
        pap=kw.pop("pap", "green"),
        confidence=90,
        valid_from=now,
        source_organisation_id=org.id,
        created_by_id=user.id,
        created_at=now,
        modified_at=now,
        tags=kw.pop("tags", []),
        warninglists=kw.pop("warninglists", []),
        **kw,
    )
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def world(db: Session) -> World:
    org_a = make_organisation(db)
    org_b = make_organisation(db)
    user_a = make_user(db, roles=[Role.RESPONDER], organisation=org_a)
    user_b = make_user(db, roles=[Role.RESPONDER], organisation=org_b)
    add(db, org_a, user_a, "ipv4", "203.0.113.5", rsit="malicious-code/c2-server", tags=["apt32"])
    add(db, org_a, user_a, "ipv4-net", "198.51.100.0/24")
    add(db, org_a, user_a, "ipv6", "2001:db8::66")
    add(db, org_a, user_a, "domain", "evil.example.com", description='=HYPERLINK("http://x")')
    add(db, org_a, user_a, "hostname", "c2.evil.example.net", TLP.AMBER)
    add(db, org_a, user_a, "url", 'http://evil.example.com/a;b"c?x=1')
    add(db, org_a, user_a, "url", "https://secure-login.example.org/bank")
    add(db, org_a, user_a, "md5", "900150983cd24fb0d6963f7d28e17f72")
    add(db, org_a, user_a, "sha256", "3f786850e387550fdab836ed7e6dc881de23001b4f1c8b7d2d0f2e0b6a9c1d77", TLP.AMBER)
    add(db, org_a, user_a, "ja3", "e7d705a3286e19ea42f587b344ee6865")
    add(db, org_a, user_a, "email", "phish@evil.example.com")
    add(db, org_a, user_a, "ipv4", "8.8.8.8", warninglists=["public-dns-v4"])
    add(db, org_a, user_a, "ipv4", "203.0.113.9", tags=[NOT_FOR_DETECTION])  # a victim, from MISP
    add(db, org_a, user_a, "ipv4", "203.0.113.7", revoked=True)
    add(db, org_a, user_a, "ipv4", "203.0.113.8", valid_until=utcnow() - timedelta(days=1))
    # Organisation B's: strict and amber, which organisation A may not see.
    add(db, org_b, user_b, "ipv4", "192.0.2.66", TLP.AMBER_STRICT)
    add(db, org_b, user_b, "domain", "amber-b.example", TLP.AMBER)
    add(db, org_b, user_b, "ipv4", "192.0.2.10", TLP.GREEN, collection=f"outbox:{org_b.id}")
    return World(subject_for(user_a), subject_for(user_b), subject_for(coordinator(db)), org_a, org_b, user_a)


VISIBLE_TO_A = {
    "203.0.113.5",
    "198.51.100.0/24",
    "2001:db8::66",
    "evil.example.com",
    "c2.evil.example.net",
    'http://evil.example.com/a;b"c?x=1',
    "https://secure-login.example.org/bank",
    "900150983cd24fb0d6963f7d28e17f72",
    "3f786850e387550fdab836ed7e6dc881de23001b4f1c8b7d2d0f2e0b6a9c1d77",
    "e7d705a3286e19ea42f587b344ee6865",
    "phish@evil.example.com",
    "203.0.113.9",
}
HIDDEN_FROM_A = {"192.0.2.66", "amber-b.example", "192.0.2.10", "8.8.8.8", "203.0.113.7", "203.0.113.8"}


def export_records(db: Session) -> list[AuditRecord]:
    return list(db.scalars(select(AuditRecord).where(AuditRecord.action == "intel.exported")))


def test_csv_holds_what_the_member_may_see(db: Session, world: World, tmp_path: Path) -> None:
    summary = exports.write(db, world.a, "csv", tmp_path / "x.csv", collection=None)
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["value"] for r in rows} == VISIBLE_TO_A
    assert summary.count == len(VISIBLE_TO_A)
    ip = next(r for r in rows if r["value"] == "203.0.113.5")
    assert (ip["tlp"], ip["rsit"], ip["tags"], ip["collection"]) == (
        "green",
        "malicious-code/c2-server",
        "apt32",
        "national",
    )
    # A cell a spreadsheet would run is written as text.
    assert next(r for r in rows if r["value"] == "evil.example.com")["description"].startswith("'=HYPERLINK")
    # One audit record, counts only.
    (record,) = export_records(db)
    assert record.summary["format"] == "csv" and record.summary["count"] == len(VISIBLE_TO_A)
    assert not any(v in json.dumps(record.summary) for v in VISIBLE_TO_A)


def test_warninglisted_values_only_when_asked(db: Session, world: World) -> None:
    plain = exports.stream(db, world.a, "blocklist-ips", collection="national")
    assert plain.body.decode().splitlines() == ["203.0.113.5", "2001:db8::66"]
    options = exports.ExportOptions(include_warninglisted=True)
    with_listed = exports.stream(db, world.a, "blocklist-ips", collection="national", options=options)
    assert "8.8.8.8" in with_listed.body.decode().splitlines()
    assert len(export_records(db)) == 2


def test_blocklist_directory(db: Session, world: World, tmp_path: Path) -> None:
    summary = exports.write(db, world.coordinator, "blocklist", tmp_path / "lists", collection=None)
    read = {p.name: p.read_text().splitlines() for p in (tmp_path / "lists").iterdir()}
    assert read["networks.txt"] == ["198.51.100.0/24"]
    assert read["domains.txt"] == ["evil.example.com", "c2.evil.example.net", "amber-b.example"]
    assert "192.0.2.10" in read["ips.txt"]  # the coordinating body reads every outbox
    assert "192.0.2.66" not in read["ips.txt"]  # but not another organisation's TLP:AMBER+STRICT
    assert len(read["hashes.txt"]) == 2
    assert summary.count == sum(len(v) for v in read.values())
    assert len(export_records(db)) == 1


def test_rpz_zone_loads(db: Session, world: World, tmp_path: Path) -> None:
    exports.write(db, world.a, "rpz", tmp_path / "z.rpz", collection="national")
    text = (tmp_path / "z.rpz").read_text()
    zone = dns.zone.from_text(text, origin="rpz.test.", relativize=True)
    names = {str(name) for name, _node in zone.nodes.items()}
    assert names == {"@", "evil.example.com", "*.evil.example.com", "c2.evil.example.net", "*.c2.evil.example.net"}
    rdata = zone.find_rdataset("*.evil.example.com", dns.rdatatype.CNAME)[0]
    assert rdata.target.to_text() == "."
    assert zone.find_rdataset("@", dns.rdatatype.SOA)
    assert "; TLP:AMBER" in text and "amber-b.example" not in text


RULE = re.compile(r"^alert (ip|dns|http|tls) (\[[0-9a-f.:/]+\]|any) any (->|<>) any any \((.*)\)$")
OPTION = re.compile(
    r"^(msg|content|sid|rev|bsize|filemd5|filesha1|filesha256):(.+)$|^(dns\.query|dotprefix|nocase|endswith|startswith|http\.host|http\.uri\.raw|tls\.sni|ja3\.hash)$"
)


def options_of(body: str) -> list[str]:
    """Split a rule's options at unescaped semicolons, checking quotes are balanced and closed."""
    out, current, quoted, escaped = [], "", False, False
    for char in body:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == '"':
            current += char
            quoted = not quoted
        elif char == ";" and not quoted:
            out.append(current.strip())
            current = ""
        else:
            current += char
    assert not quoted and current.strip() == "", body
    return out


def test_suricata_rules(db: Session, world: World, tmp_path: Path) -> None:
    options = exports.ExportOptions(sid_start=2_000_000)
    summary = exports.write(
        db, world.a, "suricata", tmp_path / "csirtnet.rules", collection="national", options=options
    )
    lines = [line for line in (tmp_path / "csirtnet.rules").read_text().splitlines() if not line.startswith("#")]
    sids = []
    for line in lines:
        match = RULE.match(line)
        assert match, line
        parsed = options_of(match.group(4))
        for option in parsed:
            assert OPTION.match(option), option
            if option.startswith("content:"):
                assert re.fullmatch(r'content:"([^"\\;|]|\|[0-9A-F ]+\|)+"', option), option
        msg = next(o for o in parsed if o.startswith("msg:"))
        assert "csirtnet national TLP:" in msg
        sids.append(int(next(o for o in parsed if o.startswith("sid:"))[4:]))
    assert len(sids) == len(set(sids)) and min(sids) >= 2_000_000
    text = "\n".join(lines)
    assert "alert ip [203.0.113.5] any <> any any" in text
    assert 'dns.query; dotprefix; content:".evil.example.com"; nocase; endswith;' in text
    assert 'http.uri.raw; content:"/a|3B|b|22|c?x=1"; startswith;' in text
    assert 'tls.sni; content:"secure-login.example.org"' in text
    assert 'ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"' in text
    assert "192.0.2.66" not in text and "amber-b" not in text
    # Hashes go to lists beside the rules, one rule per list.
    md5_list = tmp_path / "csirtnet-national-green.md5"
    assert md5_list.read_text() == "900150983cd24fb0d6963f7d28e17f72\n"
    assert "filemd5:csirtnet-national-green.md5;" in text
    assert (tmp_path / "csirtnet-national-amber.sha256").exists()
    # Everything but the e-mail address and the value not for detection became a rule or a list entry.
    assert "203.0.113.9" not in text
    assert summary.count == len(VISIBLE_TO_A) - 2


def test_streamed_suricata_leaves_hashes_out(db: Session, world: World) -> None:
    streamed = exports.stream(db, world.a, "suricata", collection=None)
    assert "filemd5" not in streamed.body.decode()
    assert streamed.count == len(VISIBLE_TO_A) - 2 - 2


def test_refusals(db: Session, world: World, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        exports.write(db, world.a, "pdf", tmp_path / "x", collection=None)
    assert caught.value.errors[0].field == "format"
    with pytest.raises(NotFound):
        exports.write(db, world.a, "csv", tmp_path / "x", collection=f"outbox:{world.org_b.id}")
    with pytest.raises(ValidationFailed) as caught:
        exports.write(db, world.a, "csv", tmp_path / "x", collection="outbox:x")
    assert caught.value.errors[0].field == "collection"
    with pytest.raises(Forbidden):
        exports.write(db, Subject(user_id=None, organisation_id=None), "csv", tmp_path / "x", collection=None)
    with pytest.raises(ValidationFailed):
        exports.stream(db, world.a, "misp-feed", collection=None)
    with pytest.raises(ValidationFailed) as caught:
        exports.write(
            db, world.a, "suricata", tmp_path / "x", collection=None, options=exports.ExportOptions(sid_start=0)
        )
    assert caught.value.errors[0].field == "sid_start"
    with pytest.raises(ValidationFailed) as caught:
        exports.write(db, world.a, "rpz", tmp_path, collection=None)
    assert caught.value.errors[0].field == "out"
    assert export_records(db) == []
    # A file in a folder that is not there yet: the folder is made.
    exports.write(db, world.a, "blocklist-urls", tmp_path / "new" / "urls.txt", collection=None)
    assert len((tmp_path / "new" / "urls.txt").read_text().splitlines()) == 2


# -- the MISP feed ------------------------------------------------------------------------------


def test_misp_feed_loads_in_pymisp_and_keeps_tlp(db: Session, world: World, tmp_path: Path) -> None:
    out = tmp_path / "feed"
    summary = exports.write(db, world.a, "misp-feed", out, collection=None)
    manifest = json.loads((out / "manifest.json").read_text())
    files = {p.stem for p in out.glob("*-*-*-*-*.json")}
    assert set(manifest) == files and len(files) == 2  # national green and national amber, today
    found: dict[str, dict[str, Any]] = {}
    hash_lines = set()
    for event_uuid in files:
        event = MISPEvent()
        event.load_file(out / f"{event_uuid}.json")
        assert str(event.uuid) == event_uuid
        assert manifest[event_uuid]["info"] == event.info
        assert int(manifest[event_uuid]["timestamp"]) == int(event.timestamp.timestamp())
        event_tlp = [t.name for t in event.tags]
        for attribute in event.attributes:
            names = [t.name for t in attribute.tags]
            assert names[0] in event_tlp  # the event's TLP is its attributes' TLP
            found[attribute.value] = {"type": attribute.type, "tags": names, "to_ids": attribute.to_ids}
            hash_lines.add(f"{hashlib.md5(attribute.value.encode(), usedforsecurity=False).hexdigest()},{event_uuid}")
    assert set(found) == VISIBLE_TO_A
    assert found["203.0.113.5"] == {
        "type": "ip-dst",
        "tags": ["tlp:green", "PAP:GREEN", 'rsit:malicious-code="c2-server"', "apt32"],
        "to_ids": True,
    }
    assert found["198.51.100.0/24"]["type"] == "ip-dst"
    assert found["203.0.113.9"] == {"type": "ip-dst", "tags": ["tlp:green", "PAP:GREEN"], "to_ids": False}
    assert found["c2.evil.example.net"]["tags"][0] == "tlp:amber"
    assert found["e7d705a3286e19ea42f587b344ee6865"]["type"] == "ja3-fingerprint-md5"
    assert set((out / "hashes.csv").read_text().splitlines()) == hash_lines
    # PyMISP's own feed tool, run over our event files, writes the same manifest and hashes.
    again = tmp_path / "again"
    again.mkdir()
    for event_uuid in files:
        shutil.copy(out / f"{event_uuid}.json", again)
    feed_meta_generator(again)
    theirs = json.loads((again / "manifest.json").read_text())
    assert set(theirs) == set(manifest)
    for event_uuid, meta in theirs.items():
        ours = manifest[event_uuid]
        assert (meta["info"], meta["date"], int(meta["timestamp"])) == (
            ours["info"],
            ours["date"],
            int(ours["timestamp"]),
        )
        assert meta["Orgc"] == ours["Orgc"] and [t["name"] for t in meta["Tag"]] == [t["name"] for t in ours["Tag"]]
    assert set((again / "hashes.csv").read_text().splitlines()) == hash_lines
    assert summary.count == len(VISIBLE_TO_A)
    text = " ".join(p.read_text() for p in out.iterdir())
    assert not any(v in text for v in HIDDEN_FROM_A)


def test_misp_feed_strict_of_another_organisation_stays_out(db: Session, world: World, tmp_path: Path) -> None:
    exports.write(db, world.a, "misp-feed", tmp_path / "a", collection="national")
    exports.write(db, world.b, "misp-feed", tmp_path / "b", collection="national")
    a_text = " ".join(p.read_text() for p in (tmp_path / "a").iterdir())
    b_text = " ".join(p.read_text() for p in (tmp_path / "b").iterdir())
    assert "192.0.2.66" not in a_text and "tlp:amber+strict" not in a_text
    assert "192.0.2.66" in b_text and "tlp:amber+strict" in b_text


def test_misp_feed_reexport_replaces_and_round_trips(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feed"
    exports.write(db, world.a, "misp-feed", out, collection=None)
    first = json.loads((out / "manifest.json").read_text())
    stale = out / f"{uuid.uuid4()}.json"
    stale.write_text("{}")
    exports.write(db, world.a, "misp-feed", out, collection=None)
    assert json.loads((out / "manifest.json").read_text()).keys() == first.keys()
    assert not stale.exists()
    # What a MISP instance would import, csirtnet reads back: every value, nothing skipped.
    names = set()
    for event_file in out.glob("*-*-*-*-*.json"):
        converted = convert.convert(json.loads(event_file.read_text()))
        assert converted.skipped == []
        names |= {o["name"] for o in converted.objects if o["type"] == "indicator"}
    assert names == VISIBLE_TO_A
    monkeypatch.setattr(ingest, "warninglist_hook", lambda: None)
    row = importer.import_feed_dir(
        db, world.coordinator, out, collection=f"outbox:{world.org_a.id}", default_tlp=TLP.AMBER
    )
    assert (row.skipped, row.status) == (0, "complete")


def test_misp_feed_refuses_a_directory_that_is_not_a_feed(db: Session, world: World, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValidationFailed) as caught:
        exports.write(db, world.a, "misp-feed", tmp_path, collection=None)
    assert caught.value.errors[0].field == "out"
    assert (tmp_path / "notes.txt").exists()


def unhex(content: str) -> bytes:
    """A Suricata content string back to its bytes (|hex| runs decoded)."""
    out = b""
    for i, part in enumerate(content.split("|")):
        out += bytes.fromhex(part) if i % 2 else part.encode()
    return out


@given(st.text(max_size=60))
def test_rule_text_is_always_escaped(text: str) -> None:
    content = exports._content(text)
    assert re.fullmatch(r'([^"\\;|]|\|[0-9A-F ]+\|)*', content)
    assert unhex(content) == text.encode("utf-8")
    msg = exports._msg(text)
    assert options_of(f'msg:"{msg}"; sid:1;') == [f'msg:"{msg}"', "sid:1"]
