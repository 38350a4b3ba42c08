"""Backup and restore: one archive with a consistent copy of the database and every stored file.

The archive is a tar.gz holding, in this order:

- `manifest.json`: format and version, when and from which dialect and schema revision it was
  made, per table its row count, columns and the SHA-256 of its canonical JSON lines, per stored
  file its size;
- `db/<table>.jsonl`: every table (dependency order), one canonical JSON object per row
  (sorted keys, rows in primary-key order compared byte-wise), values typed by their column:
  datetimes ISO 8601 in UTC, dates and times ISO, bytes base64, decimals as strings, JSON as JSON.
  The file's SHA-256 is the table's checksum;
- `files/<sha256>`: every blob of the content store.

Consistency while the platform runs: every table is read in one transaction snapshot
(PostgreSQL: REPEATABLE READ READ ONLY; SQLite: one read transaction, which WAL keeps on one
snapshot). Blobs are immutable and written before any row refers to them, so listing them after
the snapshot is taken finds every blob a row of the snapshot refers to.

Restore checks the whole archive against its manifest before it touches anything, refuses a
target that holds data (unless forced, when the rows are replaced), migrates the target to the
archive's revision, inserts everything in one transaction, and commits only when the row counts,
table checksums, blobs and the audit chain all verify.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import sqlalchemy as sa
from sqlalchemy import Engine, MetaData, TypeDecorator, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from csirtnet import __version__
from csirtnet.db import Database
from csirtnet.kit.files import CHUNK, ContentStore
from csirtnet.kit.time import as_utc, utcnow

FORMAT = "csirtnet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
_SKIP_TABLES = {"alembic_version"}  # the revision is in the manifest; migrations recreate the table

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """The backup could not be written (the archive file is not left behind)."""


class RestoreError(Exception):
    """The archive was refused or did not verify; the target was left as it was."""


# -- the tables, typed ---------------------------------------------------------------------------


@dataclass
class _Table:
    """A table as the database has it, with each column typed by its model where there is one."""

    name: str
    clause: sa.TableClause
    primary_key: list[str]
    nullable: dict[str, bool]
    # Foreign keys to the table itself or to a table later in the order: inserted empty, then set.
    deferred: list[str] = field(default_factory=list)

    def column(self, name: str) -> sa.ColumnClause[Any]:
        return self.clause.c[name]


def _tables(conn: Connection, order: list[str] | None = None) -> list[_Table]:
    """The database's tables in dependency order (or in `order`), typed for reading and writing."""
    from csirtnet.models import Base

    reflected = MetaData()
    reflected.reflect(conn)
    wanted = [t for t in reflected.tables.values() if t.name not in _SKIP_TABLES]
    if order is None:
        order = [t.name for t, _fks in sort_tables_and_constraints(wanted) if t is not None]  # type: ignore[no-untyped-call]
    by_name = {t.name: t for t in wanted}
    position = {name: i for i, name in enumerate(order)}
    out: list[_Table] = []
    for name in order:
        table = by_name.get(name)
        if table is None:
            raise RestoreError(f"the target database has no table {name!r}")
        model = Base.metadata.tables.get(name)
        columns = [
            sa.column(c.name, model.c[c.name].type if model is not None and c.name in model.c else c.type)
            for c in table.columns
        ]
        spec = _Table(
            name=name,
            clause=sa.table(name, *columns),
            primary_key=[c.name for c in table.primary_key.columns] or [c.name for c in table.columns],
            nullable={c.name: bool(c.nullable) for c in table.columns},
        )
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if position.get(target, len(order)) >= position[name] and all(c.nullable for c in fk.columns):
                spec.deferred.extend(c.name for c in fk.columns if c.name not in spec.deferred)
        out.append(spec)
    return out


def _order_by(conn: Connection, spec: _Table) -> list[Any]:
    # Byte-wise order on both databases, so the lines (and their checksum) match across dialects.
    keys: list[Any] = []
    for name in spec.primary_key:
        col = spec.column(name)
        if conn.dialect.name == "postgresql" and isinstance(_base_type(col.type), sa.String):
            keys.append(col.collate("C"))
        else:
            keys.append(col)
    return keys


def _base_type(type_: Any) -> Any:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl
    return type_


def _type_name(type_: Any) -> str:
    """For people reading the manifest; restore types columns by the target's schema."""
    try:
        return str(_base_type(type_))
    except sa.exc.CompileError:
        return type(_base_type(type_)).__name__


