"""The evidence store: write-once, content-addressed by the plaintext SHA-256, hashed three ways
while it is written, optionally encrypted at rest. It is not `kit.files` (attachments): evidence
needs the hashes a court expects (SHA-256, SHA-1, MD5), the submitter's stated hashes checked
before anything is kept, and encryption.

Writing. `store.writer(expected)` gives a synchronous writer the CLI (reading a file) and an ASGI
request (chunks arriving) both feed: `w.write(chunk)` … `w.commit()` returns the `Digests`. The
bytes go to `<root>/.incoming/<pid>-<random>.part`; commit checks the stated hashes (a mismatch
raises `HashMismatch` and removes the file), fsyncs, makes it read-only (0o444) and links it to
`<root>/ab/cd/<sha256>` without ever replacing an existing file: the same content twice is stored
once (the first copy stays). Any exception, `abort()`, or leaving the `with` block without
`commit()` removes the temporary file; a disk that fills up raises `DiskFull`. A process killed
outright cannot clean up, so `sweep_incoming()` removes the leftovers of dead processes (the pid
is in the name) and anything older than its threshold.

Speed. The file is never held in memory: it moves in 1 MiB page-aligned buffers from a small
pool (at most `IN_FLIGHT` in flight), each handed without copying to three threads — MD5; SHA-256
and SHA-1; the file writer (or the cipher) — which run in parallel because hashlib, os.write and
the cipher release the GIL on large buffers. `ingest_stream` reads a file straight into the pool's
buffers; `write()` gathers whatever chunk sizes arrive (an HTTP body comes in ~64 KiB pieces) into
them, so the threads always see large ones. The file (sealed or not) is written with O_DIRECT
where the filesystem allows it: on the machine measured, copying 1 GiB into the page cache cost
0.4 to 3 s of kernel time (more than SHA-256), a direct write ~0.1 s; the tail that is not a
whole number of 4 KiB blocks is written through the page cache. MD5 cannot be split and runs at
~0.7 GB/s on one core: it bounds the ingest (figures in docs/benchmarks.md, "Evidence ingest").

Encryption at rest (when the store has a key; AES-256-GCM, `cryptography`). A sealed file is:

    header  = b"CSEV1" | key_id (16 ASCII hex chars: sha256(key)[:16]) | base_nonce (8 random
              bytes) | chunk_size (4 bytes, big-endian; 1 MiB)                     — 33 bytes
    chunk i = AES-256-GCM(key, nonce = base_nonce | i (4 bytes, big-endian),
                          aad = header | i (4 bytes, big-endian) | last (1 byte: 1 on the final
                          chunk, else 0), plaintext[i*chunk_size : (i+1)*chunk_size])
              = ciphertext (same length as the plaintext piece) | tag (16 bytes)

Every chunk but the last holds exactly chunk_size plaintext bytes; the last holds 0 (only for an
empty file) to chunk_size. A changed byte, a reordered, removed or appended chunk, a cut file or an
edited header fails a tag and reads as `ContentAltered`; a file sealed under another key reads as
`KeyUnavailable`. The address stays the plaintext SHA-256, so dedupe works across keys and modes.
Which files are sealed is read from the header. A plain file that merely starts like a sealed
one (a sealed file from elsewhere submitted as evidence, stored while the store had no key) fails
to decrypt under this store's key, and then its raw bytes hash to its address: that is how
`rehash` and `open_plain` tell it apart. The one case they cannot: such a file sealed under this
very key, stored plain while the key was unset, read after the key is set again; `open_plain`
then gives the inner plaintext and `rehash`, hashing the raw bytes when the inner ones do not
match the address, still reports the file intact.
"""

from __future__ import annotations

import base64
import hashlib
import mmap
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from csirtnet.evidence.store_io import (
    BUFFER,
    HEADER_LEN,
    IN_FLIGHT,
    MAGIC,
    MAX_SEAL_CHUNK,
    SEAL_CHUNK,
    TAG,
    DirectFile,
    DiskFull,
    Gathered,
    Pipeline,
    Sealer,
    aad,
    open_temp,
)

ALGORITHMS = ("sha256", "sha1", "md5")
_HEX_LEN = {"sha256": 64, "sha1": 40, "md5": 32}
_HEX = frozenset("0123456789abcdef")
INCOMING = ".incoming"


