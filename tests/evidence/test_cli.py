"""`csirtnet evidence …` against a committing database: add with a progress bar and a stated hash,
list, verify naming each item and exactly what is wrong (a changed byte, a missing file, an edited,
removed or reordered custody entry), export a package that checks out offline, print the key."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from csirtnet.config import Settings
from csirtnet.db import Database
from csirtnet.evidence import service, signing
from csirtnet.evidence.schemas import CheckOut, Note, TransferOffer
from csirtnet.models import EvidenceCheck, EvidenceCustodyEntry, EvidenceItem
from csirtnet.ops.backup import RestoreError
from tests.evidence.test_service import World, make_world
from tests.helpers import run_cli
from tests.incident.helpers import who

IMAGE = os.urandom(3 * 1024 * 1024 + 17)


def _world(database: Database) -> World:
    with database.unit_of_work() as s:
        return make_world(s)


def _add(database: Database, w: World, path: Path, *extra: str) -> Any:
    return run_cli(
        database,
        "evidence",
        "add",
        "--incident",
        w.incident.reference,
        str(path),
        "--as",
        w.custodian.email,
        "--type",
        "disk_image",
        "--place",
        "Hà Nội",
        *extra,
    )


def _stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _count(database: Database, model: Any) -> int:
    with database.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_add_prints_one_line_per_item_and_lists_them(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    w = _world(committing_database)
    image, log = tmp_path / "web-01.dd", tmp_path / "auth.log"
    image.write_bytes(IMAGE)
    log.write_bytes(b"sshd: Accepted password for root\n")
    digest = hashlib.sha256(IMAGE).hexdigest()
    added = _add(committing_database, w, image, "--sha256", digest.upper())
    assert added.exit_code == 0, added.output
    (line,) = added.stdout.splitlines()
    item_id, sha, name = line.split("\t")
    assert (sha, name) == (digest, "web-01.dd")
    assert "web-01.dd" in added.stderr  # the progress bar
    two = _add(committing_database, w, image, str(log), "--title", "Bộ sưu tập")
    assert two.exit_code == 0, two.output
    assert [row.split("\t")[2] for row in two.stdout.splitlines()] == ["web-01.dd", "auth.log"]
    assert len(_stored_files(settings)) == 2  # the image once, linked twice
    with committing_database.unit_of_work() as s:
        item = s.get(EvidenceItem, int(item_id))
        assert item is not None and item.custodian_id == w.custodian.id and item.collection_place == "Hà Nội"
    listed = run_cli(committing_database, "evidence", "list", "--incident", w.incident.reference)
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 3
    assert f"{item_id}\t" in listed.stdout and digest in listed.stdout


def test_add_with_a_hash_that_differs_registers_nothing(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    w = _world(committing_database)
    image = tmp_path / "web-01.dd"
    image.write_bytes(IMAGE)
    refused = _add(committing_database, w, image, "--sha256", "ab" * 32)
    assert refused.exit_code == 1
    assert "SHA256" in refused.stderr and "ab" * 32 in refused.stderr and refused.stdout == ""
    assert _count(committing_database, EvidenceItem) == 0 and _stored_files(settings) == []
    outsider = run_cli(
        committing_database, "evidence", "add", "--incident", w.incident.reference, str(image), "--as", w.outsider.email
    )
    assert outsider.exit_code == 1 and _count(committing_database, EvidenceItem) == 0


def _three_entries(database: Database, w: World, tmp_path: Path) -> EvidenceItem:
    image = tmp_path / "web-01.dd"
    image.write_bytes(IMAGE)
    added = _add(database, w, image)
    assert added.exit_code == 0, added.output
    item_id = int(added.stdout.split("\t")[0])
    with database.unit_of_work() as s:
        service.offer_transfer(s, who(w.custodian), item_id, TransferOffer(to_user_id=w.analyst.id, reason="x"))
        service.acknowledge_transfer(s, who(w.analyst), item_id, Note())
        service.check_out(s, who(w.analyst), item_id, CheckOut(purpose="phân tích"))
        item = s.get(EvidenceItem, item_id)
        assert item is not None
        return item


def _verify(database: Database) -> Any:
    return run_cli(database, "evidence", "verify", "--all")


def test_verify_names_a_changed_byte_and_a_missing_file(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    w = _world(committing_database)
    item = _three_entries(committing_database, w, tmp_path)
    held = _verify(committing_database)
    assert held.exit_code == 0, held.output
    assert held.stdout.startswith(f"OK\t{item.reference}")
    (stored,) = _stored_files(settings)
    stored.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with stored.open("r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    changed = _verify(committing_database)
    assert changed.exit_code == 1
    assert f"FAIL\t{item.reference}\t" in changed.stdout and "changed" in changed.stdout
    stored.unlink()
    gone = run_cli(committing_database, "evidence", "verify", str(item.id), "--deep")
    assert gone.exit_code == 1 and "missing" in gone.stdout
    with committing_database.unit_of_work() as s:
        kept = s.scalars(select(EvidenceCheck).where(EvidenceCheck.item_id == item.id)).all()
        assert [(c.ok, c.trigger) for c in kept] == [(True, "cli"), (False, "cli"), (False, "cli")]


def test_verify_names_an_edited_removed_or_reordered_entry(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    w = _world(committing_database)
    item = _three_entries(committing_database, w, tmp_path)
    entry = EvidenceCustodyEntry
    with committing_database.unit_of_work() as s:
        rows = s.scalars(select(entry).where(entry.item_id == item.id).order_by(entry.seq)).all()
        original = {row.seq: row.entry for row in rows}
        s.execute(
            update(entry)
            .where(entry.item_id == item.id, entry.seq == 2)
            .values(entry=original[2].replace('"reason":"x"', '"reason":"y"'))
        )
    edited = _verify(committing_database)
    assert (
        edited.exit_code == 1 and f"FAIL\t{item.reference}" in edited.stdout and "entry 2 was edited" in edited.stdout
    )
    with committing_database.unit_of_work() as s:
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == 2).values(entry=original[2]))
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == 2).values(seq=-2))
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == 3).values(seq=2))
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == -2).values(seq=3))
    reordered = _verify(committing_database)
    assert reordered.exit_code == 1 and "reordered" in reordered.stdout
    with committing_database.unit_of_work() as s:
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == 2).values(seq=-2))
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == 3).values(seq=2))
        s.execute(update(entry).where(entry.item_id == item.id, entry.seq == -2).values(seq=3))
    assert _verify(committing_database).exit_code == 0
    with committing_database.unit_of_work() as s:
        s.execute(delete(entry).where(entry.item_id == item.id, entry.seq == 3))
    removed = _verify(committing_database)
    assert removed.exit_code == 1 and f"FAIL\t{item.reference}" in removed.stdout and "removed" in removed.stdout


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_export_writes_a_package_that_checks_out_offline(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    w = _world(committing_database)
    item = _three_entries(committing_database, w, tmp_path)
    out = tmp_path / "goi-chung-cu"
    exported = run_cli(committing_database, "evidence", "export", str(item.id), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert (out / "files" / item.reference / "web-01.dd").read_bytes() == IMAGE
    assert _run(["sha256sum", "-c", "SHA256SUMS"], out).returncode == 0
    checked = _run([sys.executable, "verify.py"], out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with committing_database.unit_of_work() as s:
        last = s.scalars(
            select(EvidenceCustodyEntry)
            .where(EvidenceCustodyEntry.item_id == item.id)
            .order_by(EvidenceCustodyEntry.seq.desc())
        ).first()
        assert last is not None and last.action == "exported" and last.hash in (out / "custody.jsonl").read_text()
    again = run_cli(committing_database, "evidence", "export", str(item.id), "--out", str(out))
    assert again.exit_code == 2  # never over an existing folder
    bare = tmp_path / "bare"
    without = run_cli(committing_database, "evidence", "export", str(item.id), "--out", str(bare), "--without-files")
    assert without.exit_code == 0 and not (bare / "files").exists()
    assert _run([sys.executable, "verify.py"], bare).returncode == 0
    nobody = run_cli(
        committing_database, "evidence", "export", str(item.id), "--out", str(tmp_path / "x"), "--as", w.outsider.email
    )
    assert nobody.exit_code == 1 and not (tmp_path / "x").exists()


def test_key_prints_the_public_key_and_its_fingerprint(committing_database: Database, settings: Settings) -> None:
    printed = run_cli(committing_database, "evidence", "key")
    assert printed.exit_code == 0
    assert signing.public_pem().decode() in printed.stdout
    assert signing.fingerprint(signing.public_key()) in printed.stdout


def test_backup_carries_the_evidence_and_the_signing_key(
    committing_database: Database, new_database: Any, backend_kind: str, settings: Settings, tmp_path: Path
) -> None:
    from csirtnet.evidence import checks
    from csirtnet.evidence.store import evidence_store
    from csirtnet.ops.backup import restore_backup, write_backup

    w = _world(committing_database)
    item = _three_entries(committing_database, w, tmp_path)
    archive = tmp_path / "backup.tar.gz"
    manifest = write_backup(committing_database, settings.data_dir, archive)
    assert set(manifest["data_files"]) == {f"evidence/{hashlib.sha256(IMAGE).hexdigest()}", "keys/evidence-ed25519.pem"}
    target, target_dir = new_database(backend_kind), tmp_path / "restored"
    report = restore_backup(target, target_dir, archive)
    assert report["verified"] and report["data_files"] == 2
    assert (target_dir / "keys" / "evidence-ed25519.pem").read_bytes() == signing.key_path().read_bytes()
    with target.unit_of_work() as s:
        restored = s.get(EvidenceItem, item.id)
        assert restored is not None
        finding = checks.verify_item(
            s, restored, store=evidence_store(target_dir), key=signing.public_key(target_dir), deep=True
        )
        assert finding.ok, finding.problems
    # A data directory holding another key refuses the archive (its logs would no longer verify).
    other_dir = tmp_path / "other"
    signing.public_key(other_dir)
    with pytest.raises(RestoreError, match="different key"):
        restore_backup(new_database(backend_kind), other_dir, archive)


def test_a_killed_add_registers_nothing_and_its_part_file_is_swept(
    committing_database: Database, settings: Settings, tmp_path: Path
) -> None:
    """`kill -9` in the middle of `csirtnet evidence add`: nothing is registered; the part file the
    process could not remove is swept by the next verification (the web app sweeps at start-up)."""
    import signal
    import time

    w = _world(committing_database)
    fifo = tmp_path / "image.dd"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "CSIRTNET_DATABASE_URL": committing_database.engine.url.render_as_string(hide_password=False),
        "CSIRTNET_DATA_DIR": str(settings.data_dir),
        "CSIRTNET_SECRET_KEY": settings.secret_key,
        "CSIRTNET_LOG_JSON": "false",
    }
    command = [sys.executable, "-m", "csirtnet.cli", "evidence", "add", "--incident", w.incident.reference]
    child = subprocess.Popen(
        [*command, str(fifo), "--as", w.custodian.email], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    incoming = settings.data_dir / "evidence" / ".incoming"
    try:
        with fifo.open("wb") as feed:  # opens once the command opens the file to read it
            feed.write(os.urandom(4 * 1024 * 1024))
            feed.flush()
            deadline = time.monotonic() + 60
            while not (incoming.is_dir() and any(incoming.iterdir())):
                assert time.monotonic() < deadline, "the command never started writing"
                time.sleep(0.05)
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    except BrokenPipeError:
        pass
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert _count(committing_database, EvidenceItem) == 0
    assert len(list(incoming.iterdir())) == 1  # what a killed process leaves
    swept = _verify(committing_database)
    assert swept.exit_code == 0, swept.output
    assert "removed 1 unfinished upload" in swept.stderr
    assert list(incoming.iterdir()) == [] and _stored_files(settings) == []
