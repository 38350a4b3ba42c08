"""The data directory's files a backup carries besides the blob store: the evidence store's content
(`<data_dir>/evidence/ab/cd/<sha256>`, copied byte for byte, encrypted or not) and the platform's
keys (`<data_dir>/keys/`, the Ed25519 key that signs every custody entry: without it, a restored
platform could not sign the next entry with the key its logs were signed with).

In the archive they are members `evidence/<sha256>` and `keys/<name>`, listed in the manifest's
`data_files` with their size and the SHA-256 of their bytes as stored (a sealed evidence file's
bytes are not its address; a plain one's are). The key file is as secret as the archive's other
contents: the archive is written for its owner only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from csirtnet.ops.backup.archive import RestoreError

EVIDENCE = "evidence/"
KEYS = "keys/"
_SEALED_MAGIC = b"CSEV1"  # evidence.store.MAGIC: such a file's bytes do not hash to its address
_CHUNK = 4 * 1024 * 1024


def _evidence_root(data_dir: Path) -> Path:
    return data_dir / "evidence"


def _keys_root(data_dir: Path) -> Path:
    return data_dir / "keys"


def _is_address(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _evidence_files(data_dir: Path) -> Iterator[Path]:
    root = _evidence_root(data_dir)
    if root.is_dir():
        for path in sorted(root.glob("??/??/*")):
            if path.is_file() and _is_address(path.name):
                yield path


def _key_files(data_dir: Path) -> Iterator[Path]:
    root = _keys_root(data_dir)
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                yield path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def collect(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The manifest's `data_files`: member name -> size and SHA-256 of the bytes as stored. A plain
    evidence file is named by its SHA-256 (checked while it is copied); a sealed one is hashed here."""
    found: dict[str, dict[str, Any]] = {}
    for path in _evidence_files(data_dir):
        with path.open("rb") as fh:
            sealed = fh.read(len(_SEALED_MAGIC)) == _SEALED_MAGIC
        found[EVIDENCE + path.name] = {
            "size": path.stat().st_size,
            "sha256": sha256_file(path) if sealed else path.name,
        }
    for path in _key_files(data_dir):
        found[KEYS + path.name] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    return found


def source_path(data_dir: Path, member: str) -> Path:
    """Where a `data_files` member is kept in the data directory."""
    if member.startswith(EVIDENCE):
        sha = member.removeprefix(EVIDENCE)
        if not _is_address(sha):
            raise RestoreError(f"{member!r} is not an evidence file name")
        return _evidence_root(data_dir) / sha[:2] / sha[2:4] / sha
    if member.startswith(KEYS):
        name = member.removeprefix(KEYS)
        if not name or "/" in name or name.startswith("."):
            raise RestoreError(f"{member!r} is not a key file name")
        return _keys_root(data_dir) / name
    raise RestoreError(f"{member!r} is not a data file")


def occupied(data_dir: Path, archived: dict[str, dict[str, Any]]) -> str | None:
    """Why the data directory cannot take the archive's files without --force: evidence already
    stored, or a different key in place (its signatures would no longer match the restored logs)."""
    if next(_evidence_files(data_dir), None) is not None:
        return f"the evidence store {_evidence_root(data_dir)} is not empty"
    for member, entry in archived.items():
        if member.startswith(KEYS):
            path = source_path(data_dir, member)
            if path.exists() and sha256_file(path) != entry["sha256"]:
                return f"{path} holds a different key than the archive's"
    return None


def restore_member(data_dir: Path, member: str, fh: IO[bytes], entry: dict[str, Any]) -> Path | None:
    """Write one member in place (beside, then renamed; a key replaced under --force is kept as
    `<name>.before-restore`); the path written, or None when the same bytes were there already."""
    target = source_path(data_dir, member)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and sha256_file(target) == entry["sha256"]:
        return None
    partial = target.with_name(f".{target.name}.restoring")
    digest = hashlib.sha256()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != entry["sha256"]:
            raise RestoreError(f"{member} does not match its checksum in the manifest")
        if member.startswith(EVIDENCE):
            partial.chmod(0o444)  # write-once, as the evidence store keeps it
        elif target.exists():
            target.replace(target.with_name(target.name + ".before-restore"))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def verify_restored(data_dir: Path, archived: dict[str, dict[str, Any]]) -> None:
    for member, entry in archived.items():
        path = source_path(data_dir, member)
        if not path.is_file() or path.stat().st_size != entry["size"]:
            raise RestoreError(f"{member} is missing or damaged after the restore")


def remove(paths: list[Path]) -> None:
    """Undo a failed restore: the files written go, a key it replaced comes back."""
    for path in paths:
        path.unlink(missing_ok=True)
        replaced = path.with_name(path.name + ".before-restore")
        if replaced.exists():
            replaced.replace(path)