class HashMismatch(ValueError):
    """The submitter's stated hash is not the hash of the bytes received; nothing was stored."""

    def __init__(self, algorithm: str, stated: str, computed: str) -> None:
        self.algorithm, self.stated, self.computed = algorithm, stated, computed
        super().__init__(
            f"The stated {algorithm.upper()} does not match the file received: stated {stated}, "
            f"computed {computed}. The file was not stored."
        )


class ContentAltered(Exception):
    """A sealed file failed its authentication: its bytes were changed, cut or reordered."""


class KeyUnavailable(Exception):
    """A sealed file cannot be read: no key is configured, or it was sealed under another key."""


@dataclass(frozen=True)
class ExpectedHashes:
    """The hashes a submitter states they computed at acquisition; any subset, hex in any case,
    an empty one as none."""

    sha256: str | None = None
    sha1: str | None = None
    md5: str | None = None

    def __post_init__(self) -> None:
        for name in ALGORITHMS:
            value = getattr(self, name)
            if value is None:
                continue
            clean = value.strip().lower()
            if not clean:  # a form's empty field states nothing
                object.__setattr__(self, name, None)
                continue
            if len(clean) != _HEX_LEN[name] or not set(clean) <= _HEX:
                raise ValueError(f"The stated {name.upper()} is not {_HEX_LEN[name]} hexadecimal digits")
            object.__setattr__(self, name, clean)


@dataclass(frozen=True)
class Digests:
    """What the store computed for a file: its three hashes and plaintext size, and how it is kept."""

    sha256: str
    sha1: str
    md5: str
    size: int
    encrypted: bool
    key_id: str | None
    # True when this write put the content in the store; False when it was there already (another
    # item's, or another upload's still being registered): only a write that created it removes it.
    created: bool = field(default=False, compare=False)


class _Hash(Protocol):
    def update(self, data: memoryview | bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


class _Readable(Protocol):
    def readinto(self, buffer: mmap.mmap, /) -> int | None: ...


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _check_address(sha256: str) -> None:
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise ValueError("not a SHA-256 hex digest")


# --- the writer ---------------------------------------------------------------------------------


class EvidenceWriter:
    """Receives one file's bytes; `commit()` stores it, anything else leaves nothing behind.

    `write()` takes bytes-like chunks of any size and copies them into the pool's buffers (a copy
    runs at ~10 GB/s; the caller may reuse its own buffer once write() returns).
    `EvidenceStore.ingest_stream` reads a file straight into them instead. Not thread-safe: one
    writer per file, one thread at a time.
    """

    def __init__(self, store: EvidenceStore, expected: ExpectedHashes | None) -> None:
        self.store, self.expected = store, expected
        incoming = store.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        self.tmp_path = incoming / f"{os.getpid()}-{secrets.token_hex(8)}.part"
        fd, direct = open_temp(self.tmp_path, direct=True)
        self.fd: int | None = fd
        try:
            self._start(store, fd, direct)
        except BaseException:
            os.close(fd)
            self.tmp_path.unlink(missing_ok=True)
            raise

    def _start(self, store: EvidenceStore, fd: int, direct: bool) -> None:
        self.size = 0
        self.finished = False
        self.hashes: dict[str, _Hash] = {name: hashlib.new(name) for name in ALGORITHMS}
        self.sealer: Sealer | None = None
        self.gathered: Gathered | None = None
        if store.encryption_key is not None and store.key_id is not None:
            self.gathered = Gathered(DirectFile(fd, direct))
            self.sealer = Sealer(store.encryption_key, store.key_id, self.gathered.write)
            sink: Callable[[memoryview], object] = self.sealer.feed
        else:
            sink = DirectFile(fd, direct).write
        # Three lanes: MD5 alone (the slowest), SHA-256 with SHA-1, and the file.
        self.pipeline = Pipeline(
            [[self.hashes["md5"].update], [self.hashes["sha256"].update, self.hashes["sha1"].update], [sink]]
        )
        self.stage: mmap.mmap | None = None
        self.fill = 0

    def __enter__(self) -> EvidenceWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.finished:
            self.abort()

    def _raise_lane_error(self) -> None:
        error = self.pipeline.error()
        if error is not None:
            raise error

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.finished:
            raise RuntimeError("this evidence writer is closed")
        self._raise_lane_error()
        view = memoryview(data).cast("B")
        self.size += len(view)
        while view:
            if self.stage is None:
                self.stage = self.pipeline.take()
            take = min(len(view), BUFFER - self.fill)
            self.stage[self.fill : self.fill + take] = view[:take]
            self.fill += take
            view = view[take:]
            if self.fill == BUFFER:
                self._send_stage()

    def _send_stage(self) -> None:
        if self.stage is not None:
            self.pipeline.send(memoryview(self.stage)[: self.fill], self.stage)
            self.stage, self.fill = None, 0

    def _fill_from(self, stream: _Readable) -> int:
        """Read straight into a pool buffer (no copy); the number of bytes read, 0 at the end."""
        self._send_stage()
        buffer = self.pipeline.take()
        try:
            count = stream.readinto(buffer) or 0
        except BaseException:
            self.pipeline.give_back(buffer)
            raise
        if count == 0:
            self.pipeline.give_back(buffer)
            return 0
        self.size += count
        self.pipeline.send(memoryview(buffer)[:count], buffer)
        return count

    def commit(self) -> Digests:
        """Store the file and return its digests; raises HashMismatch (nothing stored) when a
        stated hash differs, DiskFull when the disk filled up."""
        if self.finished:
            raise RuntimeError("this evidence writer is closed")
        try:
            self._send_stage()
            self.pipeline.close()
            self._raise_lane_error()
            digests = {name: h.hexdigest() for name, h in self.hashes.items()}
            if self.expected is not None:
                for name in ALGORITHMS:
                    stated = getattr(self.expected, name)
                    if stated is not None and stated != digests[name]:
                        raise HashMismatch(name, stated, digests[name])
            assert self.fd is not None
            if self.sealer is not None and self.gathered is not None:
                self.sealer.finish()
                self.gathered.flush()
            os.fchmod(self.fd, 0o444)
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = None
            final = self.store.path_for(digests["sha256"])
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.tmp_path, final)  # never replaces: the first copy of a content stays
            except FileExistsError:
                encrypted, key_id = self.store._sealing_of(final)  # as the first copy was stored
                created = False
            else:
                _fsync_dir(final.parent)
                encrypted, key_id = self.sealer is not None, self.store.key_id if self.sealer else None
                created = True
            os.unlink(self.tmp_path)
        except BaseException:
            self.abort()
            raise
        self.finished = True
        return Digests(digests["sha256"], digests["sha1"], digests["md5"], self.size, encrypted, key_id, created)

    def abort(self) -> None:
        """Drop everything received; safe to call more than once."""
        if self.finished:
            return
        self.finished = True
        if self.stage is not None:
            self.pipeline.give_back(self.stage)
            self.stage = None
        self.pipeline.close()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.tmp_path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading ------------------------------------------------------------------------------------


