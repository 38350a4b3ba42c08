"""The evidence package for legal proceedings: a folder (`csirtnet evidence export`) or a zip (the
web download) that a court, the other side's expert or an auditor checks without csirtnet.

Layout (README.txt inside says how to check it):

    files/<reference>/<filename>   the digital items' content (unless exported without files)
    manifest.json                  the items, hashes, collection records, each chain's head
    manifest.sig                   Ed25519 (base64) over the exact bytes of manifest.json
    custody.jsonl                  every custody entry with its hash and signature, item by item
    custody.pdf                    the bilingual chain-of-custody form
    public-key.pem                 the platform's evidence key
    verify.py, README.txt          the offline checker (stdlib + cryptography) and its instructions
    SHA256SUMS                     `sha256sum -c` over every other file

This module takes plain data (ExportItem, PackageInfo) so it is built and tested without the
database; one generator (`_members`) lays the package out and two sinks write it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from csirtnet.evidence import chain, signing
from csirtnet.evidence.custody_pdf import custody_pdf

FORMAT = "csirtnet-evidence-package/1"
OFFLINE = Path(__file__).resolve().parent / "offline"
_TLP_RANK = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
# What a stored filename may keep in the package: no folders, no control characters, nothing
# sha256sum would escape (a backslash, a newline).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")

ContentOpener = Callable[[], AbstractContextManager[Iterable[bytes]]]


@dataclass(frozen=True)
class ExportItem:
    """One evidence item as the package states it; every value already formatted for people."""

    reference: str  # "EV-2026-000042"
    incident_reference: str
    title: str
    kind: str  # "digital" or "physical"
    item_type: str
    tlp: str
    collection: Mapping[str, str]  # collected_by, collected_at (with its zone), place, system, …
    current_custodian: str
    entries: Sequence[chain.Link]
    filename: str | None = None
    size: int | None = None
    sha256: str | None = None
    sha1: str | None = None
    md5: str | None = None
    make: str | None = None
    model: str | None = None
    serial_number: str | None = None
    seal_number: str | None = None
    location: str | None = None
    source_reference: str | None = None
    # Opens the stored content as chunks; called once, while the package is written.
    open_content: ContentOpener | None = field(default=None, compare=False, repr=False)

    @property
    def head(self) -> tuple[int, str]:
        links = _ordered(self.entries)
        return len(links), links[-1].hash if links else chain.GENESIS


@dataclass(frozen=True)
class PackageInfo:
    exported_at: datetime
    exported_by: str
    platform_name: str
    base_url: str
    public_key_pem: bytes
    sign: Callable[[bytes], str]  # message -> Ed25519 signature, base64 (signing.sign)
    language_order: tuple[str, str] = ("vi", "en")

    @property
    def fingerprint(self) -> str:
        key = serialization.load_pem_public_key(self.public_key_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the package key is not an Ed25519 public key")
        return signing.fingerprint(key)


def _ordered(links: Sequence[chain.Link]) -> list[chain.Link]:
    return sorted(links, key=lambda link: int(link.entry["seq"]))


def _safe_name(filename: str) -> str:
    name = _UNSAFE.sub("_", filename).strip().lstrip(".")
    return name or "content"


def file_path(item: ExportItem) -> str:
    """Where the item's content sits inside a package."""
    return f"files/{item.reference}/{_safe_name(item.filename or 'content')}"


def _has_file(item: ExportItem, with_files: bool) -> bool:
    return with_files and item.kind == "digital" and item.open_content is not None


def manifest(items: Sequence[ExportItem], info: PackageInfo, *, with_files: bool) -> dict[str, Any]:
    rows = []
    for item in items:
        count, last = item.head
        rows.append(
            {
                "reference": item.reference,
                "incident_reference": item.incident_reference,
                "title": item.title,
                "kind": item.kind,
                "item_type": item.item_type,
                "tlp": item.tlp,
                "filename": item.filename,
                "size": item.size,
                "sha256": item.sha256,
                "sha1": item.sha1,
                "md5": item.md5,
                "make": item.make,
                "model": item.model,
                "serial_number": item.serial_number,
                "seal_number": item.seal_number,
                "location": item.location,
                "collection": dict(item.collection),
                "current_custodian": item.current_custodian,
                "source_reference": item.source_reference,
                "custody_head": {"count": count, "last_hash": last},
                "file": file_path(item) if _has_file(item, with_files) else None,
            }
        )
    return {
        "format": FORMAT,
        "exported_at": info.exported_at.isoformat(),
        "exported_by": info.exported_by,
        "platform": {"name": info.platform_name, "base_url": info.base_url},
        "key_fingerprint": info.fingerprint,
        "with_files": with_files,
        "items": rows,
    }


