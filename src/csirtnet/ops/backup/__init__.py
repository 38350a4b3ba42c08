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

Modules: `archive` (the format: manifest, typed tables, canonical lines, the tar members),
`write` (write_backup), `restore` (restore_backup).
"""

from __future__ import annotations

from csirtnet.ops.backup.archive import BackupError, RestoreError, read_manifest
from csirtnet.ops.backup.restore import restore_backup
from csirtnet.ops.backup.write import write_backup

__all__ = ["BackupError", "RestoreError", "read_manifest", "restore_backup", "write_backup"]