class PlainReader:
    """`with store.open_plain(sha) as chunks: for chunk in chunks: …` — the plaintext, decrypted
    chunk by chunk when the file is sealed; ContentAltered when a sealed chunk fails its tag."""

    def __init__(self, store: EvidenceStore, sha256: str) -> None:
        self.store, self.sha256 = store, sha256
        self.path = store.path_for(sha256)
        if not self.path.exists():
            raise FileNotFoundError(f"No stored evidence with SHA-256 {sha256}")
        self.handle: BinaryIO | None = None

    def __enter__(self) -> PlainReader:
        self.handle = self.path.open("rb", buffering=0)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def __iter__(self) -> Iterator[bytes]:
        if self.handle is None:
            raise RuntimeError("open the reader with `with` first")
        header = self.store._header_of(self.handle)
        self.handle.seek(0)
        if header is None:
            yield from _raw_chunks(self.handle)
            return
        chunks = self.store._opened_chunks(self.handle, header)
        try:
            first = next(chunks)
        except (ContentAltered, KeyUnavailable):
            if self.store._raw_sha256(self.path) != self.sha256:
                raise
            self.handle.seek(0)  # a plain file that merely starts like a sealed one
            yield from _raw_chunks(self.handle)
            return
        yield first
        yield from chunks


def _raw_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(BUFFER):
        yield chunk


@dataclass(frozen=True)
class _Header:
    raw: bytes
    key_id: str
    base_nonce: bytes
    chunk_size: int