# -- canonical values ------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, datetime):
        return (as_utc(value) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    raise BackupError(f"cannot store a value of type {type(value).__name__}")


def _decoder(type_: Any) -> Callable[[Any], Any] | None:
    base = _base_type(type_)
    if isinstance(base, sa.JSON):
        return None
    if isinstance(base, sa.DateTime):
        aware = bool(base.timezone)

        def to_datetime(v: str) -> datetime:
            parsed = datetime.fromisoformat(v)
            return parsed.replace(tzinfo=UTC) if aware and parsed.tzinfo is None else parsed

        return to_datetime
    if isinstance(base, sa.Date):
        return date.fromisoformat
    if isinstance(base, sa.Time):
        return time.fromisoformat
    if isinstance(base, sa.Interval):
        return lambda v: timedelta(seconds=v)
    if isinstance(base, sa.LargeBinary):
        return base64.b64decode
    if isinstance(base, sa.Uuid):
        return uuid.UUID if base.as_uuid else None
    if isinstance(base, sa.Numeric) and not isinstance(base, sa.Float):
        return Decimal if base.asdecimal else float
    return None


def _line(row: Any, columns: list[str]) -> bytes:
    body = {name: _encode(row[name]) for name in columns}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _dump(conn: Connection, spec: _Table, out: IO[bytes] | None = None) -> tuple[int, str]:
    """Read a table in canonical order; return its row count and checksum (and write its lines)."""
    names = list(spec.clause.c.keys())
    query = select(*spec.clause.c).order_by(*_order_by(conn, spec)).execution_options(yield_per=BATCH)
    digest = hashlib.sha256()
    rows = 0
    for row in conn.execute(query).mappings():
        line = _line(row, names)
        digest.update(line)
        if out is not None:
            out.write(line)
        rows += 1
    return rows, digest.hexdigest()


# -- writing -----------------------------------------------------------------------------------------


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction: every table read in it sees the same committed state."""
    conn = engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn
    finally:
        conn.close()


def write_backup(database: Database, data_dir: Path, file: Path, on_progress: Progress | None = None) -> dict[str, Any]:
    """Write the archive to `file` (atomically: a failed backup leaves no file) and return its manifest."""
    from csirtnet.migrate import current_revision

    store = ContentStore(data_dir / "blobs")
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    created_at = utcnow()
    with tempfile.TemporaryDirectory(dir=file.parent, prefix=".csirtnet-backup-") as spool_dir:
        spool = Path(spool_dir)
        with _snapshot(database.engine) as conn:
            revision = current_revision(conn)  # the first read fixes the snapshot
            tables = _tables(conn)
            blobs = list(store)  # after the snapshot: every blob its rows refer to exists already
            total, done = len(tables) + len(blobs), 0
            table_entries: dict[str, dict[str, Any]] = {}
            for spec in tables:
                with (spool / f"{spec.name}.jsonl").open("wb") as out:
                    rows, checksum = _dump(conn, spec, out)
                table_entries[spec.name] = {
                    "rows": rows,
                    "sha256": checksum,
                    "columns": {c.name: _type_name(c.type) for c in spec.clause.c},
                }
                done += 1
                if on_progress:
                    on_progress(done, total)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "csirtnet_version": __version__,
            "revision": revision,
            "dialect": database.dialect,
            "tables": table_entries,
            "files": {sha: {"size": store.path_for(sha).stat().st_size} for sha in blobs},
        }
        partial = file.with_name(file.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds secrets: owner only
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                mtime = created_at.timestamp()
                encoded = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                _add(tar, MANIFEST, len(encoded), io.BytesIO(encoded), mtime)
                for spec in tables:
                    path = spool / f"{spec.name}.jsonl"
                    with path.open("rb") as fh:
                        _add(tar, f"db/{spec.name}.jsonl", path.stat().st_size, fh, mtime)
                for sha in blobs:
                    with store.open(sha) as fh:
                        reader = _HashingReader(fh)
                        _add(tar, f"files/{sha}", manifest["files"][sha]["size"], cast(IO[bytes], reader), mtime)
                    if reader.digest.hexdigest() != sha:
                        raise BackupError(f"stored file {sha} no longer matches its hash: the content store is damaged")
                    done += 1
                    if on_progress:
                        on_progress(done, total)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, file)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _add(tar: tarfile.TarFile, name: str, size: int, fileobj: IO[bytes], mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    tar.addfile(info, fileobj)


class _HashingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        return data


# -- restoring ---------------------------------------------------------------------------------------


def _members(file: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """The archive's members in order, each readable once (one sequential pass over the gzip)."""
    try:
        with tarfile.open(file, mode="r|gz") as tar:
            for member in tar:
                if not member.isfile():
                    raise RestoreError(f"unexpected entry {member.name!r} in the archive")
                fh = tar.extractfile(member)
                assert fh is not None
                yield member, fh
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RestoreError(f"{file} is not a readable backup archive: {exc}") from exc


def read_manifest(file: Path) -> dict[str, Any]:
    """The archive's manifest (its first member)."""
    for member, fh in _members(file):
        if member.name != MANIFEST:
            break
        try:
            manifest: dict[str, Any] = json.loads(fh.read())
        except ValueError as exc:
            raise RestoreError(f"the manifest is not valid JSON: {exc}") from exc
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
            raise RestoreError("this is not a csirtnet backup")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise RestoreError(f"backup format version {manifest.get('format_version')} is not supported")
        return manifest
    raise RestoreError(f"{file} has no {MANIFEST} first: not a csirtnet backup")


def _check_archive(file: Path, manifest: dict[str, Any]) -> None:
    """Hash every member against the manifest before anything is written."""
    expected: dict[str, tuple[int | None, str, int]] = {}
    for name, entry in manifest["tables"].items():
        expected[f"db/{name}.jsonl"] = (None, entry["sha256"], entry["rows"])
    for sha, entry in manifest["files"].items():
        expected[f"files/{sha}"] = (entry["size"], sha, -1)
    seen: set[str] = set()
    for member, fh in _members(file):
        if member.name == MANIFEST:
            continue
        if member.name not in expected:
            raise RestoreError(f"the archive holds {member.name!r}, which its manifest does not list")
        size, sha, rows = expected[member.name]
        digest, lines = hashlib.sha256(), 0
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
        if digest.hexdigest() != sha:
            raise RestoreError(f"{member.name} does not match its checksum in the manifest: the archive was altered")
        if size is not None and member.size != size:
            raise RestoreError(f"{member.name} has {member.size} bytes, the manifest says {size}")
        if rows >= 0 and lines != rows:
            raise RestoreError(f"{member.name} has {lines} rows, the manifest says {rows}")
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise RestoreError(f"the archive is incomplete: {', '.join(missing[:5])} missing")


def _holding_data(engine: Engine) -> str | None:
    """The first table holding data, or None when the database is empty.

    Rows the migrations themselves put in (reference data such as deadline profiles) do not
    count: a fresh migrated schema is empty. Changing them writes audit records, which count.
    """
    from csirtnet.migrate import current_revision

    with engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n not in _SKIP_TABLES]
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
                if name not in _SKIP_TABLES and conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first()  # noqa: S608
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
    store = ContentStore(data_dir / "blobs")
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
    _check_archive(file, manifest)
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

    total = len(manifest["tables"]) + len(manifest["files"])
    written: list[str] = []
    engine = database.engine.execution_options(sqlite_immediate=True)  # SQLite: take the write lock at BEGIN
    try:
        with engine.connect() as conn, conn.begin():
            tables = _tables(conn, order=list(manifest["tables"]))
            # The archive holds every row, reference data included: what the migrations (or, when
            # forced, the replaced instance) put in goes first.
            for spec in reversed(tables):
                conn.execute(sa.delete(spec.clause))
            done = _load(conn, file, manifest, tables, store, written, on_progress, total)
            checked = _verify(conn, manifest, tables, store)
            _reset_sequences(conn, tables)
            _record_restore(conn, manifest, file)
    except RestoreError:
        _remove(store, written)
        raise
    except BaseException as exc:
        _remove(store, written)
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
    tables: list[_Table],
    store: ContentStore,
    written: list[str],
    on_progress: Progress | None,
    total: int,
) -> int:
    by_member = {f"db/{t.name}.jsonl": t for t in tables}
    deferred: list[tuple[_Table, dict[str, Any], dict[str, Any]]] = []
    done = 0
    for member, fh in _members(file):
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
        else:
            continue
        done += 1
        if on_progress:
            on_progress(done, total)
    _apply_deferred(conn, deferred)
    return done


