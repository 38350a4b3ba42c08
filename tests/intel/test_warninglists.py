"""Warninglists: the shipped lists flag private, reserved and resolver addresses and popular names;
the operator's MISP files are read, replace shipped lists of the same name, and are picked up
when they change; a bad file is named with its field; the CLI loads and lists them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from csirtnet.config import Settings
from csirtnet.errors import ValidationFailed
from csirtnet.intel import warninglists
from tests.helpers import run_cli

RFC1918 = "List of RFC 1918 CIDR blocks"
RESERVED = "List of special-purpose and reserved address blocks (RFC 6890)"
RESOLVERS = "List of known public DNS resolvers"
POPULAR = "Very popular domains"


def _write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ipv4", "10.20.30.40", [RFC1918]),
        ("ipv4-net", "192.168.4.0/24", [RFC1918]),
        ("ipv4-net", "10.0.0.0/7", []),  # larger than the listed range: not inside it
        ("ipv4", "8.8.8.8", [RESOLVERS]),
        ("ipv6", "2001:db8::1", [RESERVED]),
        ("ipv4", "198.51.100.7", [RESERVED]),
        ("ipv4", "104.16.1.1", ["List of known Cloudflare IP ranges"]),
        ("url", "http://192.168.1.1/admin", [RFC1918]),
        ("hostname", "mail.google.com", [POPULAR]),
        ("url", "https://www.microsoft.com/x", [POPULAR]),
        ("email", "someone@gmail.com", [POPULAR]),
        ("hostname", "dns.google", ["List of known public DNS resolver names"]),
        ("domain", "notgoogle.com", []),
        ("ipv4", "5.6.7.8", []),
        ("sha256", "a" * 64, []),
    ],
)
def test_the_shipped_lists(settings: Settings, kind: str, value: str, expected: list[str]) -> None:
    assert warninglists.matcher(settings).check(kind, value) == expected


def test_operator_lists_are_read_replace_shipped_ones_and_reload_when_changed(settings: Settings) -> None:
    folder = warninglists.operator_dir(settings)
    assert warninglists.matcher(settings).check("domain", "example.vn") == []
    path = _write(folder, "mine.json", {"name": "Ours", "version": 1, "type": "string", "list": ["example.vn"]})
    assert warninglists.matcher(settings).check("domain", "EXAMPLE.vn") == ["Ours"]
    path.write_text(json.dumps({"name": "Ours", "version": 2, "type": "substring", "list": ["sample"]}))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    current = warninglists.matcher(settings)
    assert current.check("domain", "example.vn") == [] and current.check("domain", "a-sample.vn") == ["Ours"]
    _write(folder, "rfc.json", {"name": RFC1918, "version": 9, "type": "cidr", "list": ["10.0.0.0/24"]})
    replaced = warninglists.matcher(settings)
    assert replaced.check("ipv4", "10.0.0.5") == [RFC1918] and replaced.check("ipv4", "10.9.0.5") == []
    assert warninglists.matcher(settings) is replaced  # nothing changed: the same copy


def test_types_and_matching_attributes(settings: Settings) -> None:
    folder = warninglists.operator_dir(settings)
    _write(
        folder,
        "rx.json",
        {"name": "Rx", "type": "regex", "list": [r"^http://[^/]+/wp-admin"], "matching_attributes": ["url"]},
    )
    _write(
        folder,
        "hosts.json",
        {"name": "Hosts", "type": "hostname", "list": ["corp.example"], "matching_attributes": ["hostname", "domain"]},
    )
    lists = warninglists.matcher(settings)
    assert lists.check("url", "http://x.vn/wp-admin/") == ["Rx"]
    assert lists.check("filename", "http://x.vn/wp-admin/") == []
    assert lists.check("hostname", "a.b.corp.example") == ["Hosts"]
    assert lists.check("url", "http://a.corp.example/") == []  # the list is not for URLs


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "x.json: (file)"),
        ({"type": "cidr", "list": []}, "x.json: name"),
        ({"name": "n", "type": "fuzzy", "list": []}, "x.json: type"),
        ({"name": "n", "type": "cidr", "list": ["10.0.0.0/8", "not-a-net"]}, "x.json: list[1]"),
        ({"name": "n", "type": "regex", "list": ["("]}, "x.json: list[0]"),
        ({"name": "n", "type": "string", "list": "a"}, "x.json: list"),
        ({"name": "n", "type": "string", "list": [], "version": "2"}, "x.json: version"),
    ],
)
def test_a_bad_file_is_named_with_its_field(tmp_path: Path, data: Any, field: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationFailed) as bad:
        warninglists.read_file(path)
    assert bad.value.errors[0].field.endswith(field)


def test_an_unreadable_operator_file_is_left_out_and_reported(settings: Settings) -> None:
    folder = warninglists.operator_dir(settings)
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{")
    lists = warninglists.matcher(settings)
    assert lists.check("ipv4", "10.0.0.1") == [RFC1918]
    assert len(lists.problems) == 1 and "broken.json" in lists.problems[0]


def test_the_cli_loads_checked_files_and_lists_them(
    committing_database: Any, settings: Settings, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    _write(drop, "ok.json", {"name": "Sinkholes", "version": 1, "type": "cidr", "list": ["192.0.2.0/24"]})
    _write(drop, "bad.json", {"name": "Bad", "type": "cidr", "list": ["nope"]})
    refused = run_cli(committing_database, "intel", "warninglists", "load", str(drop))
    assert refused.exit_code == 1 and "bad.json: list[0]" in refused.output
    assert not (warninglists.operator_dir(settings) / "ok.json").exists()
    (drop / "bad.json").unlink()
    loaded = run_cli(committing_database, "intel", "warninglists", "load", str(drop))
    assert loaded.exit_code == 0, loaded.output
    assert (warninglists.operator_dir(settings) / "ok.json").exists()
    listed = run_cli(committing_database, "intel", "warninglists", "list")
    assert "Sinkholes" in listed.output and RFC1918 in listed.output
