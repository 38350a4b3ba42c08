"""The generic CSV and JSON-lines parsers (a source's mapping), reading in bounded batches, the
mapping's validation, and canonical values under arbitrary input (hypothesis)."""

from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import itertools
import json
import re
import string
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from csirtnet.feeds import event
from csirtnet.feeds import parsers as parsers_package
from csirtnet.feeds.config import SourceConfig
from csirtnet.feeds.parsers import Parsed, parse_stream, validate_mapping
from csirtnet.feeds.parsers.convert import canonical_ip
from csirtnet.feeds.parsers.csvread import CsvChunks, RawChunk
from csirtnet.models import FeedSource

MAPPING: dict[str, Any] = {
    "columns": {
        "seen": {"field": "time.source", "type": "time"},
        "addr": {"field": "source.ip", "type": "ip", "required": True},
        "port": {"field": "source.port", "type": "int"},
        "host": {"field": "source.fqdn", "type": "fqdn"},
        "path": {"field": "source.url", "type": "url", "host": "host"},
        "kind": {"field": "extra.kind", "type": "text"},
    },
    "time_format": "%d/%m/%Y %H:%M",
    "constants": {"classification.taxonomy": "fraud", "classification.type": "phishing", "source.asn": 64500},
    "delimiter": ";",
    "skip_lines": 2,
}


def _source(parser: str, mapping: dict[str, Any] | None = None) -> SourceConfig:
    return SourceConfig(id=7, name="sensor", provider="Member sensor", parser=parser, mapping=mapping)


def _parse(data: bytes, name: str, source: SourceConfig, batch_rows: int = 50_000) -> list[Parsed]:
    return list(parse_stream(io.BytesIO(data), name, source, batch_rows=batch_rows))


def _rows(parsed: list[Parsed]) -> list[dict[str, Any]]:
    return [row for p in parsed for row in p.frame.to_dicts()]


def _bad(parsed: list[Parsed]) -> list[tuple[int, str]]:
    return [(q.line, q.reason) for p in parsed for q in p.quarantined]


def test_generic_csv_by_mapping() -> None:
    data = (
        b"# exported by the portal\n# second comment line\n"
        b"seen;addr;port;host;path;kind;note\n"
        b"05/12/2026 08:30;203.0.113.9;443;Login.Example.VN.;/verify;kit-a;first\n"
        b"05/12/2026 08:31;203.0.113.10; 8443 ;login.example.vn;https://x.example/p;;\n"
        b"2026-12-05 08:32;203.0.113.11;443;;;;\n"
        b"05/12/2026 08:33;;443;;;;\n"
        b"05/12/2026 08:34;203.0.113.12;443;bad host;;;\n"
    )
    parsed = _parse(data, "phish.csv", _source("csv", MAPPING))
    assert _bad(parsed) == [
        (6, "time.source: '2026-12-05 08:32' is not a time in the format %d/%m/%Y %H:%M (column seen)"),
        (7, "source.ip: missing (column addr)"),
        (8, "source.fqdn: 'bad host' is not a host name (column host)"),
    ]
    first, second = _rows(parsed)
    assert first["time.source"] == datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    assert first["source.fqdn"] == "login.example.vn"
    assert first["source.url"] == "http://Login.Example.VN./verify"
    assert first["source.asn"] == 64500  # a constant
    assert (first["classification.taxonomy"], first["classification.type"]) == ("fraud", "phishing")
    assert json.loads(first[event.EXTRA]) == {"kind": "kit-a", "note": "first"}
    assert first[event.LINE] == 4
    assert second["source.port"] == 8443  # blanks around a number are forgiven
    assert second["source.url"] == "https://x.example/p"
    assert second[event.LINE] == 5


