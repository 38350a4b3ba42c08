"""Shadowserver reports: the report type from the name or the header, each family's mapping, the
malformed lines of a report quarantined with their line and reason, a file that is no report."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csirtnet.feeds import event
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.parsers import Parsed, detect_report, parse_path, parse_stream
from csirtnet.feeds.parsers.shadowserver import families, plan_for, reports
from csirtnet.feeds.pipeline.dedupe import dedupe_key
from csirtnet.vocabulary.rsit import is_valid

FIXTURES = Path(__file__).parent / "fixtures" / "parsers"
SOURCE = SourceConfig(id=1, name="shadowserver", provider="Shadowserver", parser="shadowserver")
SMB_HEADER = reports()["scan_smb"][1]["fields"]


def _all(parsed: list[Parsed]) -> tuple[list[dict[str, object]], list[tuple[int, str]]]:
    rows = [row for p in parsed for row in p.frame.to_dicts()]
    bad = [(q.line, q.reason) for p in parsed for q in p.quarantined]
    return rows, bad


def _csv(header: list[str], *rows: dict[str, str]) -> bytes:
    lines = [",".join(f'"{h}"' for h in header)]
    lines += [",".join(f'"{row.get(h, "")}"' for h in header) for row in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2026-12-05-scan_smb-vn-geo.csv", "scan_smb"),
        ("2026-12-05-event4_sinkhole_http-vn-geo.csv", "event4_sinkhole_http"),
        ("2024-07-04-scan_smb-123-sample-asn.csv", "scan_smb"),
        ("2020-04-03-scan_ics-sample-asn-delayed.csv", "scan_ics"),  # a scan_* report without an entry
        ("2026-12-05-scan6_smb-vn-geo.csv", "scan6_smb"),
        ("2026-12-05-device_id-vn-geo.csv", "device_id"),
        ("2026-12-05-blocklist-vn-geo.csv.gz", "blocklist"),
    ],
)
def test_report_type_from_the_file_name(name: str, expected: str) -> None:
    assert detect_report(name, []) == expected


def test_report_type_from_the_header_when_the_name_says_nothing() -> None:
    assert detect_report("report.csv", SMB_HEADER) == "scan_smb"
    sinkhole = reports()["event4_sinkhole_http"][1]["fields"]
    assert detect_report("download.csv", [h.upper() for h in sinkhole]) == "event4_sinkhole_http"
    assert detect_report("2026-12-05-nonsense-vn.csv", ["when", "address", "comment"]) is None
    assert detect_report("x.csv", []) is None


def test_every_shipped_report_is_rsit_classified_and_maps_its_own_columns() -> None:
    assert set(families()) == {"scan", "event4", "compromised", "device", "blocklist"}
    for report_type, (_family, entry) in reports().items():
        plan = plan_for(report_type)
        assert plan is not None
        taxonomy = plan.constants["classification.taxonomy"]
        assert is_valid(taxonomy, plan.constants["classification.type"]), report_type
        assert plan.constants["classification.identifier"]
        fields = set(entry["fields"])
        assert "time.source" in plan.required and "source.ip" in plan.required
        # the required fields come from columns every report of the family has
        for required in plan.required:
            assert any(c.field == required and c.source in fields for c in plan.columns), (report_type, required)
        for col in plan.columns:
            assert col.field in event.FIELDS, (report_type, col)


def test_scan_smb_report_harmonised_and_malformed_lines_quarantined() -> None:
    parsed = list(parse_path(FIXTURES / "2026-12-05-scan_smb-vn-geo.csv", SOURCE))
    assert {p.report_type for p in parsed} == {"scan_smb"}
    rows, bad = _all(parsed)
    assert bad == [
        (4, "source.ip: '113.160.12.300' is not an IP address (column ip)"),
        (5, "source.port: '70000' is not a port number (0-65535) (column port)"),
        (6, "time.source: '2026-12-05 25:00:00' is not a time in the format %Y-%m-%d %H:%M:%S (column timestamp)"),
        (7, "expected 20 columns, found 5"),
    ]
    quarantined = parsed[0].quarantined[3]
    assert quarantined.file == "2026-12-05-scan_smb-vn-geo.csv"
    assert quarantined.text == '"2026-12-05 00:05:00","medium","14.241.8.11","tcp","445"'
    assert [r[event.LINE] for r in rows] == [2, 3, 8]
    first, _, v6 = rows
    assert first["time.source"] == datetime(2026, 12, 5, 0, 1, 23, tzinfo=UTC)
    assert first["source.ip"] == "113.160.12.34"
    assert first["source.port"] == 445
    assert first["source.asn"] == 45899
    assert first["source.reverse_dns"] == "static.vnpt.vn"
    assert first["source.geolocation.cc"] == "VN"
    assert first["protocol.transport"] == "tcp"
    assert first["protocol.application"] == "smb"
    assert (first["classification.taxonomy"], first["classification.type"]) == ("vulnerable", "vulnerable-system")
    assert first["classification.identifier"] == "accessible-smb"
    assert (first["feed.name"], first["feed.provider"], first["feed.code"]) == (
        "shadowserver",
        "Shadowserver",
        "scan_smb",
    )
    assert first[event.FILE] == "2026-12-05-scan_smb-vn-geo.csv"
    extra = json.loads(str(first[event.EXTRA]))
    assert extra["smb_version_string"] == "SMB 2.1"
    assert extra["sector"] == "Communications, Service Provider"
    assert "ip" not in extra and "timestamp" not in extra
    assert v6["source.ip"] == "2001:db8::1"  # compressed
    assert v6["source.asn"] is None  # Shadowserver's 0: unknown
    assert v6["time.source"] == datetime(2026, 12, 5, 0, 6, tzinfo=UTC)
    assert all(p.frame.schema == event.SCHEMA for p in parsed)


def test_sinkhole_http_report() -> None:
    rows, bad = _all(list(parse_path(FIXTURES / "2026-12-05-event4_sinkhole_http-vn-geo.csv", SOURCE)))
    assert bad == []
    first = rows[0]
    assert (first["classification.taxonomy"], first["classification.type"]) == ("malicious-code", "infected-system")
    assert first["source.ip"] == "113.160.20.7"
    assert first["source.port"] == 49152
    assert first["destination.ip"] == "198.51.100.10"
    assert first["destination.port"] == 80
    assert first["destination.fqdn"] == "c2.example.com"
    assert first["malware.name"] == "andromeda"
    assert first["protocol.application"] == "http"
    assert json.loads(str(first[event.EXTRA]))["http_url"] == "/gate.php"


BASE = {"timestamp": "2026-12-05 10:00:00", "ip": "113.160.1.2", "port": "80", "asn": "45899", "geo": "VN"}
E4 = {"timestamp": "2026-12-05 10:00:00", "src_ip": "113.160.1.2", "src_port": "2222", "dst_ip": "192.0.2.1"}


@pytest.mark.parametrize(
    ("report", "row", "expected"),
    [
        (
            "compromised_website",
            {**BASE, "http_host": "Shop.Example.VN", "url": "/wp-admin/x.php", "family": "Magecart"},
            {
                "classification.type": "system-compromise",
                "source.fqdn": "shop.example.vn",
                "source.url": "http://Shop.Example.VN/wp-admin/x.php",
                "malware.name": "magecart",
            },
        ),
        ("device_id", {**BASE, "device_vendor": "Hikvision"}, {"classification.type": "undetermined"}),
        ("blocklist", {**BASE, "reason": "spam"}, {"classification.identifier": "blocklist"}),
        (
            "event4_honeypot_brute_force",
            {**E4, "application": "SSH", "username": "root"},
            {"classification.type": "brute-force", "protocol.application": "ssh", "destination.ip": "192.0.2.1"},
        ),
        ("event4_honeypot_darknet", E4, {"classification.identifier": "darknet"}),
        ("event4_ddos_participant", E4, {"classification.taxonomy": "availability", "classification.type": "ddos"}),
        ("event4_sinkhole", {**E4, "infection": "Conficker"}, {"malware.name": "conficker"}),
    ],
)
def test_each_family(report: str, row: dict[str, str], expected: dict[str, object]) -> None:
    header = reports()[report][1]["fields"]
    data = _csv(header, row)
    rows, bad = _all(list(parse_stream(io.BytesIO(data), f"2026-12-05-{report}-vn-geo.csv", SOURCE)))
    assert bad == []
    assert len(rows) == 1
    assert rows[0]["source.ip"] == "113.160.1.2"
    assert rows[0]["feed.code"] == report
    for key, value in expected.items():
        assert rows[0][key] == value, key


def test_a_blocklisted_network_goes_to_source_network_and_each_is_its_own_key() -> None:
    header = reports()["blocklist"][1]["fields"]
    data = _csv(
        header,
        {**BASE, "ip": "113.160.1.0/24", "reason": "spam"},
        {**BASE, "ip": "113.160.2.7/24", "reason": "spam"},  # host bits: the network it names
        {**BASE, "ip": "113.160.3.9/32", "reason": "spam"},  # a /32 is an address
        {**BASE, "ip": "2001:db8:5::/48", "reason": "botnet"},
        {**BASE, "ip": "113.160.4.0/33", "reason": "spam"},
    )
    parsed = list(parse_stream(io.BytesIO(data), "2026-12-05-blocklist-vn-geo.csv", SOURCE))
    rows, bad = _all(parsed)
    assert [(r["source.ip"], r["source.network"]) for r in rows] == [
        (None, "113.160.1.0/24"),
        (None, "113.160.2.0/24"),
        ("113.160.3.9", None),
        (None, "2001:db8:5::/48"),
    ]
    assert bad == [(6, "source.ip: '113.160.4.0/33' is not an IP address or network (column ip)")]
    keys = dedupe_key(parsed[0].frame, ["source.ip", "source.port", "classification.identifier"])
    assert keys.n_unique() == 4  # not one null address four times


def test_a_report_without_an_entry_uses_its_family() -> None:
    header = [*SMB_HEADER[:14], "firmware"]
    rows, bad = _all(list(parse_stream(io.BytesIO(_csv(header, BASE)), "2026-12-05-scan_ics-vn-geo.csv", SOURCE)))
    assert bad == []
    assert rows[0]["classification.identifier"] == "scan-ics"
    assert rows[0]["classification.taxonomy"] == "vulnerable"


def test_a_file_that_is_no_report_gives_one_quarantine_entry() -> None:
    data = b"when,address,comment\n2026-12-05,1.2.3.4,hello\n2026-12-05,1.2.3.5,hello\n"
    parsed = list(parse_stream(io.BytesIO(data), "notes.csv", SOURCE))
    assert len(parsed) == 1
    assert parsed[0].frame.height == 0
    assert parsed[0].report_type is None
    [entry] = parsed[0].quarantined
    assert (entry.file, entry.line, entry.text) == ("notes.csv", 1, "when,address,comment")
    assert "not a known Shadowserver report" in entry.reason


def test_a_report_missing_a_required_column_is_refused_whole() -> None:
    header = [h for h in SMB_HEADER if h != "ip"]
    parsed = list(parse_stream(io.BytesIO(_csv(header, BASE)), "2026-12-05-scan_smb-vn-geo.csv", SOURCE))
    assert [(q.line, q.reason) for p in parsed for q in p.quarantined] == [
        (1, "the header has no column for source.ip")
    ]
    assert sum(p.frame.height for p in parsed) == 0