class EvidenceStore:
    """The write-once evidence store under `root` (see the module docstring)."""

    def __init__(self, root: Path, encryption_key: bytes | None = None, key_id: str | None = None) -> None:
        if encryption_key is not None and len(encryption_key) != 32:
            raise ValueError("The evidence encryption key must be 32 bytes (AES-256)")
        self.root = root
        self.encryption_key = encryption_key
        self.key_id = (key_id or key_id_of(encryption_key)) if encryption_key is not None else None

    # paths

    def path_for(self, sha256: str) -> Path:
        _check_address(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def size_on_disk(self, sha256: str) -> int | None:
        """Bytes the stored file takes (a sealed file is larger than its plaintext); None if missing."""
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def __iter__(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and len(path.name) == 64:
                yield path.name

    # writing

    def writer(self, expected: ExpectedHashes | None = None) -> EvidenceWriter:
        return EvidenceWriter(self, expected)

    def ingest_stream(
        self,
        stream: BinaryIO | Iterable[bytes],
        expected: ExpectedHashes | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Digests:
        """Store a binary file object (read into the store's buffers, no copy) or an iterable of
        chunks; on_progress gets the byte count so far after each buffer."""
        with self.writer(expected) as w:
            if hasattr(stream, "readinto"):
                while w._fill_from(cast(_Readable, stream)):
                    if on_progress is not None:
                        on_progress(w.size)
            else:
                for chunk in stream:
                    w.write(chunk)
                    if on_progress is not None:
                        on_progress(w.size)
            return w.commit()

    def sweep_incoming(self, older_than_seconds: float = 24 * 3600) -> int:
        """Remove temporary files left by writers that died (their pid is gone) or that are older
        than the threshold; returns how many were removed. Call it at start-up and before a
        verification run."""
        incoming = self.root / INCOMING
        if not incoming.is_dir():
            return 0
        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in incoming.iterdir():
            pid_text = path.name.split("-", 1)[0]
            dead = pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text))
            try:
                if dead or path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    # reading

    def open_plain(self, sha256: str) -> PlainReader:
        return PlainReader(self, sha256)

    def rehash(self, sha256: str, all_hashes: bool = False) -> Digests | None:
        """Hash the stored file's plaintext again; None when it is missing. With all_hashes=False
        only SHA-256 is computed (the other two come back as ""), which is what verification needs.
        Raises ContentAltered when a sealed file fails its authentication."""
        path = self.path_for(sha256)
        try:
            handle = path.open("rb", buffering=0)
        except FileNotFoundError:
            return None
        names = ALGORITHMS if all_hashes else ("sha256",)
        with handle:
            header = self._header_of(handle)
            handle.seek(0)
            if header is not None:
                try:
                    found = self._hash_chunks(self._opened_chunks(handle, header), names, True, header.key_id)
                except (ContentAltered, KeyUnavailable):
                    if self._raw_sha256(path) != sha256:
                        raise
                else:
                    if found.sha256 == sha256 or self._raw_sha256(path) != sha256:
                        return found
                handle.seek(0)  # a plain file that merely starts like a sealed one
            return self._hash_raw(handle, names)

    def _hash_raw(self, handle: _Readable, names: tuple[str, ...]) -> Digests:
        hashes: dict[str, _Hash] = {name: hashlib.new(name) for name in names}
        size = 0
        if names == ("sha256",):
            # One hash: the read (a copy from the page cache) and the hash overlap in two threads.
            pipeline = Pipeline([[hashes["sha256"].update]])
        else:
            pipeline = Pipeline([[hashes["md5"].update], [hashes["sha256"].update, hashes["sha1"].update]])
        try:
            while True:
                buffer = pipeline.take()
                count = handle.readinto(buffer) or 0
                if count == 0:
                    pipeline.give_back(buffer)
                    break
                size += count
                pipeline.send(memoryview(buffer)[:count], buffer)
        finally:
            pipeline.close()
        error = pipeline.error()
        if error is not None:
            raise error
        return self._digests(hashes, size, False, None)

    def _hash_chunks(
        self, chunks: Iterator[bytes], names: tuple[str, ...], encrypted: bool, key_id: str | None
    ) -> Digests:
        """Hash decrypted chunks: this thread decrypts, the lanes hash (as at ingest)."""
        hashes: dict[str, _Hash] = {name: hashlib.new(name) for name in names}
        if names == ("sha256",):
            pipeline = Pipeline([[hashes["sha256"].update]])
        else:
            pipeline = Pipeline([[hashes["md5"].update], [hashes["sha256"].update, hashes["sha1"].update]])
        size = 0
        try:
            for chunk in chunks:
                size += len(chunk)
                pipeline.slots.acquire()
                pipeline.send(memoryview(chunk), None)
        finally:
            pipeline.close()
        error = pipeline.error()
        if error is not None:
            raise error
        return self._digests(hashes, size, encrypted, key_id)

    @staticmethod
    def _digests(hashes: dict[str, _Hash], size: int, encrypted: bool, key_id: str | None) -> Digests:
        found = {name: h.hexdigest() for name, h in hashes.items()}
        return Digests(found["sha256"], found.get("sha1", ""), found.get("md5", ""), size, encrypted, key_id)

    def _raw_sha256(self, path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb", buffering=0) as handle:
            while chunk := handle.read(BUFFER):
                digest.update(chunk)
        return digest.hexdigest()

    def _header_of(self, handle: BinaryIO) -> _Header | None:
        """The sealed-file header at the start of the file, or None for a plain file."""
        raw = handle.read(HEADER_LEN)
        if len(raw) < HEADER_LEN or not raw.startswith(MAGIC):
            return None
        # The key id is not checked here: an edited one must read as altered, not as plain.
        key_id = raw[len(MAGIC) : len(MAGIC) + 16].decode("ascii", errors="replace")
        chunk_size = int.from_bytes(raw[-4:], "big")
        return _Header(raw, key_id, raw[len(MAGIC) + 16 : len(MAGIC) + 24], chunk_size)

    def _sealing_of(self, path: Path) -> tuple[bool, str | None]:
        with path.open("rb", buffering=0) as handle:
            header = self._header_of(handle)
        return (True, header.key_id) if header is not None else (False, None)

    def _opened_chunks(self, handle: BinaryIO, header: _Header) -> Iterator[bytes]:
        if self.encryption_key is None:
            raise KeyUnavailable(
                f"This evidence file is encrypted (key {header.key_id}) and no evidence encryption key is configured"
            )
        aead = AESGCM(self.encryption_key)
        altered = f"Stored evidence {Path(str(handle.name)).name} fails its authentication"
        if not 0 < header.chunk_size <= MAX_SEAL_CHUNK:  # an edited size must not make us read it all at once
            raise ContentAltered(f"{altered} (its header was changed): it was altered")
        total = os.fstat(handle.fileno()).st_size - HEADER_LEN
        sealed = header.chunk_size + TAG
        count = max(1, -(-total // sealed))
        handle.seek(HEADER_LEN)
        for index in range(count):
            piece = handle.read(sealed)
            last = index == count - 1
            nonce = header.base_nonce + index.to_bytes(4, "big")
            try:
                plain = aead.decrypt(nonce, piece, aad(header.raw, index, last))
            except (InvalidTag, ValueError):
                if index == 0 and header.key_id != self.key_id:
                    if self._sealed_under_our_key(aead, header, piece, last):
                        raise ContentAltered(f"{altered} (its key id was changed): it was altered") from None
                    raise KeyUnavailable(
                        f"This evidence file was encrypted with key {header.key_id}, "
                        f"not the configured key {self.key_id}"
                    ) from None
                raise ContentAltered(f"{altered} at chunk {index}: it was altered") from None
            yield plain

    def _sealed_under_our_key(self, aead: AESGCM, header: _Header, piece: bytes, last: bool) -> bool:
        """Whether the first chunk opens once the header names this store's key again."""
        assert self.key_id is not None
        ours = header.raw[: len(MAGIC)] + self.key_id.encode("ascii") + header.raw[len(MAGIC) + 16 :]
        try:
            aead.decrypt(header.base_nonce + bytes(4), piece, aad(ours, 0, last))
        except (InvalidTag, ValueError):
            return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def evidence_store(data_dir: Path | None = None) -> EvidenceStore:
    """The platform's evidence store: `<data directory>/evidence`, encrypted when the setting
    `evidence_encryption_key` (base64 of 32 bytes) is set."""
    from csirtnet.config import get_settings

    settings = get_settings()
    if data_dir is None:
        data_dir = settings.data_dir
    encoded = str(getattr(settings, "evidence_encryption_key", "") or "")
    key: bytes | None = None
    if encoded:
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ValueError("CSIRTNET_EVIDENCE_ENCRYPTION_KEY is not valid base64") from None
        if len(key) != 32:
            raise ValueError("CSIRTNET_EVIDENCE_ENCRYPTION_KEY must be the base64 of 32 bytes")
    return EvidenceStore(data_dir / "evidence", key)


__all__ = [
    "BUFFER",
    "IN_FLIGHT",
    "MAGIC",
    "SEAL_CHUNK",
    "ContentAltered",
    "Digests",
    "DiskFull",
    "EvidenceStore",
    "EvidenceWriter",
    "ExpectedHashes",
    "HashMismatch",
    "KeyUnavailable",
    "PlainReader",
    "evidence_store",
    "key_id_of",
]