def test_csv_rows_of_the_wrong_length_quoted_newlines_and_blank_lines() -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}, "note": {"field": "extra.note"}}}
    data = b'ip,note\n1.2.3.4,"two\nlines"\n\n1.2.3.5\n1.2.3.6,a,b\n"1.2.3.7","x"\r\n1.2.3.8,"unclosed\n'
    parsed = _parse(data, "f.csv", _source("csv", mapping))
    rows = _rows(parsed)
    assert [(r["source.ip"], r[event.LINE]) for r in rows] == [("1.2.3.4", 2), ("1.2.3.7", 7)]
    assert json.loads(rows[0][event.EXTRA]) == {"note": "two\nlines"}
    bad = _bad(parsed)
    assert bad[:2] == [(5, "expected 2 columns, found 1"), (6, "expected 2 columns, found 3")]
    assert [line for line, _ in bad[2:]] == [8]  # the unclosed quote: quarantined, not fatal


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few hundred bytes, so a small file crosses many chunk boundaries."""
    monkeypatch.setattr(CsvChunks, "probe", 200)
    monkeypatch.setattr(CsvChunks, "min_chunk", 100)


@pytest.mark.usefixtures("small_chunks")
def test_batches_are_bounded_and_lines_exact_across_chunks() -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}, "n": {"field": "extra.n", "type": "int"}}}
    lines = ["ip,n"]
    for i in range(2500):
        lines.append(f"10.0.{i // 250}.{i % 250},{i}" if i % 500 else f'10.0.{i // 250}.{i % 250},"{i}"')
    lines[1234] = "10.0.4.999,1233"  # line 1235 of the file
    data = ("\n".join(lines)).encode()  # no newline at the end
    parsed = _parse(data, "big.csv", _source("csv", mapping), batch_rows=100)
    assert all(p.frame.height <= 100 for p in parsed)
    rows = _rows(parsed)
    assert len(rows) == 2499
    assert [r[event.LINE] for r in rows] == [n for n in range(2, 2502) if n != 1235]
    assert all(json.loads(r[event.EXTRA])["n"] == r[event.LINE] - 2 for r in rows)
    assert _bad(parsed) == [(1235, "source.ip: '10.0.4.999' is not an IP address (column ip)")]


@pytest.mark.usefixtures("small_chunks")
def test_batches_are_made_of_pieces_without_losing_or_repeating_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines are read a piece at a time (PIECE_ROWS) and the pieces put together into full batches."""
    monkeypatch.setattr(parsers_package, "PIECE_ROWS", 37)
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}, "n": {"field": "extra.n", "type": "int"}}}
    lines = ["ip,n", *(f"10.0.{i // 250}.{i % 250},{i}" for i in range(1000))]
    lines[400] = "10.0.1.999,399"  # line 401 of the file
    lines[777] = "10.0.3.27"  # line 778: a column short
    parsed = _parse("\n".join(lines).encode(), "pieces.csv", _source("csv", mapping), batch_rows=100)
    assert [p.frame.height for p in parsed] == [100] * 9 + [98]  # full batches, the rest last
    rows = _rows(parsed)
    assert [r[event.LINE] for r in rows] == [n for n in range(2, 1002) if n not in (401, 778)]
    assert all(json.loads(r[event.EXTRA])["n"] == r[event.LINE] - 2 for r in rows)
    assert [line for line, _ in _bad(parsed)] == [401, 778]  # each once, in order


def test_a_cell_of_blanks_is_an_empty_cell_not_a_bad_one() -> None:
    mapping = {"columns": {"p": {"field": "source.port", "type": "int"}, "ip": {"field": "source.ip", "type": "ip"}}}
    parsed = _parse(b"p,ip\n \t,10.0.0.1\n80,10.0.0.2\nx,10.0.0.3\n", "f.csv", _source("csv", mapping))
    assert [(r[event.LINE], r["source.port"]) for r in _rows(parsed)] == [(2, None), (3, 80)]
    assert [line for line, _ in _bad(parsed)] == [4]


def test_input_columns_named_like_the_batch_bookkeeping_stay_extra() -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}}}
    [row] = _rows(_parse(b"ip,_line,__bad\n1.2.3.4,x,y\n", "f.csv", _source("csv", mapping)))
    assert row[event.LINE] == 2
    assert json.loads(row[event.EXTRA]) == {"column_line": "x", "column__bad": "y"}
    [row] = _rows(_parse(b'{"source.ip": "1.2.3.4", "_line": 9}\n', "f.jsonl", _source("jsonl")))
    assert (row[event.LINE], json.loads(row[event.EXTRA])) == (1, {"column_line": "9"})