def _custody_jsonl(items: Sequence[ExportItem]) -> bytes:
    lines = [
        json.dumps({"entry": dict(link.entry), "hash": link.hash, "signature": link.signature}, ensure_ascii=False)
        for item in items
        for link in _ordered(item.entries)
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _readme(items: Sequence[ExportItem], info: PackageInfo, *, with_files: bool) -> bytes:
    template = (OFFLINE / "README.txt").read_text(encoding="utf-8")
    listed = "\n".join(
        f"  {item.reference}  TLP:{item.tlp.upper()}  {item.title}"
        + (f"  [{file_path(item)}]" if _has_file(item, with_files) else "")
        for item in items
    )
    highest = max((item.tlp for item in items), key=lambda tlp: _TLP_RANK.get(tlp.lower(), 0), default="clear")
    values = {
        "PLATFORM": info.platform_name,
        "BASE_URL": info.base_url,
        "EXPORTED_AT": info.exported_at.isoformat(timespec="seconds"),
        "EXPORTED_BY": info.exported_by,
        "WITH_FILES": "có / included" if with_files else "không kèm / not included (--without-files)",
        "TLP": f"TLP:{highest.upper()}",
        "ITEMS": listed or "  —",
        "FINGERPRINT": info.fingerprint,
    }
    for key, value in values.items():
        template = template.replace(f"@@{key}@@", value)
    return template.encode("utf-8")


def _hashing(chunks: Iterable[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _members(
    items: Sequence[ExportItem], info: PackageInfo, *, with_files: bool
) -> Iterator[tuple[str, Iterable[bytes]]]:
    """The package, member by member: (path inside it, its bytes as chunks). A sink consumes each
    member's chunks before asking for the next, so a file is streamed once and hashed on the way;
    SHA256SUMS states what was written, and verify.py compares it with the signed manifest."""
    sums: list[tuple[str, str]] = []
    for item in items:
        if _has_file(item, with_files):
            assert item.open_content is not None
            digest = hashlib.sha256()
            name = file_path(item)
            with item.open_content() as chunks:
                yield name, _hashing(chunks, digest)
            sums.append((name, digest.hexdigest()))
    manifest_bytes = (
        json.dumps(manifest(items, info, with_files=with_files), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
    texts = [
        ("manifest.json", manifest_bytes),
        ("manifest.sig", (info.sign(manifest_bytes) + "\n").encode("ascii")),
        ("custody.jsonl", _custody_jsonl(items)),
        ("custody.pdf", custody_pdf(items, info, language_order=info.language_order)),
        ("public-key.pem", info.public_key_pem),
        ("verify.py", (OFFLINE / "verify.py").read_bytes()),
        ("README.txt", _readme(items, info, with_files=with_files)),
    ]
    for name, data in texts:
        sums.append((name, hashlib.sha256(data).hexdigest()))
        yield name, (data,)
    yield "SHA256SUMS", ("".join(f"{digest}  {name}\n" for name, digest in sums).encode("utf-8"),)


def write_package(dest_dir: Path, items: Sequence[ExportItem], info: PackageInfo, with_files: bool = True) -> Path:
    """Write the package as a new folder `dest_dir`: built beside it and renamed into place, so a
    failure leaves nothing behind."""
    dest_dir = Path(dest_dir)
    if dest_dir.exists():
        raise FileExistsError(f"{dest_dir} already exists")
    dest_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{dest_dir.name}.", dir=dest_dir.parent))
    try:
        for name, chunks in _members(items, info, with_files=with_files):
            target = building / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        # rename() would silently replace an empty folder made meanwhile: checked again just before.
        if dest_dir.exists():
            raise FileExistsError(f"{dest_dir} already exists")
        building.rename(dest_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return dest_dir


def write_zip(
    stream: IO[bytes],
    items: Sequence[ExportItem],
    info: PackageInfo,
    with_files: bool = True,
    *,
    folder: str | None = None,
) -> None:
    """Write the package as a zip to `stream` (seekable or not), streaming the files: the evidence
    stored as is, the rest deflated. `folder` puts every member under one top folder."""
    moment = info.exported_at.astimezone(UTC)
    date_time = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    prefix = f"{_safe_name(folder)}/" if folder else ""
    with zipfile.ZipFile(stream, "w", allowZip64=True) as zf:
        for name, chunks in _members(items, info, with_files=with_files):
            member = zipfile.ZipInfo(prefix + name, date_time=date_time)
            member.compress_type = zipfile.ZIP_STORED if name.startswith("files/") else zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            with zf.open(member, "w", force_zip64=True) as out:
                for chunk in chunks:
                    out.write(chunk)
