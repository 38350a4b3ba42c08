"""`csirtnet advisory …` against a committing database: import KEV, CVE JSON 5 and CSAF files in one
go (the kind found per file, one line each), a bad file refused with its errors and nothing of it
kept while the others are, users without the right refused; CSAF sources added, listed, polled."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from csirtnet.advisory import csaf_store
from csirtnet.db import Database
from csirtnet.models import AuditRecord, CsafDocument, CsafSource, Vulnerability
from csirtnet.vocabulary import Role
from tests.advisory.test_csaf_store import METADATA_URL, Provider, sample
from tests.helpers import run_cli
from tests.incident.helpers import coordinator, member

DATA = Path(__file__).parent / "data"


def run(database: Database, *args: str) -> Any:
    """`csirtnet advisory ARGS` in-process against `database`."""
    return run_cli(database, "advisory", *args)


def _count(database: Database, model: Any) -> int:
    with database.unit_of_work(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _files(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / name for name in ("kev.json", "cve.json", "csaf.json")]
    shutil.copy(DATA / "kev_sample.json", paths[0])
    shutil.copy(DATA / "cve_2024_3400.json", paths[1])
    shutil.copy(DATA / "csaf_vendor_sample.json", paths[2])
    return paths


def test_import_reads_each_kind_of_file(committing_database: Database, tmp_path: Path) -> None:
    kev, cve, csaf = _files(tmp_path)
    records = tmp_path / "records.json"
    record = json.loads(cve.read_text())
    second = json.loads(cve.read_text())
    second["cveMetadata"]["cveId"] = "CVE-2024-99999"
    records.write_text(json.dumps([record, second]))
    result = run(committing_database, "import", str(kev), str(cve), str(csaf), str(records))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{kev}: KEV catalogue 2024.12.05: 5 added, 0 updated, 0 unchanged",
        f"{cve}: CVE records: 0 added, 1 updated, 0 unchanged",
        f"{csaf}: imported CSAF SMSA-2025-0007 version 1 (Sao Mai Networks PSIRT)",
        f"{records}: CVE records: 1 added, 0 updated, 1 unchanged",
    ]
    assert "4/4" in result.stderr  # the progress bar over the files
    assert _count(committing_database, Vulnerability) == 6
    assert _count(committing_database, CsafDocument) == 1
    with committing_database.unit_of_work(write=False) as s:
        actors = set(s.scalars(select(AuditRecord.actor_label).where(AuditRecord.action.startswith("advisory."))))
    assert actors == {"cli"}
    again = run(committing_database, "import", str(kev), str(csaf))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"{kev}: KEV catalogue 2024.12.05: 0 added, 0 updated, 5 unchanged",
        f"{csaf}: CSAF SMSA-2025-0007 version 1 (Sao Mai Networks PSIRT) was imported before: nothing to do",
    ]


def test_a_bad_file_prints_its_errors_and_imports_nothing_of_itself(
    committing_database: Database, tmp_path: Path
) -> None:
    kev, cve, csaf = _files(tmp_path)
    data = json.loads(kev.read_text())
    data["vulnerabilities"][3]["cveID"] = "CVE-2023-XXXX"
    del data["vulnerabilities"][4]["dateAdded"]
    kev.write_text(json.dumps(data))
    broken = json.loads(csaf.read_text())
    del broken["document"]["tracking"]["id"]
    csaf.write_text(json.dumps(broken))
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world"}))
    result = run(committing_database, "import", str(kev), str(cve), str(csaf), str(garbage), str(other))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{cve}: CVE records: 1 added, 0 updated, 0 unchanged"]
    errors = result.stderr
    assert f"{kev}: refused, nothing imported" in errors
    assert "vulnerabilities.3.cveID: not a CVE id" in errors
    assert "vulnerabilities.4.dateAdded: is missing" in errors
    assert "/document/tracking/id:" in errors
    assert f"{garbage}: not JSON" in errors
    assert "document: not a CSAF 2.0 document" in errors
    assert "1 file(s) imported, 4 refused" in errors
    assert _count(committing_database, Vulnerability) == 1
    assert _count(committing_database, CsafDocument) == 0


def test_import_as_a_user_needs_the_right(committing_database: Database, tmp_path: Path) -> None:
    with committing_database.unit_of_work() as s:
        responder = member(s, role=Role.RESPONDER).email
        coord = coordinator(s).email
    kev = _files(tmp_path)[0]
    refused = run(committing_database, "import", str(kev), "--as", responder)
    assert refused.exit_code == 1
    assert "You need the permission" in refused.stderr
    assert _count(committing_database, Vulnerability) == 0
    done = run(committing_database, "import", str(kev), "--as", coord)
    assert done.exit_code == 0, done.output
    assert run(committing_database, "import", str(kev), "--as", "nobody@example.vn").exit_code == 1


def test_sources_add_list_and_poll(
    committing_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = run(committing_database, "sources", "add", "Sao Mai PSIRT", METADATA_URL, "--interval", "12")
    assert added.exit_code == 0, added.output
    assert "added: polled every 12 hour(s)" in added.stdout
    refused = run(committing_database, "sources", "add", "Plain", "http://psirt.saomai.example/x.json")
    assert refused.exit_code == 2 and "metadata_url: must be the https://" in refused.stderr
    listed = run(committing_database, "sources", "list")
    assert listed.exit_code == 0 and "Sao Mai PSIRT" in listed.stdout and "never" in listed.stdout

    provider = Provider()
    provider.publish("2025/smsa-2025-0007.json", sample(), "2025-02-11T08:00:00Z")
    real_fetch = csaf_store.fetch
    client = httpx.Client(transport=httpx.MockTransport(provider.handle))
    monkeypatch.setattr(csaf_store, "fetch", lambda target, _client=None: real_fetch(target, client))
    try:
        assert run(committing_database, "sources", "poll").exit_code == 2  # nothing named
        polled = run(committing_database, "sources", "poll", "--due")
        assert polled.exit_code == 0, polled.output
        (line,) = polled.stdout.splitlines()
        assert line.split("\t")[1:] == ["ok", "1 imported, 0 already kept, 0 problem(s)"]
        assert run(committing_database, "sources", "poll", "--due").stdout == ""  # polled: not due
        provider.down = True
        failed = run(committing_database, "sources", "poll", "--all")
        assert failed.exit_code == 1
        assert "\tfailed\t" in failed.stdout and "HTTP 503" in failed.stderr
    finally:
        client.close()
    with committing_database.unit_of_work(write=False) as s:
        (source,) = s.scalars(select(CsafSource))
        assert (source.last_status, source.documents_imported) == ("failed", 1)
    listed = run(committing_database, "sources", "list")
    assert "failed" in listed.stdout and "HTTP 503" in listed.stdout