def test_gzip_by_name() -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}}}
    parsed = _parse(gzip.compress(b"ip\n1.2.3.4\n"), "f.csv.gz", _source("csv", mapping))
    assert [(r["source.ip"], r[event.FILE]) for r in _rows(parsed)] == [("1.2.3.4", "f.csv")]


def test_json_lines_already_harmonised() -> None:
    lines = [
        {
            "time.source": "2026-12-05T01:02:03Z",
            "source.ip": "2001:DB8::5",
            "source.port": 22,
            "classification.taxonomy": "intrusion-attempts",
            "classification.type": "brute-force",
            "extra": {"attempts": 12},
            "sensor": "hp-1",
        },
        "not json",
        [1, 2],
        {"time.source": "2026-12-05T08:02:03+07:00", "source.ip": "198.51.100.4", "source.port": "99999"},
        {
            "time.source": "2026-12-05T08:02:03+07:00",
            "source.ip": "198.51.100.4",
            "feed.name": "spoofed",
            "time.observation": "2020-01-01T00:00:00Z",
        },
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n"
    parsed = _parse(text.encode(), "upload.jsonl", _source("jsonl"))
    bad = _bad(parsed)
    assert [line for line, _ in bad] == [2, 3, 4]
    assert bad[0][1].startswith("invalid JSON")
    assert bad[1][1] == "not a JSON object"
    assert bad[2][1] == "source.port: '99999' is not a port number (0-65535) (column source.port)"
    first, last = _rows(parsed)
    assert first["source.ip"] == "2001:db8::5"
    assert first["source.port"] == 22
    assert first["time.source"] == datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)
    assert json.loads(first[event.EXTRA]) == {"attempts": "12", "sensor": "hp-1"}
    assert last["time.source"] == datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)
    assert last["feed.name"] == "sensor"  # the source names the feed, not the sender
    assert last["time.observation"] is None  # the store stamps it
    assert last[event.LINE] == 5


def test_json_lines_by_mapping() -> None:
    mapping = {
        "columns": {"ts": {"field": "time.source", "type": "time"}, "ip": {"field": "source.ip", "type": "ip"}},
        "time_format": "epoch",
        "constants": {"classification.taxonomy": "malicious-code", "classification.type": "infected-system"},
    }
    data = b'{"ts": 1796428800, "ip": "10.1.2.3", "av": "Trojan.X"}\n{"ts": "soon", "ip": "10.1.2.4"}\n'
    parsed = _parse(data, "av.jsonl", _source("jsonl", mapping))
    [row] = _rows(parsed)
    assert row["time.source"] == datetime(2026, 12, 5, tzinfo=UTC)
    assert row["classification.type"] == "infected-system"
    assert json.loads(row[event.EXTRA]) == {"av": "Trojan.X"}
    assert _bad(parsed) == [(2, "time.source: 'soon' is not a time in the format epoch (column ts)")]


def test_an_invalid_mapping_is_one_quarantine_entry_not_a_crash() -> None:
    parsed = _parse(b"ip\n1.2.3.4\n", "f.csv", _source("csv", {"columns": {"ip": {"field": "source.ipp"}}}))
    assert _bad(parsed) == [
        (1, "the source's mapping is invalid: mapping.columns.ip.field: unknown event field 'source.ipp'")
    ]


def test_validate_mapping_names_every_key() -> None:
    assert validate_mapping(MAPPING) == []
    assert validate_mapping({}) == []
    assert validate_mapping([]) == ["mapping: must be an object"]
    errors = validate_mapping(
        {
            "columns": {
                "a": {"field": "source.ip", "type": "int"},
                "b": {"field": "nope"},
                "c": {"field": "source.port", "type": "number"},
                "d": "source.ip",
                "e": {"field": "source.fqdn", "type": "fqdn", "host": "x", "colour": 1},
                "f": {"field": "source.geolocation.cc", "type": "text", "required": "yes"},
            },
            "time_format": "YYYY",
            "constants": {
                "source.port": 70000,
                "time.source": "now",
                "classification.type": "",
                "bogus": "x",
                "feed.name": "other",
            },
            "delimiter": ";;",
            "skip_lines": -1,
            "color": "red",
        }
    )
    assert errors == [
        "mapping.color: unknown key",
        "mapping.columns.a.type: source.ip is a field of type ip, not int",
        "mapping.columns.b.field: unknown event field 'nope'",
        "mapping.columns.c.type: unknown type 'number' (one of ip, address, int, text, time, fqdn, url, cc)",
        "mapping.columns.d: must be an object with field and type",
        "mapping.columns.e.colour: unknown key",
        "mapping.columns.e.host: only a url column may name a host column",
        "mapping.columns.f.required: must be true or false",
        "mapping.time_format: must be a format such as %Y-%m-%d %H:%M:%S, or epoch",
        "mapping.constants.source.port: must be an integer from 0 to 65535",
        "mapping.constants.time.source: a time cannot be a constant",
        "mapping.constants.classification.type: must be a non-empty string",
        "mapping.constants.bogus: unknown event field 'bogus'",
        "mapping.constants.feed.name: feed.name is set by csirtnet, not by a feed",
        "mapping.delimiter: must be one character (not a quote or a line break)",
        "mapping.skip_lines: must be an integer from 0 to 1000",
    ]


