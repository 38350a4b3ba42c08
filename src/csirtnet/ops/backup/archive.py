"""The archive format (see the package docstring): the manifest, the tables typed by their
models, rows as canonical JSON lines with their checksums, and reading and checking the tar members."""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy import MetaData, TypeDecorator, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from csirtnet.kit.files import CHUNK
from csirtnet.kit.time import as_utc

FORMAT = "csirtnet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
SKIP_TABLES = {"alembic_version"}  # the revision is in the manifest; migrations recreate the table

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """The backup could not be written (the archive file is not left behind)."""


class RestoreError(Exception):
    """The archive was refused or did not verify; the target was left as it was."""


# -- the tables, typed ---------------------------------------------------------------------------


@dataclass
class Table:
    """A table as the database has it, with each column typed by its model where there is one."""

    name: str
    clause: sa.TableClause
    primary_key: list[str]
    nullable: dict[str, bool]
    # Foreign keys to the table itself or to a table later in the order: inserted empty, then set.
    deferred: list[str] = field(default_factory=list)

    def column(self, name: str) -> sa.ColumnClause[Any]:
        return self.clause.c[name]


def table_specs(conn: Connection, order: list[str] | None = None) -> list[Table]:
    """The database's tables in dependency order (or in `order`), typed for reading and writing."""
    from csirtnet.models import Base

    reflected = MetaData()
    reflected.reflect(conn)
    wanted = [t for t in reflected.tables.values() if t.name not in SKIP_TABLES]
    if order is None:
        order = [t.name for t, _fks in sort_tables_and_constraints(wanted) if t is not None]  # type: ignore[no-untyped-call]
    by_name = {t.name: t for t in wanted}
    position = {name: i for i, name in enumerate(order)}
    out: list[Table] = []
    for name in order:
        table = by_name.get(name)
        if table is None:
            raise RestoreError(f"the target database has no table {name!r}")
        model = Base.metadata.tables.get(name)
        columns = [
            sa.column(c.name, model.c[c.name].type if model is not None and c.name in model.c else c.type)
            for c in table.columns
        ]
        spec = Table(
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


def _order_by(conn: Connection, spec: Table) -> list[Any]:
    # Byte-wise order on both databases, so the lines (and their checksum) match across dialects.
    keys: list[Any] = []
    for name in spec.primary_key:
        col = spec.column(name)
        if conn.dialect.name == "postgresql" and isinstance(base_type(col.type), sa.String):
            keys.append(col.collate("C"))
        else:
            keys.append(col)
    return keys


def base_type(type_: Any) -> Any:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl
    return type_


def type_name(type_: Any) -> str:
    """For people reading the manifest; restore types columns by the target's schema."""
    try:
        return str(base_type(type_))
    except sa.exc.CompileError:
        return type(base_type(type_)).__name__


# -- canonical values ----------------------------------------------------------------------------


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


def decoder(type_: Any) -> Callable[[Any], Any] | None:
    base = base_type(type_)
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


def dump(conn: Connection, spec: Table, out: IO[bytes] | None = None) -> tuple[int, str]:
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


# -- writing members -----------------------------------------------------------------------------


def add_member(tar: tarfile.TarFile, name: str, size: int, fileobj: IO[bytes], mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    tar.addfile(info, fileobj)


class HashingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        return data


# -- reading an archive --------------------------------------------------------------------------


def members(file: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
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
    for member, fh in members(file):
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


def check_archive(file: Path, manifest: dict[str, Any]) -> None:
    """Hash every member against the manifest before anything is written."""
    expected: dict[str, tuple[int | None, str, int]] = {}
    for name, entry in manifest["tables"].items():
        expected[f"db/{name}.jsonl"] = (None, entry["sha256"], entry["rows"])
    for sha, entry in manifest["files"].items():
        expected[f"files/{sha}"] = (entry["size"], sha, -1)
    for name, entry in manifest.get("data_files", {}).items():  # evidence content and keys
        expected[name] = (entry["size"], entry["sha256"], -1)
    seen: set[str] = set()
    for member, fh in members(file):
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