def _insert(
    conn: Connection, spec: _Table, fh: IO[bytes], archived_columns: dict[str, str]
) -> list[tuple[_Table, dict[str, Any], dict[str, Any]]]:
    unknown = sorted(set(archived_columns) - set(spec.clause.c.keys()))
    if unknown:
        raise RestoreError(f"table {spec.name} has no column(s) {', '.join(unknown)} at this schema revision")
    decoders = {name: _decoder(spec.column(name).type) for name in archived_columns}
    later: list[tuple[_Table, dict[str, Any], dict[str, Any]]] = []
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


def _apply_deferred(conn: Connection, deferred: list[tuple[_Table, dict[str, Any], dict[str, Any]]]) -> None:
    for spec, key, values in deferred:
        where = [spec.column(k) == v for k, v in key.items()]
        conn.execute(sa.update(spec.clause).where(*where).values(values))


def _verify(conn: Connection, manifest: dict[str, Any], tables: list[_Table], store: ContentStore) -> int:
    from csirtnet.audit import verify_chain

    for spec in tables:
        entry = manifest["tables"][spec.name]
        rows, checksum = _dump(conn, spec)
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


def _reset_sequences(conn: Connection, tables: list[_Table]) -> None:
    """PostgreSQL: the next generated id follows the largest restored one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's rowids continue after the largest key by themselves
    preparer = conn.dialect.identifier_preparer
    for spec in tables:
        if len(spec.primary_key) != 1:
            continue
        column = spec.primary_key[0]
        if not isinstance(_base_type(spec.column(column).type), sa.Integer):
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