def test_mapping_stored_on_a_source_round_trips(db: Session) -> None:
    row = FeedSource(name="portal-phish", provider="Portal", kind="file", parser="csv", mapping=MAPPING)
    db.add(row)
    db.flush()
    db.expire(row)
    config = SourceConfig.from_row(db.get(FeedSource, row.id))  # type: ignore[arg-type]
    assert validate_mapping(config.mapping) == []
    data = b"a\nb\nseen;addr;port;host;path;kind\n05/12/2026 08:30;203.0.113.9;443;;;\n"
    [row_out] = _rows(_parse(data, "p.csv", config))
    assert (row_out["source.ip"], row_out["feed.name"], row_out[event.LINE]) == ("203.0.113.9", "portal-phish", 4)


ADDRESSES = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded.upper()),
    st.ip_addresses(v=6).map(str),
)
# One physical line per value: no control characters (csv.writer quotes the rest as needed).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)


def _one_column_csv(name: str, values: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name])
    writer.writerows([v] for v in values)
    return out.getvalue().encode()


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.one_of(ADDRESSES, TEXT), min_size=1, max_size=40))
def test_addresses_are_canonical_or_quarantined(values: list[str]) -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip", "required": True}}}
    parsed = _parse(_one_column_csv("ip", values), "f.csv", _source("csv", mapping))
    seen = {r[event.LINE]: r["source.ip"] for r in _rows(parsed)} | {line: None for line, _ in _bad(parsed)}
    assert len(seen) == len(values)
    for n, value in enumerate(values, start=2):
        expected = canonical_ip(value)
        assert seen[n] == expected, (value, seen[n])
        if expected is not None:
            assert ipaddress.ip_address(expected).compressed == expected


@settings(max_examples=50, deadline=None)
@given(ports=st.lists(st.one_of(st.integers(-10, 70000).map(str), st.text(string.printable[:95], max_size=6))))
def test_ports_are_in_range_or_quarantined(ports: list[str]) -> None:
    mapping = {"columns": {"p": {"field": "source.port", "type": "int"}}}
    parsed = _parse(_one_column_csv("p", ports), "f.csv", _source("csv", mapping))
    seen = {r[event.LINE]: r["source.port"] for r in _rows(parsed)}
    bad = {line for line, _ in _bad(parsed)}
    for n, port in enumerate(ports, start=2):
        text = port.strip()
        if text == "":
            assert seen[n] is None
        elif re.fullmatch(r"[+-]?[0-9]+", text) and 0 <= int(text) <= 65535:
            assert seen[n] == int(text)
        else:
            assert n in bad and n not in seen, port


