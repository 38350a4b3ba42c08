"""Restoring an archive: checked whole before anything is written, loaded in one transaction,
committed only when rows, checksums, blobs and the audit chain verify."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import sqlalchemy as sa
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from csirtnet.cache import DATASETS, bump
from csirtnet.db import Database
from csirtnet.kit.files import ContentStore, blob_store
from csirtnet.models import DataVersion
from csirtnet.ops.backup import data_files
from csirtnet.ops.backup.archive import (
    BATCH,
    SKIP_TABLES,
    Progress,
    RestoreError,
    Table,
    base_type,
    check_archive,
    decoder,
    dump,
    members,
    read_manifest,
    table_specs,
)


def _holding_data(engine: Engine) -> str | None:
    """The first table holding data, or None when the database is empty.

    Rows the migrations themselves put in (reference data such as deadline profiles) do not
    count: a fresh migrated schema is empty. Changing them writes audit records, which count.
    """
    from csirtnet.migrate import current_revision

    with engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n not in SKIP_TABLES]
        revision = current_revision(conn) if names else None
        seeded = _seeded_tables(revision) if revision else frozenset()
        for name in names:
            quoted = conn.dialect.identifier_preparer.quote(name)
            if name not in seeded and conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first():  # noqa: S608
                return name
    return None


@cache
def _seeded_tables(revision: str) -> frozenset[str]:
    """Tables the migrations up to `revision` fill, found by running them on a scratch database."""
    from alembic.util.exc import CommandError

    from csirtnet.db import make_engine
    from csirtnet.migrate import upgrade

    scratch = make_engine("sqlite://")
    try:
        upgrade(scratch, revision)
        with scratch.connect() as conn:
            return frozenset(
                name
                for name in sa.inspect(conn).get_table_names()
                if name not in SKIP_TABLES and conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first()  # noqa: S608
            )
    except CommandError as exc:
        raise RestoreError(f"the target database is at schema revision {revision}, unknown here") from exc
    finally:
        scratch.dispose()


def _migrate_to(engine: Engine, revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from csirtnet.migrate import alembic_config, current_revision, downgrade, upgrade

    if revision is None:
        raise RestoreError("the archive was made from a database without a schema revision")
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(revision)
    except CommandError as exc:
        raise RestoreError(f"schema revision {revision} is unknown here: the archive is from a newer csirtnet") from exc
    with engine.connect() as conn:
        current = current_revision(conn)
    if current == revision:
        return
    below = {r.revision for r in script.iterate_revisions(revision, "base")}
    if current is None or current in below:
        upgrade(engine, revision)
    else:
        downgrade(engine, revision)  # an empty schema newer than the archive


def restore_backup(
    database: Database, data_dir: Path, file: Path, on_progress: Progress | None = None, force: bool = False
) -> dict[str, Any]:
    """Restore an archive into an empty database and blob store (or, with force, replace their rows).

    Nothing is committed unless every table's rows and checksum, every blob and the audit chain
    verify; on failure the database is rolled back and the blobs written are removed.
    """
    file = Path(file)
    if not file.is_file():
        raise RestoreError(f"{file} does not exist")
    manifest = read_manifest(file)
    store = blob_store(data_dir)
    occupied = _holding_data(database.engine)
    blobs_present = next(iter(store), None) is not None
    if not force:
        if occupied is not None:
            raise RestoreError(
                f"the target database is not empty (table {occupied} has rows); "
                "restore into an empty database, or use --force to replace its contents"
            )
        if blobs_present:
            raise RestoreError(f"the blob store {store.root} is not empty; restore into an empty data directory")
        taken = data_files.occupied(data_dir, manifest.get("data_files", {}))
        if taken is not None:
            raise RestoreError(f"{taken}; restore into an empty data directory, or use --force")
    check_archive(file, manifest)
    if occupied is not None:
        from csirtnet.migrate import current_revision

        with database.engine.connect() as conn:
            current = current_revision(conn)
        if current != manifest["revision"]:
            raise RestoreError(
                f"the target's schema is at {current}, the archive's at {manifest['revision']}: "
                "restore into an empty database"
            )
    else:
        _migrate_to(database.engine, manifest["revision"])

    total = len(manifest["tables"]) + len(manifest["files"]) + len(manifest.get("data_files", {}))
    written: list[str] = []
    written_files: list[Path] = []
    engine = database.engine.execution_options(sqlite_immediate=True)  # SQLite: take the write lock at BEGIN
    try:
        with engine.connect() as conn, conn.begin():
            tables = table_specs(conn, order=list(manifest["tables"]))
            # The archive holds every row, reference data included: what the migrations (or, when
            # forced, the replaced instance) put in goes first.
            for spec in reversed(tables):
                conn.execute(sa.delete(spec.clause))
            done = _load(conn, file, manifest, tables, store, written, on_progress, total, data_dir, written_files)
            checked = _verify(conn, manifest, tables, store)
            data_files.verify_restored(data_dir, manifest.get("data_files", {}))
            _reset_sequences(conn, tables)
            if any(t.name == DataVersion.__tablename__ for t in tables):
                for dataset in sorted(DATASETS):  # copies cached by running processes are stale now
                    bump(conn, dataset)
            _record_restore(conn, manifest, file)
    except RestoreError:
        _remove(store, written)
        data_files.remove(written_files)
        raise
    except BaseException as exc:
        _remove(store, written)
        data_files.remove(written_files)
        if isinstance(exc, sa.exc.SQLAlchemyError):
            raise RestoreError(f"the database refused the data: {exc}") from exc
        raise
    return {
        "archive": str(file),
        "created_at": manifest["created_at"],
        "source_dialect": manifest["dialect"],
        "dialect": database.dialect,
        "revision": manifest["revision"],
        "tables": len(tables),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "files": len(manifest["files"]),
        "data_files": len(manifest.get("data_files", {})),
        "bytes": sum(f["size"] for f in manifest["files"].values()),
        "audit_records_verified": checked,
        "replaced_existing_data": occupied is not None,
        "steps": done,
        "verified": True,
    }


def _load(
    conn: Connection,
    file: Path,
    manifest: dict[str, Any],
    tables: list[Table],
    store: ContentStore,
    written: list[str],
    on_progress: Progress | None,
    total: int,
    data_dir: Path,
    written_files: list[Path],
) -> int:
    by_member = {f"db/{t.name}.jsonl": t for t in tables}
    extra: dict[str, dict[str, Any]] = manifest.get("data_files", {})
    deferred: list[tuple[Table, dict[str, Any], dict[str, Any]]] = []
    done = 0
    for member, fh in members(file):
        if member.name in by_member:
            spec = by_member[member.name]
            deferred.extend(_insert(conn, spec, fh, manifest["tables"][spec.name]["columns"]))
        elif member.name.startswith("files/"):
            if deferred:
                _apply_deferred(conn, deferred)
                deferred = []
            sha = member.name.removeprefix("files/")
            existed = store.exists(sha)
            stored, _size = store.put_stream(cast(BinaryIO, fh))
            if not existed:
                written.append(stored)
            if stored != sha:
                raise RestoreError(f"{member.name} does not hash to its name")
        elif member.name in extra:
            path = data_files.restore_member(data_dir, member.name, fh, extra[member.name])
            if path is not None:
                written_files.append(path)
        else:
            continue
        done += 1
        if on_progress:
            on_progress(done, total)
    _apply_deferred(conn, deferred)
    return done


def _insert(
    conn: Connection, spec: Table, fh: IO[bytes], archived_columns: dict[str, str]
) -> list[tuple[Table, dict[str, Any], dict[str, Any]]]:
    unknown = sorted(set(archived_columns) - set(spec.clause.c.keys()))
    if unknown:
        raise RestoreError(f"table {spec.name} has no column(s) {', '.join(unknown)} at this schema revision")
    decoders = {name: decoder(spec.column(name).type) for name in archived_columns}
    later: list[tuple[Table, dict[str, Any], dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    for raw in fh:
        data = json.loads(raw)
        row = {}
        for name, value in data.items():
            decode = decoders[name]
            row[name] = decode(value) if decode is not None and value is not None else value
        postponed = {name: row[name] for name in spec.deferred if row.get(name) is not None}
        if postponed:
            later.append((spec, {k: row[k] for k in spec.primary_key}, postponed))
            row.update(dict.fromkeys(postponed))
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(sa.insert(spec.clause), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(spec.clause), batch)
    return later


def _apply_deferred(conn: Connection, deferred: list[tuple[Table, dict[str, Any], dict[str, Any]]]) -> None:
    for spec, key, values in deferred:
        where = [spec.column(k) == v for k, v in key.items()]
        conn.execute(sa.update(spec.clause).where(*where).values(values))


def _verify(conn: Connection, manifest: dict[str, Any], tables: list[Table], store: ContentStore) -> int:
    from csirtnet.audit import verify_chain

    for spec in tables:
        entry = manifest["tables"][spec.name]
        rows, checksum = dump(conn, spec)
        if rows != entry["rows"]:
            raise RestoreError(f"table {spec.name}: {rows} rows restored, the manifest says {entry['rows']}")
        if checksum != entry["sha256"]:
            raise RestoreError(f"table {spec.name}: the restored rows do not match the archive's checksum")
    for sha in manifest["files"]:
        if not store.verify(sha):
            raise RestoreError(f"stored file {sha} is missing or damaged after the restore")
    if "audit_record" not in manifest["tables"]:
        return 0
    with Session(bind=conn) as session:
        checked, broken = verify_chain(session)
    if broken is not None:
        raise RestoreError(f"the audit chain in the archive is broken at record {broken.seq}: {broken.reason}")
    return checked


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: the next generated id follows the largest restored one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's rowids continue after the largest key by themselves
    preparer = conn.dialect.identifier_preparer
    for spec in tables:
        if len(spec.primary_key) != 1:
            continue
        column = spec.primary_key[0]
        if not isinstance(base_type(spec.column(column).type), sa.Integer):
            continue
        sequence = conn.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": preparer.quote(spec.name), "column": column},
        )
        if sequence is None:
            continue
        top = conn.scalar(select(sa.func.max(spec.column(column))))
        conn.execute(
            text("SELECT setval(CAST(:seq AS regclass), :value, :called)"),
            {"seq": sequence, "value": top if top is not None else 1, "called": top is not None},
        )


def _record_restore(conn: Connection, manifest: dict[str, Any], file: Path) -> None:
    """The restored chain ends with a record of the restore itself."""
    if "audit_record" not in manifest["tables"]:
        return
    from csirtnet import audit
    from csirtnet.authz import Subject

    with Session(bind=conn) as session:
        audit.record(
            session,
            Subject.system("restore"),
            "backup.restored",
            None,
            archive=file.name,
            archive_created_at=manifest["created_at"],
            source_dialect=manifest["dialect"],
            revision=manifest["revision"],
            rows=sum(t["rows"] for t in manifest["tables"].values()),
            files=len(manifest["files"]),
        )
        session.flush()


def _remove(store: ContentStore, written: list[str]) -> None:
    for sha in written:
        store.path_for(sha).unlink(missing_ok=True)
