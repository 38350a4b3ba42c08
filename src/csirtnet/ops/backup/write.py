"""Writing an archive: every table read in one snapshot, then the blobs, atomically into one file."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from csirtnet import __version__
from csirtnet.db import Database
from csirtnet.kit.files import blob_store
from csirtnet.kit.time import utcnow
from csirtnet.ops.backup import data_files
from csirtnet.ops.backup.archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    HashingReader,
    Progress,
    add_member,
    dump,
    table_specs,
    type_name,
)


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

    store = blob_store(data_dir)
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    created_at = utcnow()
    with tempfile.TemporaryDirectory(dir=file.parent, prefix=".csirtnet-backup-") as spool_dir:
        spool = Path(spool_dir)
        with _snapshot(database.engine) as conn:
            revision = current_revision(conn)  # the first read fixes the snapshot
            tables = table_specs(conn)
            blobs = list(store)  # after the snapshot: every blob its rows refer to exists already
            # Evidence content and the signing key, listed after the snapshot for the same reason.
            extra = data_files.collect(data_dir)
            total, done = len(tables) + len(blobs) + len(extra), 0
            table_entries: dict[str, dict[str, Any]] = {}
            for spec in tables:
                with (spool / f"{spec.name}.jsonl").open("wb") as out:
                    rows, checksum = dump(conn, spec, out)
                table_entries[spec.name] = {
                    "rows": rows,
                    "sha256": checksum,
                    "columns": {c.name: type_name(c.type) for c in spec.clause.c},
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
            "data_files": extra,
        }
        partial = file.with_name(file.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds secrets: owner only
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                mtime = created_at.timestamp()
                encoded = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                add_member(tar, MANIFEST, len(encoded), io.BytesIO(encoded), mtime)
                for spec in tables:
                    path = spool / f"{spec.name}.jsonl"
                    with path.open("rb") as fh:
                        add_member(tar, f"db/{spec.name}.jsonl", path.stat().st_size, fh, mtime)
                for sha in blobs:
                    with store.open(sha) as fh:
                        reader = HashingReader(fh)
                        add_member(tar, f"files/{sha}", manifest["files"][sha]["size"], cast(IO[bytes], reader), mtime)
                    if reader.digest.hexdigest() != sha:
                        raise BackupError(f"stored file {sha} no longer matches its hash: the content store is damaged")
                    done += 1
                    if on_progress:
                        on_progress(done, total)
                for name, entry in extra.items():
                    with data_files.source_path(data_dir, name).open("rb") as fh:
                        reader = HashingReader(fh)
                        add_member(tar, name, entry["size"], cast(IO[bytes], reader), mtime)
                    if reader.digest.hexdigest() != entry["sha256"]:
                        raise BackupError(
                            f"{name} no longer matches its hash: the evidence store is damaged "
                            "(`csirtnet evidence verify --all` names the item)"
                        )
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