# No lone CR: csv.writer leaves it unquoted, and a CR ending a value is then a CRLF line end to any reader.
CELLS = st.text(alphabet=st.sampled_from('ab,"\n é1;'), max_size=8)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=2, max_size=2), min_size=1, max_size=60), batch_rows=st.integers(1, 7))
def test_csv_reader_agrees_with_pythons_csv_module(rows: list[list[str]], batch_rows: int) -> None:
    """Any content csv.writer produces (quotes, delimiters, line breaks inside fields) reads back
    value for value with the line each record starts on, whatever the chunk boundaries."""
    mapping = {"columns": {"a": {"field": "extra.a"}, "b": {"field": "extra.b"}}}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["a", "b"])
    starts = []
    for row in rows:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
    parsed = _parse(out.getvalue().encode(), "f.csv", _source("csv", mapping), batch_rows=batch_rows)
    assert _bad(parsed) == []
    assert all(p.frame.height <= batch_rows for p in parsed)
    got = [(r[event.LINE], json.loads(r[event.EXTRA]) if r[event.EXTRA] else {}) for r in _rows(parsed)]
    got = [(line, {k: v for k, v in values.items() if v is not None}) for line, values in got]
    expected = [
        (line, {k: v for k, v in zip("ab", row, strict=True) if v}) for line, row in zip(starts, rows, strict=True)
    ]
    assert got == expected


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_empty_input(kind: str) -> None:
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}}}
    parsed = _parse(b"", "empty", _source(kind, mapping))
    assert sum(p.frame.height for p in parsed) == 0
    expected = [(1, "the file is empty (no header)")] if kind == "csv" else []
    assert _bad(parsed) == expected


def test_json_lines_with_a_byte_order_mark_and_crlf() -> None:
    data = b'\xef\xbb\xbf{"source.ip": "10.0.0.1"}\r\n{"source.ip": "10.0.0.2"}\r\n'
    rows = _rows(_parse(data, "s.jsonl", _source("jsonl")))
    assert [(r["source.ip"], r[event.LINE]) for r in rows] == [("10.0.0.1", 1), ("10.0.0.2", 2)]


@pytest.mark.usefixtures("small_chunks")
def test_a_batch_is_made_of_whole_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """No piece is shared by two batches: a batch cut out of a piece would keep the whole piece's
    columns alive, the next batch's rows with them, and a run's memory would vary with where the
    cuts fell. Lines of changing length, so a piece's size in bytes says little about its lines."""
    monkeypatch.setattr(parsers_package, "PIECE_ROWS", 37)
    heights: list[int] = []
    harmonise = parsers_package.apply_plan

    def recorded(*args: Any, **kwargs: Any) -> Any:
        frame, bad = harmonise(*args, **kwargs)
        heights.append(frame.height)
        return frame, bad

    monkeypatch.setattr(parsers_package, "apply_plan", recorded)
    mapping = {"columns": {"ip": {"field": "source.ip", "type": "ip"}, "n": {"field": "extra.n", "type": "int"}}}
    lines = ["ip,n", *(f"10.0.{i // 250}.{i % 250},{i * 7 ** (i % 9)}" for i in range(1000))]
    lines[400] = "10.0.1.999,399"  # line 401 of the file
    lines[777] = "10.0.3.27"  # line 778: a column short
    parsed = _parse("\n".join(lines).encode(), "pieces.csv", _source("csv", mapping), batch_rows=100)
    assert [p.frame.height for p in parsed] == [100] * 9 + [98]
    assert max(heights) <= 34  # an even share of a batch: 100 rows in three pieces
    piece_ends = set(itertools.accumulate(heights))
    assert set(itertools.accumulate(p.frame.height for p in parsed)) <= piece_ends
    assert [line for line, _ in _bad(parsed)] == [401, 778]


@pytest.mark.parametrize("lines", [1, 2, 3, 5])
def test_a_chunk_holds_at_most_the_lines_asked_and_never_cuts_a_quoted_value(lines: int) -> None:
    two_lines = "two\nlines"
    rows = [f'"10.0.0.{i}","{two_lines if i % 4 == 1 else i}"' for i in range(12)]
    data = ("ip,note\n" + "\n".join(rows) + "\n").encode()
    chunks = CsvChunks(io.BytesIO(data))
    taken: list[RawChunk] = []
    while (chunk := chunks.take(lines)) is not None:
        taken.append(chunk)
    assert all(chunk.data.count(b"\n") <= max(lines, 2) for chunk in taken)  # a quoted value: 2 lines
    assert all(chunk.data.count(b'"') % 2 == 0 for chunk in taken)
    assert b"".join(chunk.data for chunk in taken) == data[len(b"ip,note\n") :]
    assert [ip for chunk in taken for ip in chunk.frame["ip"]] == [f"10.0.0.{i}" for i in range(12)]
    with pytest.raises(ValueError, match="lines"):
        chunks.take(0)
