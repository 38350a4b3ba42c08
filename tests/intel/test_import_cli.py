"""`csirtnet intel import PATH…` (intel.cli_exchange) and format detection (intel.importing)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from csirtnet.db import Database
from csirtnet.errors import ValidationFailed
from csirtnet.intel import importing
from csirtnet.models import IntelImport, StixObject
from tests.helpers import run_cli

T0 = "2026-12-01T10:00:00.000Z"
FEED = Path(__file__).parent / "fixtures" / "misp_feed"


def indicator(pattern: str, **kw: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": T0,
        "modified": T0,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": T0,
        **kw,
    }


def write_bundle(path: Path, objects: list[Any], *, objects_first: bool = False) -> Path:
    head = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}"}
    data = {"objects": objects, **head} if objects_first else {**head, "objects": objects}
    path.write_bytes(orjson.dumps(data))
    return path


def test_detect_format(tmp_path: Path) -> None:
    assert importing.detect_format(write_bundle(tmp_path / "a.json", [])) == "stix"
    big = [indicator(f"[ipv4-addr:value = '10.0.{n // 250}.{n % 250}']", description="x" * 300) for n in range(1500)]
    assert importing.detect_format(write_bundle(tmp_path / "b.json", big, objects_first=True)) == "stix"
    (tmp_path / "e.json").write_text('{"Event": {"uuid": "x", "Attribute": []}}')
    assert importing.detect_format(tmp_path / "e.json") == "misp-event"
    assert importing.detect_format(FEED) == "misp-feed"
    (tmp_path / "n.json").write_text('{"hello": 1}')
    for bad in (tmp_path / "n.json", tmp_path / "missing.json", tmp_path):
        with pytest.raises(ValidationFailed):
            importing.detect_format(bad)


def test_read_bundle_names_what_is_wrong() -> None:
    with pytest.raises(ValidationFailed, match="not JSON"):
        importing.read_bundle(b"{", "x.json")
    with pytest.raises(ValidationFailed, match=r"type: x\.json is not a STIX bundle"):
        importing.read_bundle(b'{"type": "report"}', "x.json")
    with pytest.raises(ValidationFailed, match=r"id: x\.json: the bundle's id"):
        importing.read_bundle(b'{"type": "bundle", "id": "bundle--1", "objects": []}', "x.json")
    assert importing.read_bundle(orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}"})) == []


def test_cli_imports_bundles_shows_progress_and_what_was_skipped(committing_database: Database, tmp_path: Path) -> None:
    good = indicator("[ipv4-addr:value = '203.0.113.20']")
    bad = indicator("[ipv4-addr:value = '203.0.113.21'")
    first = write_bundle(tmp_path / "first.json", [good, bad])
    result = run_cli(committing_database, "intel", "import", str(first), "--tlp", "green")
    assert result.exit_code == 0, result.output
    assert "first.json: stix, 2 objects into national" in result.output
    assert "created: 1, new versions: 0, unchanged: 0, skipped: 1, typed indicators: 1" in result.output
    assert f"skipped {bad['id']}: pattern: is not a valid STIX pattern" in result.output

    not_json = tmp_path / "broken.json"
    not_json.write_text('{"type": "bundle", "objects": [')
    again = run_cli(committing_database, "intel", "import", str(first), str(not_json))
    assert again.exit_code == 1
    assert "created: 0, new versions: 0, unchanged: 1, skipped: 1" in again.output
    assert "broken.json: nothing imported" in again.output
    with committing_database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(IntelImport)) == 2
        assert session.scalar(select(StixObject.tlp)) == "green"


def test_cli_imports_a_misp_feed_directory_and_refuses_who_may_not_share(
    committing_database: Database, tmp_path: Path
) -> None:
    result = run_cli(committing_database, "intel", "import", str(FEED))
    assert result.exit_code == 0, result.output
    assert "misp-feed" in result.output and "typed indicators:" in result.output
    path = write_bundle(tmp_path / "a.json", [indicator("[ipv4-addr:value = '203.0.113.22']")])
    result = run_cli(committing_database, "intel", "import", str(path), "--as", "nobody@example.vn")
    assert result.exit_code == 1
    result = run_cli(committing_database, "intel", "import", str(path), "--collection", "nowhere")
    assert result.exit_code == 1 and "nothing imported" in result.output
