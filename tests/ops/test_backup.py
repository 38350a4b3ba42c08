"""Backup and restore on real databases: round trips (same backend and across backends), tampered
archives, non-empty targets, and a backup taken while the platform keeps writing."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, func, inspect, select

from csirtnet import audit
from csirtnet.authz import Subject
from csirtnet.cache import DATASETS
from csirtnet.db import Database
from csirtnet.identity.schemas import UserCreate
from csirtnet.identity.service import create_user, subject_for
from csirtnet.kit.files import ContentStore
from csirtnet.kit.hashing import sha256_hex
from csirtnet.migrate import current_revision, head_revision
from csirtnet.models import AuditRecord, Base, Cluster, ClusterMember, Notification, Organisation, StoredFile
from csirtnet.ops.backup import RestoreError, restore_backup, write_backup
from csirtnet.vocabulary import Role
from csirtnet.worker import enqueue
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.committing

BLOBS = [b"evidence one", "báo cáo sự cố — Bắc Kạn".encode(), bytes(range(256)) * 10]


def populate(database: Database, data_dir: Path) -> None:
    """Rows of many kinds (Vietnamese text, JSON, dates, a self-reference to a later row) and blobs."""
    store = ContentStore(data_dir / "blobs")
    with database.unit_of_work() as s:
        province = make_organisation(s, name="Sở Thông tin và Truyền thông Bắc Kạn", province="Bắc Kạn")
        ministry = make_organisation(s, name="Bộ Thông tin và Truyền thông")
        province.parent_id = ministry.id  # points at a row inserted after it
        admin = make_user(s, roles=[Role.PLATFORM_ADMIN], organisation=province, language="vi")
        who = subject_for(admin)
        create_user(
            s,
            who,
            UserCreate(
                email="ungcuu@example.vn",
                full_name="Trần Thị Ứng Cứu",
                organisation_id=ministry.id,
                roles=[Role.RESPONDER, Role.VIEWER],
                password="a long enough password",
            ),
        )
        cluster = Cluster(number=1, name="Cụm số 1", decision_date=date(2024, 12, 30))
        s.add(cluster)
        s.flush()
        s.add(ClusterMember(cluster_id=cluster.id, organisation_id=province.id, joined_on=date(2025, 1, 1)))
        s.add(
            Notification(
                user_id=admin.id,
                event_type="system.announcement",
                params={"subject": "Diễn tập ACID", "rank": 3, "nested": {"z": [1, 2.5, None, True], "a": "ễ"}},
            )
        )
        for content in BLOBS:
            sha, size = store.put_bytes(content)
            stored = StoredFile(sha256=sha, size=size, filename="tệp.bin", organisation_id=province.id)
            s.add(stored)
            s.flush()
            audit.record(s, who, "file.stored", stored, sha256=sha)
        enqueue(
            s,
            "notification.send_email",
            guard=None,
            user_id=admin.id,
            event_type="system.announcement",
            params={},
            link=None,
        )


def contents(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every table of the database (typed by its model), rows as Python values, in primary-key order.

    tests/test_migrations.py checks that these are exactly the models' tables."""
    out = {}
    with database.engine.connect() as conn:
        reflected = MetaData()
        reflected.reflect(conn)
        for name, found in reflected.tables.items():
            if name == "alembic_version":
                continue
            table = Base.metadata.tables.get(name, found)
            key = [c.name for c in table.primary_key.columns]
            rows = [dict(r) for r in conn.execute(select(table)).mappings()]
            out[table.name] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in key))
    return out


def blobs(data_dir: Path) -> dict[str, bytes]:
    store = ContentStore(data_dir / "blobs")
    return {sha: store.path_for(sha).read_bytes() for sha in store}


