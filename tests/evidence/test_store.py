"""The evidence store keeps a file once, under its SHA-256, with the three hashes a court expects;
a stated hash that does not match, a failed write, a full disk or an interrupted upload leave
nothing behind; encrypted files read back only with their key and a changed byte is reported."""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csirtnet.evidence import store as store_module
from csirtnet.evidence.store import (
    BUFFER,
    MAGIC,
    SEAL_CHUNK,
    ContentAltered,
    DiskFull,
    EvidenceStore,
    ExpectedHashes,
    HashMismatch,
    KeyUnavailable,
    evidence_store,
    key_id_of,
)

KEY = bytes(range(32))
SIZES = [0, 1, 4095, SEAL_CHUNK - 1, SEAL_CHUNK, SEAL_CHUNK + 7, BUFFER - 1, BUFFER, BUFFER + 1, 2 * BUFFER + 12345]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def hashes_of(data: bytes) -> tuple[str, str, str]:
    # SHA-1 and MD5 are what submitters state and courts still ask for, not a security choice.
    sha1, md5 = hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest()  # noqa: S324
    return hashlib.sha256(data).hexdigest(), sha1, md5


def read_plain(store: EvidenceStore, sha256: str) -> bytes:
    with store.open_plain(sha256) as chunks:
        return b"".join(chunks)


def flip_byte(path: Path, offset: int) -> None:
    path.chmod(0o644)
    with path.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0x01]))


@pytest.fixture
def plain(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


@pytest.fixture
def sealed(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", KEY)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_digests_are_the_hashes_of_the_bytes(tmp_path: Path, size: int, encrypted: bool) -> None:
    data = os.urandom(size)
    store = EvidenceStore(tmp_path / "evidence", KEY if encrypted else None)
    digests = store.ingest_stream(io.BytesIO(data))
    assert (digests.sha256, digests.sha1, digests.md5) == hashes_of(data)
    assert digests.size == size
    assert digests.encrypted is encrypted
    path = store.path_for(digests.sha256)
    assert path == tmp_path / "evidence" / digests.sha256[:2] / digests.sha256[2:4] / digests.sha256
    assert path.stat().st_mode & 0o777 == 0o444
    assert read_plain(store, digests.sha256) == data
    assert store.rehash(digests.sha256, all_hashes=True) == digests
    assert store.rehash(digests.sha256) is not None
    assert files_under(tmp_path / "evidence" / ".incoming") == []


def test_chunks_arriving_one_by_one_are_hashed_like_the_whole(plain: EvidenceStore) -> None:
    data = os.urandom(BUFFER + 70_000)
    progress: list[int] = []
    pieces = [data[i : i + 65_536] for i in range(0, len(data), 65_536)]
    digests = plain.ingest_stream(iter(pieces), on_progress=progress.append)
    assert (digests.sha256, digests.sha1, digests.md5) == hashes_of(data)
    assert progress[-1] == len(data)


def test_a_filesystem_without_direct_writes_is_written_through_the_page_cache(
    plain: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open
    direct = getattr(os, "O_DIRECT", 0)

    def open_without_direct(path: str | Path, flags: int, mode: int = 0o777) -> int:
        if direct and flags & direct:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", open_without_direct)
    data = os.urandom(BUFFER + 4097)
    digests = plain.ingest_stream(io.BytesIO(data))
    monkeypatch.undo()
    assert digests.sha256 == hashlib.sha256(data).hexdigest()
    assert plain.path_for(digests.sha256).read_bytes() == data


def test_the_same_content_twice_is_stored_once(plain: EvidenceStore) -> None:
    data = os.urandom(100_000)
    first = plain.ingest_stream(io.BytesIO(data))
    with plain.writer() as w:
        w.write(data[:10])
        w.write(bytearray(data[10:]))
        second = w.commit()
    # Only the write that put the bytes there may take them away (an upload whose item is refused).
    assert (first.created, second.created) == (True, False)
    assert first == second  # the same digests; `created` is how they were kept, not what they are
    assert files_under(plain.root) == [plain.path_for(first.sha256)]
    assert list(plain) == [first.sha256]


@pytest.mark.parametrize("algorithm", ["sha256", "sha1", "md5"])
def test_a_stated_hash_that_differs_leaves_nothing(plain: EvidenceStore, algorithm: str) -> None:
    data = os.urandom(300_000)
    right = dict(zip(("sha256", "sha1", "md5"), hashes_of(data), strict=True))
    wrong = hashes_of(b"something else")[("sha256", "sha1", "md5").index(algorithm)]
    stated = ExpectedHashes(**{**right, algorithm: wrong.upper()})  # stated hex in any case
    with pytest.raises(HashMismatch, match=f"stated {algorithm.upper()} does not match") as caught:
        plain.ingest_stream(io.BytesIO(data), stated)
    assert (caught.value.algorithm, caught.value.stated, caught.value.computed) == (algorithm, wrong, right[algorithm])
    assert isinstance(caught.value, ValueError)
    assert files_under(plain.root) == []


def test_stated_hashes_that_match_are_accepted(plain: EvidenceStore) -> None:
    data = os.urandom(1000)
    sha256, sha1, md5 = hashes_of(data)
    assert plain.ingest_stream(io.BytesIO(data), ExpectedHashes(md5=f" {md5} ")).sha256 == sha256
    assert plain.ingest_stream(io.BytesIO(data), ExpectedHashes(sha256=sha256, sha1=sha1, md5=md5)).md5 == md5


def test_a_stated_hash_that_is_not_hex_of_the_right_length_is_refused() -> None:
    with pytest.raises(ValueError, match="stated SHA1 is not 40 hexadecimal digits"):
        ExpectedHashes(sha1="abc")
    with pytest.raises(ValueError, match="stated MD5"):
        ExpectedHashes(md5="z" * 32)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_exception_mid_write_leaves_nothing(plain: EvidenceStore, error: type[BaseException]) -> None:
    with pytest.raises(error), plain.writer() as w:
        w.write(os.urandom(BUFFER + 5))
        raise error("the client went away")
    assert files_under(plain.root) == []


def test_an_aborted_or_uncommitted_writer_leaves_nothing(plain: EvidenceStore) -> None:
    w = plain.writer()
    w.write(b"half an upload")
    w.abort()
    w.abort()
    with plain.writer() as w:
        w.write(b"never committed")
    assert files_under(plain.root) == []


def test_a_stream_that_fails_while_read_leaves_nothing(plain: EvidenceStore) -> None:
    class Failing(io.RawIOBase):
        calls = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            self.calls += 1
            if self.calls > 2:
                raise OSError(errno.EIO, "the source disk failed")
            buffer[:1000] = b"x" * 1000
            return 1000

    with pytest.raises(OSError, match="source disk failed"):
        plain.ingest_stream(Failing())
    assert files_under(plain.root) == []


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_full_disk_leaves_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encrypted: bool
) -> None:
    store = EvidenceStore(tmp_path / "evidence", KEY if encrypted else None)
    real_write = os.write
    written = [0]

    def filling_write(fd: int, data: memoryview | bytes) -> int:
        if len(data) < 4096:  # pytest's own output and the header: let them through
            return real_write(fd, data)
        if written[0] >= BUFFER:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", filling_write)
    with pytest.raises(DiskFull, match="disk is full") as caught:
        store.ingest_stream(io.BytesIO(os.urandom(3 * BUFFER)))
    monkeypatch.undo()
    assert caught.value.errno == errno.ENOSPC
    assert files_under(store.root) == []


def test_encrypted_files_are_not_the_plaintext_and_read_back(sealed: EvidenceStore) -> None:
    data = b"memory image " * 200_000
    digests = sealed.ingest_stream(io.BytesIO(data))
    assert digests.encrypted and digests.key_id == key_id_of(KEY)
    raw = sealed.path_for(digests.sha256).read_bytes()
    assert raw.startswith(MAGIC)
    assert b"memory image" not in raw
    assert sealed.size_on_disk(digests.sha256) == len(raw) > len(data)
    assert read_plain(sealed, digests.sha256) == data
    # The address is the plaintext's: the same bytes stored plain elsewhere have the same name.
    assert digests.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "where", ["key id in the header", "nonce in the header", "chunk size", "first chunk", "tag of the last chunk"]
)
def test_a_changed_byte_in_an_encrypted_file_reads_as_altered(sealed: EvidenceStore, where: str) -> None:
    data = os.urandom(SEAL_CHUNK * 2 + 100)
    digests = sealed.ingest_stream(io.BytesIO(data))
    path = sealed.path_for(digests.sha256)
    offset = {
        "key id in the header": len(MAGIC) + 3,
        "nonce in the header": len(MAGIC) + 20,
        "chunk size": len(MAGIC) + 24,  # the size's top byte: 16 MiB more
        "first chunk": 100,
        "tag of the last chunk": path.stat().st_size - 1,
    }[where]
    flip_byte(path, offset)
    with pytest.raises(ContentAltered, match="altered"):
        sealed.rehash(digests.sha256)
    with pytest.raises(ContentAltered), sealed.open_plain(digests.sha256) as chunks:
        b"".join(chunks)


def test_an_encrypted_file_cut_at_a_chunk_boundary_reads_as_altered(sealed: EvidenceStore) -> None:
    data = os.urandom(SEAL_CHUNK * 3)
    digests = sealed.ingest_stream(io.BytesIO(data))
    path = sealed.path_for(digests.sha256)
    path.chmod(0o644)
    os.truncate(path, path.stat().st_size - (SEAL_CHUNK + 16))
    with pytest.raises(ContentAltered):
        sealed.rehash(digests.sha256, all_hashes=True)


def test_an_encrypted_file_needs_its_key(tmp_path: Path, sealed: EvidenceStore) -> None:
    digests = sealed.ingest_stream(io.BytesIO(b"seized disk image"))
    other = EvidenceStore(sealed.root, bytes(32))
    with pytest.raises(KeyUnavailable, match=f"encrypted with key {key_id_of(KEY)}"):
        other.rehash(digests.sha256)
    with pytest.raises(KeyUnavailable, match="no evidence encryption key is configured"):
        read_plain(EvidenceStore(sealed.root), digests.sha256)


def test_a_changed_byte_in_a_plain_file_changes_its_rehash(plain: EvidenceStore) -> None:
    data = os.urandom(BUFFER + 3)
    digests = plain.ingest_stream(io.BytesIO(data))
    flip_byte(plain.path_for(digests.sha256), BUFFER)
    again = plain.rehash(digests.sha256, all_hashes=True)
    assert again is not None
    assert again.sha256 != digests.sha256 and again.md5 != digests.md5 and again.size == digests.size


def test_a_plain_file_that_looks_encrypted_is_read_as_it_is(tmp_path: Path) -> None:
    """A sealed file from another platform, submitted as evidence, is evidence like any other."""
    foreign = EvidenceStore(tmp_path / "elsewhere", bytes(32)).ingest_stream(io.BytesIO(b"x" * 5000))
    submitted = (tmp_path / "elsewhere").joinpath(foreign.sha256[:2], foreign.sha256[2:4], foreign.sha256).read_bytes()
    digests = EvidenceStore(tmp_path / "evidence").ingest_stream(io.BytesIO(submitted))
    for reader in (EvidenceStore(tmp_path / "evidence"), EvidenceStore(tmp_path / "evidence", KEY)):
        assert read_plain(reader, digests.sha256) == submitted
        assert reader.rehash(digests.sha256, all_hashes=True) == digests


def test_missing_content(plain: EvidenceStore) -> None:
    absent = "0" * 64
    assert plain.rehash(absent) is None
    assert not plain.exists(absent)
    assert plain.size_on_disk(absent) is None
    with pytest.raises(FileNotFoundError, match="No stored evidence"):
        plain.open_plain(absent)
    with pytest.raises(ValueError, match="not a SHA-256"):
        plain.path_for("../../etc/passwd")


def test_sweep_removes_what_dead_or_old_writers_left(plain: EvidenceStore) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    incoming = plain.root / ".incoming"
    incoming.mkdir(parents=True)
    dead = incoming / f"{child.pid}-0123456789abcdef.part"
    mine_old = incoming / f"{os.getpid()}-old.part"
    mine_new = incoming / f"{os.getpid()}-new.part"
    for path in (dead, mine_old, mine_new):
        path.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(mine_old, (hour_ago, hour_ago))
    with plain.writer() as w:  # a writer at work right now keeps its file
        w.write(b"in progress")
        assert plain.sweep_incoming(older_than_seconds=600) == 2
        assert sorted(p.name for p in incoming.iterdir()) == sorted([mine_new.name, w.tmp_path.name])
        w.commit()
    assert plain.sweep_incoming(older_than_seconds=0) == 1


def test_the_platform_store_reads_its_key_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csirtnet.config

    def settings_with(key: str) -> SimpleNamespace:
        return SimpleNamespace(data_dir=tmp_path, evidence_encryption_key=key)

    monkeypatch.setattr(csirtnet.config, "get_settings", lambda: settings_with(""))
    unencrypted = evidence_store()
    assert unencrypted.root == tmp_path / "evidence" and unencrypted.encryption_key is None
    monkeypatch.setattr(csirtnet.config, "get_settings", lambda: settings_with(base64.b64encode(KEY).decode()))
    keyed = evidence_store()
    assert keyed.encryption_key == KEY and keyed.key_id == hashlib.sha256(KEY).hexdigest()[:16]
    monkeypatch.setattr(csirtnet.config, "get_settings", lambda: settings_with(base64.b64encode(b"short").decode()))
    with pytest.raises(ValueError, match="32 bytes"):
        evidence_store()


@pytest.fixture
def small_buffers() -> Iterator[None]:
    """Buffers and sealed chunks of a few KiB, so that small examples cross every boundary."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "BUFFER", 8192)
        patch.setattr(store_module, "SEAL_CHUNK", 3000)
        yield


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=40_000), cuts=st.lists(st.integers(0, 40_000), max_size=12), encrypted=st.booleans())
def test_any_chunking_gives_the_same_digests(
    small_buffers: None, data: bytes, cuts: list[int], encrypted: bool
) -> None:
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    with tempfile.TemporaryDirectory() as tmp:
        store = EvidenceStore(Path(tmp), KEY if encrypted else None)
        with store.writer() as w:
            for start, end in itertools.pairwise(bounds):
                w.write(data[start:end])
            digests = w.commit()
        assert (digests.sha256, digests.sha1, digests.md5, digests.size) == (*hashes_of(data), len(data))
        assert read_plain(store, digests.sha256) == data
        assert store.rehash(digests.sha256, all_hashes=True) == digests