def without_restore_record(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    audit_rows = rows["audit_record"]
    assert audit_rows[-1]["action"] == "backup.restored"
    return {**rows, "audit_record": audit_rows[:-1]}


def check_identical(source: Database, source_dir: Path, target: Database, target_dir: Path) -> None:
    before, after = contents(source), without_restore_record(contents(target))
    # The restore gave every cached dataset a new version, so running processes rebuild their copies.
    versions_before = {r["name"]: r["version"] for r in before.pop("data_version")}
    versions_after = {r["name"]: r["version"] for r in after.pop("data_version")}
    assert versions_after.keys() == versions_before.keys() == DATASETS
    assert all(versions_after[name] != versions_before[name] for name in DATASETS)
    assert before.keys() == after.keys()
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the restore"
    assert sum(len(rows) for rows in before.values()) > 20
    assert blobs(target_dir) == blobs(source_dir)
    assert sorted(blobs(target_dir).values()) == sorted(BLOBS)


def round_trip(source: Database, data_dir: Path, target: Database, tmp_path: Path) -> dict[str, Any]:
    archive = tmp_path / "backups" / "csirtnet.tar.gz"
    ticks: list[tuple[int, int]] = []
    manifest = write_backup(source, data_dir, archive, on_progress=lambda done, total: ticks.append((done, total)))
    assert ticks[-1] == (len(manifest["tables"]) + len(BLOBS),) * 2
    assert manifest["revision"] == head_revision()
    assert manifest["dialect"] == source.dialect
    assert manifest["tables"]["organisation"]["rows"] == 2
    assert set(manifest["files"]) == {sha256_hex(b) for b in BLOBS}
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds secrets: owner-only"

    target_dir = tmp_path / "restored"
    steps: list[tuple[int, int]] = []
    report = restore_backup(target, target_dir, archive, on_progress=lambda d, t: steps.append((d, t)))
    assert report["verified"] is True
    assert report["files"] == len(BLOBS)
    assert report["audit_records_verified"] == manifest["tables"]["audit_record"]["rows"]
    assert steps[-1][0] == steps[-1][1]
    check_identical(source, data_dir, target, target_dir)
    with target.engine.connect() as conn:
        assert current_revision(conn) == manifest["revision"]
    with target.unit_of_work() as s:  # ids continue after the restored ones (PostgreSQL sequences)
        org = make_organisation(s)
        assert org.id > max(o["id"] for o in contents(source)["organisation"])
        checked, broken = audit.verify_chain(s)
        assert broken is None and checked == report["audit_records_verified"] + 1
    return report


def test_round_trip_into_an_empty_database(committing_database, new_database, backend_kind, settings, tmp_path):
    populate(committing_database, settings.data_dir)
    target = new_database(backend_kind)
    report = round_trip(committing_database, settings.data_dir, target, tmp_path)
    assert report["source_dialect"] == report["dialect"] == backend_kind


def test_round_trip_across_backends(committing_database, new_database, backend_kind, settings, tmp_path):
    populate(committing_database, settings.data_dir)
    other = "postgresql" if backend_kind == "sqlite" else "sqlite"
    target = new_database(other, migrated=True)  # what `csirtnet db upgrade` leaves, reference data included
    report = round_trip(committing_database, settings.data_dir, target, tmp_path)
    assert (report["source_dialect"], report["dialect"]) == (backend_kind, other)


# -- refusals ------------------------------------------------------------------------------------


def rewrite(archive: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """Rewrite an archive with `change` applied to its members (name -> bytes)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    change(members)
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def edit_line(members: dict[str, bytes], table: str, match: str, edit: Callable[[dict[str, Any]], None]) -> None:
    name = f"db/{table}.jsonl"
    lines = members[name].decode().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if match in line:
            row = json.loads(line)
            edit(row)
            lines[i] = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
            break
    else:
        raise AssertionError(f"no row of {table} contains {match!r}")
    members[name] = "".join(lines).encode()


def assert_untouched(target: Database, target_dir: Path) -> None:
    with target.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        if "audit_record" in names:
            assert conn.scalar(select(func.count()).select_from(AuditRecord)) == 0
            assert conn.scalar(select(func.count()).select_from(Organisation)) == 0
    assert blobs(target_dir) == {}


def test_an_edited_row_is_refused_before_anything_is_written(
    committing_database, new_database, backend_kind, settings, tmp_path
):
    populate(committing_database, settings.data_dir)
    archive = tmp_path / "b.tar.gz"
    write_backup(committing_database, settings.data_dir, archive)

    def promote(members: dict[str, bytes]) -> None:
        edit_line(members, "user_role", '"responder"', lambda row: row.update(role="platform_admin"))

    rewrite(archive, promote)
    target = new_database(backend_kind)
    with pytest.raises(RestoreError, match=r"db/user_role\.jsonl does not match its checksum"):
        restore_backup(target, tmp_path / "restored", archive)
    assert_untouched(target, tmp_path / "restored")


def test_an_edited_audit_record_is_refused_even_with_a_matching_manifest(
    committing_database, new_database, backend_kind, settings, tmp_path
):
    """Someone who also fixes the manifest's checksum is still caught by the audit chain."""
    populate(committing_database, settings.data_dir)
    archive = tmp_path / "b.tar.gz"
    write_backup(committing_database, settings.data_dir, archive)

    def forge(members: dict[str, bytes]) -> None:
        edit_line(members, "audit_record", '"user.created"', lambda row: row["summary"].update(roles=["viewer"]))
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["audit_record"]["sha256"] = sha256_hex(members["db/audit_record.jsonl"])
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(archive, forge)
    target = new_database(backend_kind, migrated=True)
    with pytest.raises(RestoreError, match=r"audit chain .* broken at record \d+: its content was edited"):
        restore_backup(target, tmp_path / "restored", archive)
    assert_untouched(target, tmp_path / "restored")  # rolled back, blobs removed


def test_a_missing_blob_is_refused(committing_database, new_database, backend_kind, settings, tmp_path):
    populate(committing_database, settings.data_dir)
    archive = tmp_path / "b.tar.gz"
    write_backup(committing_database, settings.data_dir, archive)
    rewrite(archive, lambda members: members.pop(f"files/{sha256_hex(BLOBS[0])}"))
    with pytest.raises(RestoreError, match="incomplete"):
        restore_backup(new_database(backend_kind), tmp_path / "restored", archive)


def test_a_target_with_data_is_refused_unless_forced(
    committing_database, new_database, backend_kind, settings, tmp_path
):
    populate(committing_database, settings.data_dir)
    archive = tmp_path / "b.tar.gz"
    write_backup(committing_database, settings.data_dir, archive)

    target = new_database(backend_kind, migrated=True)
    with target.unit_of_work() as s:
        make_user(s, email="someone@else.vn")
    with pytest.raises(RestoreError, match="not empty"):
        restore_backup(target, tmp_path / "restored", archive)
    with target.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == 1  # untouched

    empty = new_database(backend_kind)
    ContentStore(tmp_path / "other" / "blobs").put_bytes(b"left over")
    with pytest.raises(RestoreError, match=r"blob store .* is not empty"):
        restore_backup(empty, tmp_path / "other", archive)

    report = restore_backup(target, tmp_path / "restored", archive, force=True)
    assert report["replaced_existing_data"] is True
    check_identical(committing_database, settings.data_dir, target, tmp_path / "restored")


# -- consistency under load ----------------------------------------------------------------------


def test_backup_while_the_platform_writes_is_one_consistent_snapshot(
    committing_database, new_database, backend_kind, settings, tmp_path
):
    """Each write creates an organisation and its audit record in one transaction; the tables are
    read one after another, so only a snapshot keeps their counts equal in the copy."""
    database = committing_database
    writer = Subject.system("writer")
    stop = threading.Event()
    commits: list[int] = []
    errors: list[BaseException] = []

    def keep_writing() -> None:
        while not stop.is_set():
            try:
                with database.unit_of_work() as s:
                    org = make_organisation(s)
                    audit.record(s, writer, "organisation.created", org, organisation_id=org.id)
                commits.append(1)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
                return

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while len(commits) < 5 and thread.is_alive():
            time.sleep(0.01)
        before = len(commits)
        archive = tmp_path / "live.tar.gz"
        # A pause after each table lets the writer commit between the reads of two tables.
        manifest = write_backup(database, settings.data_dir, archive, on_progress=lambda d, t: time.sleep(0.01))
        during = len(commits) - before
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert during > 0, "the writer must have committed while the backup ran"

    target = new_database(backend_kind, migrated=True)
    report = restore_backup(target, tmp_path / "restored", archive)  # verifies the audit chain
    with target.unit_of_work() as s:
        orgs = s.scalar(select(func.count()).select_from(Organisation))
        created = s.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "organisation.created")
        )
    assert orgs == created == manifest["tables"]["organisation"]["rows"]
    assert report["audit_records_verified"] == created
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) > orgs  # the writer went on
